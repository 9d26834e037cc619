//! Checks a campaign file's raw values into a [`Campaign`]: required keys, ranges, paths,
//! numbers, time zones, with the dotted key and the fix in every message.

use super::raw::{RawAgents, RawCampaign, RawCampaignFile, RawPacing, RawRetry, RawTrunk, RawWindows};
use super::window::{parse_hhmm, parse_weekday};
use super::{
    AgentEndpoints, CallingWindow, Campaign, CampaignError, Numbering, Pacing, PacingMode, RetryRules, Rule, Transport,
    Trunk, parse_duration_ms,
};
use crate::core::pacer::Predictive;
use crate::core::{Vicidial, VicidialMethod, VicidialSettings};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The FCC's and Ofcom's shortest ring before giving up on an unanswered call.
const MIN_RING_MS: u64 = 15_000;

/// Collects the file's path for the errors raised on its keys.
struct Ctx<'a> {
    file: &'a Path,
}

impl Ctx<'_> {
    fn invalid(&self, key: impl Into<String>, problem: impl Into<String>, fix: impl Into<String>) -> CampaignError {
        CampaignError::Invalid {
            file: self.file.to_path_buf(),
            key: key.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    fn missing(&self, key: &str, example: &str) -> CampaignError {
        self.invalid(key, "missing", format!("add {example}"))
    }

    fn duration(&self, key: &str, text: Option<&str>, default_ms: u64) -> Result<u64, CampaignError> {
        match text {
            None => Ok(default_ms),
            Some(text) => parse_duration_ms(text).map_err(|e| self.invalid(key, e.problem, e.fix)),
        }
    }

    fn address(&self, key: &str, text: Option<&str>, example: &str) -> Result<SocketAddr, CampaignError> {
        let text = text.ok_or_else(|| self.missing(key, &format!("{} = \"{example}\"", leaf(key))))?;
        text.trim().parse().map_err(|_| {
            self.invalid(
                key,
                format!("{text:?} is not an IP address and port"),
                format!("write one such as \"{example}\""),
            )
        })
    }

    fn share(&self, key: &str, value: Option<f64>, default: f64) -> Result<f64, CampaignError> {
        let v = value.unwrap_or(default);
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(self.invalid(key, format!("{v} is not between 0 and 1"), "write a share such as 0.03"))
        }
    }
}

