//! The one error of loading a campaign file: it names the file, the key, what is wrong and the fix.

use std::path::PathBuf;

/// Why a campaign file was refused. Nothing is dialled on a refused campaign; the CLI prints this
/// message and exits with status 2.
///
/// Messages read `FILE: KEY: PROBLEM (fix: FIX)`, `KEY` a dotted path such as `trunks.1.max_cps`.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// The file could not be read.
    #[error("{}: cannot read the campaign: {source} (fix: check the path and that the file is readable)", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The text is not valid TOML, has a key the format does not know, or a value of the wrong
    /// type (serde's message, which names the key or the allowed keys).
    #[error("{}: line {line}, column {column}: {message} (fix: {fix})", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// The TOML reader's description.
        message: String,
        /// How to put it right.
        fix: &'static str,
    },
    /// A value that breaks the format's rules, or a required key that is missing.
    #[error("{}: {key}: {problem} (fix: {fix})", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The full dotted key at fault.
        key: String,
        /// What is wrong.
        problem: String,
        /// How to put it right.
        fix: String,
    },
}

impl CampaignError {
    /// The dotted key the error is about, if it is about one (for tests and tooling).
    pub fn key(&self) -> Option<&str> {
        match self {
            CampaignError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}
