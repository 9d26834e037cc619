//! G.711 (ITU-T G.711, 1988): the two 8-bit logarithmic codecs every telephone network speaks.
//!
//! PCMU (µ-law, RTP payload type 0, North America and Japan) and PCMA (A-law, payload type 8,
//! the rest of the world) map one 16-bit linear sample to one byte and back. Both are piecewise
//! linear approximations of a logarithm: eight segments per sign, sixteen steps per segment, the
//! step doubling from one segment to the next.
//!
//! Decoding goes through a 256-entry table built at compile time; encoding finds the segment
//! with one `leading_zeros`, so neither needs a branchy search. Samples are the 16-bit scale of
//! G.711's 14-bit (µ-law) and 13-bit (A-law) inputs: the low 2 or 3 bits of an `i16` are below
//! the codec's resolution.
//!
//! Every decoded value is the midpoint of the input interval its code stands for, so the error of
//! an encode/decode round trip is at most half a step of the sample's segment (see
//! [`ulaw_step`] and [`alaw_step`]), apart from µ-law's clipping above ±32635.

/// The two G.711 laws. Each knows its static RTP payload type (RFC 3551) and SDP encoding name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum G711 {
    /// µ-law, "PCMU", RTP payload type 0.
    Pcmu,
    /// A-law, "PCMA", RTP payload type 8.
    Pcma,
}

impl G711 {
    /// The static RTP payload type RFC 3551 assigns to the law (0 for PCMU, 8 for PCMA).
    pub const fn payload_type(self) -> u8 {
        match self {
            G711::Pcmu => 0,
            G711::Pcma => 8,
        }
    }

    /// The law whose static payload type is `pt`, if any.
    pub const fn from_payload_type(pt: u8) -> Option<G711> {
        match pt {
            0 => Some(G711::Pcmu),
            8 => Some(G711::Pcma),
            _ => None,
        }
    }

    /// The SDP encoding name (`a=rtpmap:0 PCMU/8000`).
    pub const fn encoding_name(self) -> &'static str {
        match self {
            G711::Pcmu => "PCMU",
            G711::Pcma => "PCMA",
        }
    }

    /// The law an SDP encoding name stands for (case-insensitive, as RFC 4855 says MIME subtypes are).
    pub fn from_encoding_name(name: &str) -> Option<G711> {
        if name.eq_ignore_ascii_case("PCMU") {
            Some(G711::Pcmu)
        } else if name.eq_ignore_ascii_case("PCMA") {
            Some(G711::Pcma)
        } else {
            None
        }
    }

    /// Encodes one sample.
    #[inline]
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            G711::Pcmu => ulaw_encode(sample),
            G711::Pcma => alaw_encode(sample),
        }
    }

    /// Decodes one byte.
    #[inline]
    pub fn decode_sample(self, code: u8) -> i16 {
        match self {
            G711::Pcmu => ulaw_decode(code),
            G711::Pcma => alaw_decode(code),
        }
    }

    /// Encodes `pcm` into `out`, one byte per sample. `out` must be exactly as long as `pcm`.
    ///
    /// # Panics
    /// If the lengths differ: a caller's bug, never the network's.
    pub fn encode(self, pcm: &[i16], out: &mut [u8]) {
        assert_eq!(pcm.len(), out.len(), "G.711 encode: one output byte per sample");
        match self {
            G711::Pcmu => pcm.iter().zip(out).for_each(|(&s, o)| *o = ulaw_encode(s)),
            G711::Pcma => pcm.iter().zip(out).for_each(|(&s, o)| *o = alaw_encode(s)),
        }
    }

    /// Decodes `codes` into `out`, one sample per byte. `out` must be exactly as long as `codes`.
    ///
    /// # Panics
    /// If the lengths differ: a caller's bug, never the network's (any byte string decodes).
    pub fn decode(self, codes: &[u8], out: &mut [i16]) {
        assert_eq!(codes.len(), out.len(), "G.711 decode: one output sample per byte");
        let table = match self {
            G711::Pcmu => &ULAW_DECODE,
            G711::Pcma => &ALAW_DECODE,
        };
        codes.iter().zip(out).for_each(|(&c, o)| *o = table[c as usize]);
    }
}

/// µ-law's bias: added to the magnitude so that every segment starts at a power of two.
const ULAW_BIAS: i32 = 0x84;
/// The largest magnitude µ-law encodes without clipping (32767 − the bias, rounded to a step).
pub const ULAW_CLIP: i32 = 32635;

