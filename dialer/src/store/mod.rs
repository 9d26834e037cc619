//! The campaign store: the lead list, the journal of every call attempt with its CDR, the
//! do-not-call list and scheduled callbacks, in one SQLite file.
//!
//! The live dialer asks the store whom to call ([`Store::next_due`]), journals each call before
//! placing it ([`Store::begin_attempt`]) and records how it ended ([`Store::finish_attempt`]),
//! which also decides the lead's fate by the campaign's retry rules in the same transaction. So
//! every decision rests on what is on disk: a restart after `kill -9` finds each placed call in
//! [`Store::in_flight`] or with its CDR, no lead in flight twice, and no lead lost. The database
//! runs in WAL mode with `synchronous = FULL`: a committed transaction survives a power cut.
//!
//! Like the core, the store reads no clock: every operation takes `now`.
//!
//! ```
//! use dialer::core::{CallId, LeadId};
//! use dialer::campaign::Numbering;
//! use dialer::store::{LeadState, Rules, Store};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let now: jiff::Timestamp = "2026-03-02T15:00:00Z".parse()?; // 10:00 in New York
//! let rules = Rules { timezone: jiff::tz::db().get("America/New_York")?, ..Rules::default() };
//! let mut store = Store::open_in_memory(rules)?;
//! let csv = "number,name\n(202) 555-0123,Ada\n202-555-0123,Ada again\n";
//! let report = store.import_leads(csv.as_bytes(), "leads.csv", &Numbering::new(1, None)?, now, &mut |_| {})?;
//! assert_eq!((report.imported, report.duplicates), (1, 1));
//!
//! let due = store.next_due(now, 10)?;
//! assert_eq!(due[0].lead.number, "+12025550123");
//! store.begin_attempt(due[0].lead.id, CallId(1), now, "primary")?; // then place the call
//! assert!(store.next_due(now, 10)?.is_empty(), "in flight: not offered again");
//! assert_eq!(store.summary()?.count(LeadState::InFlight), 1);
//! # Ok(())
//! # }
//! ```

mod attempts;
mod dnc;
mod due;
mod error;
mod export;
mod import;
mod schema;

#[cfg(test)]
mod tests;

use crate::campaign::{CallingWindow, RetryRules, Rule};
use crate::core::{CallId, LeadId};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension};
use std::fmt;
use std::path::{Path, PathBuf};

pub use attempts::{DialogJournal, InFlight};
pub use dnc::DncReport;
pub use due::{Due, DueCallback};
pub use error::{
    BeginError, CallbackError, CorruptError, DispositionError, DncError, ExportError, FinishError, ImportError,
    JournalError, OpenError, QueryError, SqliteError,
};
pub use import::{ImportReport, RowNote, RowProblem};

/// The campaign's rules the store applies: the default time zone and calling window for
/// [`Store::next_due`], the retry rules and regime for [`Store::finish_attempt`].
#[derive(Clone, Debug)]
pub struct Rules {
    /// The callee's time zone when the lead names none.
    pub timezone: TimeZone,
    /// When callees may be called, in their local time.
    pub window: CallingWindow,
    /// What happens after each call.
    pub retry: RetryRules,
    /// FCC or Ofcom (the 72-hour rule).
    pub rule: Rule,
}

impl Default for Rules {
    /// UTC, 09:00–21:00 every day, the default retry rules, FCC.
    fn default() -> Rules {
        Rules {
            timezone: TimeZone::UTC,
            window: CallingWindow::default(),
            retry: RetryRules::default(),
            rule: Rule::Fcc,
        }
    }
}

/// Where a lead stands. `pending`, `in_flight` and `callback` are open; the others are final,
/// and a campaign is finished when every lead is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeadState {
    /// Waiting to be called (again) once due.
    Pending,
    /// A call is placed and not yet finished.
    InFlight,
    /// A call back is scheduled.
    Callback,
    /// A conversation took place; nothing more is wanted.
    Done,
    /// On the do-not-call list.
    Dnc,
    /// Called `max_attempts` times without a final outcome.
    MaxAttempts,
    /// The number does not exist.
    Invalid,
}

impl LeadState {
    /// Every state, open ones first.
    pub const ALL: [LeadState; 7] = [
        LeadState::Pending,
        LeadState::InFlight,
        LeadState::Callback,
        LeadState::Done,
        LeadState::Dnc,
        LeadState::MaxAttempts,
        LeadState::Invalid,
    ];

    /// The spelling kept in the store and shown by `dialer leads status`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LeadState::Pending => "pending",
            LeadState::InFlight => "in_flight",
            LeadState::Callback => "callback",
            LeadState::Done => "done",
            LeadState::Dnc => "dnc",
            LeadState::MaxAttempts => "max_attempts",
            LeadState::Invalid => "invalid",
        }
    }

    /// Reads the store's spelling.
    pub fn parse(text: &str) -> Option<LeadState> {
        LeadState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether nothing more will happen to the lead.
    pub const fn is_final(self) -> bool {
        !matches!(self, LeadState::Pending | LeadState::InFlight | LeadState::Callback)
    }
}

