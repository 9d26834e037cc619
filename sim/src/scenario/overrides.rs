//! `--set key=value` (and each point of a `--vary` sweep): one change to the scenario's TOML
//! document before it is validated, so an override is held to exactly the rules of the file.

use toml::{Table, Value};

use super::ScenarioError;

/// Applies one assignment `dotted.key=value` to a scenario document.
///
/// The key is a dotted path; a number indexes an array (`agents.groups.0.count`), and a missing
/// table on the way is created. The value is read as a TOML literal (`2.5`, `"8h"`, `true`,
/// `{ dist = "exp", mean = "3s" }`) or, if it is not one, taken as a plain string, so
/// `pacing.mode=ratio` and `duration=8h` work unquoted. Keys containing dots (the metric names
/// of `[expect]`) cannot be reached. Whether the result is a valid scenario is checked later,
/// with the file.
pub fn apply_override(doc: &mut Table, assignment: &str) -> Result<(), ScenarioError> {
    let Some((path, literal)) = assignment.split_once('=') else {
        return Err(ScenarioError::bad_override(assignment, "has no `=`", "write key=value, such as pacing.ratio=2.5"));
    };
    let path = path.trim();
    let segments: Vec<&str> = path.split('.').map(str::trim).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(ScenarioError::bad_override(
            assignment,
            format!("`{path}` is not a dotted key"),
            "write the key as names joined by dots, such as agents.groups.0.count",
        ));
    }
    let value = literal_value(literal.trim());
    let Some((first, rest)) = segments.split_first() else {
        // `split('.')` always yields at least one segment; report rather than panic anyway.
        return Err(ScenarioError::bad_override(assignment, "has no key", "write key=value"));
    };
    let Some((last, middle)) = rest.split_last() else {
        doc.insert((*first).to_owned(), value);
        return Ok(());
    };
    let next = middle.first().unwrap_or(last);
    if !doc.contains_key(*first) {
        creatable(first, next, assignment)?;
    }
    let mut current = doc.entry(*first).or_insert_with(|| Value::Table(Table::new()));
    let mut walked = (*first).to_owned();
    for (i, segment) in middle.iter().enumerate() {
        let next = middle.get(i + 1).unwrap_or(last);
        walked.push('.');
        walked.push_str(segment);
        current = step(current, segment, next, &walked, assignment)?;
    }
    match current {
        Value::Table(table) => {
            table.insert((*last).to_owned(), value);
        }
        Value::Array(array) => {
            let slot = index(array.len(), last, &walked, assignment)?;
            array[slot] = value;
        }
        other => return Err(not_a_table(other, &walked, assignment)),
    }
    Ok(())
}

/// Moves down from `value` (a table or an array) to `segment`, the last part of `walked`,
/// creating a missing table unless `next` indexes it as an array.
fn step<'a>(
    value: &'a mut Value,
    segment: &str,
    next: &str,
    walked: &str,
    assignment: &str,
) -> Result<&'a mut Value, ScenarioError> {
    let parent = walked.rsplit_once('.').map_or("", |(p, _)| p);
    match value {
        Value::Table(table) => {
            if !table.contains_key(segment) {
                creatable(walked, next, assignment)?;
            }
            Ok(table.entry(segment).or_insert_with(|| Value::Table(Table::new())))
        }
        Value::Array(array) => {
            let slot = index(array.len(), segment, parent, assignment)?;
            Ok(&mut array[slot])
        }
        other => Err(not_a_table(other, parent, assignment)),
    }
}

/// A missing `walked` may be created as a table, but not as an array to index with `next`.
fn creatable(walked: &str, next: &str, assignment: &str) -> Result<(), ScenarioError> {
    match next.parse::<usize>() {
        Ok(i) => Err(ScenarioError::bad_override(
            assignment,
            format!("`{walked}` is not in the scenario, so there is no element {i}"),
            format!("add `{walked}` to the file first; --set can change elements, not add them"),
        )),
        Err(_) => Ok(()),
    }
}

/// `segment` as an index into an array of `len` elements at `walked`.
fn index(len: usize, segment: &str, walked: &str, assignment: &str) -> Result<usize, ScenarioError> {
    match segment.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => Err(ScenarioError::bad_override(
            assignment,
            format!("`{walked}` has {len} element(s), so there is no element {i}"),
            format!("use an index from 0 to {}, or add the element to the file", len.saturating_sub(1)),
        )),
        Err(_) => Err(ScenarioError::bad_override(
            assignment,
            format!("`{walked}` is an array, and `{segment}` is not an index"),
            format!("index it with a number, such as {walked}.0"),
        )),
    }
}

fn not_a_table(value: &Value, walked: &str, assignment: &str) -> ScenarioError {
    ScenarioError::bad_override(
        assignment,
        format!("`{walked}` is {}, not a table", article(value.type_str())),
        format!("set `{walked}` itself, or a key of a table"),
    )
}

/// "an integer", "a string", …
fn article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// The value as a TOML literal, or as a plain string if it is not one.
fn literal_value(literal: &str) -> Value {
    literal.parse::<Value>().unwrap_or_else(|_| Value::String(literal.to_owned()))
}
