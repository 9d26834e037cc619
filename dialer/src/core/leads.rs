//! Where the numbers to dial come from.

use super::LeadId;
use compact_str::CompactString;
use std::collections::VecDeque;

/// A number to dial, and which attempt at it this is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lead {
    /// The lead.
    pub id: LeadId,
    /// The number, E.164 (`+12025550123`).
    pub number: CompactString,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
}

/// The supply of leads the core dials from.
#[derive(Clone, Debug)]
pub enum LeadSource {
    /// An endless supply of fresh numbers (the simulator's default): lead `n` is the `n`-th
    /// number dialled, so two pacers on one seed dial the same people in the same order.
    Endless(Endless),
    /// A fixed list, dialled in order; dialing stops when it runs out.
    List(VecDeque<Lead>),
}

impl LeadSource {
    /// An endless source starting at lead 1.
    pub fn endless() -> LeadSource {
        LeadSource::Endless(Endless::default())
    }

    /// Whether another lead is available.
    pub fn has_next(&self) -> bool {
        match self {
            LeadSource::Endless(_) => true,
            LeadSource::List(list) => !list.is_empty(),
        }
    }

    /// The next lead, if any.
    pub fn next_lead(&mut self) -> Option<Lead> {
        match self {
            LeadSource::Endless(endless) => Some(endless.next_lead()),
            LeadSource::List(list) => list.pop_front(),
        }
    }
}

/// Synthetic leads: lead `n` has the number `+1 200 000 0000 + n` — valid E.164 and never a real
/// subscriber's (NANP area codes do not start with 2-0-0). The number is kept as text and
/// incremented digit by digit (a number is made for every simulated dial).
#[derive(Clone, Debug)]
pub struct Endless {
    next: u64,
    /// The next number, as ASCII: `+`, then digits only.
    digits: [u8; 12],
}

impl Default for Endless {
    fn default() -> Endless {
        Endless { next: 1, digits: *b"+12000000001" }
    }
}

impl Endless {
    fn next_lead(&mut self) -> Lead {
        debug_assert!(self.digits.is_ascii());
        // SAFETY: `digits` holds only ASCII ('+' and '0'..='9'): it starts so, and the loop below
        // only ever stores ASCII digits. ASCII is valid UTF-8. (Validating 12 bytes on every
        // simulated dial cost a twentieth of the simulator's time.)
        let text = unsafe { std::str::from_utf8_unchecked(&self.digits) };
        let lead = Lead { id: LeadId(self.next), number: CompactString::from(text), attempt: 1 };
        self.next += 1;
        // Add one to the national number (after "+1"); past +1 999 999 9999 it wraps to
        // +1 000 000 0000, after eight billion leads.
        for d in self.digits[2..].iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                break;
            }
        }
        lead
    }
}

/// The E.164 text `+<country><national>` (synthetic callers' numbers).
pub fn e164(country: u16, national: u64) -> CompactString {
    compact_str::format_compact!("+{country}{national}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_leads_are_numbered_in_order() {
        let mut s = LeadSource::endless();
        let a = s.next_lead().unwrap();
        let b = s.next_lead().unwrap();
        assert_eq!((a.id, b.id), (LeadId(1), LeadId(2)));
        assert_eq!(a.number, "+12000000001");
        assert_eq!(b.number, "+12000000002");
        let mut s = LeadSource::endless();
        let numbers: Vec<_> = (0..1000).map(|_| s.next_lead().unwrap().number).collect();
        assert_eq!(numbers[998], "+12000000999");
        assert_eq!(numbers[999], "+12000001000", "digits carry");
        assert!(s.has_next());
    }

    #[test]
    fn e164_numbers_are_written_digit_for_digit() {
        assert_eq!(e164(1, 2_025_550_123), "+12025550123");
        assert_eq!(e164(44, 1_632_960_000), "+441632960000");
        assert_eq!(e164(1, 0), "+10");
    }

    #[test]
    fn a_list_runs_out() {
        let lead = Lead { id: LeadId(4), number: "+441632960001".into(), attempt: 2 };
        let mut s = LeadSource::List(VecDeque::from([lead.clone()]));
        assert_eq!(s.next_lead(), Some(lead));
        assert!(!s.has_next());
        assert_eq!(s.next_lead(), None);
    }
}