impl fmt::Display for LeadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of leads by state, and of the journal and lists, for status output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Leads in each state, in [`LeadState::ALL`] order.
    pub leads: [u64; 7],
    /// Attempts journaled (placed calls and calls blocked for want of a line).
    pub attempts: u64,
    /// Numbers on the do-not-call list.
    pub dnc_numbers: u64,
    /// Callbacks scheduled and not yet placed.
    pub open_callbacks: u64,
}

impl Summary {
    /// Leads in `state`.
    pub fn count(&self, state: LeadState) -> u64 {
        self.leads[LeadState::ALL.iter().position(|s| *s == state).unwrap_or(0)]
    }

    /// All leads.
    pub fn total(&self) -> u64 {
        self.leads.iter().sum()
    }

    /// Whether every lead is in a final state (an empty store is finished).
    pub fn is_finished(&self) -> bool {
        LeadState::ALL.iter().zip(self.leads).all(|(s, n)| s.is_final() || n == 0)
    }
}

/// An open campaign store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    rules: Rules,
}

/// Tags a SQLite error with the store's path.
fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> SqliteError + '_ {
    move |source| SqliteError { path: path.to_path_buf(), source }
}

/// Milliseconds since the Unix epoch, the store's time.
fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A store time read back.
fn timestamp(path: &Path, ms: i64, what: &str) -> Result<Timestamp, CorruptError> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| CorruptError { path: path.to_path_buf(), what: format!("{what}: {ms} is not a time") })
}

/// A lead's state read back.
fn state(path: &Path, text: &str, lead: i64) -> Result<LeadState, CorruptError> {
    LeadState::parse(text)
        .ok_or_else(|| CorruptError { path: path.to_path_buf(), what: format!("lead {lead}: unknown state {text:?}") })
}

impl Store {
    /// Opens (creating if needed) the store at `path`, brings its schema up to date, and sets
    /// WAL mode and full synchronous writes.
    pub fn open(path: &Path, rules: Rules) -> Result<Store, OpenError> {
        let conn = Connection::open(path).map_err(sqlite(path))?;
        Store::setup(conn, path.to_path_buf(), rules)
    }

    /// A store in memory, for tests and dry runs.
    pub fn open_in_memory(rules: Rules) -> Result<Store, OpenError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(sqlite(&path))?;
        Store::setup(conn, path, rules)
    }

    fn setup(mut conn: Connection, path: PathBuf, rules: Rules) -> Result<Store, OpenError> {
        let err = sqlite(&path);
        // WAL: readers (`dialer leads status`) do not block the dialer's writes. FULL: a commit
        // is on disk before it returns, so the next decision never rests on a lost write.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).map_err(&err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(&err)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(&err)?;
        schema::migrate(&mut conn).map_err(|e| match e {
            schema::MigrateError::TooNew(found) => {
                OpenError::TooNew { path: path.clone(), found, supported: schema::latest() }
            }
            schema::MigrateError::Failed { version, source } => {
                OpenError::Migrate { path: path.clone(), version, source }
            }
        })?;
        drop(err);
        Ok(Store { conn, path, rules })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rules the store applies.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Counts of leads by state and of the journal, for `dialer leads status`.
    pub fn summary(&self) -> Result<Summary, QueryError> {
        let err = sqlite(&self.path);
        let mut summary = Summary::default();
        let mut stmt = self.conn.prepare("SELECT state, COUNT(*) FROM leads GROUP BY state").map_err(&err)?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))).map_err(&err)?;
        for row in rows {
            let (text, n) = row.map_err(&err)?;
            let s = state(&self.path, &text, 0)?;
            summary.leads[LeadState::ALL.iter().position(|x| *x == s).unwrap_or(0)] = n;
        }
        let count = |sql: &str| self.conn.query_row(sql, [], |row| row.get::<_, u64>(0)).map_err(&err);
        summary.attempts = count("SELECT COUNT(*) FROM attempts")?;
        summary.dnc_numbers = count("SELECT COUNT(*) FROM dnc")?;
        summary.open_callbacks = count("SELECT COUNT(*) FROM callbacks WHERE done_at IS NULL")?;
        Ok(summary)
    }

    /// Whether every lead is in a final state: the campaign has nothing left to do.
    pub fn is_finished(&self) -> Result<bool, QueryError> {
        let open = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM leads WHERE state IN ('pending', 'in_flight', 'callback'))",
                [],
                |row| row.get::<_, bool>(0),
            )
            .map_err(sqlite(&self.path))?;
        Ok(!open)
    }

    /// The highest call id in the journal: a restarted dialer numbers its calls after it, so ids
    /// stay unique across runs.
    pub fn max_call_id(&self) -> Result<Option<CallId>, QueryError> {
        let max = self
            .conn
            .query_row("SELECT MAX(call_id) FROM attempts", [], |row| row.get::<_, Option<u64>>(0))
            .map_err(sqlite(&self.path))?;
        Ok(max.map(CallId))
    }

    /// A lead's state, if the lead exists.
    pub fn lead_state(&self, lead: LeadId) -> Result<Option<LeadState>, QueryError> {
        let text = self
            .conn
            .query_row("SELECT state FROM leads WHERE id = ?1", [lead.0], |row| row.get::<_, String>(0))
            .optional()
            .map_err(sqlite(&self.path))?;
        Ok(match text {
            None => None,
            Some(text) => Some(state(&self.path, &text, lead.0 as i64)?),
        })
    }
}