fn leaf(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

pub(super) fn parse(text: &str, path: &Path) -> Result<Campaign, CampaignError> {
    let raw: RawCampaignFile = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
    let ctx = Ctx { file: path };
    let base = path.parent().unwrap_or(Path::new(""));
    let c = raw
        .campaign
        .ok_or_else(|| ctx.missing("campaign", "a [campaign] section with name, store, country_code, timezone"))?;
    let pacing = pacing(&ctx, raw.pacing)?;
    let numbering = numbering(&ctx, &c)?;
    let trunks = trunks(&ctx, raw.trunks, &numbering)?;
    let agents = agents(&ctx, raw.agents)?;
    let window = window(&ctx, raw.windows)?;
    let retry = retry(&ctx, raw.retry)?;
    let amd = match raw.amd {
        Some(amd) => {
            amd.validate().map_err(|e| ctx.invalid("amd", e.to_string(), "correct [amd] (amd.conf's keys)"))?;
            Some(amd)
        }
        None => None,
    };
    let mut campaign = campaign(&ctx, c, base, numbering, pacing, trunks, agents, window, retry)?;
    campaign.amd = amd;
    // Build the pacer once so settings only the pacer checks are refused here, not at `dialer run`.
    if campaign.pacing.mode == PacingMode::Predictive {
        Predictive::new(campaign.predictive_settings(0))
            .map_err(|e| ctx.invalid("pacing", e.to_string(), "correct the predictive pacing settings"))?;
    }
    Ok(campaign)
}

#[allow(clippy::too_many_arguments)]
fn campaign(
    ctx: &Ctx<'_>,
    c: RawCampaign,
    base: &Path,
    numbering: Numbering,
    pacing: Pacing,
    trunks: Vec<Trunk>,
    agents: AgentEndpoints,
    window: CallingWindow,
    retry: RetryRules,
) -> Result<Campaign, CampaignError> {
    let name = match c.name {
        Some(name) if name.trim().is_empty() => return Err(ctx.invalid("campaign.name", "empty", "name the campaign")),
        Some(name) => name,
        None => ctx.file.file_stem().map_or_else(|| "campaign".to_owned(), |s| s.to_string_lossy().into_owned()),
    };
    let store =
        c.store.ok_or_else(|| ctx.missing("campaign.store", "store = \"campaign.sqlite\" (relative to this file)"))?;
    if store.trim().is_empty() {
        return Err(ctx.invalid("campaign.store", "empty", "name the SQLite file, e.g. \"campaign.sqlite\""));
    }
    let rule = match c.rule.as_deref() {
        None | Some("fcc") => Rule::Fcc,
        Some("ofcom") => Rule::Ofcom,
        Some(other) => {
            return Err(ctx.invalid(
                "campaign.rule",
                format!("{other:?} is not one of fcc, ofcom"),
                "use fcc or ofcom",
            ));
        }
    };
    let amd_fp_share = ctx.share("campaign.amd_fp_share", c.amd_fp_share, 0.05)?;
    let tz_name = c
        .timezone
        .ok_or_else(|| ctx.missing("campaign.timezone", "timezone = \"Europe/London\" (an IANA zone name)"))?;
    let timezone = super::time_zone(&tz_name).ok_or_else(|| {
        ctx.invalid(
            "campaign.timezone",
            format!("{tz_name:?} is not a known time zone"),
            "write an IANA zone name such as \"America/New_York\"",
        )
    })?;
    let ring_timeout_ms = ctx.duration("campaign.ring_timeout", c.ring_timeout.as_deref(), 25_000)?;
    if ring_timeout_ms < MIN_RING_MS {
        return Err(ctx.invalid(
            "campaign.ring_timeout",
            format!("{ring_timeout_ms} ms is shorter than the 15 s minimum ring (FCC, Ofcom)"),
            "write \"15s\" or more",
        ));
    }
    let drop_after_ms = ctx.duration("campaign.drop_after", c.drop_after.as_deref(), 2_000)?;
    if drop_after_ms > 2_000 {
        return Err(ctx.invalid(
            "campaign.drop_after",
            format!("{drop_after_ms} ms is longer than the 2 s the FCC and Ofcom allow before the message"),
            "write \"2s\" or less",
        ));
    }
    let message = c.abandon_message.ok_or_else(|| {
        ctx.missing(
            "campaign.abandon_message",
            "abandon_message = \"abandon.wav\" (the recorded message a dropped call hears)",
        )
    })?;
    Ok(Campaign {
        name,
        source: ctx.file.to_path_buf(),
        store: base.join(store),
        rule,
        amd_fp_share,
        numbering,
        timezone,
        ring_timeout_ms,
        drop_after_ms,
        abandon_message: base.join(message),
        machine_message: c.machine_message.as_ref().map(|m| base.join(m)),
        pacing,
        trunks,
        agents,
        window,
        retry,
        amd: None,
    })
}

fn numbering(ctx: &Ctx<'_>, c: &RawCampaign) -> Result<Numbering, CampaignError> {
    let code = c.country_code.ok_or_else(|| {
        ctx.missing("campaign.country_code", "country_code = 44 (the calling code of numbers written without +)")
    })?;
    Numbering::new(code, c.trunk_prefix.as_deref()).map_err(|e| match e {
        super::number::NumberingError::CountryCode(_) => {
            ctx.invalid("campaign.country_code", e.to_string(), "write a calling code such as 1, 44 or 353")
        }
        super::number::NumberingError::TrunkPrefix(_) => {
            ctx.invalid("campaign.trunk_prefix", e.to_string(), "write \"0\", \"1\" or \"\" for none")
        }
    })
}

fn pacing(ctx: &Ctx<'_>, raw: Option<RawPacing>) -> Result<Pacing, CampaignError> {
    let p = raw.ok_or_else(|| {
        ctx.missing(
            "pacing",
            "a [pacing] section with mode = \"progressive\" (or preview, ratio, vicidial, predictive)",
        )
    })?;
    let modes = "preview, progressive, ratio, vicidial, predictive";
    let mode = match p.mode.as_deref() {
        None => return Err(ctx.missing("pacing.mode", &format!("mode = one of {modes}"))),
        // `none` is for inbound-only scenarios; a campaign dials.
        Some(name) if let Some(mode) = PacingMode::from_name(name).filter(|m| *m != PacingMode::None) => mode,
        Some(other) => {
            return Err(ctx.invalid(
                "pacing.mode",
                format!("{other:?} is not one of {modes}"),
                format!("use one of {modes}"),
            ));
        }
    };
    let ratio = p.ratio.unwrap_or(1.0);
    if ratio.is_nan() || ratio <= 0.0 {
        return Err(ctx.invalid("pacing.ratio", format!("{ratio} is not more than 0"), "write a ratio such as 1.5"));
    }
    let target_abandon = ctx.share("pacing.target_abandon", p.target_abandon, 0.03)?;
    let method = match p.vicidial_method.as_deref() {
        None | Some("tapered") => VicidialMethod::Tapered,
        Some("hard_limit") => VicidialMethod::HardLimit,
        Some("average") => VicidialMethod::Average,
        Some(other) => {
            return Err(ctx.invalid(
                "pacing.vicidial_method",
                format!("{other:?} is not one of hard_limit, tapered, average"),
                "use one of hard_limit, tapered, average",
            ));
        }
    };
    let latest_server_time = match p.latest_server_time.as_deref() {
        None => None,
        Some(text) => {
            let t = parse_hhmm(text).filter(|t| *t != jiff::civil::Time::MAX).ok_or_else(|| {
                ctx.invalid(
                    "pacing.latest_server_time",
                    format!("{text:?} is not a time HH:MM"),
                    "write one such as \"21:00\"",
                )
            })?;
            Some(t.hour() as u32 * 3600 + t.minute() as u32 * 60)
        }
    };
    let vicidial = VicidialSettings {
        method,
        target_abandon,
        max_level: p.max_level.unwrap_or(3.0),
        intensity: p.intensity.unwrap_or(0.0),
        dl_diff_target: p.dl_diff_target.unwrap_or(0.0),
        latest_server_time,
        ..VicidialSettings::default()
    };
    if mode == PacingMode::Vicidial {
        Vicidial::new(vicidial.clone()).map_err(|e| {
            ctx.invalid(
                format!("pacing.{}", e.setting),
                format!("{} is not valid", e.value),
                format!("give {}", e.expected),
            )
        })?;
    }
    Ok(Pacing { mode, ratio, target_abandon, vicidial })
}

fn trunks(ctx: &Ctx<'_>, raw: Option<Vec<RawTrunk>>, numbering: &Numbering) -> Result<Vec<Trunk>, CampaignError> {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        return Err(ctx.missing("trunks", "a [[trunks]] entry with uri = \"sip:host:port\", caller_id and max_lines"));
    }
    raw.into_iter().enumerate().map(|(i, t)| trunk(ctx, i, t, numbering)).collect()
}

