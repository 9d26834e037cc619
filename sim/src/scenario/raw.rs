//! The scenario file as written: serde structs mirroring DESIGN.md's TOML, every key optional
//! so that the checks in `validate` (which know the key paths and the fixes) decide what is
//! required. serde alone rejects unknown keys and values of the wrong type.

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use super::{PacingMode, Rule, VicidialMethod};
use crate::dist::{DistSpec, DurationText};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub name: Option<String>,
    pub duration: Option<DurationText>,
    pub warmup: Option<DurationText>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    /// A string, or a bare TOML date-time (which the TOML deserializer hands over as text).
    pub start: Option<String>,
    pub agents: Option<RawAgents>,
    pub population: Option<RawPopulation>,
    pub dialing: Option<RawDialing>,
    pub pacing: Option<RawPacing>,
    pub amd: Option<RawAmd>,
    pub inbound: Option<RawInbound>,
    pub compliance: Option<RawCompliance>,
    pub expect: Option<RawExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgents {
    pub count: Option<u32>,
    pub groups: Option<Vec<RawGroup>>,
    pub talk: Option<DistSpec>,
    pub wrap: Option<DistSpec>,
    pub preview: Option<DistSpec>,
    pub machine_handle: Option<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub name: Option<String>,
    pub count: Option<u32>,
    pub skills: Option<Vec<String>>,
    pub login: Option<DurationText>,
    pub logout: Option<DurationText>,
    pub talk: Option<DistSpec>,
    pub wrap: Option<DistSpec>,
    pub preview: Option<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPopulation {
    pub human: Option<f64>,
    pub machine: Option<f64>,
    pub busy: Option<f64>,
    pub no_answer: Option<f64>,
    pub invalid: Option<f64>,
    pub ring: Option<DistSpec>,
    pub busy_after: Option<DistSpec>,
    pub patience: Option<DistSpec>,
    pub phases: Option<Vec<RawPhase>>,
}

impl RawPopulation {
    /// Each share's key and value, in the order the format lists them.
    pub fn shares(&self) -> Shares {
        [
            ("human", self.human),
            ("machine", self.machine),
            ("busy", self.busy),
            ("no_answer", self.no_answer),
            ("invalid", self.invalid),
        ]
    }
}

/// The five shares of what happens when a number is dialled, by key, as given.
pub(super) type Shares = [(&'static str, Option<f64>); 5];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPhase {
    pub from: Option<DurationText>,
    pub human: Option<f64>,
    pub machine: Option<f64>,
    pub busy: Option<f64>,
    pub no_answer: Option<f64>,
    pub invalid: Option<f64>,
    pub ring: Option<DistSpec>,
    pub busy_after: Option<DistSpec>,
    pub patience: Option<DistSpec>,
}

impl RawPhase {
    /// Each share's key and value, in the order the format lists them.
    pub fn shares(&self) -> Shares {
        [
            ("human", self.human),
            ("machine", self.machine),
            ("busy", self.busy),
            ("no_answer", self.no_answer),
            ("invalid", self.invalid),
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDialing {
    pub ring_timeout: Option<DurationText>,
    pub lines: Option<u32>,
    pub drop_after: Option<DurationText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPacing {
    pub mode: Option<PacingMode>,
    pub ratio: Option<f64>,
    pub target_abandon: Option<f64>,
    pub vicidial_method: Option<VicidialMethod>,
    pub max_level: Option<f64>,
    pub intensity: Option<f64>,
    pub dl_diff_target: Option<f64>,
    pub latest_server_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAmd {
    pub decision: Option<DistSpec>,
    pub false_positive: Option<f64>,
    pub false_negative: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInbound {
    pub per_hour: Option<f64>,
    pub patience: Option<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompliance {
    pub rule: Option<Rule>,
    pub amd_fp_share: Option<f64>,
}

/// `[expect]`: metric name → bounds, in file order.
#[derive(Debug)]
pub(super) struct RawExpect(pub Vec<(String, RawBound)>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBound {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub share: Option<f64>,
}

impl<'de> Deserialize<'de> for RawExpect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawExpect;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of metric bounds")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawExpect, A::Error> {
                let mut bounds = Vec::new();
                while let Some(entry) = map.next_entry::<String, RawBound>()? {
                    bounds.push(entry);
                }
                Ok(RawExpect(bounds))
            }
        }
        d.deserialize_map(V)
    }
}
