//! `--vary key=values`: one key of the scenario and the values a sweep gives it.
//!
//! Values are a comma-separated list of TOML literals or plain strings (`pacing.ratio=1.5,2,2.5`,
//! `pacing.mode=ratio,progressive`), and any item may be a range `a..b:step`: the values
//! `a + i·step` for i = 0, 1, … up to and including `b`. Each value is computed from `a` and `i`
//! (never by adding `step` again and again), and written with at most ten decimals and no
//! trailing zeros, so `0.01..0.05:0.01` gives exactly `0.01, 0.02, 0.03, 0.04, 0.05`.

use super::SweepError;

/// Most values one `--vary` may give: a guard against a mistyped step, not a limit of the model.
pub const MAX_VALUES: usize = 10_000;

/// One `--vary`: the dotted key and its values, as TOML literals (or plain strings), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vary {
    /// The dotted key, as `--set` takes it (`pacing.ratio`, `agents.groups.0.count`).
    pub key: String,
    /// The values, each to be applied as `key=value`; duplicates are kept (a repeated point).
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `key=v1,v2,…` where each item is a literal or a range `a..b:step`.
    pub fn parse(spec: &str) -> Result<Vary, SweepError> {
        let bad = |problem: String, fix: &str| SweepError::Vary { spec: spec.to_owned(), problem, fix: fix.to_owned() };
        let Some((key, list)) = spec.split_once('=') else {
            return Err(bad(
                "has no `=`".into(),
                "write key=v1,v2,… or key=a..b:step, such as pacing.ratio=1.5..3:0.5",
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
            return Err(bad(
                format!("`{key}` is not a dotted key"),
                "name the scenario key, such as pacing.ratio or agents.groups.0.count",
            ));
        }
        let mut values = Vec::new();
        for item in split_top_level(list) {
            let item = item.trim();
            if item.is_empty() {
                return Err(bad("has an empty value".into(), "remove the extra comma, or give a value there"));
            }
            if looks_like_range(item) {
                values.extend(range(item).map_err(|(problem, fix)| bad(problem, &fix))?);
            } else {
                values.push(item.to_owned());
            }
            if values.len() > MAX_VALUES {
                return Err(bad(
                    format!("gives more than {MAX_VALUES} values"),
                    "use a larger step or a narrower range",
                ));
            }
        }
        Ok(Vary { key: key.to_owned(), values })
    }
}

/// Splits at commas that are not inside brackets, braces or quotes, so an inline table such as
/// `{ dist = "exp", mean = "3s" }` stays one value.
fn split_top_level(list: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    let mut items = Vec::new();
    for (i, c) in list.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

/// An item meant as a range: it has `..` and is not a quoted string, array or table.
fn looks_like_range(item: &str) -> bool {
    item.contains("..") && !item.starts_with(['"', '\'', '[', '{'])
}

/// The values of the range `a..b:step`, or what is wrong and the fix.
fn range(item: &str) -> Result<Vec<String>, (String, String)> {
    let example = "write a..b:step, such as 1.5..3:0.5 (from 1.5 to 3 in steps of 0.5, 3 included)";
    let Some((bounds, step)) = item.rsplit_once(':') else {
        return Err((format!("range `{item}` has no step"), example.to_owned()));
    };
    let Some((a, b)) = bounds.split_once("..") else { unreachable!("looks_like_range saw `..` before any `:`") };
    let number =
        |text: &str, what: &str| {
            text.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                (format!("range `{item}`: {what} `{}` is not a number", text.trim()), example.to_owned())
            })
        };
    let (first, last, step_size) = (number(a, "start")?, number(b, "end")?, number(step, "step")?);
    if step_size <= 0.0 {
        return Err((format!("range `{item}`: the step must be more than 0"), example.to_owned()));
    }
    if last < first {
        return Err((
            format!("range `{item}` ends before it starts"),
            format!("write the smaller value first: {}..{}:{}", b.trim(), a.trim(), step.trim()),
        ));
    }
    let steps = (last - first) / step_size;
    if steps > MAX_VALUES as f64 {
        return Err((format!("range `{item}` gives more than {MAX_VALUES} values"), "use a larger step".to_owned()));
    }
    let whole = steps.round();
    if (steps - whole).abs() > 1e-9 * whole.max(1.0) {
        let below = first + steps.floor() * step_size;
        return Err((
            format!("range `{item}`: {} is not a whole number of steps from {}", b.trim(), a.trim()),
            format!("end the range on a step, such as {}..{}:{}", a.trim(), tidy(below), step.trim()),
        ));
    }
    let integers = [a, b, step].iter().all(|t| t.trim().parse::<i64>().is_ok());
    Ok((0..=whole as u64)
        .map(|i| {
            let x = first + i as f64 * step_size;
            if integers { format!("{}", x.round() as i64) } else { tidy(x) }
        })
        .collect())
}

