//! Duration distributions: how long a ring, a talk, a wrap-up or a caller's patience lasts.
//!
//! A scenario writes a distribution as a TOML table, `{ dist = "lognormal", mean = "180s", sd =
//! "90s" }`; [`Dist`] is the validated form with its sampler built once, so the event loop draws
//! millions of durations a second without allocating or re-deriving parameters.
//!
//! ```
//! use sim::dist::Dist;
//! use rand_pcg::Pcg64Mcg;
//! let talk = Dist::lognormal(180_000.0, 90_000.0).unwrap();
//! let mut rng = Pcg64Mcg::new(7);
//! let ms = talk.sample_ms(&mut rng);
//! assert!(ms > 0);
//! assert_eq!(talk.mean_ms(), 180_000.0);
//! assert_eq!(talk.to_string(), "lognormal(mean 3m, sd 1m 30s)");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_distr::{Exp, Gamma, LogNormal, Weibull};
use serde::Deserialize;

/// A validated duration distribution, in milliseconds, ready to sample.
///
/// Build one with the constructors ([`Dist::constant`], [`Dist::exp`], …) or from a scenario
/// file; the constructors check the parameters and precompute the sampler, so the fields of a
/// variant always agree with each other. `lognormal` and `gamma` with `sd = 0` are accepted and
/// become [`Dist::Const`] at the mean (rounded to the millisecond), so a sweep over `sd` may
/// start at zero.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same duration.
    Const {
        /// The duration, in milliseconds.
        ms: u64,
    },
    /// Exponential (memoryless): the usual model of patience and inter-arrival times.
    Exp {
        /// Mean, in milliseconds (> 0).
        mean_ms: f64,
        /// The precomputed sampler (rate 1/mean).
        sampler: Exp<f64>,
    },
    /// Log-normal, given by its own mean and standard deviation (not those of the logarithm):
    /// the usual model of talk times.
    LogNormal {
        /// Mean, in milliseconds (> 0).
        mean_ms: f64,
        /// Standard deviation, in milliseconds (> 0).
        sd_ms: f64,
        /// The precomputed sampler (`sigma² = ln(1 + sd²/mean²)`, `mu = ln(mean) − sigma²/2`).
        sampler: LogNormal<f64>,
    },
    /// Gamma, given by its mean and standard deviation.
    Gamma {
        /// Mean, in milliseconds (> 0).
        mean_ms: f64,
        /// Standard deviation, in milliseconds (> 0).
        sd_ms: f64,
        /// The precomputed sampler (`shape = mean²/sd²`, `scale = sd²/mean`).
        sampler: Gamma<f64>,
    },
    /// Uniform over whole milliseconds from `min_ms` to `max_ms`, both included.
    Uniform {
        /// Smallest value, in milliseconds.
        min_ms: u64,
        /// Largest value, in milliseconds (≥ `min_ms`).
        max_ms: u64,
        /// The precomputed sampler.
        sampler: Uniform<u64>,
    },
    /// Weibull with a dimensionless shape and a scale in milliseconds.
    Weibull {
        /// Shape `k` (> 0): below 1 the hazard falls with time, above 1 it rises.
        shape: f64,
        /// Scale `λ`, in milliseconds (> 0).
        scale_ms: f64,
        /// The mean `λ·Γ(1 + 1/k)`, computed once.
        mean_ms: f64,
        /// The precomputed sampler.
        sampler: Weibull<f64>,
    },
    /// Drawn uniformly from a list of observed durations (e.g. talk times exported from a
    /// real call centre).
    Empirical {
        /// The file the values came from (for summaries and messages).
        file: PathBuf,
        /// The observed durations, in milliseconds; never empty. Shared, so cloning a
        /// scenario for each replication does not copy them.
        values_ms: Arc<[u64]>,
        /// Their mean, computed once.
        mean_ms: f64,
        /// Picks an index into `values_ms`.
        index: Uniform<usize>,
    },
}

impl Dist {
    /// The constant distribution: every draw is `ms`. Zero is allowed (no wrap-up, say).
    pub fn constant(ms: u64) -> Dist {
        Dist::Const { ms }
    }

