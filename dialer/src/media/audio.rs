//! Synthetic greetings for the emulated callee: what a person or an answering machine says
//! when it picks up, as 8 kHz PCM, plus the frame energy an answering-machine detector reads.
//!
//! A [`Greeting`] is deterministic for its seed and streams 20 ms frames without storing the
//! greeting: about 700 bytes of state, so 10 000 simultaneous calls fit in 7 MB. It is a
//! sequential source (an iterator), not random access: the synthesis carries phase from sample
//! to sample, and the plan of syllables is drawn as it goes.
//!
//! The signal is "speech-like" in the ways an energy-based detector (Asterisk's app_amd) and a
//! listener notice: voiced syllables of 150–300 ms, each a sum of harmonics of a pitch of
//! 100–250 Hz (gliding over the syllable, rising at the end of a person's "Hello?") shaped by
//! three formant-like resonances drawn per syllable; words of one to five syllables; pauses
//! between words; a low background noise throughout.
//!
//! - **Human**: a lead-in silence of 150–700 ms, then one or two words (200–400 ms apart) with
//!   0.7–1.35 s of voicing in all ("Hello?", "Yes, hello?"), then silence: the person waits.
//! - **Machine**: a lead-in of 100–500 ms, then 5.2–14.9 s of continuous speech with pauses of
//!   100–400 ms (the outgoing message), a gap of 300–900 ms, a beep of 950–1050 Hz for
//!   400–800 ms, then silence (it records).
//!
//! [`GreetingPlan`] says when each part starts and ends, without generating any audio.

use super::{CLOCK_RATE, FRAME_SAMPLES, FrameSource, rng::SplitMix64};

/// Who answered: the two greetings differ in length and shape the way AMD relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GreetingKind {
    /// A person: a short greeting, then silence.
    Human,
    /// An answering machine or voicemail: a long message, then a beep.
    Machine,
}

/// When the parts of a greeting happen, in milliseconds from its first sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GreetingPlan {
    /// The start of the first syllable (the lead-in silence before it is what app_amd calls
    /// initial silence).
    pub speech_start_ms: u32,
    /// The end of the last syllable.
    pub speech_end_ms: u32,
    /// The total length of the syllables (speech without the pauses between words).
    pub voiced_ms: u32,
    /// Words: runs of syllables separated by pauses.
    pub words: u32,
    /// The beep's start and end, for a machine.
    pub beep_ms: Option<(u32, u32)>,
}

impl GreetingPlan {
    /// When the greeting is over: after the beep for a machine, after the last word for a person.
    pub fn end_ms(&self) -> u32 {
        self.beep_ms.map_or(self.speech_end_ms, |(_, end)| end)
    }
}

/// Samples per millisecond at 8 kHz.
const PER_MS: u32 = CLOCK_RATE / 1000;
/// The longest syllable a person's word is cut into (300 ms).
const SYLLABLE_MAX: u32 = 300 * PER_MS;
/// Ramps of a syllable's envelope: at the edges of a word, and between syllables of one word,
/// where the voicing dips to [`INNER_FLOOR`] instead of stopping.
const WORD_ATTACK: u32 = 30 * PER_MS;
const WORD_RELEASE: u32 = 50 * PER_MS;
const INNER_RAMP: u32 = 40 * PER_MS;
const INNER_FLOOR: f32 = 0.5;
const BEEP_RAMP: u32 = 5 * PER_MS;
/// The pitch range of the voices.
const F0_MIN: f64 = 100.0;
const F0_MAX: f64 = 250.0;
/// Harmonics stop below this (the telephone band ends at 3.4 kHz).
const TOP_HARMONIC_HZ: f32 = 3400.0;

/// One period of a syllable's waveform, read with linear interpolation.
const TABLE_LEN: usize = 128;
/// The sine table everything is built from, computed at compile time so every platform gets
/// the same values.
const SINE_LEN: usize = 1024;
static SINE: [f32; SINE_LEN] = sine_table();

