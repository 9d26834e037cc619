//! Whom to call now: callbacks due first, then leads whose retry time has come, each only inside
//! its calling window in its own local time, never on the do-not-call list, never in flight.

use super::{QueryError, Store, ms, sqlite, timestamp};
use crate::campaign::time_zone;
use crate::core::{AgentId, Lead, LeadId};
use compact_str::CompactString;
use jiff::Timestamp;
use rusqlite::types::Value;

/// A lead to call now, from [`Store::next_due`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The lead, its E.164 number and the attempt this call will be.
    pub lead: Lead,
    /// Set when the call is a scheduled callback.
    pub callback: Option<DueCallback>,
}

/// A scheduled callback that has come due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueCallback {
    /// When it was asked for.
    pub due: Timestamp,
    /// The agent who should take it, if one was named.
    pub agent: Option<AgentId>,
}

impl Store {
    /// Up to `limit` leads to call at `now`, callbacks first (earliest due first), then leads
    /// whose next attempt is due (earliest first, then by id). Leaves out numbers on the
    /// do-not-call list, leads outside the calling window in their own time zone (a lead's
    /// `timezone`, else the campaign's; a zone this machine does not know counts as closed),
    /// leads with a call in flight, leads in a final state and leads at `max_attempts`.
    ///
    /// Reading only: the leads are not reserved. Call [`Store::begin_attempt`] for each before
    /// placing its call; it refuses a lead begun already.
    pub fn next_due(&self, now: Timestamp, limit: usize) -> Result<Vec<Due>, QueryError> {
        let err = sqlite(&self.path);
        if limit == 0 {
            return Ok(Vec::new());
        }
        // The calling window is a question about time zones, not leads: find the zones of open
        // leads (few), ask each once, and let SQL select by zone.
        let mut open_zones: Vec<Value> = Vec::new();
        let mut default_open = false;
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT DISTINCT timezone FROM leads WHERE state IN ('pending', 'callback')")
                .map_err(&err)?;
            let zones = stmt.query_map([], |row| row.get::<_, Option<String>>(0)).map_err(&err)?;
            for zone in zones {
                match zone.map_err(&err)? {
                    None => default_open = self.rules.window.allows(now, &self.rules.timezone),
                    Some(name) => {
                        if time_zone(&name).is_some_and(|tz| self.rules.window.allows(now, &tz)) {
                            open_zones.push(Value::Text(name));
                        }
                    }
                }
            }
        }
        if open_zones.is_empty() && !default_open {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; open_zones.len()].join(", ");
        let zone_clause = format!("(l.timezone IN ({placeholders}) OR (l.timezone IS NULL AND ?))");
        let mut params = open_zones;
        params.push(Value::Integer(default_open.into()));
        params.push(Value::Integer(ms(now)));
        let limit_param = |n: usize| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));

        let mut due = Vec::new();
        let callbacks = format!(
            "SELECT l.id, l.number, l.attempts, c.due_at, c.agent
             FROM callbacks c JOIN leads l ON l.id = c.lead_id
             WHERE c.done_at IS NULL AND l.state = 'callback' AND {zone_clause} AND c.due_at <= ?
               AND NOT EXISTS (SELECT 1 FROM dnc WHERE dnc.number = l.number)
             ORDER BY c.due_at, l.id LIMIT ?"
        );
        let mut p = params.clone();
        p.push(limit_param(limit));
        let mut stmt = self.conn.prepare_cached(&callbacks).map_err(&err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(p), |row| {
                Ok((
                    row.get::<_, u64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u32>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<u32>>(4)?,
                ))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, number, attempts, due_at, agent) = row.map_err(&err)?;
            let due_at = timestamp(&self.path, due_at, &format!("lead {id}: callback time"))?;
            due.push(Due {
                lead: Lead { id: LeadId(id), number: CompactString::from(number), attempt: attempts + 1 },
                callback: Some(DueCallback { due: due_at, agent: agent.map(AgentId) }),
            });
        }
        if due.len() >= limit {
            return Ok(due);
        }

        let pending = format!(
            "SELECT l.id, l.number, l.attempts FROM leads l
             WHERE l.state = 'pending' AND {zone_clause} AND l.next_attempt_at <= ? AND l.attempts < ?
               AND NOT EXISTS (SELECT 1 FROM dnc WHERE dnc.number = l.number)
             ORDER BY l.next_attempt_at, l.id LIMIT ?"
        );
        let mut p = params;
        p.push(Value::Integer(self.rules.retry.max_attempts.into()));
        p.push(limit_param(limit - due.len()));
        let mut stmt = self.conn.prepare_cached(&pending).map_err(&err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(p), |row| {
                Ok((row.get::<_, u64>(0)?, row.get::<_, String>(1)?, row.get::<_, u32>(2)?))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, number, attempts) = row.map_err(&err)?;
            due.push(Due {
                lead: Lead { id: LeadId(id), number: CompactString::from(number), attempt: attempts + 1 },
                callback: None,
            });
        }
        Ok(due)
    }
}
