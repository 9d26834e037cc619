//! `metrics.json` over replications: the mean of every figure, its 95 % confidence half-width, and
//! each run's own figures (DESIGN.md, "Output of a run").
//!
//! Works on JSON trees rather than on [`Metrics`] fields, so a figure added to [`Metrics`] is
//! summarised without a change here.

use crate::{Metrics, student_t_975};
use serde_json::{Map, Value};

/// The `metrics.json` object of a set of replications of one scenario.
///
/// One run: its metrics object as is. Several: the same nested object with every number replaced
/// by its mean over the runs, then `"ci95"`, the same shape holding the 95 % half-widths
/// t₀.₉₇₅,ₙ₋₁ · s / √n (s the sample standard deviation), then `"runs"`, each run's own object.
/// No runs: `null`. A leaf that is not a number in every run keeps the first run's value in the
/// means and is `null` in `ci95`.
pub fn summarize(runs: &[Metrics]) -> Value {
    let mut objects: Vec<Value> = runs
        .iter()
        // Metrics are plain numbers in objects with string keys, which always serialise.
        .map(|m| serde_json::to_value(m).expect("Metrics serialise to JSON"))
        .collect();
    if objects.len() <= 1 {
        return objects.pop().unwrap_or(Value::Null);
    }
    let all: Vec<&Value> = objects.iter().collect();
    let Value::Object(mut summary) = combine(&all, Stat::Mean) else { unreachable!("Metrics serialise to an object") };
    summary.insert("ci95".to_owned(), combine(&all, Stat::HalfWidth95));
    summary.insert("runs".to_owned(), Value::Array(objects));
    Value::Object(summary)
}

/// The number at a dotted path of a metrics object, e.g. `outbound.abandon_rate`,
/// `ci95.agents.occupancy` or `runs.0.lines.peak`: how `[expect]` bounds and scripts name a figure.
/// `None` if the path leads nowhere or not to a number.
pub fn metric_value(v: &Value, dotted_key: &str) -> Option<f64> {
    dotted_key
        .split('.')
        .try_fold(v, |node, key| match node {
            Value::Object(map) => map.get(key),
            Value::Array(items) => items.get(key.parse::<usize>().ok()?),
            _ => None,
        })?
        .as_f64()
}

/// What a leaf of the summary holds.
#[derive(Clone, Copy)]
enum Stat {
    Mean,
    HalfWidth95,
}

