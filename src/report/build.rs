//! From a run's result to the [`Report`].

use super::{
    Bin, Contribution, MissDriver, MissDrivers, MonthReport, QuantileRow, Report, Share,
    StreamReport, TargetReport,
};
use crate::engine::{DriverAccumulator, RunResult};
use crate::model::Kind;
use crate::scenario::{Measure, Scenario};
use crate::stats::{Quantiles, Z95, wilson_interval};

/// Bars in the histogram of horizon revenue.
const HISTOGRAM_BINS: usize = 24;

/// The report of a run. `overrides` is left empty: the caller that applied
/// `--set` records them.
pub fn build(scenario: &Scenario, result: &RunResult) -> Report {
    let n = result.paths;
    let means: Vec<f64> = result
        .streams
        .iter()
        .map(|s| s.revenue / n as f64)
        .collect();
    // Sums and choices over streams go in a canonical order (by kind and
    // id), so that reordering the file's tables moves no result.
    let canonical = scenario.canonical_order();
    let all: f64 = canonical.iter().map(|&i| means[i]).sum();
    let share = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };

    let streams: Vec<StreamReport> = scenario
        .streams
        .iter()
        .zip(&result.streams)
        .zip(&means)
        .map(|((s, acc), &mean)| {
            let is_client = s.kind() == Kind::Client;
            StreamReport {
                id: s.id.clone(),
                name: s.name.clone(),
                kind: s.kind(),
                segment: s.segment.clone(),
                mean,
                share: share(mean, all),
                churn_probability: is_client.then(|| acc.churned as f64 / n as f64),
                churn_probability_ci95: is_client.then(|| {
                    let (lo, hi) = wilson_interval(acc.churned, n, Z95);
                    [lo, hi]
                }),
            }
        })
        .collect();

    // The largest client among the streams of some segments, by mean.
    let largest = |segments: &[String]| -> Option<Share> {
        let counted = || {
            canonical
                .iter()
                .map(|&i| &streams[i])
                .filter(|s| segments.contains(&s.segment))
        };
        let of: f64 = counted().map(|s| s.mean).sum();
        // The first of equals in canonical order.
        counted()
            .filter(|s| s.kind == Kind::Client)
            .reduce(|best, s| if s.mean > best.mean { s } else { best })
            .map(|s| Share {
                id: s.id.clone(),
                name: s.name.clone(),
                share: share(s.mean, of),
            })
    };

    let targets: Vec<TargetReport> = scenario
        .targets
        .iter()
        .zip(&result.targets)
        .map(|(t, r)| {
            let (lo, hi) = wilson_interval(r.hits, n, Z95);
            let q = |p: f64| r.totals.quantile(p);
            TargetReport {
                id: t.id.clone(),
                name: t.name.clone(),
                amount: t.amount,
                segments: t.segments.clone(),
                months: {
                    let (first, last) = t.window(scenario.horizon_months);
                    [first, last]
                },
                measure: t.measure,
                measured: t.describe(scenario.horizon_months),
                probability: r.hits as f64 / n as f64,
                probability_ci95: [lo, hi],
                expected_shortfall: r.shortfall_sum / n as f64,
                mean: r.moments.mean(),
                sd: r.moments.sd(),
                mean_std_error: r.moments.std_error(),
                quantiles: QuantileRow {
                    p1: q(0.01),
                    p5: q(0.05),
                    p10: q(0.10),
                    p25: q(0.25),
                    p50: q(0.50),
                    p75: q(0.75),
                    p90: q(0.90),
                    p95: q(0.95),
                    p99: q(0.99),
                },
                monthly: r
                    .monthly
                    .iter()
                    .enumerate()
                    .map(|(m, month)| MonthReport {
                        month: m as u32 + 1,
                        mean: month.moments.mean(),
                        p5: month.values.quantile(0.05),
                        p25: month.values.quantile(0.25),
                        p50: month.values.quantile(0.50),
                        p75: month.values.quantile(0.75),
                        p95: month.values.quantile(0.95),
                    })
                    .collect(),
                largest_client: match &r.drivers {
                    // A window's revenue is not the horizon's: shares of
                    // it come from the streams' windowed means.
                    Some(d) if t.months.is_some() || t.measure != Measure::Total => {
                        largest_in_window(scenario, d)
                    }
                    _ => largest(&t.segments),
                },
                histogram: histogram(&r.totals, t.amount),
                contributions: r
                    .drivers
                    .as_ref()
                    .map_or_else(Vec::new, |d| contributions(scenario, d)),
                miss_drivers: r.drivers.as_ref().map_or(
                    MissDrivers {
                        paths: n - r.hits,
                        mean_given_miss: None,
                        streams: Vec::new(),
                    },
                    |d| miss_drivers(scenario, d),
                ),
            }
        })
        .collect();

    let every_segment = scenario.segments();
    let seconds = result.elapsed.as_secs_f64();
    let stopping = result
        .stopping
        .as_ref()
        .map(|s| super::stopping::StoppingReport::new(s, &targets));
    Report {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        source: scenario.origin.clone(),
        scenario_hash: scenario.hash(),
        overrides: Vec::new(),
        paths: n,
        seed: result.seed,
        horizon_months: scenario.horizon_months,
        quantile_method: result.method,
        targets,
        largest_client: largest(&every_segment),
        streams,
        threads: result.threads,
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
        date: super::utc_now(),
        elapsed_seconds: seconds,
        paths_per_second: if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        },
        stopping,
    }
}