    /// The exponential distribution with the given mean (milliseconds, > 0).
    pub fn exp(mean_ms: f64) -> Result<Dist, DistError> {
        positive("mean", mean_ms, "exp")?;
        let sampler = Exp::new(1.0 / mean_ms).map_err(|e| internal("mean", e))?;
        Ok(Dist::Exp { mean_ms, sampler })
    }

    /// The log-normal distribution with this mean and standard deviation (milliseconds);
    /// `sd = 0` gives the constant at `mean`.
    pub fn lognormal(mean_ms: f64, sd_ms: f64) -> Result<Dist, DistError> {
        positive("mean", mean_ms, "lognormal")?;
        non_negative("sd", sd_ms)?;
        if sd_ms == 0.0 {
            return Ok(Dist::constant(round_ms(mean_ms)));
        }
        let cv = sd_ms / mean_ms;
        let sigma2 = cv.mul_add(cv, 1.0).ln();
        let mu = mean_ms.ln() - sigma2 / 2.0;
        let sampler = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| internal("sd", e))?;
        Ok(Dist::LogNormal { mean_ms, sd_ms, sampler })
    }

    /// The gamma distribution with this mean and standard deviation (milliseconds);
    /// `sd = 0` gives the constant at `mean`.
    pub fn gamma(mean_ms: f64, sd_ms: f64) -> Result<Dist, DistError> {
        positive("mean", mean_ms, "gamma")?;
        non_negative("sd", sd_ms)?;
        if sd_ms == 0.0 {
            return Ok(Dist::constant(round_ms(mean_ms)));
        }
        let shape = (mean_ms * mean_ms) / (sd_ms * sd_ms);
        let scale = (sd_ms * sd_ms) / mean_ms;
        let sampler = Gamma::new(shape, scale).map_err(|_| DistError {
            key: "sd",
            problem: format!(
                "mean {} and sd {} give a gamma shape of {shape:e}, which cannot be sampled",
                show_ms(mean_ms),
                show_ms(sd_ms)
            ),
            fix: "use an sd nearer the mean, or dist = \"const\"".into(),
        })?;
        Ok(Dist::Gamma { mean_ms, sd_ms, sampler })
    }

    /// The uniform distribution over whole milliseconds from `min_ms` to `max_ms`, both included.
    pub fn uniform(min_ms: u64, max_ms: u64) -> Result<Dist, DistError> {
        if min_ms > max_ms {
            return Err(DistError {
                key: "min",
                problem: format!("min {} is larger than max {}", show_ms(min_ms as f64), show_ms(max_ms as f64)),
                fix: "swap them, or make min ≤ max".into(),
            });
        }
        let sampler = Uniform::new_inclusive(min_ms, max_ms).map_err(|e| internal("max", e))?;
        Ok(Dist::Uniform { min_ms, max_ms, sampler })
    }

    /// The Weibull distribution with shape `k` (> 0) and scale `λ` (milliseconds, > 0).
    pub fn weibull(shape: f64, scale_ms: f64) -> Result<Dist, DistError> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(DistError {
                key: "shape",
                problem: format!("shape {shape} is not a positive number"),
                fix: "write a shape above 0, such as 1.5 (1 is the exponential)".into(),
            });
        }
        positive("scale", scale_ms, "weibull")?;
        let mean_ms = scale_ms * gamma_fn(1.0 + 1.0 / shape);
        if !mean_ms.is_finite() {
            return Err(DistError {
                key: "shape",
                problem: format!("shape {shape} is so small that the mean is infinite"),
                fix: "use a shape of 0.05 or more".into(),
            });
        }
        let sampler = Weibull::new(scale_ms, shape).map_err(|e| internal("shape", e))?;
        Ok(Dist::Weibull { shape, scale_ms, mean_ms, sampler })
    }

    /// The empirical distribution over `values_ms`, each value equally likely; `file` names
    /// where they came from. Fails on an empty list.
    pub fn empirical(file: PathBuf, values_ms: Vec<u64>) -> Result<Dist, DistError> {
        let index = Uniform::new(0, values_ms.len()).map_err(|_| DistError {
            key: "file",
            problem: format!("{} holds no durations", file.display()),
            fix: "write one duration a line, such as \"95s\"".into(),
        })?;
        let mean_ms = values_ms.iter().map(|&v| v as f64).sum::<f64>() / values_ms.len() as f64;
        Ok(Dist::Empirical { file, values_ms: values_ms.into(), mean_ms, index })
    }

    /// Reads an empirical distribution from a text file: one humantime duration a line, blank
    /// lines and `#` comments ignored. Errors name the file and the line.
    pub fn from_file(file: &Path) -> Result<Dist, DistError> {
        let text = std::fs::read_to_string(file).map_err(|e| DistError {
            key: "file",
            problem: format!("cannot read {}: {e}", file.display()),
            fix: "check the path; a relative path is taken from the scenario file's folder".into(),
        })?;
        let mut values = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let ms = parse_duration_ms(line).map_err(|e| DistError {
                key: "file",
                problem: format!("{} line {}: {}", file.display(), n + 1, e.problem),
                fix: e.fix,
            })?;
            values.push(round_ms(ms));
        }
        Dist::empirical(file.to_path_buf(), values)
    }

    /// One draw, in whole milliseconds (rounded to nearest, never negative).
    ///
    /// Called for every ring, talk, wrap-up and patience in a run: it allocates nothing and
    /// does no work beyond choosing the variant and sampling.
    #[inline]
    pub fn sample_ms<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Dist::Const { ms } => *ms,
            Dist::Exp { sampler, .. } => round_ms(sampler.sample(rng)),
            Dist::LogNormal { sampler, .. } => round_ms(sampler.sample(rng)),
            Dist::Gamma { sampler, .. } => round_ms(sampler.sample(rng)),
            Dist::Uniform { sampler, .. } => sampler.sample(rng),
            Dist::Weibull { sampler, .. } => round_ms(sampler.sample(rng)),
            Dist::Empirical { values_ms, index, .. } => values_ms[index.sample(rng)],
        }
    }

    /// The exact mean of the distribution, in milliseconds (before draws are rounded to whole
    /// milliseconds): for reports, for capacity estimates (Erlang), and for tests.
    pub fn mean_ms(&self) -> f64 {
        match self {
            Dist::Const { ms } => *ms as f64,
            Dist::Exp { mean_ms, .. }
            | Dist::LogNormal { mean_ms, .. }
            | Dist::Gamma { mean_ms, .. }
            | Dist::Weibull { mean_ms, .. }
            | Dist::Empirical { mean_ms, .. } => *mean_ms,
            Dist::Uniform { min_ms, max_ms, .. } => (*min_ms as f64 + *max_ms as f64) / 2.0,
        }
    }

    /// Builds the distribution a scenario file describes. `base` is the scenario file's folder,
    /// against which a relative `empirical` file is resolved. Errors name the sub-key at fault
    /// (`mean`, `sd`, …), which the caller prefixes with the key of the table.
    pub(crate) fn from_spec(spec: &DistSpec, base: &Path) -> Result<Dist, DistError> {
        let kind = spec.dist;
        let used = kind.keys();
        for (key, given) in spec.given() {
            if given && !used.contains(&key) {
                return Err(DistError {
                    key,
                    problem: format!("{} does not use `{key}`", kind.name()),
                    fix: format!("remove it; {} takes {}", kind.name(), used.join(", ")),
                });
            }
        }
        let need = |key: &'static str, value: &Option<DurationText>| -> Result<f64, DistError> {
            let text = value.as_ref().ok_or_else(|| missing(kind, key))?;
            parse_duration_ms(&text.0).map_err(|e| DistError { key, ..e })
        };
        match kind {
            DistKind::Const => Ok(Dist::constant(round_ms(need("value", &spec.value)?))),
            DistKind::Exp => Dist::exp(need("mean", &spec.mean)?),
            DistKind::Lognormal => Dist::lognormal(need("mean", &spec.mean)?, need("sd", &spec.sd)?),
            DistKind::Gamma => Dist::gamma(need("mean", &spec.mean)?, need("sd", &spec.sd)?),
            DistKind::Uniform => Dist::uniform(round_ms(need("min", &spec.min)?), round_ms(need("max", &spec.max)?)),
            DistKind::Weibull => {
                let shape = spec.shape.ok_or_else(|| missing(kind, "shape"))?;
                Dist::weibull(shape, need("scale", &spec.scale)?)
            }
            DistKind::Empirical => {
                let file = spec.file.as_ref().ok_or_else(|| missing(kind, "file"))?;
                Dist::from_file(&base.join(file))
            }
        }
    }
}