fn trunk(ctx: &Ctx<'_>, i: usize, t: RawTrunk, numbering: &Numbering) -> Result<Trunk, CampaignError> {
    let key = |k: &str| format!("trunks.{i}.{k}");
    let uri = t.uri.ok_or_else(|| ctx.missing(&key("uri"), "uri = \"sip:trunk.example.net:5060\""))?;
    let (host, port) = sip_host_port(&uri).ok_or_else(|| {
        ctx.invalid(
            key("uri"),
            format!("{uri:?} is not a sip: URI with a host"),
            "write one such as \"sip:trunk.example.net:5060\"",
        )
    })?;
    if let Some(proxy) = &t.outbound_proxy
        && sip_host_port(proxy).is_none()
    {
        return Err(ctx.invalid(
            key("outbound_proxy"),
            format!("{proxy:?} is not a sip: URI with a host"),
            "write one such as \"sip:proxy.example.net:5060\", or remove it",
        ));
    }
    let transport = match t.transport.as_deref() {
        None | Some("udp") => Transport::Udp,
        Some("tcp") => Transport::Tcp,
        Some(other) => {
            return Err(ctx.invalid(key("transport"), format!("{other:?} is not one of udp, tcp"), "use udp or tcp"));
        }
    };
    if t.password.is_some() && t.username.is_none() {
        return Err(ctx.invalid(
            key("password"),
            "a password without a username",
            "add username = \"…\", or remove the password",
        ));
    }
    let caller = t
        .caller_id
        .ok_or_else(|| ctx.missing(&key("caller_id"), "caller_id = \"+15550100000\" (the number presented)"))?;
    let caller_id = numbering.normalise(&caller).map_err(|e| {
        ctx.invalid(key("caller_id"), format!("{caller:?}: {e}"), "write a dialable number, e.g. \"+441632960000\"")
    })?;
    let max_lines = match t.max_lines {
        None => return Err(ctx.missing(&key("max_lines"), "max_lines = 30 (the trunk's simultaneous calls)")),
        Some(0) => return Err(ctx.invalid(key("max_lines"), "0 lines can place no call", "write 1 or more")),
        Some(n) => n,
    };
    let max_cps = t.max_cps.unwrap_or(10.0);
    if max_cps.is_nan() || max_cps <= 0.0 {
        return Err(ctx.invalid(
            key("max_cps"),
            format!("{max_cps} is not more than 0"),
            "write calls per second such as 10",
        ));
    }
    Ok(Trunk {
        uri,
        host,
        port,
        transport,
        register: t.register.unwrap_or(false),
        username: t.username,
        password: t.password,
        outbound_proxy: t.outbound_proxy,
        caller_id,
        max_lines,
        max_cps,
    })
}

