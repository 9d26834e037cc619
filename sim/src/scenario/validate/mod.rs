//! From the file's serde structs to the resolved [`Scenario`]: required keys, defaults,
//! inheritance (phases, agent groups) and ranges, each error naming its key and the fix.

mod agents;
mod expect;
mod population;

use std::path::Path;

use reports::Time;

use super::raw::{RawAmd, RawCompliance, RawDialing, RawInbound, RawPacing, RawScenario};
use super::{
    Amd, Compliance, Dialing, Inbound, Pacing, PacingMode, Population, Rule, Scenario, ScenarioError, VicidialMethod,
};

use crate::dist::{Dist, DistSpec, DurationText, parse_duration_ms, round_ms};
pub use expect::METRICS;

type Result<T> = std::result::Result<T, ScenarioError>;

/// The default wall-clock time of t = 0: Monday 2026-01-05, 9 am UTC.
const DEFAULT_START: &str = "2026-01-05T09:00:00Z";

const TALK_EXAMPLE: &str = "talk = { dist = \"lognormal\", mean = \"180s\", sd = \"90s\" }";
const WRAP_EXAMPLE: &str = "wrap = { dist = \"exp\", mean = \"15s\" }";
const MODES: &str = "preview, progressive, ratio, vicidial, predictive, none";

/// Reads the (overridden) document into a [`Scenario`]; errors carry no file name yet.
pub(super) fn scenario(doc: toml::Table, source: &Path) -> Result<Scenario> {
    let raw: RawScenario = serde_path_to_error::deserialize(doc).map_err(ScenarioError::from_serde)?;
    let base = source.parent().unwrap_or(Path::new(""));
    let ctx = Ctx { base };

    let name = match raw.name {
        Some(name) if name.trim().is_empty() => {
            return Err(ScenarioError::invalid("name", "is empty", "give the scenario a name"));
        }
        Some(name) => name,
        None => source.file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned()),
    };
    let duration = match &raw.duration {
        Some(text) => time("duration", text)?,
        None => {
            return Err(ScenarioError::invalid(
                "duration",
                "missing",
                "add duration = \"8h\" before the first [section]",
            ));
        }
    };
    if duration == Time::ZERO {
        return Err(ScenarioError::invalid(
            "duration",
            "is zero, so no call would start",
            "give a duration such as \"8h\"",
        ));
    }
    let warmup = opt_time("warmup", raw.warmup.as_ref())?.unwrap_or(Time::ZERO);
    if warmup >= duration {
        return Err(ScenarioError::invalid(
            "warmup",
            format!("{} is not shorter than duration {}", human(warmup), human(duration)),
            "make warmup shorter than duration, or \"0s\" to measure from the start",
        ));
    }
    let replications = raw.replications.unwrap_or(1);
    if replications == 0 {
        return Err(ScenarioError::invalid("replications", "is 0", "use 1 or more replications"));
    }
    let start_text = raw.start.as_deref().unwrap_or(DEFAULT_START);
    let start: jiff::Timestamp = start_text.trim().parse().map_err(|_| {
        ScenarioError::invalid(
            "start",
            format!("\"{start_text}\" is not a date and time with a UTC offset"),
            format!("write an RFC 3339 time such as \"{DEFAULT_START}\""),
        )
    })?;

    let inbound = raw.inbound.map(|i| ctx.inbound(i)).transpose()?;
    let inbound_only = raw.pacing.is_none() && raw.population.is_none() && inbound.is_some();
    let pacing = match raw.pacing {
        Some(p) => pacing(p)?,
        None if inbound_only => pacing(RawPacing::none())?,
        None => {
            return Err(ScenarioError::invalid(
                "",
                "missing section [pacing]",
                format!(
                    "add [pacing] with mode = one of {MODES} (only an inbound-only scenario, \
                     with [inbound] and no [population], may leave it out)"
                ),
            ));
        }
    };
    if pacing.mode == PacingMode::None && inbound.is_none() {
        return Err(ScenarioError::invalid(
            "pacing.mode",
            "is \"none\" and there is no [inbound] section, so no call would happen",
            "add an [inbound] section, or choose a dialing mode",
        ));
    }
    let population = match raw.population {
        Some(p) => ctx.population(p, duration)?,
        None if pacing.mode == PacingMode::None => Population::idle(),
        None => {
            return Err(ScenarioError::invalid(
                "",
                "missing section [population]",
                "add [population] with the shares human, machine, busy, no_answer, invalid \
                 and ring (only pacing mode \"none\" may leave it out)",
            ));
        }
    };
    let Some(raw_agents) = raw.agents else {
        return Err(ScenarioError::invalid(
            "",
            "missing section [agents]",
            format!("add [agents] with count = 10, {TALK_EXAMPLE} and {WRAP_EXAMPLE}"),
        ));
    };
    let agents = ctx.agents(raw_agents, duration, pacing.mode == PacingMode::Preview)?;

    Ok(Scenario {
        name,
        source: source.to_path_buf(),
        duration,
        warmup,
        seed: raw.seed.unwrap_or(1),
        replications,
        start,
        agents,
        population,
        dialing: dialing(raw.dialing)?,
        pacing,
        amd: raw.amd.map(|a| ctx.amd(a)).transpose()?,
        inbound,
        compliance: compliance(raw.compliance)?,
        expect: expect::expect(raw.expect.map(|e| e.0).unwrap_or_default())?,
    })
}

