//! What a trunk's final answer to an INVITE means for the campaign: the table of docs/live.md
//! ("SIP final codes and Q.850 causes"), as one function.
//!
//! A `Reason: Q.850;cause=N` header (RFC 3326), when the trunk sends one, says more than the SIP
//! code (gateways map many ISDN causes onto a handful of codes), so it decides first; the SIP
//! code decides otherwise. The retry rule follows from the outcome ([`crate::campaign::RetryRules`]):
//! busy after `retry.busy`, no answer after `retry.no_answer`, failed after `retry.failed`,
//! invalid never again.

use crate::core::Rejection;

/// What the driver does with a final non-2xx answer to an INVITE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinalAnswer {
    /// What the dialer core is told ([`crate::core::Input::Rejected`]): its outcome and code.
    pub rejection: Rejection,
    /// Whether the trunk itself failed (503, 408, 500/502/504, or a Q.850 network cause): the
    /// call is tried again at once on the next trunk that is up, and the trunk's failure counts
    /// towards marking it down.
    pub failover: bool,
}

/// The Q.850 cause of a `Reason` header value (`Q.850;cause=17;text="User busy"`), if it is one.
pub fn q850_cause(reason: &str) -> Option<u16> {
    let mut parts = reason.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case("Q.850") {
        return None;
    }
    parts.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case("cause").then(|| value.trim().trim_matches('"').parse().ok())?
    })
}

/// Classifies a final non-2xx response `code` (with the value of its `Reason` header, if any).
/// 401 and 407 come here only when the challenge could not be answered (no credentials, or a
/// second challenge): they fail, without failover.
pub fn classify(code: u16, reason: Option<&str>) -> FinalAnswer {
    let answer = |rejection, failover| FinalAnswer { rejection, failover };
    if let Some(cause) = reason.and_then(q850_cause) {
        match cause {
            // User busy; call rejected (the person declined: retried like busy).
            17 | 21 => return answer(Rejection::Busy, false),
            // Unallocated number, no route to destination, number changed, invalid format.
            1 | 3 | 22 | 28 => return answer(Rejection::Invalid, false),
            // No user responding, no answer from user.
            18 | 19 => return answer(Rejection::NoAnswer(code), false),
            // No circuit, network out of order, temporary failure, switching equipment
            // congestion, requested circuit unavailable, resources unavailable.
            34 | 38 | 41 | 42 | 44 | 47 => return answer(Rejection::Failed(code), true),
            // Normal clearing and the rest: the SIP code says more.
            _ => {}
        }
    }
    match code {
        486 | 600 | 603 => answer(Rejection::Busy, false),
        404 | 410 | 484 | 485 | 604 => answer(Rejection::Invalid, false),
        480 | 487 => answer(Rejection::NoAnswer(code), false),
        // Request timeout from the trunk: try the next one; from the last trunk, no answer.
        408 => answer(Rejection::NoAnswer(code), true),
        500 | 502 | 503 | 504 => answer(Rejection::Failed(code), true),
        _ => answer(Rejection::Failed(code), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_docs_live_md() {
        let rows: &[(u16, Option<&str>, Rejection, bool)] = &[
            (486, None, Rejection::Busy, false),
            (600, None, Rejection::Busy, false),
            (603, None, Rejection::Busy, false),
            (404, None, Rejection::Invalid, false),
            (484, None, Rejection::Invalid, false),
            (604, None, Rejection::Invalid, false),
            (480, None, Rejection::NoAnswer(480), false),
            (487, None, Rejection::NoAnswer(487), false),
            (408, None, Rejection::NoAnswer(408), true),
            (503, None, Rejection::Failed(503), true),
            (500, None, Rejection::Failed(500), true),
            (401, None, Rejection::Failed(401), false),
            (488, None, Rejection::Failed(488), false),
            (480, Some("Q.850;cause=17;text=\"User busy\""), Rejection::Busy, false),
            (404, Some("Q.850;cause=1"), Rejection::Invalid, false),
            (503, Some("Q.850 ; cause=18"), Rejection::NoAnswer(503), false),
            (480, Some("Q.850;cause=19"), Rejection::NoAnswer(480), false),
            (603, Some("Q.850;cause=21"), Rejection::Busy, false),
            (503, Some("Q.850;cause=34"), Rejection::Failed(503), true),
            (480, Some("Q.850;cause=38"), Rejection::Failed(480), true),
            (500, Some("Q.850;cause=41"), Rejection::Failed(500), true),
            (503, Some("Q.850;cause=42"), Rejection::Failed(503), true),
            (486, Some("Q.850;cause=16"), Rejection::Busy, false),
            (486, Some("SIP;cause=200;text=\"Call completed elsewhere\""), Rejection::Busy, false),
            (404, Some("Q.850;cause=oops"), Rejection::Invalid, false),
        ];
        for &(code, reason, rejection, failover) in rows {
            assert_eq!(classify(code, reason), FinalAnswer { rejection, failover }, "{code} {reason:?}");
        }
    }

    #[test]
    fn q850_causes_are_read_only_from_q850_reasons() {
        assert_eq!(q850_cause("Q.850;cause=17;text=\"x\""), Some(17));
        assert_eq!(q850_cause("q.850; cause = 34"), Some(34));
        assert_eq!(q850_cause("SIP;cause=486"), None);
        assert_eq!(q850_cause("Q.850"), None);
        assert_eq!(q850_cause(""), None);
    }
}
