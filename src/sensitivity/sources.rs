//! Variance by source: grouped Sobol indices of each target's revenue and
//! of its hit indicator, one source per stream (or per purpose inside a
//! stream: `client.tiktok_bytedance.churn`) and one per common factor
//! (`factor.in_house_models`), by pick-freeze
//! ([`crate::engine::sobol`]), with 95% intervals from a bootstrap over
//! blocks.
//!
//! With f(A), f(B) and f(AB_s) on N paired paths and V the variance of f
//! over A and B together:
//!
//! - first order (Saltelli 2010, centred): S_s = Ĉov(f(B), f(AB_s) − f(A)) / V
//!   (the sample covariance, dividing by N − 1 as V does);
//! - total (Jansen 1999): ST_s = mean((f(A) − f(AB_s))²) / (2V).
//!
//! With independent streams revenue is additive, and S_s = ST_s =
//! Var(R_s) / Var(R). Estimates of a small index can fall below 0; the
//! interval says how far that is from 0.
//!
//! The interval: the blocks (1,024 paths each) are resampled with
//! replacement [`BOOTSTRAP_REPLICATES`] times, from a generator keyed by
//! the seed, each replicate's moments merged in the drawn order and its
//! indices recomputed; the 2.5% and 97.5% quantiles of the replicates are
//! the interval (percentile bootstrap). Paths inside a block are
//! independent, so resampling blocks is resampling independent groups.

use rand::RngExt;
use serde::Serialize;

use crate::engine::batch::thread_pool;
use crate::engine::sobol::{BlockMoments, SobolBlock, SourceSpec, run_sobol};
use crate::engine::{EngineError, Observer, RunOptions};
use crate::rng;
use crate::scenario::Scenario;
use crate::stats::{CoMoments, Moments, quantile_sorted};

/// Bootstrap replicates behind every interval.
pub const BOOTSTRAP_REPLICATES: usize = 1000;

/// A source's first-order and total index of one function, each with its
/// 95% interval `[lo, hi]`. Null (NaN) when the function does not vary.
#[derive(Clone, Debug, Serialize)]
pub struct Index {
    pub first_order: f64,
    pub first_order_ci95: [f64; 2],
    pub total: f64,
    pub total_ci95: [f64; 2],
}

/// What a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SourceBy {
    /// One stream's randomness as a whole.
    #[default]
    Stream,
    /// One purpose inside a stream: each random parameter, `growth_shocks`,
    /// `churn`, `arrivals`, `new_client_spend`.
    Purpose,
}

/// One source's indices for one target.
#[derive(Clone, Debug, Serialize)]
pub struct SourceIndices {
    /// `kind.id` of the stream, or `kind.id.purpose`.
    pub source: String,
    /// Of the target's horizon revenue R.
    pub revenue: Index,
    /// Of the hit indicator 1{R ≥ amount}.
    pub hit: Index,
}

/// The sources of `scenario`, in scenario order: the streams (or their
/// purposes), then the factors that some stream is linked to.
pub fn source_list(scenario: &Scenario, by: SourceBy) -> Vec<SourceSpec> {
    let streams = scenario
        .streams
        .iter()
        .enumerate()
        .flat_map(|(stream, s)| match by {
            SourceBy::Stream => vec![SourceSpec::Stream {
                stream,
                purpose: None,
            }],
            SourceBy::Purpose => s
                .model
                .purposes()
                .into_iter()
                .map(|p| SourceSpec::Stream {
                    stream,
                    purpose: Some(p),
                })
                .collect(),
        });
    let factors = (0..scenario.factors.len())
        .filter(|&f| !scenario.factor_users(&scenario.factors[f].id).is_empty())
        .map(|factor| SourceSpec::Factor { factor });
    streams.chain(factors).collect()
}

/// The streams a source moves.
fn source_streams(scenario: &Scenario, source: &SourceSpec) -> Vec<usize> {
    match *source {
        SourceSpec::Stream { stream, .. } => vec![stream],
        SourceSpec::Factor { factor } => scenario.factor_users(&scenario.factors[factor].id),
    }
}

/// Per target of `scenario`, the indices of the sources of the streams it
/// counts, in scenario order: `sources + 2` runs of the paths of
/// `options`.
pub fn sources(
    scenario: &Scenario,
    by: SourceBy,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<Vec<Vec<SourceIndices>>, EngineError> {
    let pool = thread_pool(options.threads)?;
    let list = source_list(scenario, by);
    let blocks = run_sobol(scenario, &list, options, &pool, observer)?;
    // The replicates: block indices drawn with replacement, from a
    // generator of the seed's own, never the thread RNG.
    let mut generator = rng::generator(options.seed, 0, rng::key("sobol.bootstrap"), 0);
    let replicates: Vec<Vec<usize>> = (0..BOOTSTRAP_REPLICATES)
        .map(|_| {
            (0..blocks.len())
                .map(|_| generator.random_range(0..blocks.len()))
                .collect()
        })
        .collect();
    let every: Vec<usize> = (0..blocks.len()).collect();
    Ok(scenario
        .targets
        .iter()
        .enumerate()
        .map(|(t, target)| {
            list.iter()
                .enumerate()
                .filter(|(_, source)| {
                    source_streams(scenario, source)
                        .iter()
                        .any(|&i| target.segments.contains(&scenario.streams[i].segment))
                })
                .map(|(s, source)| {
                    let index = |which: usize| {
                        let point = indices(&blocks, &every, t, which, s);
                        let draws: Vec<(f64, f64)> = replicates
                            .iter()
                            .map(|order| indices(&blocks, order, t, which, s))
                            .collect();
                        Index {
                            first_order: point.0,
                            first_order_ci95: interval(draws.iter().map(|d| d.0)),
                            total: point.1,
                            total_ci95: interval(draws.iter().map(|d| d.1)),
                        }
                    };
                    SourceIndices {
                        source: match *source {
                            SourceSpec::Stream {
                                stream,
                                purpose: None,
                            } => scenario.streams[stream].path(),
                            SourceSpec::Stream {
                                stream,
                                purpose: Some(purpose),
                            } => format!("{}.{purpose}", scenario.streams[stream].path()),
                            SourceSpec::Factor { factor } => {
                                format!("factor.{}", scenario.factors[factor].id)
                            }
                        },
                        revenue: index(0),
                        hit: index(1),
                    }
                })
                .collect()
        })
        .collect())
}

/// First-order and total index of source `s` for target `t` and function
/// `which` (0 revenue, 1 hit), from the blocks in `order` merged in that
/// order.
fn indices(blocks: &[SobolBlock], order: &[usize], t: usize, which: usize, s: usize) -> (f64, f64) {
    let mut f = Moments::default();
    let mut first = CoMoments::new(1);
    let mut total = Moments::default();
    for &b in order {
        let m: &BlockMoments = &blocks[b][t][which];
        f.merge(&m.f);
        first.merge(&m.first[s]);
        total.merge(&m.total[s]);
    }
    let v = f.variance();
    if v > 0.0 {
        (first.covariance(0) / v, total.mean() / (2.0 * v))
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// The 2.5% and 97.5% quantiles of the finite replicates.
fn interval(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    [quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975)]
}