const fn sine_table() -> [f32; SINE_LEN] {
    let mut table = [0f32; SINE_LEN];
    let mut i = 0;
    while i < SINE_LEN {
        let mut x = 2.0 * std::f64::consts::PI * i as f64 / SINE_LEN as f64;
        if x > std::f64::consts::PI {
            x -= 2.0 * std::f64::consts::PI;
        }
        // Taylor series of sin on [−π, π]: 20 terms are exact to f64 rounding.
        let (mut term, mut sum, mut n) = (x, x, 1);
        while n < 20 {
            term = -term * x * x / ((2 * n) as f64 * (2 * n + 1) as f64);
            sum += term;
            n += 1;
        }
        table[i] = sum as f32;
        i += 1;
    }
    table
}

/// sin(2π·phase) for a phase in [0, 1), interpolated from [`SINE`].
fn sine(phase: f32) -> f32 {
    let x = phase * SINE_LEN as f32;
    let i = x as usize; // the phase is in [0, 1), so this is its floor
    let frac = x - i as f32;
    let i = i % SINE_LEN;
    SINE[i] + (SINE[(i + 1) % SINE_LEN] - SINE[i]) * frac
}

/// Unit white noise, uniform over the 16-bit range, shared by every greeting: each reads it
/// from its own offset, scaled to its own level. Its period (0.5 s) is inaudible at a noise
/// floor 60 dB down and invisible to an energy detector.
const NOISE_LEN: usize = 4096;
static NOISE: [i16; NOISE_LEN] = noise_table();

const fn noise_table() -> [i16; NOISE_LEN] {
    let mut table = [0i16; NOISE_LEN];
    let mut x = 0x9E37_79B9u32; // xorshift32
    let mut i = 0;
    while i < NOISE_LEN {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        table[i] = (x >> 16) as u16 as i16;
        i += 1;
    }
    table
}

fn samples(ms: f64) -> u32 {
    (ms * f64::from(PER_MS)).round() as u32
}

fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// The seed of one random stream of a greeting: a person and a machine of one seed, and the
/// plan and the voice of one greeting, draw from unrelated streams.
fn stream(seed: u64, kind: GreetingKind, purpose: u32) -> u64 {
    let kind = match kind {
        GreetingKind::Human => 1u64,
        GreetingKind::Machine => 2,
    };
    SplitMix64::new(seed).next_u64() ^ (u64::from(purpose) << 32 | kind)
}

/// One piece of a greeting's time line.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Segment {
    Silence {
        len: u32,
    },
    Syllable {
        len: u32,
        joins_previous: bool,
        joins_next: bool,
        last: bool,
    },
    Beep {
        len: u32,
    },
    /// Silence for ever.
    Tail,
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    LeadIn,
    Word,
    Syllables { left: u32, len: u32, last_len: u32, first: bool },
    AfterWord,
    Beep,
    Tail,
}

/// Draws a greeting's time line, one segment at a time, from its own random stream (so the
/// plan can be worked out ahead without the audio).
#[derive(Clone, Debug)]
struct Planner {
    kind: GreetingKind,
    rng: SplitMix64,
    stage: Stage,
    lead_in: u32,
    /// Human: voiced samples of each word.
    word_voicing: [u32; 2],
    words: u32,
    word: u32,
    /// Machine: speech goes on until this many samples after it started.
    speech_target: u32,
    elapsed: u32,
}

impl Planner {
    fn new(kind: GreetingKind, seed: u64) -> Planner {
        let mut rng = SplitMix64::new(stream(seed, kind, 0x706C_616E));
        let (lead_in, word_voicing, words, speech_target) = match kind {
            GreetingKind::Human => {
                let lead_in = samples(rng.range(150.0, 700.0));
                let voiced = rng.range(700.0, 1350.0);
                let total = samples(voiced);
                if rng.chance(0.4) {
                    let first = samples(voiced * rng.range(0.35, 0.65));
                    (lead_in, [first, total - first], 2, 0)
                } else {
                    (lead_in, [total, 0], 1, 0)
                }
            }
            GreetingKind::Machine => (samples(rng.range(100.0, 500.0)), [0; 2], 0, samples(rng.range(5200.0, 13600.0))),
        };
        Planner { kind, rng, stage: Stage::LeadIn, lead_in, word_voicing, words, word: 0, speech_target, elapsed: 0 }
    }

