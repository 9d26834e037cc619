//! Campaign files: the TOML that `dialer run CAMPAIGN.toml` dials from and `dialer leads` imports
//! into (docs/campaign.md describes every key).
//!
//! A campaign names its SQLite store (see [`crate::store`]), its pacing, the compliance rule,
//! its trunks, where agents connect, the calling window in the callee's local time and the retry
//! rules. Loading reads the text into serde structs (unknown keys and wrong types are refused
//! there) and checks them into [`Campaign`]; any error names the file, the dotted key, what is
//! wrong and the fix, and nothing is dialled.
//!
//! ```
//! use std::path::Path;
//! let text = r#"
//! [campaign]
//! name = "renewals"
//! store = "renewals.sqlite"
//! country_code = 44
//! timezone = "Europe/London"
//! rule = "ofcom"
//! abandon_message = "abandon.wav"
//! [pacing]
//! mode = "progressive"
//! [[trunks]]
//! uri = "sip:127.0.0.1:5080"
//! caller_id = "01632 960000"
//! max_lines = 10
//! [agents]
//! api = "127.0.0.1:8089"
//! sip = "127.0.0.1:5070"
//! "#;
//! let c = dialer::campaign::parse(text, Path::new("campaigns/renewals.toml")).unwrap();
//! assert_eq!(c.store, Path::new("campaigns/renewals.sqlite"));
//! assert_eq!(c.trunks[0].caller_id, "+441632960000");
//! assert_eq!(c.numbering.normalise("07700 900123").unwrap(), "+447700900123");
//! ```

mod duration;
mod error;
pub mod number;
mod raw;
pub mod retry;
mod validate;
pub mod window;

#[cfg(test)]
mod tests;

use crate::core::pacer::{AbandonRule, PacingPlan, PredictiveSettings};
use crate::core::{Pacer, VicidialSettings};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use duration::{DurationError, parse_duration, parse_duration_ms};
pub use error::CampaignError;
pub use number::{NumberError, Numbering};
pub use retry::{Next, RetryRules, Rule};
pub use window::CallingWindow;

/// A validated campaign: everything the live dialer and the store need, with paths resolved
/// against the campaign file's folder and defaults filled in.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The campaign's name, written in every CDR (default: the file's stem).
    pub name: String,
    /// The file it came from.
    pub source: PathBuf,
    /// The SQLite campaign store (`[campaign] store`, relative to the campaign file).
    pub store: PathBuf,
    /// The abandon-rate regime: the pacer's period and the 72-hour rule.
    pub rule: Rule,
    /// Ofcom: the share of AMD machine verdicts assumed to be people (default 0.05).
    pub amd_fp_share: f64,
    /// How numbers written without `+` are read.
    pub numbering: Numbering,
    /// The callee's time zone when the lead names none.
    pub timezone: TimeZone,
    /// Give up on an unanswered call after this long (≥ 15 s, the FCC's and Ofcom's minimum ring).
    pub ring_timeout_ms: u64,
    /// Drop a live answer with the abandon message if no agent is free by then (default 2 s).
    pub drop_after_ms: u64,
    /// The WAV played to a dropped live answer (identifies the caller and a number for
    /// do-not-call requests), relative to the campaign file. `dialer run` opens it.
    pub abandon_message: PathBuf,
    /// The WAV left on answering machines after their greeting, relative to the campaign file;
    /// `None`: machines are hung up on at once.
    pub machine_message: Option<PathBuf>,
    /// How the dialer paces.
    pub pacing: Pacing,
    /// The trunks in order of preference: the first is used while it is up, then the next.
    pub trunks: Vec<Trunk>,
    /// Where agents connect.
    pub agents: AgentEndpoints,
    /// When callees may be called, in their local time.
    pub window: CallingWindow,
    /// What happens after each call.
    pub retry: RetryRules,
    /// The answering-machine detector's settings (`[amd]`, amd.conf's keys; a key left out
    /// takes app_amd's default); `None`: `dialer run` uses app_amd's defaults with
    /// `maximum_number_of_words = 3`, the measured best (see [`crate::media::amd`]).
    pub amd: Option<crate::media::amd::AmdConfig>,
}

/// The pacing modes (the core's; a campaign may use any but `none`).
pub use crate::core::pacer::PacingMode;

