//! `--numbers FILE`: the numbers to call, and optionally each call's credentials, like SIPp's
//! injection files but as a plain CSV with a header: `number` (required), then `user` and
//! `password` (optional, together). Calls take the rows in order and wrap around.
//!
//! ```text
//! number,user,password
//! +15550100001,alice,secret1
//! +15550100002,bob,secret2
//! ```

use std::path::{Path, PathBuf};

/// One row: whom to call, and as whom to authenticate if challenged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberRow {
    /// The user part of the Request-URI (a phone number or a SIP user name).
    pub number: String,
    /// Digest credentials for this call, overriding `--auth`.
    pub credentials: Option<(String, String)>,
}

/// Why a numbers file was refused: the file, the line and the fix.
#[derive(Debug, thiserror::Error)]
pub enum NumbersError {
    /// The file could not be read.
    #[error("{}: {source} (fix: check the path)", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// A row or the header is wrong.
    #[error("{}:{line}: {problem} (fix: {fix})", file.display())]
    Row {
        /// The file.
        file: PathBuf,
        /// The line, from 1 (the header is line 1).
        line: u64,
        /// What is wrong.
        problem: String,
        /// How to put it right.
        fix: String,
    },
}

/// Reads a numbers file; every row must be valid, and there must be at least one.
pub fn read_numbers(file: &Path) -> Result<Vec<NumberRow>, NumbersError> {
    let text = std::fs::read_to_string(file).map_err(|source| NumbersError::Io { file: file.to_owned(), source })?;
    parse_numbers(&text, file)
}

/// Parses the text of a numbers file (`file` names it in errors).
pub fn parse_numbers(text: &str, file: &Path) -> Result<Vec<NumberRow>, NumbersError> {
    let err = |line: u64, problem: String, fix: &str| NumbersError::Row {
        file: file.to_owned(),
        line,
        problem,
        fix: fix.to_owned(),
    };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| err(1, e.to_string(), "save the file as UTF-8 CSV"))?.clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let Some(number_col) = column("number") else {
        return Err(err(
            1,
            format!("the header {:?} has no `number` column", header.iter().collect::<Vec<_>>()),
            "start the file with the header `number` or `number,user,password`",
        ));
    };
    let (user_col, pass_col) = (column("user"), column("password"));
    if user_col.is_some() != pass_col.is_some() {
        return Err(err(1, "`user` and `password` come together".into(), "give both columns, or neither"));
    }
    if let Some(extra) = header.iter().find(|h| !["number", "user", "password"].contains(h)) {
        return Err(err(1, format!("unknown column `{extra}`"), "the columns are number, user, password"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(line, e.to_string(), "give every row the header's number of fields")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let number = field(number_col);
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_alphanumeric() || "+-._~*#".contains(c)) {
            return Err(err(
                line,
                format!("{number:?} is not a number or SIP user name"),
                "write digits with an optional leading +, or a user name of letters, digits and - . _ ~ * #",
            ));
        }
        let credentials = match (user_col, pass_col) {
            (Some(u), Some(p)) if !field(u).is_empty() => Some((field(u).to_owned(), field(p).to_owned())),
            (Some(_), Some(p)) if !field(p).is_empty() => {
                return Err(err(line, "a password without a user".into(), "give the user, or leave both empty"));
            }
            _ => None,
        };
        rows.push(NumberRow { number: number.to_owned(), credentials });
    }
    if rows.is_empty() {
        return Err(err(1, "no numbers".into(), "add at least one row under the header"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<NumberRow>, NumbersError> {
        parse_numbers(text, Path::new("numbers.csv"))
    }

    #[test]
    fn reads_numbers_with_and_without_credentials() {
        let rows = parse("number,user,password\n+15550100001,alice,s1\n+15550100002,,\nbob,bob,s:e,c\n").unwrap_err();
        // A password with a comma must be quoted: the unquoted one gives a row too long.
        assert!(rows.to_string().contains("numbers.csv:4"), "{rows}");
        let rows = parse("number,user,password\n+15550100001,alice,s1\n+15550100002,,\nbob,bob,\"s:e,c\"\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].credentials, Some(("alice".into(), "s1".into())));
        assert_eq!(rows[1].credentials, None);
        assert_eq!(rows[2], NumberRow { number: "bob".into(), credentials: Some(("bob".into(), "s:e,c".into())) });
        assert_eq!(parse("number\n 100 \n").unwrap()[0].number, "100");
    }

    #[test]
    fn refuses_bad_files_naming_the_line() {
        for (text, line, word) in [
            ("num\n1\n", 1, "no `number` column"),
            ("number,user\n1,a\n", 1, "come together"),
            ("number,who\n1,a\n", 1, "unknown column"),
            ("number\n", 1, "no numbers"),
            ("number\n1\nsip:x@y\n", 3, "not a number"),
            ("number,user,password\n1,,pw\n", 2, "without a user"),
        ] {
            let e = parse(text).expect_err(text).to_string();
            assert!(
                e.contains(&format!("numbers.csv:{line}:")) && e.contains(word) && e.contains("fix:"),
                "{text:?}: {e}"
            );
        }
    }
}
