//! What becomes of a lead after each call: retried later, called back, or finished.
//!
//! The rules are pure (time comes in as an argument), so the store applies them inside the same
//! transaction that records the call, and tests check them without a database.

use jiff::{SignedDuration, Timestamp};
use reports::{Cdr, Outcome};

/// Ofcom's rule: a number whose call was abandoned is not called again within 72 hours (unless an
/// agent is guaranteed, which a predictive campaign cannot promise).
pub const OFCOM_ABANDON_GAP_MS: u64 = 72 * 3_600_000;

/// The abandon-rate regime the campaign keeps to (DOMAIN.md, "Rules a predictive dialer must
/// meet"): it sets the pacer's period and whether the 72-hour rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// US: FCC 47 CFR 64.1200 and the FTC's TSR.
    Fcc,
    /// UK: Ofcom's persistent-misuse statements; adds the 72-hour rule.
    Ofcom,
}

/// The `[retry]` section: when each outcome is tried again, and how often a lead may be called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryRules {
    /// Calls placed to one lead at most (≥ 1); a lead that reaches it without a final outcome
    /// ends `max_attempts`.
    pub max_attempts: u32,
    /// Delay after a busy line.
    pub busy_ms: u64,
    /// Delay after no answer.
    pub no_answer_ms: u64,
    /// Delay after an answering machine.
    pub machine_ms: u64,
    /// Delay after an abandoned call (at least 72 h under Ofcom).
    pub abandoned_ms: u64,
    /// Delay after a network failure.
    pub failed_ms: u64,
    /// When to call back after a `callback` disposition that came without a time.
    pub callback_ms: u64,
}

impl Default for RetryRules {
    /// 5 attempts; busy 30 min, no answer 2 h, machine 4 h, abandoned 1 h, failed 15 min,
    /// callback 24 h.
    fn default() -> RetryRules {
        const MIN: u64 = 60_000;
        RetryRules {
            max_attempts: 5,
            busy_ms: 30 * MIN,
            no_answer_ms: 120 * MIN,
            machine_ms: 240 * MIN,
            abandoned_ms: 60 * MIN,
            failed_ms: 15 * MIN,
            callback_ms: 24 * 60 * MIN,
        }
    }
}

/// The agent's wrap-up code asking for a scheduled call back.
pub const CALLBACK: &str = "callback";
/// The agent's wrap-up code for a person who asked not to be called again.
pub const DNC_REQUEST: &str = "dnc_request";

/// What happens to a lead after one of its calls ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Call again, not before this time.
    Retry(Timestamp),
    /// The call was never placed (no free line): call again as soon as possible, and the
    /// attempt does not count.
    Unplaced,
    /// An agent asked for a call back: by default at this time.
    Callback(Timestamp),
    /// The person asked not to be called: the number joins the do-not-call list.
    Dnc,
    /// A conversation took place and nothing more is wanted.
    Done,
    /// The number does not exist.
    Invalid,
    /// No final outcome within `max_attempts` calls.
    MaxAttempts,
}

impl RetryRules {
    /// The fate of a lead whose call `cdr` ended at `now`, the lead having had `attempts` calls
    /// placed (this one included).
    ///
    /// Connected calls are final unless the disposition is [`CALLBACK`] or [`DNC_REQUEST`];
    /// `invalid` is final; `blocked` was never placed. Busy, no answer, machine, abandoned and
    /// failed calls are retried after their delay until `max_attempts`. Under [`Rule::Ofcom`]
    /// an abandoned call — and a person AMD hung up on, where the record knows it — waits at
    /// least [`OFCOM_ABANDON_GAP_MS`].
    pub fn next(&self, cdr: &Cdr, attempts: u32, rule: Rule, now: Timestamp) -> Next {
        let delay = match cdr.outcome {
            Outcome::Connected => {
                return match cdr.disposition.as_str() {
                    CALLBACK => Next::Callback(later(now, self.callback_ms)),
                    DNC_REQUEST => Next::Dnc,
                    _ => Next::Done,
                };
            }
            Outcome::Invalid => return Next::Invalid,
            Outcome::Blocked => return Next::Unplaced,
            Outcome::Busy => self.busy_ms,
            Outcome::NoAnswer => self.no_answer_ms,
            Outcome::Machine => self.machine_ms,
            Outcome::Abandoned => self.abandoned_ms,
            Outcome::Failed => self.failed_ms,
        };
        if attempts >= self.max_attempts {
            return Next::MaxAttempts;
        }
        let silent = cdr.outcome == Outcome::Abandoned || cdr.is_amd_false_positive();
        let delay = if rule == Rule::Ofcom && silent { delay.max(OFCOM_ABANDON_GAP_MS) } else { delay };
        Next::Retry(later(now, delay))
    }
}

/// `now` plus `ms`, saturating at the largest time jiff represents.
pub(crate) fn later(now: Timestamp, ms: u64) -> Timestamp {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    now.checked_add(SignedDuration::from_millis(ms)).unwrap_or(Timestamp::MAX)
}
