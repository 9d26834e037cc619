//! Placeholder: filled in by the SIP work (issue 4).
