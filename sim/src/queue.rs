//! The event queue: events ordered by `(time, scheduling order)`, so events at one instant run in
//! the order they were scheduled and a run is deterministic.
//!
//! Simulated time never goes back, so the queue is a hierarchical timing wheel keyed on the bytes
//! of the event time, relative to the instant of the last event taken (`last`): an event whose
//! time first differs from `last` in byte `k` waits in level `k`, slot `byte k of its time`. The
//! earliest event is always in the lowest occupied slot of the lowest occupied level (a bitmap per
//! level finds it); taking that slot moves its events down a level or more, so an event moves at
//! most a few times (a radix heap on bytes rather than bits: far fewer moves per event).
//!
//! First-in first-out at equal times needs no sequence numbers: an event's slot is a function of
//! its time and `last` alone, so events of equal time always share a slot and move together, in
//! the order they were appended. Events due at `last` itself wait in a FIFO.
//!
//! A peek settles the wheel (moves `last` to the next event's time). The engine may then run one
//! of the dialer's own timers first, and the world may schedule an event before `last`; such an
//! event is earlier than everything in the wheel, and waits in a small sorted `early` list that is
//! served first. It is rare (new events are usually seconds ahead) and keeps order exact.
//!
//! Slots are linked lists threaded through one pool of nodes, not vectors: moving an event down
//! the wheel relinks it without copying it, and no slot owns an allocation of its own.

use reports::Time;
use std::collections::VecDeque;

/// Levels of the wheel: one per byte of a 64-bit time.
const LEVELS: usize = 8;
/// Slots per level: one per value of a byte.
const SLOTS: usize = 256;

/// The level and slot of time `t` relative to `last` (`t > last`).
fn place(t: u64, last: u64) -> (usize, usize) {
    let level = (63 - (t ^ last).leading_zeros()) as usize / 8;
    (level, (t >> (8 * level)) as usize & (SLOTS - 1))
}

/// No node.
const NIL: u32 = u32::MAX;

/// An event waiting in the wheel, and the next one in its list.
#[derive(Clone, Copy)]
struct Node<E> {
    t: u64,
    event: E,
    next: u32,
}

/// A list of nodes in scheduling order: first and last ([`NIL`] when empty).
#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

const EMPTY: List = List { head: NIL, tail: NIL };

impl List {
    /// Appends node `i` (whose `next` is [`NIL`]).
    #[inline]
    fn push<E>(&mut self, nodes: &mut [Node<E>], i: u32) {
        match self.tail {
            NIL => self.head = i,
            tail => nodes[tail as usize].next = i,
        }
        self.tail = i;
    }
}

/// A min-queue of future events with a virtual clock: time only moves forward.
pub struct EventQueue<E> {
    /// Events scheduled before `last` after a peek moved it, by time, then scheduling order.
    early: VecDeque<(u64, E)>,
    /// Every event in the wheel; the nodes not in a list are chained from `free`.
    nodes: Vec<Node<E>>,
    free: u32,
    /// Events due at `last`, in scheduling order.
    current: List,
    /// `slots[level * SLOTS + slot]`: events in scheduling order.
    slots: Box<[List; LEVELS * SLOTS]>,
    /// Per level, a bit per occupied slot.
    occupied: [[u64; SLOTS / 64]; LEVELS],
    /// A bit per level with an occupied slot.
    levels: u8,
    /// The instant the wheel is settled at (ms): every event in `current` and the wheel is due at
    /// or after it.
    last: u64,
    len: usize,
    now: Time,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            early: VecDeque::new(),
            nodes: Vec::new(),
            free: NIL,
            current: EMPTY,
            slots: Box::new([EMPTY; LEVELS * SLOTS]),
            occupied: [[0; SLOTS / 64]; LEVELS],
            levels: 0,
            last: 0,
            len: 0,
            now: Time::ZERO,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// The time of the last event taken (the virtual clock).
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past: the world model only ever
    /// schedules after non-negative delays, so a past time is a bug.
    #[inline]
    pub fn schedule(&mut self, time: Time, event: E) {
        assert!(time >= self.now, "event scheduled at {time}, before the clock ({})", self.now);
        let t = time.as_ms();
        if t < self.last {
            self.schedule_early(t, event);
        } else {
            let node = Node { t, event, next: NIL };
            let i = match self.free {
                NIL => {
                    self.nodes.push(node);
                    u32::try_from(self.nodes.len() - 1).expect("fewer than 4 billion events waiting")
                }
                free => {
                    self.free = self.nodes[free as usize].next;
                    self.nodes[free as usize] = node;
                    free
                }
            };
            self.link(i, t);
        }
        self.len += 1;
    }

    /// Schedules an event before `last` (rare: see the module's doc).
    #[inline(never)]
    fn schedule_early(&mut self, t: u64, event: E) {
        // After equal times already there: first in, first out.
        let at = self.early.partition_point(|(e, _)| *e <= t);
        self.early.insert(at, (t, event));
    }

