//! Trunk lines in use: the exact peak of simultaneous calls and the line-time behind the mean,
//! from call records that arrive roughly in the order the calls ended.
//!
//! The peak needs a sweep over every call's start (+1) and end (−1) in time order, but a record
//! arrives only when its call ends, long after it started. Starts and ends wait, unsorted, until
//! they are older than the latest end seen minus [`HORIZON_MS`]: by then no call still to arrive
//! can start before them, unless it lasted longer than the horizon. Every half-horizon the waiting
//! times older than that are sorted and swept into the running count, so memory holds the calls of
//! one and a half horizons, not of the run, and the peak is exact whenever no call lasts longer
//! than the horizon. A call that does, and so starts before the swept part of the time line, is
//! counted from the fold point on.
//!
//! A fold sorts its times with an LSD radix sort over only the bytes in which they differ (a
//! fold spans a few hours of milliseconds: two passes of 12-bit digits), which is a tenth of a comparison
//! sort's instructions and far cheaper than a binary heap of pending events.

/// How long a call may last and still be placed exactly in the peak: two hours.
pub(super) const HORIZON_MS: u64 = 2 * 3_600_000;

/// How far the fold point must be able to move before a fold: half the horizon.
const BATCH_MS: u64 = HORIZON_MS / 2;

/// Streams calls as `[start, end)` intervals of held line time: a call ending at `t` and one
/// starting at `t` do not overlap.
#[derive(Clone, Debug, Default)]
pub(super) struct LineTally {
    /// Start times not yet folded, in arrival order.
    starts: Vec<u64>,
    /// End times not yet folded, in arrival order.
    ends: Vec<u64>,
    /// The starts of one fold, kept to reuse their memory.
    due_starts: Vec<u64>,
    /// The ends of one fold, kept to reuse their memory.
    due_ends: Vec<u64>,
    /// Scratch space of the radix sort.
    scratch: Vec<u64>,
    /// Every start and end before this time has been folded into `in_use`.
    watermark: u64,
    /// The latest end time seen; the fold point trails it by the horizon.
    latest_end: u64,
    /// Calls in progress at the watermark.
    in_use: u64,
    /// The most calls in progress at once among the folded times.
    peak: u64,
    /// Sum of every call's held time, for the mean.
    held_ms: u128,
}

impl LineTally {
    /// Counts one call holding a line from `start` to `end` (times in ms on any common origin).
    #[inline]
    pub(super) fn add_call(&mut self, start: u64, end: u64) {
        self.held_ms += u128::from(end.saturating_sub(start));
        // A call reaching back before the fold point is counted from there on.
        let start = start.max(self.watermark);
        if end > start {
            self.starts.push(start);
            self.ends.push(end);
        }
        if end > self.latest_end {
            self.latest_end = end;
            let cutoff = end.saturating_sub(HORIZON_MS);
            if cutoff >= self.watermark.saturating_add(BATCH_MS) {
                self.fold_before(cutoff);
                self.watermark = cutoff;
            }
        }
    }

    /// Sweeps every pending start and end before `limit`, in time order, ends first at a tie.
    fn fold_before(&mut self, limit: u64) {
        take_before(&mut self.starts, &mut self.due_starts, limit);
        take_before(&mut self.ends, &mut self.due_ends, limit);
        radix_sort(&mut self.due_starts, &mut self.scratch);
        radix_sort(&mut self.due_ends, &mut self.scratch);
        let mut ends = self.due_ends.iter().peekable();
        for &start in &self.due_starts {
            // Every end has a strictly earlier start, counted before it.
            while ends.next_if(|&&end| end <= start).is_some() {
                self.in_use -= 1;
            }
            self.in_use += 1;
            self.peak = self.peak.max(self.in_use);
        }
        self.in_use -= ends.len() as u64;
        self.due_starts.clear();
        self.due_ends.clear();
    }

    /// The peak over every call seen, and the total held line-milliseconds.
    pub(super) fn finish(mut self) -> (u64, u128) {
        self.fold_before(u64::MAX);
        debug_assert_eq!(self.in_use, 0, "every start has its end");
        (self.peak, self.held_ms)
    }