impl std::str::FromStr for Dist {
    type Err = DistError;

    /// The command-line form (DESIGN.md, `dialer load --hold`): a lone duration is a constant
    /// (`0s`, `30s`); otherwise the family and its parameters separated by colons, in the order
    /// a scenario table names them: `exp:30s`, `lognormal:180s:90s`, `gamma:180s:90s`,
    /// `uniform:10s:60s`, `weibull:1.5:60s`, `const:30s`.
    fn from_str(text: &str) -> Result<Dist, DistError> {
        let parts: Vec<&str> = text.trim().split(':').collect();
        let bad = |problem: String| {
            DistError {
            key: "",
            problem,
            fix: "write a duration (\"30s\") or a family with its parameters: \"exp:30s\", \"lognormal:180s:90s\", \"gamma:180s:90s\", \"uniform:10s:60s\", \"weibull:1.5:60s\"".into(),
        }
        };
        let ms = |i: usize| -> Result<f64, DistError> { parse_duration_ms(parts[i]) };
        match (parts[0], parts.len()) {
            (_, 1) => Ok(Dist::constant(round_ms(ms(0)?))),
            ("const", 2) => Ok(Dist::constant(round_ms(ms(1)?))),
            ("exp", 2) => Dist::exp(ms(1)?),
            ("lognormal", 3) => Dist::lognormal(ms(1)?, ms(2)?),
            ("gamma", 3) => Dist::gamma(ms(1)?, ms(2)?),
            ("uniform", 3) => Dist::uniform(round_ms(ms(1)?), round_ms(ms(2)?)),
            ("weibull", 3) => {
                let shape = parts[1]
                    .parse::<f64>()
                    .map_err(|_| bad(format!("{:?}: the shape {:?} is not a number", text, parts[1])))?;
                Dist::weibull(shape, ms(2)?)
            }
            (family, n) => Err(bad(format!("{text:?}: {family:?} with {} parameter(s) is not a distribution", n - 1))),
        }
    }
}