    fn next(&mut self) -> Segment {
        loop {
            match self.stage {
                Stage::LeadIn => {
                    self.stage = Stage::Word;
                    return Segment::Silence { len: self.lead_in };
                }
                Stage::Word => {
                    self.stage = match self.kind {
                        GreetingKind::Human => {
                            let voicing = self.word_voicing[self.word as usize];
                            let n = voicing.div_ceil(SYLLABLE_MAX).max(1);
                            let len = voicing / n;
                            Stage::Syllables { left: n, len, last_len: voicing - len * (n - 1), first: true }
                        }
                        // Machine syllables are drawn one by one.
                        GreetingKind::Machine => {
                            Stage::Syllables { left: self.rng.int(1, 3), len: 0, last_len: 0, first: true }
                        }
                    };
                }
                Stage::Syllables { left, len, last_len, first } => {
                    let this = match self.kind {
                        GreetingKind::Human if left == 1 => last_len,
                        GreetingKind::Human => len,
                        GreetingKind::Machine => samples(self.rng.range(150.0, 300.0)),
                    };
                    self.elapsed += this;
                    let end_of_word = left == 1;
                    self.stage = if end_of_word {
                        Stage::AfterWord
                    } else {
                        Stage::Syllables { left: left - 1, len, last_len, first: false }
                    };
                    let last = end_of_word && self.kind == GreetingKind::Human && self.word + 1 == self.words;
                    return Segment::Syllable { len: this, joins_previous: !first, joins_next: !end_of_word, last };
                }
                Stage::AfterWord => {
                    self.word += 1;
                    let more = match self.kind {
                        GreetingKind::Human => self.word < self.words,
                        GreetingKind::Machine => self.elapsed < self.speech_target,
                    };
                    if more {
                        let pause = samples(
                            self.rng.range(if self.kind == GreetingKind::Human { 200.0 } else { 100.0 }, 400.0),
                        );
                        self.elapsed += pause;
                        self.stage = Stage::Word;
                        return Segment::Silence { len: pause };
                    }
                    match self.kind {
                        GreetingKind::Human => self.stage = Stage::Tail,
                        GreetingKind::Machine => {
                            self.stage = Stage::Beep;
                            return Segment::Silence { len: samples(self.rng.range(300.0, 900.0)) };
                        }
                    }
                }
                Stage::Beep => {
                    self.stage = Stage::Tail;
                    return Segment::Beep { len: samples(self.rng.range(400.0, 800.0)) };
                }
                Stage::Tail => return Segment::Tail,
            }
        }
    }

    /// Runs a copy of the planner to the end and reports the time line.
    fn plan(&self) -> GreetingPlan {
        let mut planner = self.clone();
        let (mut t, mut start, mut end, mut voiced, mut words, mut beep) = (0u32, None, 0, 0, 0, None);
        loop {
            match planner.next() {
                Segment::Silence { len } => t += len,
                Segment::Syllable { len, joins_previous, .. } => {
                    start.get_or_insert(t);
                    words += u32::from(!joins_previous);
                    voiced += len;
                    t += len;
                    end = t;
                }
                Segment::Beep { len } => {
                    beep = Some((t / PER_MS, (t + len) / PER_MS));
                    t += len;
                }
                Segment::Tail => break,
            }
        }
        GreetingPlan {
            speech_start_ms: start.unwrap_or(0) / PER_MS,
            speech_end_ms: end / PER_MS,
            voiced_ms: voiced / PER_MS,
            words,
            beep_ms: beep,
        }
    }
}

