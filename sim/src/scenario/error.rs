//! The one error of loading a scenario: it names the file, the key, what is wrong and the fix.

use std::path::{Path, PathBuf};

use serde_path_to_error::Segment;

/// Why a scenario file (with its `--set` overrides) was refused. Nothing runs on a refused
/// scenario; the CLI prints this message and exits with status 2.
///
/// Every message reads `FILE: [--set ASSIGNMENT: ]KEY: PROBLEM (fix: FIX)`, with `KEY` a dotted
/// path such as `population.phases.1.human` (array elements by index; an `[expect]` metric name,
/// which holds dots itself, in quotes).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario: {source} (fix: check the path and that the file is readable)", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{}: line {line}, column {column}: not valid TOML: {message} (fix: correct the syntax there)", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// The TOML parser's description.
        message: String,
    },
    /// A `--set` assignment that cannot be applied to the document (malformed, or its path
    /// runs into a value that is not a table or past the end of an array).
    #[error("{}--set {assignment}: {problem} (fix: {fix})", prefix(file, None))]
    Override {
        /// The scenario file the override was applied to.
        file: PathBuf,
        /// The assignment as given, `key=value`.
        assignment: String,
        /// What is wrong.
        problem: String,
        /// How to put it right.
        fix: String,
    },
    /// A key the scenario format does not have (often a typo).
    #[error("{}unknown key `{key}` (fix: remove it, or use one of {expected})", prefix(file, set.as_deref()))]
    UnknownKey {
        /// The file.
        file: PathBuf,
        /// The `--set` assignment that led here, if one did.
        set: Option<String>,
        /// The full dotted key, e.g. `pacing.ratoi`.
        key: String,
        /// The keys allowed at that place, comma separated.
        expected: String,
    },
    /// A value that breaks the format's rules, or a required key or section that is missing.
    #[error("{}{}{problem} (fix: {fix})", prefix(file, set.as_deref()), key_prefix(key))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The `--set` assignment that led here, if one did.
        set: Option<String>,
        /// The full dotted key at fault; empty for the document as a whole (a missing section).
        key: String,
        /// What is wrong.
        problem: String,
        /// How to put it right.
        fix: String,
    },
}

impl ScenarioError {
    /// The dotted key the error is about, if it is about one (for tests and tooling).
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::UnknownKey { key, .. } | ScenarioError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }

    /// A rule broken at `key` (the file is filled in later by [`ScenarioError::in_file`]).
    pub(crate) fn invalid(key: impl Into<String>, problem: impl Into<String>, fix: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: PathBuf::new(),
            set: None,
            key: key.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// A malformed `--set` assignment.
    pub(crate) fn bad_override(assignment: &str, problem: impl Into<String>, fix: impl Into<String>) -> ScenarioError {
        ScenarioError::Override {
            file: PathBuf::new(),
            assignment: assignment.to_owned(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// Names the file the error came from.
    pub(crate) fn in_file(mut self, source: &Path) -> ScenarioError {
        match &mut self {
            ScenarioError::Read { file, .. }
            | ScenarioError::Syntax { file, .. }
            | ScenarioError::Override { file, .. }
            | ScenarioError::UnknownKey { file, .. }
            | ScenarioError::Invalid { file, .. } => *file = source.to_path_buf(),
        }
        self
    }

    /// Attributes the error to the last `--set` whose key is, contains or lies within the key
    /// at fault, so a bad value given on the command line is not blamed on the file.
    pub(crate) fn blame(mut self, overrides: &[String]) -> ScenarioError {
        if let ScenarioError::UnknownKey { key, set, .. } | ScenarioError::Invalid { key, set, .. } = &mut self {
            let related = |a: &&String| {
                let path = a.split_once('=').map_or(a.as_str(), |(p, _)| p).trim();
                !key.is_empty() && (nested(key, path) || nested(path, key))
            };
            *set = overrides.iter().rev().find(related).cloned();
        }
        self
    }

    /// Turns a serde error (unknown key, wrong type, unknown name) into the scenario's form.
    pub(crate) fn from_serde(err: serde_path_to_error::Error<toml::de::Error>) -> ScenarioError {
        let key = dotted(err.path());
        let message = err.inner().message().trim().to_owned();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let expected = rest.split_once('`').map_or("", |(_, tail)| tail);
            return ScenarioError::UnknownKey { file: PathBuf::new(), set: None, key, expected: names_in(expected) };
        }
        if let Some(rest) = message.strip_prefix("unknown variant `") {
            let (given, expected) = rest.split_once('`').unwrap_or((rest, ""));
            let names = names_in(expected);
            return ScenarioError::invalid(
                key,
                format!("\"{given}\" is not one of {names}"),
                format!("use one of {names}"),
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let field = rest.split_once('`').map_or(rest, |(f, _)| f);
            let fix = if field == "dist" {
                "add dist = one of const, exp, lognormal, gamma, uniform, weibull, empirical".to_owned()
            } else {
                format!("add {field} = …")
            };
            return ScenarioError::invalid(key, format!("missing `{field}`"), fix);
        }
        for (prefix, what) in [("invalid type: ", "found"), ("invalid value: ", "found")] {
            if let Some(rest) = message.strip_prefix(prefix)
                && let Some((found, expected)) = rest.split_once(", expected ")
            {
                let expected = plain_expected(expected);
                let found = match found {
                    "map" => "a table",
                    "sequence" => "an array",
                    other => other,
                };
                return ScenarioError::invalid(
                    key,
                    format!("{what} {found}, expected {expected}"),
                    format!("write {expected}"),
                );
            }
        }
        ScenarioError::invalid(key, message, "correct the value")
    }
}

/// `key` is `outer` or lies inside it.
fn nested(key: &str, outer: &str) -> bool {
    key == outer || key.strip_prefix(outer).is_some_and(|rest| rest.starts_with('.'))
}

fn prefix(file: &Path, set: Option<&str>) -> String {
    let mut out = String::new();
    if !file.as_os_str().is_empty() {
        out.push_str(&format!("{}: ", file.display()));
    }
    if let Some(set) = set {
        out.push_str(&format!("--set {set}: "));
    }
    out
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() { String::new() } else { format!("{key}: ") }
}

/// A serde path as a dotted key: array elements by index (`phases.1`), keys holding dots in
/// quotes (`expect."agents.occupancy"`).
fn dotted(path: &serde_path_to_error::Path) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } | Segment::Enum { variant: key } if key.contains('.') => {
                format!("\"{key}\"")
            }
            Segment::Map { key } | Segment::Enum { variant: key } => key.clone(),
            Segment::Unknown => "?".to_owned(),
        })
        .collect();
    parts.join(".")
}

/// serde's "expected one of `a`, `b`" or "expected `a` or `b`" as "a, b".
fn names_in(expected: &str) -> String {
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    if names.is_empty() { "no other key here".to_owned() } else { names.join(", ") }
}

/// serde's names of expected types in words a scenario author knows.
fn plain_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".to_owned(),
        "i8" | "i16" | "i32" | "i64" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a sequence" => "an array".to_owned(),
        "struct DistSpec" => "a distribution table such as { dist = \"exp\", mean = \"30s\" }".to_owned(),
        e if e.starts_with("struct ") || e == "a map" => "a table".to_owned(),
        e => e.to_owned(),
    }
}
