//! The pacing a scenario or a campaign file asks for, and the one place that turns it into a
//! pacer: the simulator and the live dialer build theirs here, so the same `[pacing]` section
//! means the same pacer in both.

use super::{
    NoDialing, Pacer, Predictive, PredictiveSettings, Preview, Progressive, Ratio, Vicidial, VicidialSettings,
};

/// The pacing algorithms, spelled in files in lower case (`mode = "predictive"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PacingMode {
    /// An agent sees each record first and decides to dial.
    Preview,
    /// One call per free agent.
    Progressive,
    /// A fixed number of calls per free agent (`ratio`).
    Ratio,
    /// VICIdial-style adaptive dial level.
    Vicidial,
    /// Predictive: dials ahead of agents becoming free, held to `target_abandon`.
    Predictive,
    /// No outbound dialing (inbound-only scenarios).
    None,
}

impl PacingMode {
    /// Every mode, in the order files document them.
    pub const ALL: [PacingMode; 6] = [
        PacingMode::Preview,
        PacingMode::Progressive,
        PacingMode::Ratio,
        PacingMode::Vicidial,
        PacingMode::Predictive,
        PacingMode::None,
    ];

    /// The mode's name as files write it.
    pub fn name(self) -> &'static str {
        match self {
            PacingMode::Preview => "preview",
            PacingMode::Progressive => "progressive",
            PacingMode::Ratio => "ratio",
            PacingMode::Vicidial => "vicidial",
            PacingMode::Predictive => "predictive",
            PacingMode::None => "none",
        }
    }

    /// The mode a file's name stands for.
    pub fn from_name(name: &str) -> Option<PacingMode> {
        PacingMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A pacing mode with every setting its pacer takes. The settings of the modes not chosen are
/// carried but unused.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingPlan {
    /// The algorithm.
    pub mode: PacingMode,
    /// Lines per free agent in `ratio` mode.
    pub ratio: f64,
    /// The VICIdial pacer's settings.
    pub vicidial: VicidialSettings,
    /// The predictive pacer's settings.
    pub predictive: PredictiveSettings,
}

/// Settings the chosen pacer does not accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{mode} pacing: {detail}")]
pub struct PlanError {
    /// The mode's name.
    pub mode: &'static str,
    /// What its pacer refused.
    pub detail: String,
}

impl PacingPlan {
    /// The pacer this plan describes.
    pub fn build(&self) -> Result<Box<dyn Pacer>, PlanError> {
        let refused = |detail: String| PlanError { mode: self.mode.name(), detail };
        Ok(match self.mode {
            PacingMode::None => Box::new(NoDialing),
            PacingMode::Preview => Box::new(Preview),
            PacingMode::Progressive => Box::new(Progressive),
            PacingMode::Ratio => Box::new(
                Ratio::new(self.ratio).ok_or_else(|| refused(format!("ratio = {} is not more than 0", self.ratio)))?,
            ),
            PacingMode::Vicidial => Box::new(Vicidial::new(self.vicidial.clone()).map_err(|e| refused(e.to_string()))?),
            PacingMode::Predictive => {
                Box::new(Predictive::new(self.predictive.clone()).map_err(|e| refused(e.to_string()))?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(mode: PacingMode) -> PacingPlan {
        PacingPlan {
            mode,
            ratio: 2.0,
            vicidial: VicidialSettings::default(),
            predictive: PredictiveSettings::default(),
        }
    }

    #[test]
    fn every_mode_builds_the_pacer_of_its_name_and_names_round_trip() {
        for mode in PacingMode::ALL {
            assert_eq!(PacingMode::from_name(mode.name()), Some(mode));
            assert_eq!(plan(mode).build().unwrap().name(), mode.name());
        }
        assert_eq!(PacingMode::from_name("Ratio"), None);
    }

    #[test]
    fn settings_a_pacer_refuses_are_errors_naming_the_mode() {
        let e = PacingPlan { ratio: 0.0, ..plan(PacingMode::Ratio) }.build().err().unwrap();
        assert_eq!(e.mode, "ratio");
        let bad = PredictiveSettings { target_abandon: 2.0, ..PredictiveSettings::default() };
        let e = PacingPlan { predictive: bad, ..plan(PacingMode::Predictive) }.build().err().unwrap();
        assert_eq!(e.mode, "predictive");
    }
}
