//! A tiny seeded generator (SplitMix64) for the media layer's own draws: initial RTP sequence
//! numbers, timestamps and SSRCs, and the synthetic greetings.
//!
//! The caller injects the seed, so a run is reproducible; nothing here reads the OS's entropy.
//! SplitMix64 is enough for this (no cryptographic use: RFC 3550 §5.1 asks for unpredictable
//! initial values only to make known-plaintext attacks on encryption harder, and SRTP is out of
//! scope), is eight bytes of state, and needs no dependency.

/// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit counter through a mixing function.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for `seed`; distinct seeds give unrelated streams.
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in [0, 1) (53 random bits).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in [lo, hi).
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniform integer in [lo, hi] (inclusive; the tiny modulo bias does not matter here).
    pub(crate) fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_ranges_hold() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let mut c = SplitMix64::new(8);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        // The reference implementation's first output for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        for _ in 0..10_000 {
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
            let r = a.range(100.0, 250.0);
            assert!((100.0..250.0).contains(&r));
            let i = a.int(3, 5);
            assert!((3..=5).contains(&i));
        }
        let heads = (0..10_000).filter(|_| a.chance(0.25)).count();
        assert!((2_200..2_800).contains(&heads), "{heads}");
    }
}