/// A person's or a machine's greeting, streamed in 20 ms frames of 8 kHz PCM.
///
/// ```
/// use dialer::media::audio::{frame_dbfs, Greeting};
/// let mut hello = Greeting::human(7);
/// let plan = *hello.plan();
/// assert!(plan.speech_end_ms < 2500 && plan.beep_ms.is_none());
/// let loud = hello.by_ref().take(150).filter(|f| frame_dbfs(f) > -40.0).count(); // 3 s
/// assert!((25..=75).contains(&loud)); // 0.5–1.5 s of voice in 20 ms frames
/// ```
#[derive(Clone, Debug)]
pub struct Greeting {
    kind: GreetingKind,
    plan: GreetingPlan,
    planner: Planner,
    /// Pitch, formants, levels and phases: a stream apart from the plan's.
    voice: SplitMix64,
    segment: Segment,
    position: u32,
    base_f0: f64,
    level_db: f64,
    /// The noise floor's peak, in 16-bit units.
    noise_amplitude: i32,
    /// Where this greeting reads [`NOISE`].
    noise: usize,
    /// The phase step per sample (pitch / 8000) and its change per sample (the glide).
    increment: f32,
    glide: f32,
    gain: f32,
    phase: f32,
    table: [f32; TABLE_LEN],
    generated: u64,
}

impl Greeting {
    /// A greeting of this kind; the same seed gives the same samples.
    pub fn new(kind: GreetingKind, seed: u64) -> Greeting {
        let planner = Planner::new(kind, seed);
        let plan = planner.plan();
        let mut voice = SplitMix64::new(stream(seed, kind, 0x766F_6963));
        let base_f0 = voice.range(F0_MIN, F0_MAX);
        let level_db = voice.range(-18.0, -8.0);
        // Uniform noise in [−a, a) has an RMS of a/√3.
        let noise_amplitude = (32768.0 * db_to_gain(voice.range(-70.0, -58.0)) * 3f32.sqrt()) as i32;
        let noise = voice.int(0, NOISE_LEN as u32 - 1) as usize;
        Greeting {
            kind,
            plan,
            planner,
            voice,
            segment: Segment::Silence { len: 0 },
            position: 0,
            base_f0,
            level_db,
            noise_amplitude,
            noise,
            increment: 0.0,
            glide: 0.0,
            gain: 0.0,
            phase: 0.0,
            table: [0.0; TABLE_LEN],
            generated: 0,
        }
    }

    /// A person's greeting.
    pub fn human(seed: u64) -> Greeting {
        Greeting::new(GreetingKind::Human, seed)
    }

    /// An answering machine's greeting.
    pub fn machine(seed: u64) -> Greeting {
        Greeting::new(GreetingKind::Machine, seed)
    }

    /// Who is speaking.
    pub fn kind(&self) -> GreetingKind {
        self.kind
    }

    /// When the parts of the greeting happen.
    pub fn plan(&self) -> &GreetingPlan {
        &self.plan
    }

    /// Samples generated so far.
    pub fn position(&self) -> u64 {
        self.generated
    }

    /// The next 20 ms. After the greeting, frames carry only the background noise.
    pub fn next_frame(&mut self) -> [i16; FRAME_SAMPLES] {
        // The voice, segment by segment, in full-scale units …
        let mut voice = [0f32; FRAME_SAMPLES];
        let mut filled = 0;
        while filled < FRAME_SAMPLES {
            let left = match self.segment {
                Segment::Silence { len } | Segment::Syllable { len, .. } | Segment::Beep { len } => len - self.position,
                Segment::Tail => u32::MAX,
            };
            if left == 0 {
                let next = self.planner.next();
                self.start(next);
                continue;
            }
            let n = (left as usize).min(FRAME_SAMPLES - filled);
            let chunk = &mut voice[filled..filled + n];
            match self.segment {
                Segment::Syllable { len, joins_previous, joins_next, .. } => {
                    self.syllable(chunk, len, joins_previous, joins_next)
                }
                Segment::Beep { len } => self.beep(chunk, len),
                Segment::Silence { .. } | Segment::Tail => {}
            }
            if !matches!(self.segment, Segment::Tail) {
                self.position += n as u32;
            }
            filled += n;
        }
        // … then the noise floor, uniform in [−amplitude, amplitude), and 16 bits. This runs for
        // the whole of every call, so it is table reads and integer arithmetic only.
        let mut frame = [0i16; FRAME_SAMPLES];
        for (i, (out, v)) in frame.iter_mut().zip(voice).enumerate() {
            let unit = i32::from(NOISE[(self.noise + i) % NOISE_LEN]);
            let noise = (unit * self.noise_amplitude) >> 15;
            *out = ((v * 32767.0) as i32 + noise).clamp(-32768, 32767) as i16;
        }
        self.noise = (self.noise + FRAME_SAMPLES) % NOISE_LEN;
        self.generated += FRAME_SAMPLES as u64;
        frame
    }

