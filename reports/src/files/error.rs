//! What can go wrong reading or writing the record files, said precisely enough to fix the file.

use std::path::PathBuf;

/// Why a record file could not be read: each variant names the line (1-based, the header is
/// line 1) and column, what was found and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// An error inside a named file.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What went wrong in it.
        source: Box<RecordError>,
    },
    /// The file has no header line.
    #[error("the file is empty; expected the header line {header}")]
    Empty {
        /// The header the file should start with.
        header: &'static str,
    },
    /// The header is not the expected one.
    #[error("line 1, column {position}: found {found}, expected {expected}; the header must be {header}")]
    Header {
        /// 1-based position of the first wrong column.
        position: usize,
        /// The column name found there, quoted, or "the end of the line".
        found: String,
        /// The column name expected there, quoted, or "the end of the line".
        expected: String,
        /// The whole expected header.
        header: &'static str,
    },
    /// A row has the wrong number of fields.
    #[error("line {line}: found {found} fields, expected {expected} ({header})")]
    FieldCount {
        /// 1-based line where the row starts.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
        /// The header, naming the columns.
        header: &'static str,
    },
    /// A field does not hold what its column requires.
    #[error("line {line}, column {column}: {found:?} is not {expected}")]
    Field {
        /// 1-based line where the row starts.
        line: u64,
        /// The column's name.
        column: &'static str,
        /// The field's text.
        found: String,
        /// What the column requires.
        expected: String,
    },
    /// The file could not be read (I/O error or malformed CSV).
    #[error("cannot read the file: {0}")]
    Read(#[source] csv::Error),
}

impl RecordError {
    /// The same error, naming the file it came from.
    pub fn in_file(self, path: impl Into<PathBuf>) -> RecordError {
        match self {
            RecordError::Open { .. } | RecordError::InFile { .. } => self,
            other => RecordError::InFile { path: path.into(), source: Box::new(other) },
        }
    }
}

/// Why a record file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The underlying writer failed.
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
    /// A time falls outside the years 0000 to 9999 that an RFC 3339 timestamp can hold.
    #[error("{record}, column {column}: {offset_ms} ms after {start} is outside the years 0000 to 9999")]
    TimeOutOfRange {
        /// Which record: `call 17`, `agent 3`.
        record: String,
        /// The column's name.
        column: &'static str,
        /// The time, as milliseconds since the start of the run.
        offset_ms: u64,
        /// The wall-clock time of the start of the run.
        start: jiff::Timestamp,
    },
}

impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> Self {
        // csv's writer fails only on I/O; its error converts back into the io::Error.
        WriteError::Io(e.into())
    }
}