    /// Puts node `i`, due at `t` (≥ `last`), in its list.
    #[inline]
    fn link(&mut self, i: u32, t: u64) {
        if t == self.last {
            self.current.push(&mut self.nodes, i);
        } else {
            let (level, slot) = place(t, self.last);
            self.slots[level * SLOTS + slot].push(&mut self.nodes, i);
            self.occupied[level][slot / 64] |= 1 << (slot % 64);
            self.levels |= 1 << level;
        }
    }

    /// The lowest occupied slot of the lowest occupied level.
    fn first_slot(&self) -> Option<(usize, usize)> {
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros() as usize;
        let words = &self.occupied[level];
        let word = words.iter().position(|w| *w != 0).expect("the level is occupied");
        Some((level, word * 64 + words[word].trailing_zeros() as usize))
    }

    /// Makes `current` hold the earliest events, if any event is waiting.
    fn settle(&mut self) -> bool {
        while self.current.head == NIL {
            let Some((level, slot)) = self.first_slot() else { return false };
            let words = &mut self.occupied[level];
            words[slot / 64] &= !(1 << (slot % 64));
            if words.iter().all(|w| *w == 0) {
                self.levels &= !(1 << level);
            }
            let list = std::mem::replace(&mut self.slots[level * SLOTS + slot], EMPTY);
            if level == 0 {
                // One slot of level 0 is one millisecond: its events are the next instant's, in
                // order.
                self.current = list;
                self.last = self.nodes[list.head as usize].t;
                continue;
            }
            let mut min = u64::MAX;
            let mut at = list.head;
            while at != NIL {
                let node = &self.nodes[at as usize];
                min = min.min(node.t);
                at = node.next;
            }
            self.last = min;
            let mut at = list.head;
            while at != NIL {
                let node = &mut self.nodes[at as usize];
                let (t, next) = (node.t, node.next);
                node.next = NIL;
                // Every time in the slot agrees with the new `last` above byte `level`: it lands
                // lower.
                self.link(at, t);
                at = next;
            }
        }
        true
    }

    /// When the next event is due.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Time> {
        if let Some((t, _)) = self.early.front() {
            return Some(Time::from_ms(*t));
        }
        (self.current.head != NIL || self.settle()).then(|| Time::from_ms(self.last))
    }

    /// Takes the next event and moves the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let (t, e) = match self.early.pop_front() {
            Some(early) => early,
            None if self.current.head != NIL || self.settle() => {
                let i = self.current.head;
                let node = &mut self.nodes[i as usize];
                self.current.head = node.next;
                if self.current.head == NIL {
                    self.current.tail = NIL;
                }
                node.next = self.free;
                self.free = i;
                (node.t, node.event)
            }
            None => return None,
        };
        self.len -= 1;
        self.now = Time::from_ms(t);
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
    fn peeks_and_timer_advances_between_pops_keep_the_order_exact() {
        // The engine's pattern: peek, sometimes run a dialer timer earlier than the peeked event
        // (advance) and schedule events from there, then pop. Checked against a sorted model.
        let mut rng = crate::rng::stream(11, crate::rng::Purpose::Talk, 0);
        let mut q = EventQueue::default();
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut seq = 0;
        for _ in 0..30_000 {
            let now = q.now().as_ms();
            match rng.random_range(0..4) {
                0 if !model.is_empty() => {
                    model.sort_unstable_by(|a, b| b.cmp(a));
                    let (at, s) = model.pop().unwrap();
                    assert_eq!(q.peek_time(), Some(Time::from_ms(at)));
                    assert_eq!(q.pop(), Some((Time::from_ms(at), s)));
                }
                1 => {
                    // A timer between now and the next event, then events from there.
                    if let Some(next) = q.peek_time() {
                        let timer = now + rng.random_range(0..=next.as_ms() - now);
                        q.advance(Time::from_ms(timer));
                    }
                }
                _ => {
                    let at = q.now().as_ms() + rng.random_range(0..3u64) * rng.random_range(0..5_000u64);
                    q.schedule(Time::from_ms(at), seq);
                    model.push((at, seq));
                    seq += 1;
                }
            }
            assert_eq!(q.len(), model.len());
        }
    }

    #[test]
    fn an_event_scheduled_between_a_peek_and_an_earlier_timer_keeps_its_place() {
        // The engine peeks at the next event (at 100), then runs one of the dialer's timers at
        // 50 instead, during which the world schedules an event at 60: it must come first.
        let mut q = EventQueue::default();
        q.schedule(Time::from_ms(100), "late");
        assert_eq!(q.peek_time(), Some(Time::from_ms(100)));
        q.advance(Time::from_ms(50));
        q.schedule(Time::from_ms(60), "early");
        q.schedule(Time::from_ms(100), "late, second");
        assert_eq!(q.peek_time(), Some(Time::from_ms(60)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.as_ms(), e))).collect();
        assert_eq!(order, vec![(60, "early"), (100, "late"), (100, "late, second")]);
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
