//! Trunk lines in use: the exact peak of simultaneous calls and the line-time behind the mean,
//! from call records that arrive roughly in the order the calls ended.
//!
//! The peak needs a sweep over every call's start (+1) and end (−1) in time order, but a record
//! arrives only when its call ends, long after it started. Starts and ends wait in buckets of
//! [`BUCKET_MS`] of time until the bucket is older than the latest end seen minus [`HORIZON_MS`]: by
//! then no call still to arrive can start in it, unless it lasted longer than the horizon. A bucket
//! that old is sorted (a handful of times within one second) and swept into the running count. The
//! buckets form a ring covering the horizon, so memory holds the calls of one horizon, not of the
//! run, and the peak is exact whenever no call lasts longer than the horizon. A call that does, and
//! so starts before the swept part of the time line, is counted from there on.
//!
//! Bucketing by time is the first pass of a radix sort that the calls' own order almost does for
//! free; sorting each small bucket finishes it, and only a bucket that could hold a new peak (the
//! count at its start plus its starts pass the peak so far) needs sorting at all: the others just
//! move the count on. A bucket's events are kept in chunks of a shared pool, so thousands of mostly
//! tiny buckets cost no allocation each. A call costs two pushes and, rarely, its share of a tiny
//! sort.

/// How long a call may last and still be placed exactly in the peak: two hours.
pub(super) const HORIZON_MS: u64 = 2 * 3_600_000;

/// log2 of [`BUCKET_MS`].
const BUCKET_BITS: u32 = 10;

/// Width of a bucket: about a second. An event is kept as its offset in the bucket and one bit for
/// its kind, in a `u16`.
const BUCKET_MS: u64 = 1 << BUCKET_BITS;
const _: () = assert!(BUCKET_MS << 1 <= 1 << 16);

/// Buckets in the ring (a power of two): at least every bucket from the oldest unswept one to the
/// one of the latest end.
const RING: u64 = (HORIZON_MS / BUCKET_MS + 2).next_power_of_two();

/// The low bit of an event: set for a start, clear for an end, so that at equal times ends sort
/// (and are swept) first.
const START: u16 = 1;

/// Events a chunk holds (a chunk is 32 bytes).
const CHUNK: usize = 13;

/// No chunk.
const NONE: u32 = u32::MAX;

/// A piece of a bucket's list of events.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    /// The bucket's next chunk, or the next free chunk; [`NONE`] at the end.
    next: u32,
    len: u16,
    events: [u16; CHUNK],
}

/// A bucket: its chunks, first and last ([`NONE`] when empty), and how many starts and ends they
/// hold.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    head: u32,
    tail: u32,
    starts: u32,
    ends: u32,
}

const EMPTY: Bucket = Bucket { head: NONE, tail: NONE, starts: 0, ends: 0 };

/// Streams calls as `[start, end)` intervals of held line time: a call ending at `t` and one
/// starting at `t` do not overlap.
#[derive(Clone, Debug)]
pub(super) struct LineTally {
    /// `ring[b % RING]`: the starts and ends not yet swept in bucket `b` (times from
    /// `b·BUCKET_MS` to `(b+1)·BUCKET_MS`), each as `offset << 1 | kind`.
    ring: Box<[Bucket; RING as usize]>,
    /// Every bucket's chunks; those not in a bucket form the free list.
    pool: Vec<Chunk>,
    /// The first free chunk of `pool`, or [`NONE`].
    free: u32,
    /// One bucket's events, being sorted.
    scratch: Vec<u16>,
    /// Every bucket before this one has been swept into `in_use`.
    swept: u64,
    /// The latest end time seen; the sweep trails it by the horizon.
    latest_end: u64,
    /// Calls in progress at the start of bucket `swept`.
    in_use: u64,
    /// The most calls in progress at once among the swept times.
    peak: u64,
    /// Sum of every call's held time, for the mean.
    held_ms: u128,
}

impl Default for LineTally {
    fn default() -> Self {
        LineTally {
            ring: Box::new([EMPTY; RING as usize]),
            // Room for a chunk a bucket from the start (a steady run needs about that), so that
            // the pool is seldom copied as it grows.
            pool: Vec::with_capacity(RING as usize),
            free: NONE,
            scratch: Vec::new(),
            swept: 0,
            latest_end: 0,
            in_use: 0,
            peak: 0,
            held_ms: 0,
        }
    }
}

impl LineTally {
    /// Counts one call holding a line from `start` to `end` (times in ms on any common origin).
    #[inline]
    pub(super) fn add_call(&mut self, start: u64, end: u64) {
        self.held_ms += u128::from(end.saturating_sub(start));
        if end > self.latest_end {
            self.latest_end = end;
            // Sweep the buckets that end at or before the horizon behind the latest end.
            let limit = end.saturating_sub(HORIZON_MS) >> BUCKET_BITS;
            if limit > self.swept {
                self.sweep_before(limit);
            }
        }
        // A call reaching back before the swept part is counted from there on.
        let start = start.max(self.swept << BUCKET_BITS);
        if end > start {
            self.push(start, START);
            self.push(end, 0);
        }
    }

