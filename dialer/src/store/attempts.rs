//! The journal of call attempts: begun before a call is placed, finished with its CDR, each step
//! one transaction that also moves the lead.

use super::{
    BeginError, CallbackError, DispositionError, FinishError, JournalError, LeadState, QueryError, SqliteError, Store,
    ms, sqlite, state, timestamp,
};
use crate::campaign::retry::{CALLBACK, DNC_REQUEST};
use crate::campaign::{Next, retry::later};
use crate::core::{AgentId, CallId, LeadId};
use jiff::Timestamp;
use reports::{Cdr, Outcome, Time};
use rusqlite::{OptionalExtension, Transaction, params};
use std::path::Path;

/// A call begun and not finished: after a crash, what the restarted dialer must hang up (BYE or
/// CANCEL) and close with a CDR through [`Store::finish_attempt`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// The call.
    pub call: CallId,
    /// Its lead.
    pub lead: LeadId,
    /// The number dialled, E.164.
    pub number: String,
    /// Which attempt at the lead it is.
    pub attempt: u32,
    /// When it was begun.
    pub started_at: Timestamp,
    /// The trunk it went out on.
    pub trunk: String,
    /// The dialog's journal, as far as it got before the crash.
    pub dialog: DialogJournal,
}

/// What the journal knows of a call's dialog ([`Store::journal_invite`],
/// [`Store::mark_answered`], [`Store::mark_connected`]): enough to end it after a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DialogJournal {
    /// Where the INVITE went, `udp:IP:PORT` or `tcp:IP:PORT`; `None` if it was never sent.
    pub peer: Option<String>,
    /// The CANCEL of the INVITE, as it would be sent.
    pub cancel_request: Option<Vec<u8>>,
    /// When the call was answered.
    pub answered_at: Option<Timestamp>,
    /// The BYE that ends the dialog (answered calls).
    pub bye_request: Option<Vec<u8>>,
    /// When the call was bridged to an agent.
    pub connected_at: Option<Timestamp>,
}