    /// Fills `chunk` with the syllable from the current position: the period table read at a
    /// gliding pitch, under the syllable's envelope.
    fn syllable(&mut self, chunk: &mut [f32], len: u32, joins_previous: bool, joins_next: bool) {
        for (position, v) in (self.position..).zip(chunk) {
            let x = self.phase * TABLE_LEN as f32;
            let i = x as usize; // the phase is in [0, 1), so this is its floor
            let frac = x - i as f32;
            let a = self.table[i % TABLE_LEN];
            let b = self.table[(i + 1) % TABLE_LEN];
            *v = (a + (b - a) * frac) * self.gain * envelope(position, len, joins_previous, joins_next);
            self.advance_phase();
            self.increment += self.glide;
        }
    }

    /// Fills `chunk` with the beep from the current position, with short ramps against clicks.
    fn beep(&mut self, chunk: &mut [f32], len: u32) {
        for (position, v) in (self.position..).zip(chunk) {
            let edge = position.min(len - position).min(BEEP_RAMP);
            *v = sine(self.phase) * self.gain * edge as f32 * (1.0 / BEEP_RAMP as f32);
            self.advance_phase();
        }
    }

    fn advance_phase(&mut self) {
        self.phase += self.increment;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
    }

    /// Enters a segment: draws a syllable's voice or a beep's tone.
    fn start(&mut self, segment: Segment) {
        self.segment = segment;
        self.position = 0;
        match segment {
            Segment::Syllable { len, joins_previous, last, .. } => {
                let start = (self.base_f0 * self.voice.range(0.92, 1.08)).clamp(F0_MIN, F0_MAX);
                // A person's last syllable rises ("Hello?"); others glide down a little.
                let glide = if last { self.voice.range(1.1, 1.3) } else { self.voice.range(0.85, 1.03) };
                let end = (start * glide).clamp(F0_MIN, F0_MAX);
                self.increment = (start / f64::from(CLOCK_RATE)) as f32;
                self.glide = ((end - start) / f64::from(CLOCK_RATE) / f64::from(len.max(1))) as f32;
                self.gain = db_to_gain(self.level_db + self.voice.range(-2.0, 2.0));
                if !joins_previous {
                    self.phase = 0.0;
                }
                self.build_table(start.max(end) as f32, ((start + end) / 2.0) as f32);
            }
            Segment::Beep { .. } => {
                self.increment = (self.voice.range(950.0, 1050.0) / f64::from(CLOCK_RATE)) as f32;
                self.glide = 0.0;
                self.gain = db_to_gain(self.voice.range(-16.0, -8.0));
                self.phase = 0.0;
            }
            Segment::Silence { .. } | Segment::Tail => {}
        }
    }

    /// One period of a vowel: harmonics of the pitch under a −6 dB/octave source slope, lifted
    /// by three resonances (formants) drawn for the syllable, with random phases; peak 1.
    fn build_table(&mut self, f0_max: f32, f0_mid: f32) {
        let formants = [
            (self.voice.range(300.0, 800.0) as f32, 100.0f32, 1.0f32),
            (self.voice.range(900.0, 2300.0) as f32, 150.0, 0.6),
            (self.voice.range(2400.0, 3000.0) as f32, 200.0, 0.3),
        ];
        let harmonics = ((TOP_HARMONIC_HZ / f0_max) as usize).clamp(1, TABLE_LEN / 2 - 1);
        self.table = [0.0; TABLE_LEN];
        let step = SINE_LEN / TABLE_LEN;
        for k in 1..=harmonics {
            let f = k as f32 * f0_mid;
            let resonance: f32 = formants.iter().map(|&(fc, bw, g)| g / (1.0 + ((f - fc) / bw).powi(2))).sum();
            let amplitude = (0.1 + resonance) / k as f32;
            let offset = self.voice.int(0, SINE_LEN as u32 - 1) as usize;
            for (j, v) in self.table.iter_mut().enumerate() {
                *v += amplitude * SINE[(k * j * step + offset) % SINE_LEN];
            }
        }
        let peak = self.table.iter().fold(0f32, |m, v| m.max(v.abs()));
        if peak > 0.0 {
            self.table.iter_mut().for_each(|v| *v /= peak);
        }
    }
}