/// The tree of `stat` over trees of the same shape (at least one).
fn combine(trees: &[&Value], stat: Stat) -> Value {
    match trees[0] {
        Value::Object(first) => {
            let mut out = Map::new();
            for key in first.keys() {
                let children: Option<Vec<&Value>> = trees.iter().map(|t| t.get(key)).collect();
                let value = match children {
                    Some(children) => combine(&children, stat),
                    None => other_leaf(&first[key], stat),
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        }
        Value::Array(first) => {
            let children: Option<Vec<&Vec<Value>>> =
                trees.iter().map(|t| t.as_array().filter(|a| a.len() == first.len())).collect();
            match children {
                Some(arrays) => Value::Array(
                    (0..first.len())
                        .map(|i| combine(&arrays.iter().map(|a| &a[i]).collect::<Vec<_>>(), stat))
                        .collect(),
                ),
                None => other_leaf(trees[0], stat),
            }
        }
        first => match trees.iter().map(|t| t.as_f64()).collect::<Option<Vec<f64>>>() {
            Some(xs) => Value::from(match stat {
                Stat::Mean => mean(&xs),
                Stat::HalfWidth95 => half_width_95(&xs),
            }),
            None => other_leaf(first, stat),
        },
    }
}

/// A leaf that is not a number in every tree.
fn other_leaf(first: &Value, stat: Stat) -> Value {
    match stat {
        Stat::Mean => first.clone(),
        Stat::HalfWidth95 => Value::Null,
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// t₀.₉₇₅,ₙ₋₁ · s / √n.
fn half_width_95(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let m = mean(xs);
    let variance = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    student_t_975(xs.len() as u64 - 1) * (variance / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::assert_close;

    fn run(abandon_rate: f64, dials: u64, peak: u64) -> Metrics {
        let mut m = Metrics::default();
        m.outbound.abandon_rate = abandon_rate;
        m.outbound.dials = dials;
        m.lines.peak = peak;
        m.agents.occupancy = 0.9;
        m
    }

    #[test]
    fn one_run_is_its_own_metrics() {
        let m = run(0.03, 100, 7);
        let v = summarize(std::slice::from_ref(&m));
        assert_eq!(v, serde_json::to_value(&m).expect("serialises"));
        assert!(v.get("ci95").is_none() && v.get("runs").is_none());
        assert_eq!(summarize(&[]), Value::Null);
    }

    #[test]
    fn several_runs_give_means_half_widths_and_the_runs() {
        let runs = [run(0.01, 10, 5), run(0.02, 20, 5), run(0.06, 60, 5)];
        let v = summarize(&runs);
        // Mean 0.03; s² = (0.0004 + 0.0001 + 0.0009) / 2 = 0.0007; t(2) = 4.302652730.
        let half_width = 4.302_652_730 * (0.0007f64 / 3.0).sqrt();
        assert_close(metric_value(&v, "outbound.abandon_rate").expect("mean"), 0.03);
        assert_close(metric_value(&v, "ci95.outbound.abandon_rate").expect("ci"), half_width);
        assert_close(metric_value(&v, "outbound.dials").expect("mean"), 30.0);
        assert_close(metric_value(&v, "ci95.outbound.dials").expect("ci"), half_width * 1000.0);
        assert_eq!(metric_value(&v, "lines.peak"), Some(5.0));
        assert_eq!(metric_value(&v, "ci95.lines.peak"), Some(0.0), "no spread");
        assert_close(metric_value(&v, "ci95.agents.occupancy").expect("ci"), 0.0);
        assert_eq!(metric_value(&v, "ci95.outbound.wait_to_agent_ms.p99"), Some(0.0), "nested");
        assert_eq!(metric_value(&v, "runs.2.outbound.dials"), Some(60.0));
        assert_eq!(v["runs"].as_array().map(Vec::len), Some(3));
        let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["outbound", "inbound", "agents", "lines", "compliance", "perf", "ci95", "runs"]);
        let ci_keys: Vec<&String> = v["ci95"]["outbound"].as_object().expect("object").keys().collect();
        let mean_keys: Vec<&String> = v["outbound"].as_object().expect("object").keys().collect();
        assert_eq!(ci_keys, mean_keys);
    }

    #[test]
    fn leaves_that_are_not_numbers_keep_the_first_value() {
        let a = serde_json::json!({"name": "a", "x": 1, "xs": [1, 2], "y": "n/a"});
        let b = serde_json::json!({"name": "b", "x": 3, "xs": [3, 4], "y": 2});
        assert_eq!(
            combine(&[&a, &b], Stat::Mean),
            serde_json::json!({"name": "a", "x": 2.0, "xs": [2.0, 3.0], "y": "n/a"})
        );
        let ci = combine(&[&a, &b], Stat::HalfWidth95);
        assert_eq!((ci["name"].clone(), ci["y"].clone()), (Value::Null, Value::Null));
        // s = √2 over n = 2 runs: the half-width is t(1) · √2 / √2.
        assert_close(ci["x"].as_f64().expect("number"), 12.706_204_736);
    }

    #[test]
    fn metric_value_follows_dotted_paths() {
        let v = serde_json::json!({"outbound": {"abandon_rate": 0.02, "label": "x"}, "runs": [{"a": 1}]});
        assert_eq!(metric_value(&v, "outbound.abandon_rate"), Some(0.02));
        assert_eq!(metric_value(&v, "runs.0.a"), Some(1.0));
        assert_eq!(metric_value(&v, "runs.1.a"), None);
        assert_eq!(metric_value(&v, "outbound.label"), None);
        assert_eq!(metric_value(&v, "outbound"), None);
        assert_eq!(metric_value(&v, "inbound.p_wait"), None);
    }
}
