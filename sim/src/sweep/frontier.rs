//! The sweep as a frontier figure: one series per pacing mode (and per value of any other varied
//! key but the last), its points joined in order of the last varied key's value.

use super::{PointResult, Sweep};
use reports::plot::{Estimate, Frontier, FrontierPoint, FrontierSeries};

/// The key that picks the series rather than the order of points.
const MODE_KEY: &str = "pacing.mode";

impl Sweep {
    /// The key whose values order the points of a series: the last varied key that is not
    /// `pacing.mode`; `None` if only the mode is varied.
    pub fn order_key(&self) -> Option<usize> {
        self.keys.iter().rposition(|k| k != MODE_KEY)
    }

    /// The frontier figure of the sweep.
    pub fn frontier(&self) -> Frontier {
        let order = self.order_key();
        let mut series: Vec<(String, Vec<&PointResult>)> = Vec::new();
        for p in &self.points {
            let mut name = p.scenario.pacing.mode.name().to_owned();
            for (i, (key, value)) in self.keys.iter().zip(&p.values).enumerate() {
                if Some(i) != order && key != MODE_KEY {
                    name.push_str(&format!(", {key}={value}"));
                }
            }
            match series.iter_mut().find(|(n, _)| *n == name) {
                Some((_, points)) => points.push(p),
                None => series.push((name, vec![p])),
            }
        }
        let series = series
            .into_iter()
            .map(|(name, mut points)| {
                if let Some(k) = order {
                    let numbers: Option<Vec<f64>> = points.iter().map(|p| p.values[k].parse::<f64>().ok()).collect();
                    if numbers.is_some() {
                        // A stable sort: repeated values keep their order.
                        points.sort_by(|a, b| {
                            let (x, y) = (a.values[k].parse::<f64>(), b.values[k].parse::<f64>());
                            x.unwrap_or(0.0).total_cmp(&y.unwrap_or(0.0))
                        });
                    }
                }
                let points = points
                    .into_iter()
                    .map(|p| {
                        let estimate = |key: &str| Estimate { mean: p.mean(key), ci95: p.ci95(key).unwrap_or(0.0) };
                        FrontierPoint {
                            label: order.map(|k| p.values[k].clone()).unwrap_or_default(),
                            abandon: estimate(p.abandon_key()),
                            talk_minutes: estimate("agents.talk_minutes_per_hour"),
                            occupancy: estimate("agents.occupancy"),
                        }
                    })
                    .collect();
                FrontierSeries { name, points }
            })
            .collect();
        let first = self.points.first();
        let replications = first.map_or(0, |p| p.runs.len());
        let ofcom = first.is_some_and(|p| p.abandon_key().ends_with("ofcom"));
        let mut caption = vec![if replications > 1 {
            format!(
                "Each point: the mean of {replications} replications, with the same seeds at every point; whiskers: 95% confidence intervals."
            )
        } else {
            "Each point: one replication, with the same seed at every point (no confidence intervals: use --replications 2 or more).".to_owned()
        }];
        caption.push(match order {
            Some(k) => format!("Points are joined in order of {} and labelled with its value.", self.keys[k]),
            None => "One point per pacing mode.".to_owned(),
        });
        Frontier {
            title: format!("{}: pacing frontier", self.name()),
            caption,
            abandon_label: if ofcom {
                "abandon rate, Ofcom (% of live answers)".to_owned()
            } else {
                "abandon rate, FCC (% of live answers)".to_owned()
            },
            cap: reports::ABANDON_CAP,
            series,
        }
    }
}
