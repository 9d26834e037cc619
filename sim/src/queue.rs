//! The event queue: events ordered by `(time, sequence)`, so events at one instant run in the
//! order they were scheduled and a run is deterministic.
//!
//! Simulated time never goes back, so the queue is a *radix heap* (Ahuja, Mehlhorn, Orlin and
//! Tarjan, 1990) rather than a binary heap: an event goes into the bucket named by the highest bit
//! in which its key differs from the last key taken, so a push is an append, and each event moves
//! between buckets at most once per bit of the key. On the simulator's loads it takes about a third
//! of a binary heap's time per event.

use reports::Time;

/// A key: the time in the high 64 bits, the scheduling sequence number in the low 64, so keys are
/// unique and order first by time, then first-in first-out.
type Key = u128;

fn key(time: Time, seq: u64) -> Key {
    (u128::from(time.as_ms()) << 64) | u128::from(seq)
}

/// Bucket `i` (1 ≤ i ≤ 128) holds keys whose highest bit differing from `last` is bit `i − 1`;
/// bucket 0 holds the key equal to `last`.
fn bucket(k: Key, last: Key) -> usize {
    (128 - (k ^ last).leading_zeros()) as usize
}

/// A min-queue of future events with a virtual clock: time only moves forward.
pub struct EventQueue<E> {
    buckets: Vec<Vec<(Key, E)>>,
    /// The last key taken; every key in the queue is greater.
    last: Key,
    seq: u64,
    len: usize,
    now: Time,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { buckets: (0..=128).map(|_| Vec::new()).collect(), last: 0, seq: 0, len: 0, now: Time::ZERO }
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
        let k = key(time, self.seq);
        self.seq += 1;
        self.buckets[bucket(k, self.last)].push((k, event));
        self.len += 1;
    }

    /// Makes bucket 0 hold the smallest key, if any event is waiting.
    fn settle(&mut self) -> bool {
        if !self.buckets[0].is_empty() {
            return true;
        }
        let Some(i) = self.buckets.iter().position(|b| !b.is_empty()) else { return false };
        let items = std::mem::take(&mut self.buckets[i]);
        self.last = items.iter().map(|(k, _)| *k).min().expect("bucket not empty");
        for (k, e) in items {
            // Every key in bucket i shares bits above i − 1 with the new `last`, so it lands lower.
            self.buckets[bucket(k, self.last)].push((k, e));
        }
        true
    }

    /// When the next event is due.
    pub fn peek_time(&mut self) -> Option<Time> {
        self.settle().then(|| Time::from_ms((self.buckets[0][0].0 >> 64) as u64))
    }

    /// Takes the next event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(Time, E)> {
        if !self.settle() {
            return None;
        }
        // Keys are unique, so bucket 0 holds exactly the one key equal to `last`.
        let (k, e) = self.buckets[0].pop().expect("settled");
        self.len -= 1;
        self.now = Time::from_ms((k >> 64) as u64);
        Some((self.now, e))
    }

    /// Moves the clock to `time` without an event (the dialer's own timers).
    pub fn advance(&mut self, time: Time) {
        debug_assert!(time >= self.now);
        self.now = time;
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

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
        assert!(q.is_empty());
    }

    #[test]
    fn pops_in_the_same_order_as_a_sort_by_time_then_sequence() {
        // Interleave pushes and pops as the simulator does, against a reference model.
        let mut rng = crate::rng::stream(7, crate::rng::Purpose::Ring, 0);
        let mut q = EventQueue::default();
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut seq = 0;
        for _ in 0..20_000 {
            if rng.random_range(0..3) > 0 || model.is_empty() {
                let at = q.now().as_ms() + rng.random_range(0..50_000u64) * rng.random_range(0..2u64);
                q.schedule(Time::from_ms(at), seq);
                model.push((at, seq));
                seq += 1;
            } else {
                model.sort_unstable_by(|a, b| b.cmp(a));
                let (at, s) = model.pop().unwrap();
                assert_eq!(q.peek_time(), Some(Time::from_ms(at)));
                assert_eq!(q.pop(), Some((Time::from_ms(at), s)));
            }
            assert_eq!(q.len(), model.len());
        }
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
