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
    Endless {
        /// The id of the next lead.
        next: u64,
    },
    /// A fixed list, dialled in order; dialing stops when it runs out.
    List(VecDeque<Lead>),
}

impl LeadSource {
    /// An endless source starting at lead 1.
    pub fn endless() -> LeadSource {
        LeadSource::Endless { next: 1 }
    }

    /// Whether another lead is available.
    pub fn has_next(&self) -> bool {
        match self {
            LeadSource::Endless { .. } => true,
            LeadSource::List(list) => !list.is_empty(),
        }
    }

    /// The next lead, if any.
    pub fn next_lead(&mut self) -> Option<Lead> {
        match self {
            LeadSource::Endless { next } => {
                let id = *next;
                *next += 1;
                // Synthetic NANP numbers, +1 200 000 0001 onwards: valid E.164 and never real
                // subscribers' (area codes do not start with 2-0-0).
                Some(Lead { id: LeadId(id), number: e164(1, 2_000_000_000 + id), attempt: 1 })
            }
            LeadSource::List(list) => list.pop_front(),
        }
    }
}

/// `+<country><national>` without going through `fmt` (this runs once per simulated dial).
pub fn e164(country: u16, national: u64) -> CompactString {
    let mut buf = [0u8; 32];
    let mut at = buf.len();
    for mut n in [national, u64::from(country)] {
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
    }
    at -= 1;
    buf[at] = b'+';
    // Only ASCII digits and '+' were written.
    CompactString::from(std::str::from_utf8(&buf[at..]).expect("ASCII"))
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