/// Each stream's sd and share of the variance of the target's revenue.
fn contributions(scenario: &Scenario, d: &DriverAccumulator) -> Vec<Contribution> {
    d.streams
        .iter()
        .enumerate()
        .map(|(k, &i)| Contribution {
            stream: scenario.streams[i].path(),
            sd: d.moments.sd(k),
            share_of_variance: d.moments.share_of_variance(k),
        })
        .collect()
}

/// The client with the largest share of a windowed target's mean, from
/// its streams' means measured over the same window (the first of
/// equals in the target's stream order).
fn largest_in_window(scenario: &Scenario, d: &DriverAccumulator) -> Option<Share> {
    let of: f64 = (0..d.streams.len()).map(|k| d.moments.mean(k)).sum();
    d.streams
        .iter()
        .enumerate()
        .filter(|&(_, &i)| scenario.streams[i].kind() == Kind::Client)
        .map(|(k, &i)| (d.moments.mean(k), &scenario.streams[i]))
        .reduce(|best, x| if x.0 > best.0 { x } else { best })
        .map(|(mean, s)| Share {
            id: s.id.clone(),
            name: s.name.clone(),
            share: if of > 0.0 { mean / of } else { 0.0 },
        })
}

/// Each stream's mean over the paths that miss, against its mean.
fn miss_drivers(scenario: &Scenario, d: &DriverAccumulator) -> MissDrivers {
    let streams = match d.miss.mean_total() {
        None => Vec::new(),
        Some(_) => d
            .streams
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let given = d.miss.mean(k).unwrap_or(f64::NAN);
                let stream = &scenario.streams[i];
                MissDriver {
                    stream: stream.path(),
                    mean_given_miss: given,
                    shift: given - d.moments.mean(k),
                    churn_probability_given_miss: (stream.kind() == Kind::Client)
                        .then(|| d.miss.flagged_fraction(k).unwrap_or(f64::NAN)),
                    churn_probability: (stream.kind() == Kind::Client && d.moments.count() > 0)
                        .then(|| d.churned[k] as f64 / d.moments.count() as f64),
                }
            })
            .collect(),
    };
    MissDrivers {
        paths: d.miss.count(),
        mean_given_miss: d.miss.mean_total(),
        streams,
    }
}

/// Equal-width bars from the 0.5% to the 99.5% quantile, widened to show
/// the target amount when it lies near; the tails fall in the end bars.
fn histogram(values: &Quantiles, amount: f64) -> Vec<Bin> {
    let mut lo = values.quantile(0.005);
    let mut hi = values.quantile(0.995);
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let spread = (hi - lo).max(hi.abs() * 1e-9).max(1e-9);
    if amount > lo - 0.5 * spread && amount < hi + 0.5 * spread {
        lo = lo.min(amount);
        hi = hi.max(amount);
    }
    let width = (hi - lo).max(1e-9) / HISTOGRAM_BINS as f64;
    // Bar i spans edges i and i + 1; the last edge is `hi` itself.
    let edges: Vec<f64> = (0..HISTOGRAM_BINS)
        .map(|i| lo + i as f64 * width)
        .chain([hi])
        .collect();
    // The CDF at every inner edge, in one pass over the values; everything
    // is below the last edge and nothing below the first, as the end bars
    // take the tails.
    let inner = &edges[1..HISTOGRAM_BINS];
    let below: Vec<f64> = [0.0]
        .into_iter()
        .chain(values.cdf_each(inner))
        .chain([1.0])
        .collect();
    edges
        .windows(2)
        .zip(below.windows(2))
        .map(|(edge, below)| Bin {
            lo: edge[0],
            hi: edge[1],
            fraction: (below[1] - below[0]).max(0.0),
        })
        .collect()
}