impl Store {
    /// Journals a call about to be placed: the lead goes `in_flight` and the attempt is recorded,
    /// in one transaction, before any SIP is sent. Returns the attempt number (1 for the first
    /// call to the lead). Refuses a lead already in flight or final, or on the do-not-call list,
    /// so no lead is dialled twice at once; the store is then unchanged.
    ///
    /// `call` must be new to the journal: a restarted dialer numbers its calls after
    /// [`Store::max_call_id`].
    pub fn begin_attempt(
        &mut self,
        lead: LeadId,
        call: CallId,
        now: Timestamp,
        trunk: &str,
    ) -> Result<u32, BeginError> {
        let path = &self.path;
        let err = sqlite(path);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        let row = tx
            .query_row(
                "SELECT state, attempts, number, EXISTS (SELECT 1 FROM dnc WHERE dnc.number = leads.number)
                 FROM leads WHERE id = ?1",
                [lead.0],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, u32>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, bool>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(&err)?;
        let Some((text, attempts, number, on_dnc)) = row else { return Err(BeginError::UnknownLead(lead)) };
        let current = state(path, &text, lead.0 as i64)?;
        if !matches!(current, LeadState::Pending | LeadState::Callback) {
            return Err(BeginError::NotDialable { lead, state: current });
        }
        if on_dnc {
            return Err(BeginError::OnDnc { lead, number });
        }
        let used = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM attempts WHERE call_id = ?1)", [call.0], |row| {
                row.get::<_, bool>(0)
            })
            .map_err(&err)?;
        if used {
            return Err(BeginError::CallIdUsed(call));
        }
        let attempt = attempts + 1;
        tx.execute(
            "UPDATE leads SET state = 'in_flight', attempts = ?2, last_attempt_at = ?3 WHERE id = ?1",
            params![lead.0, attempt, ms(now)],
        )
        .map_err(&err)?;
        tx.execute(
            "INSERT INTO attempts (call_id, lead_id, attempt, started_at, trunk, state, callee)
             VALUES (?1, ?2, ?3, ?4, ?5, 'in_flight', ?6)",
            params![call.0, lead.0, attempt, ms(now), trunk, number],
        )
        .map_err(&err)?;
        if current == LeadState::Callback {
            tx.execute(
                "UPDATE callbacks SET done_at = ?2, call_id = ?3 WHERE lead_id = ?1 AND done_at IS NULL",
                params![lead.0, ms(now), call.0],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(attempt)
    }

    /// Records a finished call's CDR and applies the campaign's retry rule to its lead, in one
    /// transaction: either both are on disk or neither is. Returns the lead's new state.
    ///
    /// `origin` is the wall-clock time of the CDR's `Time` zero (the run's start); the store
    /// keeps absolute times, so CDRs of several runs export as one file. What the lead becomes is
    /// [`RetryRules::next`](crate::campaign::RetryRules::next): retried after its outcome's
    /// delay (72 h at least for an abandoned call under Ofcom), `max_attempts`, `invalid`,
    /// `done`, a callback after the default delay (move it with [`Store::schedule_callback`]), or
    /// `dnc` with the number added to the do-not-call list at once. A lead whose number joined the
    /// list during the call ends `dnc`.
    pub fn finish_attempt(&mut self, cdr: &Cdr, origin: Timestamp, now: Timestamp) -> Result<LeadState, FinishError> {
        let call = CallId(cdr.call_id);
        let path = &self.path;
        let err = sqlite(path);
        let at = |t: Time| -> Result<i64, FinishError> {
            i64::try_from(t.as_ms())
                .ok()
                .and_then(|offset| ms(origin).checked_add(offset))
                .filter(|&m| Timestamp::from_millisecond(m).is_ok())
                .ok_or(FinishError::TimeOutOfRange { call })
        };
        let opt_at = |t: Option<Time>| t.map(at).transpose();
        let (dial, answer, connect, end) =
            (at(cdr.dial_time)?, opt_at(cdr.answer_time)?, opt_at(cdr.connect_time)?, at(cdr.end_time)?);

        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        let row = tx
            .query_row("SELECT lead_id, state FROM attempts WHERE call_id = ?1", [call.0], |row| {
                Ok((row.get::<_, u64>(0)?, row.get::<_, String>(1)?))
            })
            .optional()
            .map_err(&err)?;
        let Some((lead, attempt_state)) = row else { return Err(FinishError::UnknownCall(call)) };
        if attempt_state != "in_flight" {
            return Err(FinishError::AlreadyFinished(call));
        }
        if cdr.lead_id != Some(lead) {
            return Err(FinishError::LeadMismatch { call, journal: LeadId(lead), cdr: cdr.lead_id });
        }
        let (attempts, number, on_dnc) = tx
            .query_row(
                "SELECT attempts, number, EXISTS (SELECT 1 FROM dnc WHERE dnc.number = leads.number)
                 FROM leads WHERE id = ?1",
                [lead],
                |row| Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?, row.get::<_, bool>(2)?)),
            )
            .map_err(&err)?;
        tx.execute(
            "UPDATE attempts SET state = 'done', finished_at = ?2, campaign = ?3, direction = ?4, caller = ?5,
                 callee = ?6, dial_at = ?7, answer_at = ?8, connect_at = ?9, end_at = ?10, outcome = ?11,
                 disposition = ?12, answered_by = ?13, amd = ?14, agent = ?15, hangup_by = ?16,
                 sip_code = ?17, call_type = ?18, recording = ?19
             WHERE call_id = ?1",
            params![
                call.0,
                ms(now),
                cdr.campaign.as_str(),
                cdr.direction.as_str(),
                cdr.caller.as_str(),
                cdr.callee.as_str(),
                dial,
                answer,
                connect,
                end,
                cdr.outcome.as_str(),
                cdr.disposition.as_str(),
                cdr.answered_by.map(|p| p.as_str()),
                cdr.amd.map(|a| a.as_str()),
                cdr.agent,
                cdr.hangup_by.map(|h| h.as_str()),
                cdr.sip_code,
                cdr.call_type.as_str(),
                cdr.recording.as_str(),
            ],
        )
        .map_err(&err)?;
        let next = if on_dnc { Next::Dnc } else { self.rules.retry.next(cdr, attempts, self.rules.rule, now) };
        let new_state = apply(&tx, path, LeadId(lead), &number, next, attempts, now)?;
        tx.execute("UPDATE leads SET last_outcome = ?2 WHERE id = ?1", params![lead, cdr.outcome.as_str()])
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(new_state)
    }

    /// Attempts begun and not finished, oldest first: after a crash, the calls the restarted
    /// dialer must hang up and close with a CDR.
    pub fn in_flight(&self) -> Result<Vec<InFlight>, QueryError> {
        let err = sqlite(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.call_id, a.lead_id, l.number, a.attempt, a.started_at, a.trunk,
                        a.sip_peer, a.cancel_request, a.answered_at, a.bye_request, a.connected_at
                 FROM attempts a JOIN leads l ON l.id = a.lead_id
                 WHERE a.state = 'in_flight' ORDER BY a.started_at, a.call_id",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, u64>(0)?,
                    row.get::<_, u64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, String>(5)?,
                    DialogRow {
                        peer: row.get(6)?,
                        cancel_request: row.get(7)?,
                        answered_at: row.get(8)?,
                        bye_request: row.get(9)?,
                        connected_at: row.get(10)?,
                    },
                ))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            let (call, lead, number, attempt, started, trunk, d) = row.map_err(&err)?;
            let started_at = timestamp(&self.path, started, &format!("call {call}: started_at"))?;
            let at = |ms: Option<i64>, what: &str| {
                ms.map(|ms| timestamp(&self.path, ms, &format!("call {call}: {what}"))).transpose()
            };
            let dialog = DialogJournal {
                peer: d.peer,
                cancel_request: d.cancel_request,
                answered_at: at(d.answered_at, "answered_at")?,
                bye_request: d.bye_request,
                connected_at: at(d.connected_at, "connected_at")?,
            };
            out.push(InFlight { call: CallId(call), lead: LeadId(lead), number, attempt, started_at, trunk, dialog });
        }
        Ok(out)
    }

    /// Journals where a call's INVITE goes and the CANCEL that would end it, before the INVITE is
    /// sent: a restart after a crash cancels it. Errors if the call is not in flight.
    pub fn journal_invite(&mut self, call: CallId, peer: &str, cancel_request: &[u8]) -> Result<(), JournalError> {
        self.journal(
            call,
            "UPDATE attempts SET sip_peer = ?2, cancel_request = ?3 WHERE call_id = ?1 AND state = 'in_flight'",
            rusqlite::params![call.0, peer, cancel_request],
        )
    }

    /// Journals that a call was answered at `now`, with the BYE that ends its dialog: a restart
    /// after a crash hangs it up and closes it `abandoned` (a person no agent reached) unless
    /// [`Store::mark_connected`] followed.
    pub fn mark_answered(&mut self, call: CallId, now: Timestamp, bye_request: &[u8]) -> Result<(), JournalError> {
        self.journal(
            call,
            "UPDATE attempts SET answered_at = ?2, bye_request = ?3 WHERE call_id = ?1 AND state = 'in_flight'",
            rusqlite::params![call.0, ms(now), bye_request],
        )
    }

    /// Journals that a call was bridged to an agent at `now`.
    pub fn mark_connected(&mut self, call: CallId, now: Timestamp) -> Result<(), JournalError> {
        self.journal(
            call,
            "UPDATE attempts SET connected_at = ?2 WHERE call_id = ?1 AND state = 'in_flight'",
            rusqlite::params![call.0, ms(now)],
        )
    }

    fn journal(&mut self, call: CallId, sql: &str, params: impl rusqlite::Params) -> Result<(), JournalError> {
        let changed = self.conn.execute(sql, params).map_err(sqlite(&self.path))?;
        if changed == 1 { Ok(()) } else { Err(JournalError::NotInFlight(call)) }
    }

    /// Sets (or corrects) the agent's disposition of a finished, connected call, and applies it
    /// to the lead in one transaction: `callback` schedules a call back after the default delay,
    /// `dnc_request` adds the number to the do-not-call list at once, anything else makes the
    /// lead `done`. A lead that has moved on to a later call keeps its state (but a
    /// `dnc_request` still reaches the list). Returns the lead's state.
    pub fn set_disposition(
        &mut self,
        call: CallId,
        disposition: &str,
        now: Timestamp,
    ) -> Result<LeadState, DispositionError> {
        let path = &self.path;
        let err = sqlite(path);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        let row = tx
            .query_row(
                "SELECT a.lead_id, a.outcome, l.state, l.number, l.attempts FROM attempts a JOIN leads l ON l.id = a.lead_id
                 WHERE a.call_id = ?1 AND a.state = 'done'",
                [call.0],
                |row| {
                    Ok((
                        row.get::<_, u64>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, u32>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(&err)?;
        let Some((lead, outcome, lead_state, number, attempts)) = row else {
            return Err(DispositionError::UnknownCall(call));
        };
        let outcome = outcome.unwrap_or_default();
        if outcome != Outcome::Connected.as_str() {
            return Err(DispositionError::NotConnected { call, outcome });
        }
        let current = state(path, &lead_state, lead as i64)?;
        tx.execute("UPDATE attempts SET disposition = ?2 WHERE call_id = ?1", params![call.0, disposition])
            .map_err(&err)?;
        let next = match disposition {
            CALLBACK => Next::Callback(later(now, self.rules.retry.callback_ms)),
            DNC_REQUEST => Next::Dnc,
            _ => Next::Done,
        };
        let new_state = match current {
            LeadState::Done | LeadState::Callback => {
                // Replace what the earlier disposition asked for.
                tx.execute("DELETE FROM callbacks WHERE lead_id = ?1 AND done_at IS NULL", [lead]).map_err(&err)?;
                apply(&tx, path, LeadId(lead), &number, next, attempts, now)?
            }
            _ => {
                if next == Next::Dnc {
                    add_dnc_in(&tx, path, &number, "agent", now)?;
                }
                current
            }
        };
        tx.commit().map_err(&err)?;
        Ok(new_state)
    }

    /// Schedules a call back to `lead` at `due`, for `agent` if named, replacing any callback
    /// already scheduled for it. The lead goes `callback` (even if it was `done` or at
    /// `max_attempts`: the person asked). Refused for a lead in flight (finish its call first),
    /// on the do-not-call list, or invalid.
    pub fn schedule_callback(
        &mut self,
        lead: LeadId,
        due: Timestamp,
        agent: Option<AgentId>,
        now: Timestamp,
    ) -> Result<(), CallbackError> {
        let path = &self.path;
        let err = sqlite(path);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        let text = tx
            .query_row("SELECT state FROM leads WHERE id = ?1", [lead.0], |row| row.get::<_, String>(0))
            .optional()
            .map_err(&err)?;
        let Some(text) = text else { return Err(CallbackError::UnknownLead(lead)) };
        let current = state(path, &text, lead.0 as i64)?;
        if matches!(current, LeadState::InFlight | LeadState::Dnc | LeadState::Invalid) {
            return Err(CallbackError::NotCallable { lead, state: current });
        }
        tx.execute("DELETE FROM callbacks WHERE lead_id = ?1 AND done_at IS NULL", [lead.0]).map_err(&err)?;
        tx.execute(
            "INSERT INTO callbacks (lead_id, due_at, agent, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![lead.0, ms(due), agent.map(|a| a.0), ms(now)],
        )
        .map_err(&err)?;
        tx.execute("UPDATE leads SET state = 'callback', next_attempt_at = ?2 WHERE id = ?1", params![lead.0, ms(due)])
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(())
    }
}

/// The dialog columns of a journal row, as read.
struct DialogRow {
    peer: Option<String>,
    cancel_request: Option<Vec<u8>>,
    answered_at: Option<i64>,
    bye_request: Option<Vec<u8>>,
    connected_at: Option<i64>,
}

/// Moves a lead as `next` says, inside the caller's transaction. `attempts` counts the call just
/// ended.
fn apply(
    tx: &Transaction<'_>,
    path: &Path,
    lead: LeadId,
    number: &str,
    next: Next,
    attempts: u32,
    now: Timestamp,
) -> Result<LeadState, SqliteError> {
    let err = sqlite(path);
    let set = |state: LeadState, at: Timestamp, attempts: u32| {
        tx.execute(
            "UPDATE leads SET state = ?2, next_attempt_at = ?3, attempts = ?4 WHERE id = ?1",
            params![lead.0, state.as_str(), ms(at), attempts],
        )
        .map(|_| state)
        .map_err(&err)
    };
    Ok(match next {
        Next::Retry(at) => set(LeadState::Pending, at, attempts)?,
        // Never placed: it does not count, and the lead is due again at once.
        Next::Unplaced => set(LeadState::Pending, now, attempts.saturating_sub(1))?,
        Next::Callback(at) => {
            tx.execute(
                "INSERT INTO callbacks (lead_id, due_at, agent, created_at) VALUES (?1, ?2, NULL, ?3)",
                params![lead.0, ms(at), ms(now)],
            )
            .map_err(&err)?;
            set(LeadState::Callback, at, attempts)?
        }
        Next::Dnc => {
            add_dnc_in(tx, path, number, "agent", now)?;
            set(LeadState::Dnc, now, attempts)?
        }
        Next::Done => set(LeadState::Done, now, attempts)?,
        Next::Invalid => set(LeadState::Invalid, now, attempts)?,
        Next::MaxAttempts => set(LeadState::MaxAttempts, now, attempts)?,
    })
}

/// Adds `number` to the do-not-call list (keeping an earlier entry) and ends every open lead with
/// that number that is not in flight (a call in flight ends `dnc` when it finishes).
pub(super) fn add_dnc_in(
    tx: &Transaction<'_>,
    path: &Path,
    number: &str,
    source: &str,
    now: Timestamp,
) -> Result<bool, SqliteError> {
    let err = sqlite(path);
    let added = tx
        .execute(
            "INSERT OR IGNORE INTO dnc (number, added_at, source) VALUES (?1, ?2, ?3)",
            params![number, ms(now), source],
        )
        .map_err(&err)?;
    tx.execute(
        "DELETE FROM callbacks WHERE done_at IS NULL AND lead_id IN (SELECT id FROM leads WHERE number = ?1)",
        [number],
    )
    .map_err(&err)?;
    tx.execute("UPDATE leads SET state = 'dnc' WHERE number = ?1 AND state IN ('pending', 'callback')", [number])
        .map_err(&err)?;
    Ok(added == 1)
}
