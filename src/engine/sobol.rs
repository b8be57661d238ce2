//! The runs behind variance by source (grouped Sobol indices), by
//! pick-freeze.
//!
//! A source is one stream's randomness as a whole, or one purpose inside
//! a stream (its churn apart from its growth noise), or one common factor
//! (whose draws every stream linked to it shares: re-keying a stream
//! leaves them alone). Run A draws
//! everything from the seed; run B from a second seed; run AB_s is A with
//! source s alone re-keyed to the second seed, so that on every path its
//! draws are B's and every other source's are A's. All `sources + 2` runs
//! go block by block side by side (one job is one block of every run), so
//! paths are paired inside the same block. Per block and target, for f the
//! horizon revenue and for f the hit indicator 1{R ≥ amount}, it keeps the
//! moments of f over A and B together, and per source the co-moment of
//! f(B) with f(AB_s) − f(A) (Saltelli 2010's first-order estimator,
//! centred: its mean f(B)·(f(AB_s) − f(A)) has a far larger variance when
//! f's mean is large against its sd, as revenue's is) and the moments of
//! (f(A) − f(AB_s))² (Jansen, total). Blocks are handed back in block
//! order, each kept apart for a bootstrap over blocks.

use super::block::Plan;
use super::{EngineError, Observer, RunOptions, ordered};
use crate::rng::{self, BLOCK_PATHS};
use crate::scenario::Scenario;
use crate::stats::{CoMoments, Moments};

/// The second seed of a pick-freeze run: the seed mixed with a fixed key.
pub fn second_seed(seed: u64) -> u64 {
    seed ^ rng::key("sobol.second_seed")
}

/// One block's moments for one target and one function f (revenue or
/// hit).
#[derive(Clone, Debug, Default)]
pub struct BlockMoments {
    /// f over the paths of A and of B.
    pub f: Moments,
    /// Per source: co-moments of f(AB_s) − f(A) (the total) and f(B) (the
    /// part); their covariance estimates Var(E[f | source s]).
    pub first: Vec<CoMoments>,
    /// Per source: (f(A) − f(AB_s))².
    pub total: Vec<Moments>,
}

/// One block: per target, `[revenue, hit]`.
pub type SobolBlock = Vec<[BlockMoments; 2]>;

/// A source: stream `stream` (its index in the scenario) as a whole, or
/// one of its purposes; or the factor `factor` (its index in the
/// scenario's factors).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    Stream {
        stream: usize,
        purpose: Option<&'static str>,
    },
    Factor {
        factor: usize,
    },
}

/// Runs A, B and AB_s for every source of `sources` with the paths and
/// seed of `options`, and returns each block's moments in block order.
pub fn run_sobol(
    scenario: &Scenario,
    sources: &[SourceSpec],
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<Vec<SobolBlock>, EngineError> {
    if options.paths < super::MIN_PATHS {
        return Err(EngineError::NoPaths);
    }
    let second = second_seed(options.seed);
    let k = scenario.streams.len();
    let all_second = (0..k).fold(
        Plan::totals_only(scenario, options).with_factor_seed(None, second),
        |p, s| p.with_stream_seed(s, second),
    );
    let mut plans = vec![Plan::totals_only(scenario, options), all_second];
    plans.extend(sources.iter().map(|source| {
        let plan = Plan::totals_only(scenario, options);
        match *source {
            SourceSpec::Stream {
                stream,
                purpose: None,
            } => plan.with_stream_seed(stream, second),
            SourceSpec::Stream {
                stream,
                purpose: Some(purpose),
            } => plan.with_purpose_seed(stream, purpose, second),
            SourceSpec::Factor { factor } => {
                let key = crate::model::factor_key(&scenario.factors[factor].id);
                plan.with_factor_seed(Some(key), second)
            }
        }
    }));
    let amounts: Vec<f64> = scenario.targets.iter().map(|t| t.amount).collect();
    let blocks = options.paths.div_ceil(BLOCK_PATHS as u64);
    let runs = plans.len() as u64;
    let mut out: Vec<SobolBlock> = Vec::with_capacity(blocks as usize);
    let mut done = 0;
    let complete = ordered::in_order(
        pool,
        blocks,
        options.paths.saturating_mul(runs),
        observer,
        |b| {
            // totals[run][target]: the target's revenue on every path.
            let totals: Vec<Vec<Vec<f64>>> = plans
                .iter()
                .map(|plan| {
                    let mut kept = vec![Vec::new(); amounts.len()];
                    // Stops are heard between blocks here: every run of a
                    // block is needed to pair its paths.
                    let _ =
                        plan.run_block_seeing(b, &|| false, |t, totals| kept[t] = totals.to_vec());
                    kept
                })
                .collect();
            let paths = totals[0].first().map_or(0, Vec::len) as u64;
            let block: SobolBlock = amounts
                .iter()
                .enumerate()
                .map(|(t, &amount)| {
                    let hit = |v: &[f64]| -> Vec<f64> {
                        v.iter()
                            .map(|&r| f64::from(u8::from(r >= amount)))
                            .collect()
                    };
                    let revenue: Vec<Vec<f64>> = totals.iter().map(|run| run[t].clone()).collect();
                    let hits: Vec<Vec<f64>> = revenue.iter().map(|v| hit(v)).collect();
                    [moments(&revenue), moments(&hits)]
                })
                .collect();
            (paths, block)
        },
        |_, (paths, block)| {
            out.push(block);
            done += paths;
            done * runs
        },
    );
    if !complete {
        return Err(EngineError::Interrupted {
            done: done * runs,
            total: options.paths.saturating_mul(runs),
        });
    }
    Ok(out)
}

/// The block's moments of one f, given f on every path of every run
/// (`f[0]` = A, `f[1]` = B, `f[2 + s]` = AB_s).
fn moments(f: &[Vec<f64>]) -> BlockMoments {
    let (a, b) = (&f[0], &f[1]);
    let mut both = Moments::from_slice(a);
    both.merge(&Moments::from_slice(b));
    let mut first = Vec::with_capacity(f.len() - 2);
    let mut total = Vec::with_capacity(f.len() - 2);
    for ab in &f[2..] {
        let d: Vec<f64> = ab.iter().zip(a).map(|(fab, fa)| fab - fa).collect();
        let z: Vec<f64> = a
            .iter()
            .zip(ab)
            .map(|(fa, fab)| (fa - fab) * (fa - fab))
            .collect();
        first.push(CoMoments::from_slices(&d, &[b]));
        total.push(Moments::from_slice(&z));
    }
    BlockMoments {
        f: both,
        first,
        total,
    }
}
