//! The event queue: events ordered by `(time, sequence)`, so events at one instant run in the
//! order they were scheduled and a run is deterministic.

use reports::Time;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

struct Entry<E> {
    time: Time,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// A min-queue of future events with a virtual clock: time only moves forward.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    seq: u64,
    now: Time,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), seq: 0, now: Time::ZERO }
    }
}

impl<E> EventQueue<E> {
    /// The time of the last event taken (the virtual clock).
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past: the world model only ever
    /// schedules after non-negative delays, so a past time is a bug.
    pub fn schedule(&mut self, time: Time, event: E) {
        assert!(time >= self.now, "event scheduled at {time}, before the clock ({})", self.now);
        self.heap.push(Reverse(Entry { time, seq: self.seq, event }));
        self.seq += 1;
    }

    /// When the next event is due.
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|Reverse(e)| e.time)
    }

    /// Takes the next event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let Reverse(e) = self.heap.pop()?;
        self.now = e.time;
        Some((e.time, e.event))
    }

    /// Moves the clock to `time` without an event (the dialer's own timers).
    pub fn advance(&mut self, time: Time) {
        debug_assert!(time >= self.now);
        self.now = time;
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_run_first_in_first_out() {
        let mut q = EventQueue::default();
        q.schedule(Time::from_ms(5), 'b');
        q.schedule(Time::from_ms(1), 'a');
        q.schedule(Time::from_ms(5), 'c');
        q.schedule(Time::from_ms(5), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(q.now(), Time::from_ms(5));
    }

    #[test]
    #[should_panic(expected = "before the clock")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut q = EventQueue::default();
        q.schedule(Time::from_ms(10), ());
        q.pop();
        q.schedule(Time::from_ms(9), ());
    }
}
