//! One error per store operation. SQLite failures carry the store's path and a fix.

use super::LeadState;
use crate::core::{CallId, LeadId};
use rusqlite::ErrorCode;
use std::path::PathBuf;

/// A SQLite failure in the campaign store. Nothing of the operation that met it was committed.
#[derive(Debug, thiserror::Error)]
#[error("campaign store {}: {source} (fix: {})", path.display(), fix(source))]
pub struct SqliteError {
    /// The store (`:memory:` for an in-memory one).
    pub path: PathBuf,
    /// SQLite's reason.
    pub source: rusqlite::Error,
}

fn fix(e: &rusqlite::Error) -> &'static str {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another process holds the store: stop the other dialer, or wait and retry"
        }
        Some(ErrorCode::DiskFull) => "free disk space, then retry",
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            "check that the store's folder exists and is writable"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            "the file is not a campaign store, or is damaged: check [campaign] store in the campaign file"
        }
        _ => "check that the file is a dialkit campaign store and the disk is healthy",
    }
}

/// A value in the store this build cannot read (written by hand or by a damaged build).
#[derive(Debug, thiserror::Error)]
#[error("campaign store {}: {what} (fix: restore the store from a backup, or correct the row by hand)", path.display())]
pub struct CorruptError {
    /// The store.
    pub path: PathBuf,
    /// What could not be read, and where.
    pub what: String,
}

/// Why [`Store::open`](super::Store::open) failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or set up the file.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// The store was written by a newer dialkit.
    #[error("campaign store {}: schema version {found} is newer than this dialer's {supported} (fix: use the dialkit that wrote it, or a newer one)", path.display())]
    TooNew {
        /// The store.
        path: PathBuf,
        /// The store's `user_version`.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A schema migration failed; it was rolled back, so the store is at the version before it.
    #[error("campaign store {}: migrating the schema to version {version} failed: {source} (fix: check the disk has space and the file is writable, then open it again)", path.display())]
    Migrate {
        /// The store.
        path: PathBuf,
        /// The version the failed migration leads to.
        version: u32,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
}

/// Why a lead import failed as a whole. Nothing of it was committed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read, or is not CSV.
    #[error("{file}: cannot read the lead list{}: {source} (fix: check the file is readable CSV with a header row)", at_line(*line))]
    Read {
        /// The file, as given.
        file: String,
        /// The line where reading stopped, if known.
        line: Option<u64>,
        /// The reader's reason.
        source: csv::Error,
    },
    /// The header has no `number` column.
    #[error(
        "{file}: the header row {header:?} has no `number` column (fix: name the column of phone numbers `number`)"
    )]
    NoNumberColumn {
        /// The file.
        file: String,
        /// The header as read.
        header: String,
    },
    /// A column named twice.
    #[error("{file}: the header row names `{column}` twice (fix: keep one column of that name)")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The column.
        column: String,
    },
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
}

fn at_line(line: Option<u64>) -> String {
    line.map_or_else(String::new, |l| format!(" at line {l}"))
}

/// Why a do-not-call import failed as a whole. Nothing of it was committed.
#[derive(Debug, thiserror::Error)]
pub enum DncError {
    /// The file could not be read (or is not UTF-8).
    #[error(
        "{file}: cannot read the do-not-call list at line {line}: {source} (fix: check the file is readable UTF-8 text, one number a line)"
    )]
    Read {
        /// The file, as given.
        file: String,
        /// The line where reading stopped.
        line: u64,
        /// The reason.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
}

/// Why a read-only query ([`next_due`](super::Store::next_due), [`in_flight`](super::Store::in_flight),
/// [`summary`](super::Store::summary), …) failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
}

/// Why [`begin_attempt`](super::Store::begin_attempt) refused. The store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum BeginError {
    /// No such lead.
    #[error("{0} is not in the campaign store (fix: dial leads that next_due returned)")]
    UnknownLead(LeadId),
    /// The lead is in flight already, or finished.
    #[error("{lead} is {state}, not due for a call (fix: dial leads that next_due returned, once each)")]
    NotDialable {
        /// The lead.
        lead: LeadId,
        /// Its state.
        state: LeadState,
    },
    /// The lead's number joined the do-not-call list since it was chosen.
    #[error("{lead}: {number} is on the do-not-call list (fix: none; skip it)")]
    OnDnc {
        /// The lead.
        lead: LeadId,
        /// Its number.
        number: String,
    },
    /// The call id is in the journal already.
    #[error("{0} is already in the attempt journal (fix: start call ids after Store::max_call_id)")]
    CallIdUsed(CallId),
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
}

/// Why [`finish_attempt`](super::Store::finish_attempt) refused. The store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum FinishError {
    /// No attempt with the CDR's call id was begun.
    #[error("{0} was never begun in the attempt journal (fix: call begin_attempt before placing a call)")]
    UnknownCall(CallId),
    /// The attempt has its CDR already.
    #[error("{0} is finished already (fix: finish each attempt once)")]
    AlreadyFinished(CallId),
    /// The CDR names another lead than the journal.
    #[error("{call}: the CDR's lead {cdr:?} is not the journal's {journal} (fix: build the CDR from the lead begun)")]
    LeadMismatch {
        /// The call.
        call: CallId,
        /// The lead the attempt was begun for.
        journal: LeadId,
        /// The lead the CDR names.
        cdr: Option<u64>,
    },
    /// A time of the CDR, added to `origin`, falls outside the representable range.
    #[error("{call}: a time of the CDR is out of range from the given origin (fix: pass the run's start as origin)")]
    TimeOutOfRange {
        /// The call.
        call: CallId,
    },
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
}

/// Why [`set_disposition`](super::Store::set_disposition) refused. The store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum DispositionError {
    /// No finished attempt with this call id.
    #[error("{0} has no finished attempt in the store (fix: finish the attempt first)")]
    UnknownCall(CallId),
    /// Only connected calls carry an agent's disposition.
    #[error("{call} ended {outcome}, not connected, so it has no agent's disposition (fix: none)")]
    NotConnected {
        /// The call.
        call: CallId,
        /// How it ended.
        outcome: String,
    },
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
}

/// Why [`schedule_callback`](super::Store::schedule_callback) refused. The store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// No such lead.
    #[error("{0} is not in the campaign store (fix: schedule callbacks for leads that were called)")]
    UnknownLead(LeadId),
    /// The lead is in flight, on the do-not-call list or invalid.
    #[error(
        "{lead} is {state}: no callback can be scheduled (fix: finish its call first; dnc and invalid leads are never called)"
    )]
    NotCallable {
        /// The lead.
        lead: LeadId,
        /// Its state.
        state: LeadState,
    },
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
}

/// Why [`export_cdrs`](super::Store::export_cdrs) failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
    /// A row could not be read.
    #[error(transparent)]
    Corrupt(#[from] CorruptError),
    /// The CSV could not be written.
    #[error("writing cdr.csv: {0}")]
    Write(#[from] reports::WriteError),
}

/// Why a dialog could not be journaled ([`journal_invite`](super::Store::journal_invite),
/// [`mark_answered`](super::Store::mark_answered), [`mark_connected`](super::Store::mark_connected)).
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The call has no attempt in flight.
    #[error("{0} has no attempt in flight (fix: journal it with begin_attempt first)")]
    NotInFlight(CallId),
    /// The store failed.
    #[error(transparent)]
    Sqlite(#[from] SqliteError),
}
