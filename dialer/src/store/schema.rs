//! The store's schema, versioned with `PRAGMA user_version`: migration `i` takes a database from
//! version `i` to `i + 1`, each in one transaction, so a crash mid-migration leaves the old version
//! whole. Never edit a shipped migration; add the next one.

use rusqlite::Connection;

/// The migrations, oldest first. `MIGRATIONS.len()` is the version this build writes.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the lead list, the journal of attempts with their CDRs, the do-not-call list.
    "
    CREATE TABLE leads (
        id              INTEGER PRIMARY KEY,
        number          TEXT    NOT NULL UNIQUE,   -- E.164
        external_id     TEXT,                      -- the id column of the imported CSV
        name            TEXT,
        timezone        TEXT,                      -- IANA name; NULL: the campaign's default
        state           TEXT    NOT NULL,          -- see LeadState
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,          -- ms since the Unix epoch
        last_outcome    TEXT,
        last_attempt_at INTEGER,
        imported_at     INTEGER NOT NULL,
        source          TEXT    NOT NULL           -- file:line it was imported from
    );
    CREATE INDEX leads_due ON leads (state, next_attempt_at);
    CREATE INDEX leads_zone ON leads (state, timezone);

    CREATE TABLE attempts (
        call_id     INTEGER PRIMARY KEY,
        lead_id     INTEGER NOT NULL REFERENCES leads (id),
        attempt     INTEGER NOT NULL,
        started_at  INTEGER NOT NULL,
        trunk       TEXT    NOT NULL,
        state       TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
        finished_at INTEGER,
        -- the CDR, once done (times in ms since the Unix epoch)
        campaign    TEXT,
        direction   TEXT,
        caller      TEXT,
        callee      TEXT,
        dial_at     INTEGER,
        answer_at   INTEGER,
        connect_at  INTEGER,
        end_at      INTEGER,
        outcome     TEXT,
        disposition TEXT,
        answered_by TEXT,
        amd         TEXT,
        agent       INTEGER,
        hangup_by   TEXT,
        sip_code    INTEGER,
        call_type   TEXT,
        recording   TEXT
    );
    -- No lead is dialled twice at once: at most one attempt in flight per lead.
    CREATE UNIQUE INDEX attempts_one_in_flight ON attempts (lead_id) WHERE state = 'in_flight';
    CREATE INDEX attempts_dial ON attempts (state, dial_at);

    CREATE TABLE dnc (
        number   TEXT PRIMARY KEY,                 -- E.164
        added_at INTEGER NOT NULL,
        source   TEXT    NOT NULL                  -- file, or 'agent' for a dnc_request
    );
    ",
    // 2: callbacks agents schedule.
    "
    CREATE TABLE callbacks (
        id         INTEGER PRIMARY KEY,
        lead_id    INTEGER NOT NULL REFERENCES leads (id),
        due_at     INTEGER NOT NULL,
        agent      INTEGER,                        -- NULL: any agent
        created_at INTEGER NOT NULL,
        done_at    INTEGER,                        -- when the call back was placed
        call_id    INTEGER                         -- the call that placed it
    );
    CREATE UNIQUE INDEX callbacks_one_open ON callbacks (lead_id) WHERE done_at IS NULL;
    CREATE INDEX callbacks_due ON callbacks (done_at, due_at);
    ",
    // 3: the journal of each dialog in flight, so a restart after a crash can end it (CANCEL an
    // unanswered call, BYE an answered one) and close its CDR with the outcome it really had.
    "
    ALTER TABLE attempts ADD COLUMN sip_peer TEXT;          -- transport:address the INVITE went to
    ALTER TABLE attempts ADD COLUMN cancel_request BLOB;    -- the CANCEL of our INVITE, as sent
    ALTER TABLE attempts ADD COLUMN answered_at INTEGER;    -- ms since the Unix epoch
    ALTER TABLE attempts ADD COLUMN bye_request BLOB;       -- the BYE that ends the dialog
    ALTER TABLE attempts ADD COLUMN connected_at INTEGER;   -- bridged to an agent
    ",
];

/// The schema version this build reads and writes.
pub(crate) fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

/// Why a database could not be brought to [`latest`].
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// The database is newer than this build.
    TooNew(u32),
    /// Migration to `version` failed (and was rolled back).
    Failed { version: u32, source: rusqlite::Error },
}

/// Brings the database to [`latest`], one transaction per migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let failed = |version| move |source| MigrateError::Failed { version, source };
    let current: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(failed(0))?;
    if current > latest() {
        return Err(MigrateError::TooNew(current));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let tx = conn.transaction().map_err(failed(version))?;
        tx.execute_batch(sql).map_err(failed(version))?;
        tx.pragma_update(None, "user_version", version).map_err(failed(version))?;
        tx.commit().map_err(failed(version))?;
    }
    Ok(())
}