/// A syllable's amplitude at `position`: linear ramps in and out, to zero at a word's edges and
/// to [`INNER_FLOOR`] where it joins the next syllable of the word.
fn envelope(position: u32, len: u32, joins_previous: bool, joins_next: bool) -> f32 {
    let ramp = |distance: u32, ramp: u32, floor: f32| {
        if distance >= ramp { 1.0 } else { floor + (1.0 - floor) * distance as f32 / ramp as f32 }
    };
    let rise = if joins_previous { ramp(position, INNER_RAMP, INNER_FLOOR) } else { ramp(position, WORD_ATTACK, 0.0) };
    let to_end = len - position;
    let fall = if joins_next { ramp(to_end, INNER_RAMP, INNER_FLOOR) } else { ramp(to_end, WORD_RELEASE, 0.0) };
    rise.min(fall)
}

impl FrameSource for Greeting {
    fn next_frame(&mut self) -> [i16; FRAME_SAMPLES] {
        Greeting::next_frame(self)
    }
}

/// Endless: after the greeting come frames of background noise.
impl Iterator for Greeting {
    type Item = [i16; FRAME_SAMPLES];

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_frame())
    }
}

/// The level reported for digital silence (and an empty frame), instead of −∞.
pub const SILENCE_DBFS: f64 = -120.0;

/// The RMS of a frame, on the 16-bit scale (0 to 32768).
pub fn frame_rms(pcm: &[i16]) -> f64 {
    if pcm.is_empty() {
        return 0.0;
    }
    let sum: f64 = pcm.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / pcm.len() as f64).sqrt()
}

/// A frame's energy in dB relative to full scale: 20·log10(RMS / 32768), so a full-scale
/// square wave is 0 dBFS and a full-scale sine −3 dBFS; never below [`SILENCE_DBFS`]. An
/// energy-based detector compares it with its silence threshold ([`amplitude_dbfs`]`(256.0)`
/// is app_amd's default, about −42 dBFS).
pub fn frame_dbfs(pcm: &[i16]) -> f64 {
    amplitude_dbfs(frame_rms(pcm))
}

