//! Where a run to a stated precision stopped, and why: what a reader
//! needs to trust "P(hit) to within half a point".

use serde::Serialize;

use super::TargetReport;
use crate::engine::precision::{CHECK_BLOCKS, Rule, Stopping};
use crate::rng::BLOCK_PATHS;
use crate::stats::Z95;

#[derive(Clone, Debug, Serialize)]
pub struct StoppingReport {
    /// "precision" when every rule held, "max_paths" when the bound came
    /// first.
    pub reason: &'static str,
    pub paths: u64,
    pub max_paths: u64,
    /// The rules are looked at every this many paths (and after 1,024,
    /// 2,048 and 4,096, and at the last).
    pub checked_every_paths: u64,
    pub rules: Vec<RuleReport>,
}

/// One rule: the half-width asked, and the widest the targets reached.
#[derive(Clone, Debug, Serialize)]
pub struct RuleReport {
    /// "probability": the half-width of P(hit)'s 95% Wilson interval;
    /// "mean": the half-width of the mean's 95% interval over the mean.
    pub measure: &'static str,
    pub asked: f64,
    pub achieved: f64,
    /// The target with the widest interval.
    pub widest_target: String,
}

impl StoppingReport {
    /// From the stopping point and the report's own targets: the achieved
    /// half-widths are read from the intervals the report shows.
    pub fn new(stopping: &Stopping, targets: &[TargetReport]) -> Self {
        let rules = stopping
            .precision
            .rules
            .iter()
            .map(|rule| {
                let (achieved, widest) = targets
                    .iter()
                    .map(|t| (achieved(rule, t), t.id.as_str()))
                    .fold(
                        (0.0, ""),
                        |w, x| if x.0 > w.0 || w.1.is_empty() { x } else { w },
                    );
                RuleReport {
                    measure: rule.name(),
                    asked: rule.asked(),
                    achieved,
                    widest_target: widest.to_string(),
                }
            })
            .collect();
        StoppingReport {
            reason: stopping.reason.as_str(),
            paths: stopping.paths,
            max_paths: stopping.precision.max_paths,
            checked_every_paths: CHECK_BLOCKS * BLOCK_PATHS as u64,
            rules,
        }
    }
}

/// The half-width a target reached for a rule, from its report.
pub fn achieved(rule: &Rule, t: &TargetReport) -> f64 {
    match rule {
        Rule::Probability(_) => (t.probability_ci95[1] - t.probability_ci95[0]) / 2.0,
        Rule::Mean(_) => {
            let half = Z95 * t.mean_std_error;
            if half == 0.0 {
                0.0
            } else {
                half / t.mean.abs()
            }
        }
    }
}
