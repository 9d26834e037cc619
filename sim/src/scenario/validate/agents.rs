//! `[agents]`: one pool (`count`) or groups, each inheriting talk, wrap and preview.

use reports::Time;

use super::{Ctx, Result, TALK_EXAMPLE, WRAP_EXAMPLE, human, join, opt_time};
use crate::dist::Dist;
use crate::scenario::raw::{RawAgents, RawGroup};
use crate::scenario::{AgentGroup, Agents, ScenarioError};

impl Ctx<'_> {
    pub(super) fn agents(&self, raw: RawAgents, duration: Time, preview_mode: bool) -> Result<Agents> {
        let shared = Shared {
            talk: self.opt_dist("agents.talk", raw.talk.as_ref())?,
            wrap: self.opt_dist("agents.wrap", raw.wrap.as_ref())?,
            preview: self.opt_dist("agents.preview", raw.preview.as_ref())?,
        };
        let machine_handle =
            self.opt_dist("agents.machine_handle", raw.machine_handle.as_ref())?.unwrap_or(Dist::constant(5_000));
        let single = raw.count.is_some();
        let groups = match (raw.count, raw.groups) {
            (Some(_), Some(_)) => {
                return Err(ScenarioError::invalid(
                    "agents",
                    "both `count` and `groups` are given",
                    "keep one: count for a single pool of agents, or [[agents.groups]] each \
                     with its own count",
                ));
            }
            (None, None) => {
                return Err(ScenarioError::invalid(
                    "agents",
                    "neither `count` nor `groups` is given",
                    "add count = 10, or [[agents.groups]] entries with name and count",
                ));
            }
            (Some(count), None) => {
                if count == 0 {
                    return Err(ScenarioError::invalid("agents.count", "is 0", "give at least 1 agent"));
                }
                vec![AgentGroup {
                    name: "agents".to_owned(),
                    count,
                    skills: Vec::new(),
                    login: Time::ZERO,
                    logout: None,
                    talk: inherit(None, &shared.talk, "agents.talk".into(), TALK_EXAMPLE)?,
                    wrap: inherit(None, &shared.wrap, "agents.wrap".into(), WRAP_EXAMPLE)?,
                    preview: shared.preview.clone(),
                }]
            }
            (None, Some(raw_groups)) => {
                if raw_groups.is_empty() {
                    return Err(ScenarioError::invalid(
                        "agents.groups",
                        "is empty",
                        "add [[agents.groups]] entries, or use agents.count",
                    ));
                }
                let mut groups: Vec<AgentGroup> = Vec::with_capacity(raw_groups.len());
                for (i, g) in raw_groups.into_iter().enumerate() {
                    let key = format!("agents.groups.{i}");
                    let group = self.group(&key, g, &shared, duration)?;
                    if groups.iter().any(|other| other.name == group.name) {
                        return Err(ScenarioError::invalid(
                            join(&key, "name"),
                            format!("\"{}\" is used by an earlier group", group.name),
                            "give each group its own name",
                        ));
                    }
                    groups.push(group);
                }
                if groups.iter().all(|g| g.count == 0) {
                    return Err(ScenarioError::invalid(
                        "agents.groups",
                        "every group has count 0",
                        "give at least one group a count of 1 or more",
                    ));
                }
                groups
            }
        };
        if preview_mode && let Some(i) = groups.iter().position(|g| g.preview.is_none()) {
            let key = if single { "agents.preview".into() } else { format!("agents.groups.{i}.preview") };
            return Err(ScenarioError::invalid(
                key,
                "missing: preview mode needs the time an agent takes to read a record",
                "add preview = { dist = \"const\", value = \"8s\" } to [agents]",
            ));
        }
        Ok(Agents { groups, machine_handle })
    }

    /// The group at `key`, inheriting from `[agents]` what it does not give.
    fn group(&self, key: &str, g: RawGroup, shared: &Shared, duration: Time) -> Result<AgentGroup> {
        let name = match g.name {
            Some(n) if !n.trim().is_empty() => n,
            _ => {
                return Err(ScenarioError::invalid(
                    join(key, "name"),
                    "missing or empty",
                    "add name = \"day\" (the name labels the group in reports)",
                ));
            }
        };
        let count = g.count.ok_or_else(|| ScenarioError::invalid(join(key, "count"), "missing", "add count = 10"))?;
        let login = opt_time(&join(key, "login"), g.login.as_ref())?.unwrap_or(Time::ZERO);
        if login >= duration {
            return Err(ScenarioError::invalid(
                join(key, "login"),
                format!("{} is not before the end of the run ({})", human(login), human(duration)),
                "log the group in before duration, or remove the group",
            ));
        }
        let logout = opt_time(&join(key, "logout"), g.logout.as_ref())?;
        if let Some(out) = logout
            && out <= login
        {
            return Err(ScenarioError::invalid(
                join(key, "logout"),
                format!("{} is not after login {}", human(out), human(login)),
                "make logout later than login, or remove it to stay to the end",
            ));
        }
        let talk = self.opt_dist(&join(key, "talk"), g.talk.as_ref())?;
        let wrap = self.opt_dist(&join(key, "wrap"), g.wrap.as_ref())?;
        let preview = self.opt_dist(&join(key, "preview"), g.preview.as_ref())?;
        Ok(AgentGroup {
            name,
            count,
            skills: g.skills.unwrap_or_default(),
            login,
            logout,
            talk: inherit(talk, &shared.talk, join(key, "talk"), TALK_EXAMPLE)?,
            wrap: inherit(wrap, &shared.wrap, join(key, "wrap"), WRAP_EXAMPLE)?,
            preview: preview.or_else(|| shared.preview.clone()),
        })
    }
}

/// The distributions `[agents]` gives its groups.
struct Shared {
    talk: Option<Dist>,
    wrap: Option<Dist>,
    preview: Option<Dist>,
}

/// A group's own distribution, else `[agents]`'s; an error at `key` if neither gives one.
fn inherit(own: Option<Dist>, shared: &Option<Dist>, key: String, example: &str) -> Result<Dist> {
    own.or_else(|| shared.clone()).ok_or_else(|| {
        ScenarioError::invalid(
            key,
            "missing, here and in [agents]",
            format!("add {example} to [agents] (or to every group)"),
        )
    })
}