    #[cfg(test)]
    fn pending_calls(&self) -> usize {
        self.starts.len()
    }
}

/// Bits of a radix-sort digit.
const RADIX_BITS: u32 = 12;
const RADIX_MASK: usize = (1 << RADIX_BITS) - 1;

/// Moves the times before `limit` from `pending` to `due`.
fn take_before(pending: &mut Vec<u64>, due: &mut Vec<u64>, limit: u64) {
    pending.retain(|&t| {
        let is_due = t < limit;
        if is_due {
            due.push(t);
        }
        !is_due
    });
}

/// Sorts `v` ascending: least-significant-digit radix sort of the offsets from the minimum, in
/// 12-bit digits, one counting pass per digit the offsets use (two for a fold of a few hours).
fn radix_sort(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let (Some(&min), Some(&max)) = (v.iter().min(), v.iter().max()) else { return };
    let span = max - min;
    let passes = (64 - span.leading_zeros()).div_ceil(RADIX_BITS);
    scratch.clear();
    scratch.resize(v.len(), 0);
    for pass in 0..passes {
        let shift = RADIX_BITS * pass;
        let mut counts = [0usize; 1 << RADIX_BITS];
        for &t in v.iter() {
            counts[((t - min) >> shift) as usize & RADIX_MASK] += 1;
        }
        let mut at = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for &t in v.iter() {
            let digit = ((t - min) >> shift) as usize & RADIX_MASK;
            scratch[counts[digit]] = t;
            counts[digit] += 1;
        }
        std::mem::swap(v, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_agrees_with_a_comparison_sort() {
        let mut x: u64 = 99;
        for len in [0, 1, 2, 17, 1000, 20_000] {
            for span in [1u64, 300, 70_000, 1 << 40] {
                let mut v: Vec<u64> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        1_000_000 + (x >> 11) % span
                    })
                    .collect();
                let mut expected = v.clone();
                expected.sort_unstable();
                radix_sort(&mut v, &mut Vec::new());
                assert_eq!(v, expected, "len {len}, span {span}");
            }
        }
    }

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
    fn a_late_long_call_counts_from_the_fold_point() {
        let mut tally = LineTally::default();
        tally.add_call(0, 1_000);
        tally.add_call(10 * HOUR, 10 * HOUR + 1_000); // folds everything before 8 h 1 s
        // A five-hour call from 5 h to 10 h + 500 ms overlaps the second call: counted from 8 h 1 s.
        tally.add_call(5 * HOUR, 10 * HOUR + 500);
        // A call that ended before the fold point adds line time but cannot move the peak.
        tally.add_call(HOUR, 2 * HOUR);
        let (peak, held) = tally.finish();
        assert_eq!(peak, 2);
        assert_eq!(held, 1_000 + 1_000 + (5 * HOUR + 500) as u128 + HOUR as u128);
    }

    #[test]
    fn a_late_call_within_the_horizon_is_exact() {
        let mut tally = LineTally::default();
        tally.add_call(0, 1_000);
        tally.add_call(4 * HOUR, 4 * HOUR + 1_000); // folds before 2 h 1 s
        tally.add_call(3 * HOUR, 4 * HOUR + 10);
        tally.add_call(2 * HOUR + 2_000, 4 * HOUR + 10);
        tally.add_call(2 * HOUR + 3_000, 4 * HOUR + 20);
        tally.add_call(2 * HOUR + 4_000, 2 * HOUR + 4_010);
        assert_eq!(tally.finish().0, 4);
    }

    #[test]
    fn memory_holds_a_horizon_and_a_half_of_calls() {
        let mut tally = LineTally::default();
        // One call a second for ten hours, each lasting a minute.
        let mut most = 0;
        for i in 0..36_000u64 {
            tally.add_call(i * 1_000, i * 1_000 + 60_000);
            most = most.max(tally.pending_calls());
        }
        let calls_held = ((HORIZON_MS + BATCH_MS) / 1_000) as usize + 60;
        assert!(most <= calls_held, "{most}");
        assert_eq!(tally.finish().0, 60);
    }
}