/// Summaries and messages show a distribution the way a scenario file would describe it, e.g.
/// `lognormal(mean 3m, sd 1m 30s)`.
impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dist::Const { ms } => write!(f, "const({})", show_ms(*ms as f64)),
            Dist::Exp { mean_ms, .. } => write!(f, "exp(mean {})", show_ms(*mean_ms)),
            Dist::LogNormal { mean_ms, sd_ms, .. } => {
                write!(f, "lognormal(mean {}, sd {})", show_ms(*mean_ms), show_ms(*sd_ms))
            }
            Dist::Gamma { mean_ms, sd_ms, .. } => {
                write!(f, "gamma(mean {}, sd {})", show_ms(*mean_ms), show_ms(*sd_ms))
            }
            Dist::Uniform { min_ms, max_ms, .. } => {
                write!(f, "uniform(min {}, max {})", show_ms(*min_ms as f64), show_ms(*max_ms as f64))
            }
            Dist::Weibull { shape, scale_ms, .. } => {
                write!(f, "weibull(shape {shape}, scale {})", show_ms(*scale_ms))
            }
            Dist::Empirical { file, values_ms, mean_ms, .. } => {
                write!(f, "empirical({}, {} values, mean {})", file.display(), values_ms.len(), show_ms(*mean_ms))
            }
        }
    }
}

/// Why a distribution or a duration was rejected: the sub-key at fault, what is wrong and how
/// to fix it. The scenario loader turns it into a message naming the file and the full key.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key}: {problem} (fix: {fix})")]
pub struct DistError {
    /// The key inside the distribution's table (`mean`, `sd`, `file`, …), or `""` for the
    /// table itself or for a lone duration.
    pub key: &'static str,
    /// What is wrong.
    pub problem: String,
    /// How to put it right.
    pub fix: String,
}

