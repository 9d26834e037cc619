//! Timers as data: every transaction has two deadline slots, and one binary heap orders all armed
//! deadlines of the layer.
//!
//! Rearming or disarming a slot does not touch the heap: the old entry stays and is skipped when it
//! reaches the top (its deadline no longer equals the slot's, or its transaction's generation
//! changed). When stale entries outnumber live transactions several times over, the heap is
//! rebuilt from the live ones, so memory stays proportional to the transactions alive.

use super::{Time, Timer};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A transaction's two timer slots. Every state of §17 runs at most one retransmission timer
/// (A, E, G, or the 100 Trying delay) and one ending timer (B, D, F, H, I, J, K, L, M, Cancel).
/// At equal deadlines the ending timer runs first: no retransmission at the instant of giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Slot {
    End,
    Retransmit,
}

/// The deadlines of one transaction: `Time::NEVER` when a slot is unarmed, with the RFC name of
/// what it runs (for events) and the current retransmit interval (it doubles).
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadlines {
    pub retransmit_at: Time,
    pub end_at: Time,
    pub retransmit: Timer,
    pub end: Timer,
    pub interval_ms: u32,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            retransmit_at: Time::NEVER,
            end_at: Time::NEVER,
            retransmit: Timer::A,
            end: Timer::B,
            interval_ms: 0,
        }
    }
}

impl Deadlines {
    pub fn at(&self, slot: Slot) -> Time {
        match slot {
            Slot::Retransmit => self.retransmit_at,
            Slot::End => self.end_at,
        }
    }

    pub fn disarm(&mut self, slot: Slot) {
        match slot {
            Slot::Retransmit => self.retransmit_at = Time::NEVER,
            Slot::End => self.end_at = Time::NEVER,
        }
    }
}

/// One armed deadline in the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Entry {
    pub at: Time,
    pub index: u32,
    pub generation: u32,
    pub slot: Slot,
}

/// All armed deadlines of a layer, earliest first, with lazy deletion.
#[derive(Debug, Default)]
pub(super) struct TimerQueue {
    heap: BinaryHeap<Reverse<Entry>>,
}

impl TimerQueue {
    pub fn reserve(&mut self, additional: usize) {
        self.heap.reserve(additional);
    }

    pub fn push(&mut self, entry: Entry) {
        self.heap.push(Reverse(entry));
    }

    /// The earliest entry, live or stale.
    pub fn peek(&self) -> Option<&Entry> {
        self.heap.peek().map(|Reverse(e)| e)
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    pub fn pop_due(&mut self, now: Time) -> Option<Entry> {
        if self.peek()?.at <= now { self.heap.pop().map(|Reverse(e)| e) } else { None }
    }

    /// Removes the earliest entry (a stale one, found by the caller).
    pub fn pop(&mut self) {
        self.heap.pop();
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Keeps only the entries `live` accepts: the rebuild that bounds stale entries.
    pub fn retain(&mut self, mut live: impl FnMut(&Entry) -> bool) {
        self.heap.retain(|Reverse(e)| live(e));
    }
}
