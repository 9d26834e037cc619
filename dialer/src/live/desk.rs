//! Agents' side of the live dialer: each agent's phone calls in and stays connected for the
//! session; a local HTTP/JSON API (and RFC 4733 key presses) carries what agents do.