/// The `[pacing]` section: the same keys and defaults as a scenario's `[pacing]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pacing {
    /// The algorithm.
    pub mode: PacingMode,
    /// Lines per free agent in `ratio` mode (> 0; default 1.0).
    pub ratio: f64,
    /// The abandon rate the adaptive modes aim at, in [0, 1] (default 0.03).
    pub target_abandon: f64,
    /// VICIdial's settings (method, max_level, intensity, dl_diff_target, latest_server_time);
    /// `start_of_day_s` is filled in by [`Campaign::pacer`].
    pub vicidial: VicidialSettings,
}

/// SIP transports a trunk may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// UDP (default).
    Udp,
    /// TCP.
    Tcp,
}

/// One `[[trunks]]` entry: a SIP provider or proxy calls go out through.
#[derive(Clone, Debug, PartialEq)]
pub struct Trunk {
    /// The trunk's URI as written, `sip:host[:port]`.
    pub uri: String,
    /// The host part (an IPv6 address without its brackets).
    pub host: String,
    /// The port (default 5060).
    pub port: u16,
    /// UDP or TCP.
    pub transport: Transport,
    /// Whether to REGISTER with the trunk (default false).
    pub register: bool,
    /// Digest authentication user, if the trunk asks.
    pub username: Option<String>,
    /// Digest authentication password (only with `username`).
    pub password: Option<String>,
    /// Send every request through this proxy (`sip:host[:port]`), if set.
    pub outbound_proxy: Option<String>,
    /// The calling number presented, E.164.
    pub caller_id: String,
    /// Simultaneous calls at most (≥ 1).
    pub max_lines: u32,
    /// New calls per second at most (> 0; default 10).
    pub max_cps: f64,
}

/// The `[agents]` section: where agents' phones and their desktop tools reach the dialer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentEndpoints {
    /// The local HTTP/JSON API (ready, pause, hang up, wrap-up with a disposition).
    pub api: SocketAddr,
    /// The SIP address agents' phones call in to.
    pub sip: SocketAddr,
}

/// A time zone by IANA name (`"Europe/London"`) from jiff's database: the system's, else the
/// copy built into the binary. `None` for a name neither knows.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    jiff::tz::db().get(name.trim()).ok()
}

/// Pacing settings no pacer accepts (only possible when a loaded [`Campaign`] was changed).
#[derive(Debug, thiserror::Error)]
#[error("pacing settings out of range: {0} (fix: correct [pacing] in the campaign file)")]
pub struct PacingError(pub String);

/// Reads and validates a campaign file.
pub fn load(path: &Path) -> Result<Campaign, CampaignError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| CampaignError::Read { file: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Validates a campaign's text; `path` names it in messages, gives the default name, and is where
/// relative paths start from.
pub fn parse(text: &str, path: &Path) -> Result<Campaign, CampaignError> {
    validate::parse(text, path)
}

impl Campaign {
    /// The pacer the campaign asks for. `start` is the wall-clock time of the run's `t = 0`: it
    /// places the UTC day of Ofcom's daily count and VICIdial's daily window. Settings read by
    /// [`load`] always build; an error means the fields were changed after loading.
    pub fn pacer(&self, start: Timestamp) -> Result<Box<dyn Pacer>, PacingError> {
        const DAY_MS: i64 = 86_400_000;
        let day_ms = start.as_millisecond().rem_euclid(DAY_MS);
        let p = &self.pacing;
        let plan = PacingPlan {
            mode: p.mode,
            ratio: p.ratio,
            // Below 86 400, so the cast is exact.
            vicidial: VicidialSettings { start_of_day_s: (day_ms / 1000) as u32, ..p.vicidial.clone() },
            predictive: self.predictive_settings(day_ms as u64),
        };
        plan.build().map_err(|e| PacingError(e.to_string()))
    }

    pub(crate) fn predictive_settings(&self, day_offset_ms: u64) -> PredictiveSettings {
        PredictiveSettings {
            target_abandon: self.pacing.target_abandon,
            rule: match self.rule {
                Rule::Fcc => AbandonRule::Fcc,
                Rule::Ofcom => AbandonRule::Ofcom { amd_fp_share: self.amd_fp_share },
            },
            day_offset_ms,
            ..PredictiveSettings::default()
        }
    }

    /// The store's rules drawn from this campaign: time zone, window, retries, regime.
    pub fn store_rules(&self) -> crate::store::Rules {
        crate::store::Rules {
            timezone: self.timezone.clone(),
            window: self.window.clone(),
            retry: self.retry.clone(),
            rule: self.rule,
        }
    }
}