    /// Adds an event at time `t` to its bucket.
    #[inline]
    fn push(&mut self, t: u64, kind: u16) {
        let event = ((t & (BUCKET_MS - 1)) as u16) << 1 | kind;
        let b = ((t >> BUCKET_BITS) & (RING - 1)) as usize;
        let bucket = &mut self.ring[b];
        if kind == START {
            bucket.starts += 1;
        } else {
            bucket.ends += 1;
        }
        let tail = bucket.tail;
        if let Some(chunk) = self.pool.get_mut(tail as usize)
            && usize::from(chunk.len) < CHUNK
        {
            chunk.events[usize::from(chunk.len)] = event;
            chunk.len += 1;
            return;
        }
        let new = self.take_chunk(event);
        match self.pool.get_mut(tail as usize) {
            Some(chunk) => chunk.next = new,
            None => self.ring[b].head = new,
        }
        self.ring[b].tail = new;
    }

    /// A chunk holding just `event`, from the free list or new. (Kept out of line: a push usually
    /// finds room in the bucket's last chunk.)
    #[inline(never)]
    fn take_chunk(&mut self, event: u16) -> u32 {
        let mut events = [0; CHUNK];
        events[0] = event;
        let chunk = Chunk { next: NONE, len: 1, events };
        match self.free {
            NONE => {
                self.pool.push(chunk);
                u32::try_from(self.pool.len() - 1).expect("fewer than 4 billion chunks of pending events")
            }
            free => {
                self.free = self.pool[free as usize].next;
                self.pool[free as usize] = chunk;
                free
            }
        }
    }

    /// Sweeps every bucket before bucket `limit`, in time order.
    fn sweep_before(&mut self, limit: u64) {
        // Every event waits in the `RING` buckets from `swept` on: past those, there is nothing
        // to sweep (the first call may be far from time 0, or calls far apart).
        for b in self.swept..limit.min(self.swept + RING) {
            let bucket = std::mem::replace(&mut self.ring[(b & (RING - 1)) as usize], EMPTY);
            if bucket.head == NONE {
                continue;
            }
            if self.in_use + u64::from(bucket.starts) > self.peak {
                // The bucket may hold a new peak: sweep its events in time order.
                self.scratch.clear();
                let mut at = bucket.head;
                while at != NONE {
                    let chunk = &self.pool[at as usize];
                    self.scratch.extend_from_slice(&chunk.events[..usize::from(chunk.len)]);
                    at = chunk.next;
                }
                self.scratch.sort_unstable();
                for &event in &self.scratch {
                    if event & START != 0 {
                        self.in_use += 1;
                        self.peak = self.peak.max(self.in_use);
                    } else {
                        // Every end has a strictly earlier start, swept before it.
                        self.in_use -= 1;
                    }
                }
            } else {
                // Even all its starts first could not pass the peak: only the count moves on.
                self.in_use = self.in_use + u64::from(bucket.starts) - u64::from(bucket.ends);
            }
            // The bucket's chunks go back to the free list whole.
            self.pool[bucket.tail as usize].next = self.free;
            self.free = bucket.head;
        }
        self.swept = limit;
    }

    /// The peak over every call seen, and the total held line-milliseconds.
    pub(super) fn finish(mut self) -> (u64, u128) {
        self.sweep_before((self.latest_end >> BUCKET_BITS) + 1);
        debug_assert_eq!(self.in_use, 0, "every start has its end");
        (self.peak, self.held_ms)
    }