/// What distributions need to be built: the folder relative `empirical` files live in.
struct Ctx<'a> {
    base: &'a Path,
}

impl Ctx<'_> {
    fn dist(&self, key: &str, spec: &DistSpec) -> Result<Dist> {
        Dist::from_spec(spec, self.base).map_err(|e| ScenarioError::invalid(join(key, e.key), e.problem, e.fix))
    }

    fn opt_dist(&self, key: &str, spec: Option<&DistSpec>) -> Result<Option<Dist>> {
        spec.map(|s| self.dist(key, s)).transpose()
    }

    fn amd(&self, raw: RawAmd) -> Result<Amd> {
        let Some(spec) = raw.decision.as_ref() else {
            return Err(ScenarioError::invalid(
                "amd.decision",
                "missing",
                "add decision = { dist = \"const\", value = \"2.5s\" } (answer to verdict)",
            ));
        };
        Ok(Amd {
            decision: self.dist("amd.decision", spec)?,
            false_positive: share("amd.false_positive", raw.false_positive, 0.0)?,
            false_negative: share("amd.false_negative", raw.false_negative, 0.0)?,
        })
    }

    fn inbound(&self, raw: RawInbound) -> Result<Inbound> {
        let per_hour = match raw.per_hour {
            Some(rate) if rate.is_finite() && rate > 0.0 => rate,
            Some(rate) => {
                return Err(ScenarioError::invalid(
                    "inbound.per_hour",
                    format!("{rate} is not a positive number"),
                    "give the mean arrivals per hour, such as 400, or remove [inbound]",
                ));
            }
            None => {
                return Err(ScenarioError::invalid(
                    "inbound.per_hour",
                    "missing",
                    "add per_hour = 400 (mean arrivals per hour)",
                ));
            }
        };
        Ok(Inbound { per_hour, patience: self.opt_dist("inbound.patience", raw.patience.as_ref())? })
    }
}

impl RawPacing {
    /// The `[pacing]` an inbound-only scenario gets when it has none.
    fn none() -> RawPacing {
        RawPacing {
            mode: Some(PacingMode::None),
            ratio: None,
            target_abandon: None,
            vicidial_method: None,
            max_level: None,
            intensity: None,
            dl_diff_target: None,
            latest_server_time: None,
        }
    }
}

fn dialing(raw: Option<RawDialing>) -> Result<Dialing> {
    let raw = raw.unwrap_or(RawDialing { ring_timeout: None, lines: None, drop_after: None });
    let ring_timeout_ms = opt_time("dialing.ring_timeout", raw.ring_timeout.as_ref())?.map_or(25_000, Time::as_ms);
    if ring_timeout_ms == 0 {
        return Err(ScenarioError::invalid(
            "dialing.ring_timeout",
            "is zero, so every call would be abandoned unanswered",
            "give a ring timeout such as \"25s\"",
        ));
    }
    Ok(Dialing {
        ring_timeout_ms,
        lines: raw.lines.unwrap_or(0),
        drop_after_ms: opt_time("dialing.drop_after", raw.drop_after.as_ref())?.map_or(2_000, Time::as_ms),
    })
}