/// A 16-bit amplitude in dBFS (20·log10(a / 32768)), floored at [`SILENCE_DBFS`].
pub fn amplitude_dbfs(amplitude: f64) -> f64 {
    if amplitude <= 0.0 { SILENCE_DBFS } else { (20.0 * (amplitude / 32768.0).log10()).max(SILENCE_DBFS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The voicing threshold of these tests: 2 dB above app_amd's default silence level.
    const VOICED_DBFS: f64 = -40.0;

    fn frames(g: &mut Greeting, seconds: u32) -> Vec<[i16; FRAME_SAMPLES]> {
        g.by_ref().take(seconds as usize * 50).collect()
    }

    /// Runs of voiced frames as (first, last) frame indices, bridging dips shorter than 100 ms.
    fn voiced_runs(frames: &[[i16; FRAME_SAMPLES]]) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            if frame_dbfs(f) > VOICED_DBFS {
                match runs.last_mut() {
                    Some(run) if i - run.1 <= 5 => run.1 = i,
                    _ => runs.push((i, i)),
                }
            }
        }
        runs
    }

    fn voiced_ms(frames: &[[i16; FRAME_SAMPLES]]) -> u32 {
        frames.iter().filter(|f| frame_dbfs(&f[..]) > VOICED_DBFS).count() as u32 * 20
    }

    #[test]
    fn sine_table_is_a_sine() {
        for (i, &v) in SINE.iter().enumerate() {
            let x = 2.0 * std::f64::consts::PI * i as f64 / SINE_LEN as f64;
            assert!((f64::from(v) - x.sin()).abs() < 1e-6, "{i}");
        }
        assert!((sine(0.25) - 1.0).abs() < 1e-6 && sine(0.5).abs() < 1e-6);
    }

    #[test]
    fn noise_table_is_white_and_full_scale() {
        let mean = NOISE.iter().map(|&x| f64::from(x)).sum::<f64>() / NOISE_LEN as f64;
        assert!(mean.abs() < 1000.0, "{mean}");
        // Uniform over ±32768: RMS 32768/√3, about −4.8 dBFS.
        assert!((frame_dbfs(&NOISE) + 4.77).abs() < 0.3, "{}", frame_dbfs(&NOISE));
        // White: neighbours are uncorrelated.
        let lag1: f64 = NOISE.windows(2).map(|w| f64::from(w[0]) * f64::from(w[1])).sum::<f64>();
        let energy: f64 = NOISE.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        assert!((lag1 / energy).abs() < 0.05);
    }

    #[test]
    fn frame_energy_in_dbfs() {
        assert_eq!(frame_dbfs(&[0; 160]), SILENCE_DBFS);
        assert_eq!(frame_dbfs(&[]), SILENCE_DBFS);
        let square: Vec<i16> = (0..160).map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN }).collect();
        assert!(frame_dbfs(&square).abs() < 0.01);
        let sine: Vec<i16> = (0..160).map(|i| (32767.0 * sine(i as f32 / 8.0)).round() as i16).collect();
        assert!((frame_dbfs(&sine) + 3.01).abs() < 0.02, "{}", frame_dbfs(&sine));
        assert!((frame_dbfs(&[256; 160]) - amplitude_dbfs(256.0)).abs() < 1e-12);
        assert!((amplitude_dbfs(256.0) + 42.14).abs() < 0.01);
        assert!((frame_rms(&[-3, 3, -3, 3]) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_human_greeting_is_short_and_then_silent() {
        for seed in 0..100 {
            let mut g = Greeting::human(seed);
            let plan = *g.plan();
            assert!((700..=1350).contains(&plan.voiced_ms), "seed {seed}: {plan:?}");
            assert!((1..=2).contains(&plan.words), "seed {seed}: {plan:?}");
            assert_eq!(plan.beep_ms, None);
            let audio = frames(&mut g, 5);
            let voiced = voiced_ms(&audio);
            assert!((500..=1500).contains(&voiced), "seed {seed}: {voiced} ms voiced, plan {plan:?}");
            let runs = voiced_runs(&audio);
            assert_eq!(runs.len() as u32, plan.words, "seed {seed}: {runs:?}, plan {plan:?}");
            // The measured speech starts and ends where the plan says (20 ms frames, ramps).
            let (first, last) = (runs[0].0 as u32 * 20, runs[runs.len() - 1].1 as u32 * 20 + 20);
            assert!(first.abs_diff(plan.speech_start_ms) <= 40, "seed {seed}: starts {first}, {plan:?}");
            assert!(last.abs_diff(plan.speech_end_ms) <= 60, "seed {seed}: ends {last}, {plan:?}");
            // After the greeting: nothing but a noise floor well under any silence threshold.
            let after = (plan.speech_end_ms as usize + 60) / 20 + 1;
            for (i, f) in audio[after..].iter().enumerate() {
                assert!(frame_dbfs(f) < -50.0, "seed {seed}: frame {} at {} dBFS", after + i, frame_dbfs(f));
                assert!(frame_dbfs(f) > -80.0, "seed {seed}: there is background noise");
            }
        }
    }

    #[test]
    fn a_machine_greeting_is_long_then_beeps() {
        for seed in 0..30 {
            let mut g = Greeting::machine(seed);
            let plan = *g.plan();
            let span = plan.speech_end_ms - plan.speech_start_ms;
            assert!((5000..=15000).contains(&span), "seed {seed}: {plan:?}");
            assert!(plan.words > 3, "seed {seed}: {plan:?}");
            let (beep_start, beep_end) = plan.beep_ms.unwrap();
            assert!(beep_start > plan.speech_end_ms + 250 && (400..=800).contains(&(beep_end - beep_start)));
            let audio = frames(&mut g, 19);
            let runs = voiced_runs(&audio);
            let speech: Vec<_> = runs.iter().filter(|r| (r.1 as u32 * 20) < beep_start).collect();
            let measured = speech.last().unwrap().1 as u32 * 20 + 20 - speech[0].0 as u32 * 20;
            assert!(measured > 5000, "seed {seed}: {measured} ms of speech");
            assert!(measured.abs_diff(span) <= 80, "seed {seed}: {measured} vs {span}");
            // The beep: loud, and a 1 kHz tone crosses zero about 40 times in 20 ms.
            let mid = &audio[(beep_start + beep_end) as usize / 40];
            assert!(frame_dbfs(mid) > -30.0);
            let crossings = mid.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
            assert!((36..=44).contains(&crossings), "seed {seed}: {crossings} zero crossings");
            // Silence after the beep.
            let after = beep_end as usize / 20 + 2;
            assert!(audio[after..].iter().all(|f| frame_dbfs(f) < -50.0), "seed {seed}");
        }
    }

    #[test]
    fn voiced_frames_are_periodic_at_a_speech_pitch() {
        for seed in 0..20 {
            for kind in [GreetingKind::Human, GreetingKind::Machine] {
                let mut g = Greeting::new(kind, seed);
                let start = g.plan().speech_start_ms as usize;
                let pcm: Vec<f64> =
                    g.by_ref().take(start / 20 + 6).flatten().skip(start * 8 + 400).map(f64::from).collect();
                let window = &pcm[..320];
                let energy: f64 = window.iter().map(|x| x * x).sum();
                // Normalised autocorrelation over lags of 80 Hz to 400 Hz.
                let (best_lag, best) = (20..=100)
                    .map(|lag| {
                        let r: f64 = (0..window.len() - lag).map(|i| window[i] * window[i + lag]).sum();
                        (lag, r / energy)
                    })
                    .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
                let pitch = 8000.0 / best_lag as f64;
                assert!(best > 0.5, "{kind:?} seed {seed}: not periodic ({best:.2})");
                assert!((90.0..=280.0).contains(&pitch), "{kind:?} seed {seed}: pitch {pitch:.0} Hz");
            }
        }
    }

    #[test]
    fn same_seed_same_signal_other_seed_other_signal() {
        for kind in [GreetingKind::Human, GreetingKind::Machine] {
            let a: Vec<_> = Greeting::new(kind, 11).take(150).collect();
            let b: Vec<_> = Greeting::new(kind, 11).take(150).collect();
            let c: Vec<_> = Greeting::new(kind, 12).take(150).collect();
            assert_eq!(a, b);
            assert_ne!(a, c);
            assert_eq!(Greeting::new(kind, 11).plan(), Greeting::new(kind, 11).plan());
        }
        // Seeds vary the plan, not only the noise.
        let plans: std::collections::HashSet<u32> = (0..50).map(|s| Greeting::human(s).plan().voiced_ms).collect();
        assert!(plans.len() > 40);
        // And a person and a machine of one seed share neither voice nor noise.
        let human: Vec<_> = Greeting::human(5).take(5).collect();
        let machine: Vec<_> = Greeting::machine(5).take(5).collect();
        assert_ne!(human, machine);
    }

    #[test]
    fn a_greeting_is_small_and_feeds_a_sender() {
        assert!(std::mem::size_of::<Greeting>() <= 768, "{} bytes", std::mem::size_of::<Greeting>());
        let mut g = Greeting::human(3);
        let f = FrameSource::next_frame(&mut g);
        assert_eq!(f.len(), FRAME_SAMPLES);
        assert_eq!(g.position(), 160);
        assert_eq!(g.kind(), GreetingKind::Human);
    }
}