    /// Calls whose start and end wait in the buckets.
    #[cfg(test)]
    fn pending_calls(&self) -> usize {
        let mut events = 0;
        for bucket in self.ring.iter() {
            let mut at = bucket.head;
            while at != NONE {
                events += usize::from(self.pool[at as usize].len);
                at = self.pool[at as usize].next;
            }
        }
        events / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    fn peak_of(calls: &[(u64, u64)]) -> u64 {
        let mut tally = LineTally::default();
        for &(start, end) in calls {
            tally.add_call(start, end);
        }
        tally.finish().0
    }

    /// The definition: the most half-open intervals containing one instant.
    fn brute_force_peak(calls: &[(u64, u64)]) -> u64 {
        calls.iter().map(|&(t, _)| calls.iter().filter(|&&(s, e)| s <= t && t < e).count() as u64).max().unwrap_or(0)
    }

    #[test]
    fn a_call_ending_when_another_starts_does_not_overlap_it() {
        assert_eq!(peak_of(&[(0, 10), (10, 20)]), 1);
        assert_eq!(peak_of(&[(10, 20), (0, 10)]), 1, "arrival order does not matter");
        assert_eq!(peak_of(&[(0, 11), (10, 20)]), 2);
    }

    #[test]
    fn counts_nested_and_overlapping_calls() {
        assert_eq!(peak_of(&[(0, 100), (5, 20), (5, 7), (7, 8), (19, 30)]), 3);
        assert_eq!(peak_of(&[]), 0);
    }

    #[test]
    fn a_zero_length_call_holds_no_line() {
        assert_eq!(peak_of(&[(5, 5), (0, 10)]), 1);
        assert_eq!(peak_of(&[(5, 5)]), 0);
    }

    #[test]
    fn totals_held_time() {
        let mut tally = LineTally::default();
        tally.add_call(0, 100);
        tally.add_call(50, 70);
        tally.add_call(70, 70);
        assert_eq!(tally.finish(), (2, 120));
    }

    #[test]
    fn exact_for_any_arrival_order_within_the_horizon() {
        // Calls of up to an hour, arriving in end order, shuffled a little.
        let mut state = 12345u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut calls: Vec<(u64, u64)> = (0..600)
            .map(|i| {
                let start = i * 30_000 + next() % 20_000;
                (start, start + next() % HOUR)
            })
            .collect();
        calls.sort_by_key(|&(_, end)| end);
        for i in (1..calls.len()).step_by(3) {
            calls.swap(i - 1, i);
        }
        assert_eq!(peak_of(&calls), brute_force_peak(&calls));
    }

    #[test]
    fn exact_over_many_horizons_with_calls_up_to_the_horizon_long() {
        // Twenty hours of calls lasting up to the horizon, some ending on bucket edges, arriving in
        // end order but up to a minute late (as records held through wrap-up do).
        let mut state = 777u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut calls: Vec<(u64, u64, u64)> = (0..2_000)
            .map(|i| {
                let start = i * 36_000 + next() % 40_000;
                let length = match next() % 4 {
                    0 => HORIZON_MS - next() % 5_000,
                    1 => (next() % 50 + 1) * BUCKET_MS,
                    _ => 1 + next() % 600_000,
                };
                (start, start + length, start + length + next() % 60_000)
            })
            .collect();
        calls.sort_by_key(|&(_, _, arrival)| arrival);
        let calls: Vec<(u64, u64)> = calls.into_iter().map(|(s, e, _)| (s, e)).collect();
        let peak = peak_of(&calls);
        assert_eq!(peak, brute_force_peak(&calls));
        assert!(peak > 50, "long calls pile up: {peak}");
    }

    #[test]
    fn a_late_long_call_counts_from_the_swept_point() {
        let mut tally = LineTally::default();
        tally.add_call(0, 1_000);
        tally.add_call(10 * HOUR, 10 * HOUR + 1_000); // sweeps the buckets before 8 h 1 s
        // A five-hour call from 5 h to 10 h + 500 ms overlaps the second call: counted from 8 h.
        tally.add_call(5 * HOUR, 10 * HOUR + 500);
        // A call that ended before the swept point adds line time but cannot move the peak.
        tally.add_call(HOUR, 2 * HOUR);
        let (peak, held) = tally.finish();
        assert_eq!(peak, 2);
        assert_eq!(held, 1_000 + 1_000 + (5 * HOUR + 500) as u128 + HOUR as u128);
    }

    #[test]
    fn a_late_call_within_the_horizon_is_exact() {
        let mut tally = LineTally::default();
        tally.add_call(0, 1_000);
        tally.add_call(4 * HOUR, 4 * HOUR + 1_000); // sweeps the buckets before 2 h 1 s
        tally.add_call(3 * HOUR, 4 * HOUR + 10);
        tally.add_call(2 * HOUR + 2_000, 4 * HOUR + 10);
        tally.add_call(2 * HOUR + 3_000, 4 * HOUR + 20);
        tally.add_call(2 * HOUR + 4_000, 2 * HOUR + 4_010);
        assert_eq!(tally.finish().0, 4);
    }

    #[test]
    fn memory_holds_a_horizon_of_calls() {
        let mut tally = LineTally::default();
        // One call a second for ten hours, each lasting a minute.
        let mut most = 0;
        for i in 0..36_000u64 {
            tally.add_call(i * 1_000, i * 1_000 + 60_000);
            most = most.max(tally.pending_calls());
        }
        let calls_held = ((HORIZON_MS + 2 * BUCKET_MS) / 1_000) as usize + 60;
        assert!(most <= calls_held, "{most}");
        // Swept buckets' chunks are reused: at two events a bucket, one chunk each.
        assert!(tally.pool.len() <= RING as usize, "{} chunks", tally.pool.len());
        assert_eq!(tally.finish().0, 60);
    }
}