/// Parses a humantime duration (`"250ms"`, `"15s"`, `"3m"`, `"1h 30m"`, `"2.5s"`) into
/// milliseconds, possibly fractional. Every duration in a scenario goes through here so that
/// they all accept the same spellings and fail with the same advice.
pub fn parse_duration_ms(text: &str) -> Result<f64, DistError> {
    dialer::campaign::parse_duration(text).map(duration_ms).map_err(|e| DistError {
        key: "",
        problem: e.problem,
        fix: e.fix.into(),
    })
}

/// The TOML form of a distribution, as written in a scenario file. Every parameter is optional
/// here; [`Dist::from_spec`] checks that the chosen `dist` has the ones it needs and no others,
/// so the messages can say which.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DistSpec {
    pub dist: DistKind,
    pub value: Option<DurationText>,
    pub mean: Option<DurationText>,
    pub sd: Option<DurationText>,
    pub min: Option<DurationText>,
    pub max: Option<DurationText>,
    pub shape: Option<f64>,
    pub scale: Option<DurationText>,
    pub file: Option<PathBuf>,
}

impl DistSpec {
    /// Each parameter key and whether the file gave it.
    fn given(&self) -> [(&'static str, bool); 8] {
        [
            ("value", self.value.is_some()),
            ("mean", self.mean.is_some()),
            ("sd", self.sd.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("shape", self.shape.is_some()),
            ("scale", self.scale.is_some()),
            ("file", self.file.is_some()),
        ]
    }
}

/// The `dist = "…"` names a scenario may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DistKind {
    Const,
    Exp,
    Lognormal,
    Gamma,
    Uniform,
    Weibull,
    Empirical,
}

impl DistKind {
    fn name(self) -> &'static str {
        match self {
            DistKind::Const => "const",
            DistKind::Exp => "exp",
            DistKind::Lognormal => "lognormal",
            DistKind::Gamma => "gamma",
            DistKind::Uniform => "uniform",
            DistKind::Weibull => "weibull",
            DistKind::Empirical => "empirical",
        }
    }

    /// The parameters this kind takes (all required).
    fn keys(self) -> &'static [&'static str] {
        match self {
            DistKind::Const => &["value"],
            DistKind::Exp => &["mean"],
            DistKind::Lognormal | DistKind::Gamma => &["mean", "sd"],
            DistKind::Uniform => &["min", "max"],
            DistKind::Weibull => &["shape", "scale"],
            DistKind::Empirical => &["file"],
        }
    }
}

/// A duration as written in a scenario file, parsed later (by [`parse_duration_ms`]) so the
/// error can name its key. Only strings are accepted: a bare number has no unit.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DurationText(pub String);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string with a unit, such as \"15s\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DurationText, E> {
                Ok(DurationText(s.to_owned()))
            }
        }
        d.deserialize_str(V)
    }
}

/// Rounds a non-negative number of milliseconds to the nearest whole one. Negative and NaN
/// give 0 and +∞ gives `u64::MAX`, as a saturating `as` cast does.
#[inline]
pub(crate) fn round_ms(ms: f64) -> u64 {
    let x = ms + 0.5;
    // `x as u64`, saturating (NaN and negatives give 0), through the signed conversion where it
    // is exact: x86-64 converts to signed integers in one instruction, to unsigned ones in several.
    if x < 9_223_372_036_854_775_808.0 { (x as i64).max(0) as u64 } else { x as u64 }
}

fn duration_ms(d: Duration) -> f64 {
    d.as_secs() as f64 * 1000.0 + f64::from(d.subsec_nanos()) / 1e6
}

/// A duration in milliseconds written the way a scenario file would (`"1m 30s"`).
fn show_ms(ms: f64) -> String {
    humantime::format_duration(Duration::from_millis(round_ms(ms))).to_string()
}

fn positive(key: &'static str, ms: f64, kind: &str) -> Result<(), DistError> {
    if ms.is_finite() && ms > 0.0 {
        return Ok(());
    }
    Err(DistError {
        key,
        problem: format!("{key} must be more than 0 for {kind}"),
        fix: format!("give a {key} such as \"10s\", or use dist = \"const\" for a fixed duration"),
    })
}