/// Encodes one sample as µ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    let s = sample as i32;
    // Bit 7 of the code (before the final inversion) is the sign: set for negative samples.
    let (sign, magnitude) = if s < 0 { (0x80u8, -s) } else { (0, s) };
    let biased = magnitude.min(ULAW_CLIP) + ULAW_BIAS; // in [0x84, 0x7FFF]
    // The segment is the position of the highest set bit, counted from bit 7.
    let exponent = (31 - (biased as u32).leading_zeros() - 7) as u8; // 0..=7
    let mantissa = ((biased >> (exponent + 3)) & 0x0F) as u8;
    !(sign | (exponent << 4) | mantissa)
}

/// Decodes one µ-law byte (through the table).
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// Encodes one sample as A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    let s = sample as i32;
    // A-law codes negative samples by their one's complement, so −1 is the smallest negative code.
    let (sign, magnitude) = if s >= 0 { (0x80u8, s) } else { (0, -s - 1) }; // magnitude in [0, 32767]
    let code = if magnitude < 256 {
        // Segment 0: the linear part, 16 steps of 16 below 256.
        (magnitude >> 4) as u8
    } else {
        // Segment n ≥ 1 covers [128 << n, 256 << n) in steps of 8 << n.
        let segment = 31 - (magnitude as u32).leading_zeros() - 7; // 1..=7
        ((segment as u8) << 4) | ((magnitude >> (segment + 3)) & 0x0F) as u8
    };
    // Even bits are inverted on the line (G.711's 0x55 mask).
    (sign | code) ^ 0x55
}

/// Decodes one A-law byte (through the table).
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

/// The step (quantisation interval) of µ-law around a sample of this magnitude: 8 in the first
/// segment, doubling per segment up to 1024. A round trip is off by at most half of it (below
/// the clipping level [`ULAW_CLIP`]).
pub fn ulaw_step(sample: i16) -> i32 {
    let biased = (sample as i32).abs().min(ULAW_CLIP) + ULAW_BIAS;
    let exponent = 31 - (biased as u32).leading_zeros() - 7;
    8 << exponent
}

/// The step of A-law around a sample: 16 in the first two segments, doubling per segment after
/// that up to 1024. A round trip is off by at most half of it.
pub fn alaw_step(sample: i16) -> i32 {
    let s = sample as i32;
    let magnitude = if s >= 0 { s } else { -s - 1 };
    if magnitude < 256 { 16 } else { 8 << (31 - (magnitude as u32).leading_zeros() - 7) }
}

const fn ulaw_decode_calc(code: u8) -> i16 {
    let c = !code;
    let exponent = (c >> 4) & 0x07;
    let mantissa = (c & 0x0F) as i32;
    // The midpoint of the biased interval, less the bias.
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if c & 0x80 != 0 { -magnitude as i16 } else { magnitude as i16 }
}

const fn alaw_decode_calc(code: u8) -> i16 {
    let c = code ^ 0x55;
    let segment = (c >> 4) & 0x07;
    let mantissa = (c & 0x0F) as i32;
    let magnitude = if segment == 0 {
        (mantissa << 4) + 8
    } else {
        // ((16 + m) << (n + 3)) + half a step, which is 4 << n.
        ((mantissa << 4) + 0x108) << (segment - 1)
    };
    if c & 0x80 != 0 { magnitude as i16 } else { -magnitude as i16 }
}

const fn decode_table(law: G711) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match law {
            G711::Pcmu => ulaw_decode_calc(i as u8),
            G711::Pcma => alaw_decode_calc(i as u8),
        };
        i += 1;
    }
    table
}

static ULAW_DECODE: [i16; 256] = decode_table(G711::Pcmu);
static ALAW_DECODE: [i16; 256] = decode_table(G711::Pcma);

#[cfg(test)]
mod tests {
    use super::*;

    fn all_samples() -> impl Iterator<Item = i16> {
        i16::MIN..=i16::MAX
    }