fn pacing(raw: RawPacing) -> Result<Pacing> {
    let Some(mode) = raw.mode else {
        return Err(ScenarioError::invalid("pacing.mode", "missing", format!("add mode = one of {MODES}")));
    };
    let ratio = raw.ratio.unwrap_or(1.0);
    if !(ratio.is_finite() && ratio > 0.0) {
        return Err(ScenarioError::invalid(
            "pacing.ratio",
            format!("{ratio} is not more than 0"),
            "give the calls to place per free agent, such as 2.0",
        ));
    }
    let max_level = raw.max_level.unwrap_or(3.0);
    if !(max_level.is_finite() && max_level > 0.0) {
        return Err(ScenarioError::invalid(
            "pacing.max_level",
            format!("{max_level} is not more than 0"),
            "give the highest dial level, such as 3.0",
        ));
    }
    let latest_server_time = raw.latest_server_time.as_deref().map(clock_time).transpose()?;
    let target_abandon = share("pacing.target_abandon", raw.target_abandon, 0.03)?;
    if target_abandon == 0.0 || target_abandon == 1.0 {
        return Err(ScenarioError::invalid(
            "pacing.target_abandon",
            format!("{target_abandon} leaves an adaptive pacer nothing to aim at"),
            "give a share above 0 and below 1, such as 0.03",
        ));
    }
    Ok(Pacing {
        mode,
        ratio,
        target_abandon,
        vicidial_method: raw.vicidial_method.unwrap_or(VicidialMethod::Tapered),
        max_level,
        intensity: finite("pacing.intensity", raw.intensity)?,
        dl_diff_target: finite("pacing.dl_diff_target", raw.dl_diff_target)?,
        latest_server_time,
    })
}

/// `"HH:MM"` (a bare TOML time `21:00:00` arrives as text too), normalised to `"HH:MM"`.
fn clock_time(text: &str) -> Result<String> {
    let t = text.trim();
    let t = t.strip_suffix(":00").filter(|s| s.len() == 5).unwrap_or(t);
    let ok = t.len() == 5
        && t.as_bytes()[2] == b':'
        // Byte 2 is the ASCII ':', so 2 and 3 are char boundaries and the slices cannot panic.
        && matches!((t[..2].parse::<u8>(), t[3..].parse::<u8>()), (Ok(h), Ok(m)) if h < 24 && m < 60);
    if !ok {
        return Err(ScenarioError::invalid(
            "pacing.latest_server_time",
            format!("\"{text}\" is not a time of day"),
            "write \"HH:MM\" on a 24-hour clock, such as \"21:00\"",
        ));
    }
    Ok(t.to_owned())
}

fn compliance(raw: Option<RawCompliance>) -> Result<Compliance> {
    let raw = raw.unwrap_or(RawCompliance { rule: None, amd_fp_share: None });
    Ok(Compliance {
        rule: raw.rule.unwrap_or(Rule::Fcc),
        amd_fp_share: share("compliance.amd_fp_share", raw.amd_fp_share, 0.05)?,
    })
}

/// A share (rate, probability) at `key`, in [0, 1], or `default`.
fn share(key: &str, value: Option<f64>, default: f64) -> Result<f64> {
    let v = value.unwrap_or(default);
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::invalid(
            key,
            format!("{v} is not between 0 and 1"),
            "write a share from 0 to 1, such as 0.03",
        ))
    }
}

/// A finite number at `key`, default 0.
fn finite(key: &str, value: Option<f64>) -> Result<f64> {
    let v = value.unwrap_or(0.0);
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ScenarioError::invalid(key, format!("{v} is not a finite number"), "write a number such as 0"))
    }
}

/// A duration at `key`, as a point in time or an offset (rounded to the millisecond).
fn time(key: &str, text: &DurationText) -> Result<Time> {
    parse_duration_ms(&text.0)
        .map(|ms| Time::from_ms(round_ms(ms)))
        .map_err(|e| ScenarioError::invalid(key, e.problem, e.fix))
}

fn opt_time(key: &str, text: Option<&DurationText>) -> Result<Option<Time>> {
    text.map(|t| time(key, t)).transpose()
}

/// A time as a scenario file would write it ("1h 30m").
fn human(t: Time) -> String {
    humantime::format_duration(std::time::Duration::from_millis(t.as_ms())).to_string()
}

/// `outer.inner`, or `outer` when `inner` is empty.
fn join(outer: &str, inner: &str) -> String {
    if inner.is_empty() { outer.to_owned() } else { format!("{outer}.{inner}") }
}

/// A number for a message: up to 9 decimals, without trailing zeros (0.95, not 0.9500000000000001).
fn show(x: f64) -> String {
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}