fn non_negative(key: &'static str, ms: f64) -> Result<(), DistError> {
    if ms.is_finite() && ms >= 0.0 {
        return Ok(());
    }
    Err(DistError { key, problem: format!("{key} must be zero or more"), fix: format!("give a {key} such as \"30s\"") })
}

fn missing(kind: DistKind, key: &'static str) -> DistError {
    let example = match key {
        "shape" => "1.5".to_string(),
        "file" => "\"data/talk.txt\"".to_string(),
        _ => "\"30s\"".to_string(),
    };
    DistError {
        key: "",
        problem: format!("{} needs `{key}`", kind.name()),
        fix: format!("add {key} = {example}; {} takes {}", kind.name(), kind.keys().join(", ")),
    }
}

/// A sampler constructor refused parameters that our own checks accepted: report rather than
/// panic, since the parameters came from a file.
fn internal(key: &'static str, e: impl fmt::Display) -> DistError {
    DistError { key, problem: format!("rejected by the sampler: {e}"), fix: "change the value".into() }
}

/// ln Γ(x) for x > 0, which the Weibull mean needs and `std` does not offer on stable Rust: the
/// workspace's one implementation, in `reports::stats`.
pub use reports::stats::ln_gamma;

/// Γ(x) for x ≥ 0.5 (where it is positive), from [`ln_gamma`].
fn gamma_fn(x: f64) -> f64 {
    ln_gamma(x).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_form_reads_every_family_and_refuses_the_rest() {
        let parse = |t: &str| t.parse::<Dist>();
        assert_eq!(parse("0s"), Ok(Dist::constant(0)));
        assert_eq!(parse("30s"), Ok(Dist::constant(30_000)));
        assert_eq!(parse("const:1.5s"), Ok(Dist::constant(1_500)));
        assert_eq!(parse("exp:30s"), Dist::exp(30_000.0));
        assert_eq!(parse("lognormal:180s:90s"), Dist::lognormal(180_000.0, 90_000.0));
        assert_eq!(parse("gamma:3m:1m"), Dist::gamma(180_000.0, 60_000.0));
        assert_eq!(parse("uniform:10s:60s"), Dist::uniform(10_000, 60_000));
        assert_eq!(parse("weibull:1.5:60s"), Dist::weibull(1.5, 60_000.0));
        for bad in ["exp", "exp:30s:1s", "normal:3s:1s", "lognormal:3s", "weibull:x:3s", "-3s", "uniform:9s:1s", ""] {
            let err = parse(bad).expect_err(bad);
            assert!(!err.fix.is_empty(), "{bad}: {err}");
        }
    }

    #[test]
    fn rounding_to_milliseconds_is_a_saturating_cast_of_the_half_up_value() {
        for ms in [
            0.0,
            0.49,
            0.5,
            1.5,
            2.5,
            179_999.5,
            -0.2,
            -0.5,
            -0.7,
            -3.0,
            1e15,
            9.2e18,
            9.3e18,
            1.9e19,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert_eq!(round_ms(ms), (ms + 0.5) as u64, "{ms}");
        }
    }
    use rand_pcg::Pcg64Mcg;

    const N: usize = 200_000;

    fn rng() -> Pcg64Mcg {
        Pcg64Mcg::new(0xcafe_f00d_d15e_a5e5)
    }

    /// Draws N samples and checks their mean against `mu` within 4·σ/√N (σ: the distribution's
    /// standard deviation, passed by the caller), and that `mean_ms` is `mu`.
    fn check_mean(d: &Dist, mu: f64, sigma: f64) {
        assert!((d.mean_ms() - mu).abs() < 1e-9 * mu.max(1.0), "{d}: mean_ms {} != {mu}", d.mean_ms());
        let mut r = rng();
        let sum: f64 = (0..N).map(|_| d.sample_ms(&mut r) as f64).sum();
        let mean = sum / N as f64;
        let tol = 4.0 * sigma / (N as f64).sqrt();
        assert!((mean - mu).abs() < tol, "{d}: sample mean {mean} vs {mu} (tolerance {tol})");
    }

    #[test]
    fn const_is_constant_and_zero_is_valid() {
        let d = Dist::constant(8000);
        let mut r = rng();
        assert!((0..100).all(|_| d.sample_ms(&mut r) == 8000));
        assert_eq!(Dist::constant(0).sample_ms(&mut r), 0);
        assert_eq!(d.to_string(), "const(8s)");
    }

    #[test]
    fn exp_mean() {
        // σ of an exponential = its mean.
        check_mean(&Dist::exp(3000.0).unwrap(), 3000.0, 3000.0);
    }

    #[test]
    fn lognormal_mean() {
        // σ = sd by construction.
        check_mean(&Dist::lognormal(180_000.0, 90_000.0).unwrap(), 180_000.0, 90_000.0);
    }

    #[test]
    fn gamma_mean() {
        // σ = sd by construction; also a shape below 1 (mean 10s, sd 20s → shape 0.25).
        check_mean(&Dist::gamma(12_000.0, 6_000.0).unwrap(), 12_000.0, 6_000.0);
        check_mean(&Dist::gamma(10_000.0, 20_000.0).unwrap(), 10_000.0, 20_000.0);
    }

    #[test]
    fn uniform_mean_and_range() {
        // σ of the discrete uniform over n = max − min + 1 values: sqrt((n² − 1)/12).
        let d = Dist::uniform(10_000, 60_000).unwrap();
        let n = 50_001.0_f64;
        check_mean(&d, 35_000.0, ((n * n - 1.0) / 12.0).sqrt());
        let mut r = rng();
        assert!((0..10_000).map(|_| d.sample_ms(&mut r)).all(|v| (10_000..=60_000).contains(&v)));
        let single = Dist::uniform(5, 5).unwrap();
        assert_eq!(single.sample_ms(&mut r), 5);
    }

    #[test]
    fn weibull_mean() {
        // σ = λ·sqrt(Γ(1 + 2/k) − Γ(1 + 1/k)²); k = 1.5, λ = 20s.
        let (k, scale) = (1.5, 20_000.0);
        let d = Dist::weibull(k, scale).unwrap();
        let g1 = gamma_fn(1.0 + 1.0 / k);
        let g2 = gamma_fn(1.0 + 2.0 / k);
        check_mean(&d, scale * g1, scale * (g2 - g1 * g1).sqrt());
        // k = 1 is the exponential: mean = σ = λ.
        check_mean(&Dist::weibull(1.0, 5_000.0).unwrap(), 5_000.0, 5_000.0);
    }

    #[test]
    fn gamma_function_known_values() {
        assert!((gamma_fn(1.0) - 1.0).abs() < 1e-13);
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-11);
        assert!((gamma_fn(1.5) - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-13);
        // Below 0.5 by the reflection formula: Γ(0.25) = 3.625609908221908.
        assert!((ln_gamma(0.25) - 3.625_609_908_221_908_f64.ln()).abs() < 1e-13);
    }

    #[test]
    fn sd_zero_becomes_const() {
        assert_eq!(Dist::lognormal(1500.4, 0.0).unwrap(), Dist::constant(1500));
        assert_eq!(Dist::gamma(2000.0, 0.0).unwrap(), Dist::constant(2000));
    }

    #[test]
    fn bad_parameters_name_the_key() {
        assert_eq!(Dist::exp(0.0).unwrap_err().key, "mean");
        assert_eq!(Dist::lognormal(-1.0, 5.0).unwrap_err().key, "mean");
        assert_eq!(Dist::gamma(10.0, -5.0).unwrap_err().key, "sd");
        assert_eq!(Dist::uniform(9, 3).unwrap_err().key, "min");
        assert_eq!(Dist::weibull(0.0, 10.0).unwrap_err().key, "shape");
        assert_eq!(Dist::weibull(f64::NAN, 10.0).unwrap_err().key, "shape");
        assert_eq!(Dist::weibull(1.0, 0.0).unwrap_err().key, "scale");
        assert_eq!(Dist::weibull(0.001, 10.0).unwrap_err().key, "shape");
        assert_eq!(Dist::empirical("x".into(), vec![]).unwrap_err().key, "file");
    }

    #[test]
    fn durations_parse_and_reject_with_a_fix() {
        assert_eq!(parse_duration_ms("250ms").unwrap(), 250.0);
        assert_eq!(parse_duration_ms("2.5s").unwrap(), 2500.0);
        assert_eq!(parse_duration_ms("1h 30m").unwrap(), 5_400_000.0);
        assert_eq!(parse_duration_ms("0s").unwrap(), 0.0);
        let neg = parse_duration_ms("-5s").unwrap_err();
        assert!(neg.problem.contains("negative") && neg.fix.contains("0s"), "{neg}");
        let bad = parse_duration_ms("soon").unwrap_err();
        assert!(bad.problem.contains("not a duration"), "{bad}");
        assert!(parse_duration_ms("180").is_err(), "a bare number has no unit");
    }

    #[test]
    fn empirical_file_parses_skipping_blanks_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("talk.txt");
        std::fs::write(&path, "# talk times\n10s\n\n20s  # a long one\n 30s\n").unwrap();
        let d = Dist::from_file(&path).unwrap();
        let Dist::Empirical { values_ms, .. } = &d else { panic!("{d:?}") };
        assert_eq!(&values_ms[..], &[10_000, 20_000, 30_000]);
        // σ of the three values {10, 20, 30} s: sqrt(200/3) s.
        check_mean(&d, 20_000.0, (200.0_f64 / 3.0).sqrt() * 1000.0);
        let mut r = rng();
        assert!((0..1000).all(|_| [10_000, 20_000, 30_000].contains(&d.sample_ms(&mut r))));
        assert!(d.to_string().starts_with("empirical("), "{d}");
    }

    #[test]
    fn empirical_file_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "10s\n# fine\nthree minutes\n").unwrap();
        let e = Dist::from_file(&bad).unwrap_err();
        assert!(e.problem.contains("bad.txt line 3") && e.problem.contains("three minutes"), "{e}");

        let neg = dir.path().join("neg.txt");
        std::fs::write(&neg, "10s\n-4s\n").unwrap();
        let e = Dist::from_file(&neg).unwrap_err();
        assert!(e.problem.contains("neg.txt line 2") && e.problem.contains("negative"), "{e}");

        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, "# nothing\n\n").unwrap();
        let e = Dist::from_file(&empty).unwrap_err();
        assert!(e.problem.contains("empty.txt") && e.problem.contains("no durations"), "{e}");

        let e = Dist::from_file(&dir.path().join("missing.txt")).unwrap_err();
        assert!(e.problem.contains("missing.txt") && e.fix.contains("path"), "{e}");
    }

    fn spec(toml_text: &str) -> DistSpec {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn specs_build_and_check_their_keys() {
        let base = Path::new(".");
        let d = Dist::from_spec(
            &spec(
                r#"dist = "lognormal"
mean = "180s"
sd = "90s""#,
            ),
            base,
        )
        .unwrap();
        assert_eq!(d.to_string(), "lognormal(mean 3m, sd 1m 30s)");
        let d = Dist::from_spec(&spec("dist = \"weibull\"\nshape = 2\nscale = \"10s\""), base).unwrap();
        assert!(matches!(d, Dist::Weibull { shape: 2.0, .. }));
        let e = Dist::from_spec(&spec("dist = \"exp\"\nvalue = \"3s\""), base).unwrap_err();
        assert_eq!(e.key, "value");
        assert!(e.fix.contains("exp takes mean"), "{e}");
        let e = Dist::from_spec(&spec("dist = \"lognormal\"\nmean = \"3s\""), base).unwrap_err();
        assert!(e.problem.contains("needs `sd`"), "{e}");
        let e = Dist::from_spec(&spec("dist = \"exp\"\nmean = \"3 parsecs\""), base).unwrap_err();
        assert_eq!(e.key, "mean");
        assert!(toml::from_str::<DistSpec>("dist = \"normal\"").is_err());
        assert!(toml::from_str::<DistSpec>("dist = \"exp\"\nmean = 3").is_err());
    }
}