/// The host (IPv6 without brackets) and port (default 5060) of `sip:[user@]host[:port][;params]`.
fn sip_host_port(uri: &str) -> Option<(String, u16)> {
    let rest = uri.trim().strip_prefix("sip:")?;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split([';', '?']).next().unwrap_or(rest);
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let port = match port {
        None => 5060,
        Some(p) => p.parse().ok().filter(|&p| p != 0)?,
    };
    Some((host.to_owned(), port))
}

fn agents(ctx: &Ctx<'_>, raw: Option<RawAgents>) -> Result<AgentEndpoints, CampaignError> {
    let a = raw.ok_or_else(|| {
        ctx.missing("agents", "an [agents] section with api = \"127.0.0.1:8089\" and sip = \"127.0.0.1:5070\"")
    })?;
    Ok(AgentEndpoints {
        api: ctx.address("agents.api", a.api.as_deref(), "127.0.0.1:8089")?,
        sip: ctx.address("agents.sip", a.sip.as_deref(), "127.0.0.1:5070")?,
    })
}

fn window(ctx: &Ctx<'_>, raw: Option<RawWindows>) -> Result<CallingWindow, CampaignError> {
    let mut w = CallingWindow::default();
    let Some(raw) = raw else { return Ok(w) };
    let clock = |key: &str, text: &str| {
        parse_hhmm(text)
            .ok_or_else(|| ctx.invalid(key, format!("{text:?} is not a time HH:MM"), "write one such as \"09:00\""))
    };
    if let Some(start) = &raw.start {
        w.start = clock("windows.start", start)?;
    }
    if let Some(end) = &raw.end {
        w.end = clock("windows.end", end)?;
    }
    if w.end <= w.start {
        return Err(ctx.invalid(
            "windows.end",
            format!(
                "the window ends ({}) no later than it starts ({})",
                w.end.strftime("%H:%M"),
                w.start.strftime("%H:%M")
            ),
            "give an end later than the start on the same day (windows do not cross midnight)",
        ));
    }
    if let Some(days) = &raw.days {
        w.days = [false; 7];
        for (i, day) in days.iter().enumerate() {
            let d = parse_weekday(day).ok_or_else(|| {
                ctx.invalid(
                    format!("windows.days.{i}"),
                    format!("{day:?} is not a weekday"),
                    "write mon, tue, wed, thu, fri, sat or sun",
                )
            })?;
            w.days[d] = true;
        }
        if days.is_empty() {
            return Err(ctx.invalid(
                "windows.days",
                "no day to call on",
                "list at least one weekday, or remove the key for every day",
            ));
        }
    }
    for (i, text) in raw.holidays.unwrap_or_default().iter().enumerate() {
        let date = text.trim().parse().map_err(|_| {
            ctx.invalid(
                format!("windows.holidays.{i}"),
                format!("{text:?} is not a date"),
                "write one such as \"2026-12-25\"",
            )
        })?;
        w.holidays.push(date);
    }
    Ok(w)
}

fn retry(ctx: &Ctx<'_>, raw: Option<RawRetry>) -> Result<RetryRules, CampaignError> {
    let d = RetryRules::default();
    let Some(r) = raw else { return Ok(d) };
    let max_attempts = match r.max_attempts {
        Some(0) => return Err(ctx.invalid("retry.max_attempts", "0 attempts calls nobody", "write 1 or more")),
        Some(n) => n,
        None => d.max_attempts,
    };
    Ok(RetryRules {
        max_attempts,
        busy_ms: ctx.duration("retry.busy", r.busy.as_deref(), d.busy_ms)?,
        no_answer_ms: ctx.duration("retry.no_answer", r.no_answer.as_deref(), d.no_answer_ms)?,
        machine_ms: ctx.duration("retry.machine", r.machine.as_deref(), d.machine_ms)?,
        abandoned_ms: ctx.duration("retry.abandoned", r.abandoned.as_deref(), d.abandoned_ms)?,
        failed_ms: ctx.duration("retry.failed", r.failed.as_deref(), d.failed_ms)?,
        callback_ms: ctx.duration("retry.callback", r.callback.as_deref(), d.callback_ms)?,
    })
}

/// A TOML or serde error with its line and column, and a fix for the usual causes.
fn syntax(text: &str, path: &Path, e: &toml::de::Error) -> CampaignError {
    let at = e.span().map_or(0, |s| s.start).min(text.len());
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = e.message().trim().to_owned();
    let fix = if message.starts_with("unknown field") {
        "remove the key, or use one of those listed (docs/campaign.md describes each)"
    } else if message.starts_with("invalid type") {
        "write the value as the type named"
    } else {
        "correct the syntax there"
    };
    CampaignError::Syntax { file: PathBuf::from(path), line, column, message, fix }
}