/// A float as a TOML literal: at most ten decimals, trailing zeros dropped, at least one decimal
/// (`2.0`, `0.03`), so float drift (`0.30000000000000004`) never shows.
pub fn tidy(x: f64) -> String {
    let text = format!("{x:.10}");
    let trimmed = text.trim_end_matches('0');
    let text = if trimmed.ends_with('.') { format!("{trimmed}0") } else { trimmed.to_owned() };
    if text == "-0.0" { "0.0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(spec: &str) -> Vec<String> {
        Vary::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}")).values
    }

    fn error(spec: &str) -> String {
        Vary::parse(spec).expect_err(spec).to_string()
    }

    #[test]
    fn lists_keep_their_order_and_repeats() {
        let v = Vary::parse("pacing.mode = ratio, progressive").expect("valid");
        assert_eq!(v.key, "pacing.mode");
        assert_eq!(v.values, ["ratio", "progressive"]);
        assert_eq!(values("pacing.ratio=1.5,2,2.5"), ["1.5", "2", "2.5"]);
        assert_eq!(values("pacing.ratio=2,2"), ["2", "2"]);
        assert_eq!(
            values(r#"agents.wrap={ dist = "exp", mean = "3s" },"x,y""#),
            [r#"{ dist = "exp", mean = "3s" }"#, r#""x,y""#]
        );
    }

    #[test]
    fn ranges_include_the_end_and_do_not_drift() {
        assert_eq!(values("pacing.target_abandon=0.01..0.05:0.01"), ["0.01", "0.02", "0.03", "0.04", "0.05"]);
        assert_eq!(values("pacing.ratio=1.5..3:0.5"), ["1.5", "2.0", "2.5", "3.0"]);
        assert_eq!(values("agents.count=10..50:20"), ["10", "30", "50"]);
        assert_eq!(values("x=0.1..0.7:0.1").len(), 7, "0.7 is reached despite 0.1 not being exact");
        assert_eq!(values("x=0.1..0.7:0.1")[2], "0.3", "no 0.30000000000000004");
        assert_eq!(values("x=-1..1:1"), ["-1", "0", "1"]);
        assert_eq!(values("x=2..2:0.5"), ["2.0"], "a one-value range");
        assert_eq!(values("pacing.ratio=1,1.5..2:0.25,3"), ["1", "1.5", "1.75", "2.0", "3"], "ranges mix with values");
    }

    #[test]
    fn bad_specs_say_what_and_how_to_fix() {
        for (spec, says) in [
            ("pacing.ratio", "has no `=`"),
            ("=1,2", "not a dotted key"),
            ("pacing..ratio=1", "not a dotted key"),
            ("pacing.ratio=1,,2", "empty value"),
            ("pacing.ratio=1..3", "has no step"),
            ("pacing.ratio=1..3:0", "more than 0"),
            ("pacing.ratio=1..3:-1", "more than 0"),
            ("pacing.ratio=3..1:0.5", "ends before it starts"),
            ("pacing.ratio=1..2:0.3", "not a whole number of steps"),
            ("pacing.ratio=a..2:0.5", "start `a` is not a number"),
            ("pacing.ratio=0..1:0.00001", "more than 10000 values"),
        ] {
            let e = error(spec);
            assert!(e.contains(says), "{spec}: {e}");
            assert!(e.contains(&format!("--vary {spec}")), "names the argument: {e}");
            assert!(e.ends_with(')') && e.contains("(fix: "), "ends with the fix: {e}");
        }
        assert!(error("x=1..2:0.3").contains("such as 1..1.9:0.3"), "{}", error("x=1..2:0.3"));
    }

    #[test]
    fn tidy_writes_toml_floats() {
        assert_eq!(tidy(2.0), "2.0");
        assert_eq!(tidy(0.1 + 0.2), "0.3");
        assert_eq!(tidy(-0.0), "0.0");
        assert_eq!(tidy(1e-12), "0.0");
        assert_eq!(tidy(1234.5), "1234.5");
    }
}