    #[test]
    fn ulaw_known_code_points() {
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0, "0x7F is µ-law's negative zero");
        assert_eq!(ulaw_decode(0x80), 32124, "largest positive");
        assert_eq!(ulaw_decode(0x00), -32124, "largest negative");
        assert_eq!(ulaw_decode(0xFE), 8, "smallest positive step");
        assert_eq!(ulaw_decode(0x7E), -8);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_encode(-1), 0x7F);
        // The first segment boundary: biased magnitude 256 starts segment 1.
        assert_eq!(ulaw_encode(256 - 132 - 1), 0xF0);
        assert_eq!(ulaw_encode(256 - 132), 0xEF);
    }

    #[test]
    fn alaw_known_code_points() {
        assert_eq!(alaw_decode(0xD5), 8, "0xD5 is A-law's smallest positive value");
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256, "largest positive");
        assert_eq!(alaw_decode(0x2A), -32256, "largest negative");
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(15), 0xD5);
        assert_eq!(alaw_encode(16), 0xD4);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn codes_round_trip() {
        for code in 0..=255u8 {
            let again = ulaw_encode(ulaw_decode(code));
            // Only negative zero does not come back: it decodes to 0, which encodes as +0.
            if code == 0x7F {
                assert_eq!(again, 0xFF);
            } else {
                assert_eq!(again, code, "µ-law {code:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
        }
    }

    #[test]
    fn decoding_twice_is_stable() {
        // decode ∘ encode is idempotent: a decoded value is a fixed point.
        for s in all_samples() {
            let u = ulaw_decode(ulaw_encode(s));
            assert_eq!(ulaw_decode(ulaw_encode(u)), u);
            let a = alaw_decode(alaw_encode(s));
            assert_eq!(alaw_decode(alaw_encode(a)), a);
        }
    }

    #[test]
    fn quantisation_is_monotonic() {
        let mut prev_u = i16::MIN;
        let mut prev_a = i16::MIN;
        for s in all_samples() {
            let u = ulaw_decode(ulaw_encode(s));
            let a = alaw_decode(alaw_encode(s));
            assert!(u >= prev_u, "µ-law not monotonic at {s}");
            assert!(a >= prev_a, "A-law not monotonic at {s}");
            prev_u = u;
            prev_a = a;
        }
        // And the decoded values of each law, ordered by code within a sign, are strictly ordered.
        for c in 0x80..0xFFu8 {
            assert!(ulaw_decode(c) > ulaw_decode(c + 1), "µ-law positive codes descend");
        }
        // A-law's segments ascend per sign once the even-bit inversion is undone.
        for raw in 0x80..0xFFu8 {
            assert!(alaw_decode((raw + 1) ^ 0x55) > alaw_decode(raw ^ 0x55));
        }
    }

    #[test]
    fn error_is_within_half_a_step_of_the_segment() {
        for s in all_samples() {
            let x = s as i32;
            let err_u = (ulaw_decode(ulaw_encode(s)) as i32 - x).abs();
            if x.abs() <= ULAW_CLIP {
                assert!(err_u <= ulaw_step(s) / 2, "µ-law {s}: error {err_u}, step {}", ulaw_step(s));
            } else {
                // Clipped: decoded to the largest value.
                assert_eq!(ulaw_decode(ulaw_encode(s)).abs(), 32124);
            }
            let err_a = (alaw_decode(alaw_encode(s)) as i32 - x).abs();
            assert!(err_a <= alaw_step(s) / 2, "A-law {s}: error {err_a}, step {}", alaw_step(s));
        }
    }

    #[test]
    fn steps_per_segment() {
        assert_eq!(ulaw_step(0), 8);
        assert_eq!(ulaw_step(123), 8);
        assert_eq!(ulaw_step(124), 16);
        assert_eq!(ulaw_step(32000), 1024);
        assert_eq!(alaw_step(0), 16);
        assert_eq!(alaw_step(511), 16);
        assert_eq!(alaw_step(512), 32);
        assert_eq!(alaw_step(-32768), 1024);
        // The worst relative error shrinks to G.711's ~3% once out of the linear segments.
        for s in [1000i16, 5000, 20000, -20000] {
            let rel = (alaw_decode(alaw_encode(s)) as f64 - s as f64).abs() / (s as f64).abs();
            assert!(rel < 0.035, "{s}: {rel}");
        }
    }

    #[test]
    fn slices_match_samples_and_laws_map_to_payload_types() {
        let pcm: Vec<i16> = (0..160i32).map(|i| ((i * 397) % 65536 - 32768) as i16).collect();
        for law in [G711::Pcmu, G711::Pcma] {
            let mut codes = [0u8; 160];
            law.encode(&pcm, &mut codes);
            let mut back = [0i16; 160];
            law.decode(&codes, &mut back);
            for i in 0..160 {
                assert_eq!(codes[i], law.encode_sample(pcm[i]));
                assert_eq!(back[i], law.decode_sample(codes[i]));
            }
            assert_eq!(G711::from_payload_type(law.payload_type()), Some(law));
            assert_eq!(G711::from_encoding_name(&law.encoding_name().to_lowercase()), Some(law));
        }
        assert_eq!(G711::from_payload_type(18), None);
        assert_eq!(G711::from_encoding_name("G729"), None);
    }
}
