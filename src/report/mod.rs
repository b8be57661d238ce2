//! What a run tells: the report, built once from a run's result and
//! rendered as a terminal table, JSON, CSV or an HTML page.
//!
//! The JSON keys listed in the README are a contract that scripts rely on;
//! new keys may be added, none renamed or removed.

mod build;
pub mod csv;
mod date;
mod finite;
pub mod html;
pub mod json;
pub mod money;
pub mod stopping;
pub mod terminal;

pub use build::build;
pub use date::utc_now;

use serde::Serialize;

use crate::model::Kind;
use crate::stats::QuantileMethod;

/// The probabilities reported as `p1`..`p99`.
pub const QUANTILES: [(&str, f64); 9] = [
    ("p1", 0.01),
    ("p5", 0.05),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
];

pub use finite::first_non_finite;

/// A statistic that is not a finite number, by its place in the JSON
/// report: the run's sums overflowed, and there is nothing to show.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} is not a finite number: the scenario's values are too large for the sums of a run \
     (the README's Limits says how large they may be); nothing was written"
)]
pub struct NonFinite(pub String);

/// Fails when any number in `value` (a report, a sweep's results) is NaN
/// or infinite, so that none is ever printed as `NaN`, `inf` or `null`.
pub fn ensure_finite<T: Serialize + ?Sized>(value: &T) -> Result<(), NonFinite> {
    match first_non_finite(value) {
        Some(path) => Err(NonFinite(path)),
        None => Ok(()),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub source: String,
    /// SHA-256 of the validated scenario, `--set` applied, in its
    /// canonical form ([`crate::scenario::Scenario::canonical_text`]):
    /// equal for equal models whatever the file's layout.
    pub scenario_hash: String,
    /// The `--set PATH=VALUE` assignments applied, in order.
    pub overrides: Vec<String>,
    pub paths: u64,
    pub seed: u64,
    pub horizon_months: u32,
    /// How quantiles were computed: "exact" or "sketch" (0.1% relative error).
    pub quantile_method: QuantileMethod,
    pub targets: Vec<TargetReport>,
    pub streams: Vec<StreamReport>,
    /// The client with the largest share of all revenue.
    pub largest_client: Option<Share>,
    pub threads: usize,
    /// The version of revsim that ran it.
    pub engine_version: String,
    /// When the report was built, UTC, RFC 3339 to the second.
    pub date: String,
    pub elapsed_seconds: f64,
    pub paths_per_second: f64,
    /// Where and why a run to a precision (`--precision`) stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopping: Option<stopping::StoppingReport>,
}

impl Report {
    /// "Base case", or "Base case, with 2 overrides" when `--set` changed it.
    pub fn title(&self) -> String {
        match self.overrides.len() {
            0 => self.scenario.clone(),
            1 => format!("{}, with 1 override", self.scenario),
            n => format!("{}, with {n} overrides", self.scenario),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    pub id: String,
    pub name: String,
    pub amount: f64,
    pub segments: Vec<String>,
    /// The months measured, 1-based, both included.
    pub months: [u32; 2],
    /// How they are measured: "total", "run_rate" or "monthly_average".
    pub measure: crate::scenario::Measure,
    /// The two above in words: "total over the horizon", "run-rate at
    /// month 24"...
    pub measured: String,
    /// P(measured revenue >= amount).
    pub probability: f64,
    /// Wilson score interval at 95%.
    pub probability_ci95: [f64; 2],
    /// E[max(0, amount - revenue)].
    pub expected_shortfall: f64,
    pub mean: f64,
    /// Sample standard deviation (divides by n-1).
    pub sd: f64,
    /// Monte Carlo standard error of the mean.
    pub mean_std_error: f64,
    pub quantiles: QuantileRow,
    pub monthly: Vec<MonthReport>,
    /// The client with the largest share of this target's revenue.
    pub largest_client: Option<Share>,
    pub histogram: Vec<Bin>,
    /// Each of the target's streams' share of the variance of its revenue
    /// (Euler allocation), in scenario order.
    pub contributions: Vec<Contribution>,
    /// How the paths that miss the amount differ from all paths.
    pub miss_drivers: MissDrivers,
}

/// One stream's part in the variance of a target's horizon revenue R.
#[derive(Clone, Debug, Serialize)]
pub struct Contribution {
    /// `kind.id`.
    pub stream: String,
    /// Standard deviation of the stream's horizon revenue.
    pub sd: f64,
    /// Cov(R_s, R) / Var(R); the shares sum to 1. Null when R does not vary.
    pub share_of_variance: Option<f64>,
}

/// The paths with R < amount, against all paths.
#[derive(Clone, Debug, Serialize)]
pub struct MissDrivers {
    /// How many paths miss.
    pub paths: u64,
    /// `E[R | miss]`; null when no path misses.
    pub mean_given_miss: Option<f64>,
    /// Per stream of the target; empty when no path misses.
    pub streams: Vec<MissDriver>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MissDriver {
    /// `kind.id`.
    pub stream: String,
    /// `E[R_s | miss]`.
    pub mean_given_miss: f64,
    /// `E[R_s | miss] - E[R_s]`; the shifts sum to `E[R | miss] - E[R]`.
    pub shift: f64,
    /// Clients only: P(churned by the end of the target's window | miss);
    /// the window is the horizon unless the target gives `months`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_probability_given_miss: Option<f64>,
    /// Clients only: P(churned by the end of the target's window), over
    /// every path: what the probability given a miss compares with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_probability: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuantileRow {
    pub p1: f64,
    pub p5: f64,
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthReport {
    pub month: u32,
    pub mean: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StreamReport {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub segment: String,
    /// Mean horizon revenue.
    pub mean: f64,
    /// Its mean over the sum of all streams' means.
    pub share: f64,
    /// Clients only: the fraction of paths that churned within the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_probability_ci95: Option<[f64; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Share {
    pub id: String,
    pub name: String,
    pub share: f64,
}

/// One bar of the histogram of horizon revenue: the fraction of paths in
/// `[lo, hi)`.
#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub fraction: f64,
}
