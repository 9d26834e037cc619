//! The campaign file as written: serde structs mirroring the TOML, every key optional so that
//! the checks in `validate` (which know the key paths and the fixes) decide what is required.
//! serde alone rejects unknown keys and values of the wrong type.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaignFile {
    pub campaign: Option<RawCampaign>,
    pub pacing: Option<RawPacing>,
    pub trunks: Option<Vec<RawTrunk>>,
    pub agents: Option<RawAgents>,
    pub windows: Option<RawWindows>,
    pub retry: Option<RawRetry>,
    /// amd.conf's `[general]` keys; serde refuses unknown ones.
    pub amd: Option<crate::media::amd::AmdConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaign {
    pub name: Option<String>,
    pub store: Option<String>,
    pub rule: Option<String>,
    pub amd_fp_share: Option<f64>,
    pub country_code: Option<u32>,
    pub trunk_prefix: Option<String>,
    pub timezone: Option<String>,
    pub ring_timeout: Option<String>,
    pub drop_after: Option<String>,
    pub abandon_message: Option<String>,
    pub machine_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPacing {
    pub mode: Option<String>,
    pub ratio: Option<f64>,
    pub target_abandon: Option<f64>,
    pub vicidial_method: Option<String>,
    pub max_level: Option<f64>,
    pub intensity: Option<f64>,
    pub dl_diff_target: Option<f64>,
    pub latest_server_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrunk {
    pub uri: Option<String>,
    pub transport: Option<String>,
    pub register: Option<bool>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub outbound_proxy: Option<String>,
    pub caller_id: Option<String>,
    pub max_lines: Option<u32>,
    pub max_cps: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgents {
    pub api: Option<String>,
    pub sip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindows {
    pub start: Option<String>,
    pub end: Option<String>,
    pub days: Option<Vec<String>>,
    pub holidays: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetry {
    pub max_attempts: Option<u32>,
    pub busy: Option<String>,
    pub no_answer: Option<String>,
    pub machine: Option<String>,
    pub abandoned: Option<String>,
    pub failed: Option<String>,
    pub callback: Option<String>,
}
