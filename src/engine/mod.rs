//! Paths, blocks and threads.
//!
//! A run of `paths` paths is cut into blocks of [`BLOCK_PATHS`]; block `b`
//! draws only from generators seeded by `(seed, b, stream, purpose)`.
//! Workers take blocks in order and their accumulators are merged in block
//! order as soon as they can be (see [`accumulate`]), so that the result is
//! the same, bit for bit, whatever the thread count, and memory stays
//! bounded by a few blocks per thread plus what the quantile stores keep:
//! with the sketch, a constant whatever the number of paths.
//!
//! Inside a block (`block.rs`), every stream adds its revenue into a
//! month-by-path buffer of its segment, a chunk of paths at a time with its
//! draws batched (`crate::model`); each target then records whole months
//! and horizon totals at once: moments by two passes, values in bulk into
//! the quantile stores. Nothing is allocated per path. Outside sweeps, each
//! target also folds its streams' horizon revenue, path by path, into
//! co-moments and means over missed paths (see [`DriverAccumulator`]).

mod accumulator;
pub mod batch;
mod block;
pub mod memory;
mod ordered;
pub mod paired;
pub mod precision;
pub mod samples;
pub mod sobol;
mod tree;

use ordered::WINDOW_PER_THREAD;

pub use accumulator::{
    Accumulator, DriverAccumulator, MonthAccumulator, StreamAccumulator, TargetAccumulator,
};
pub use tree::{Node, Tree};

use std::ops::Range;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::rng::{self, BLOCK_PATHS};
use crate::scenario::Scenario;
use crate::stats::{Moments, QuantileMethod, Quantiles};
use precision::{Precision, Stopping, Watch};

/// The fewest paths a run takes: one path has no spread (its standard
/// deviation and standard error are undefined), and a report never shows
/// a number that is not one.
pub const MIN_PATHS: u64 = 2;

/// Above this many paths, quantiles come from the sketch rather than from
/// every path's value (8 bytes per path, per target, per month + 1).
pub const EXACT_QUANTILE_MAX_PATHS: u64 = 1_000_000;

/// The quantiles of monthly revenue the report shows (p5, p25, p50, p75,
/// p95: the fan chart's bands and median). With
/// exact quantiles they are found by selection rather than by sorting
/// every month's values (any other quantile is still exact, only slower).
pub const MONTHLY_QUANTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// The quantiles of horizon revenue that the report and sweeps show (p1
/// to p99, and the histogram's 0.5% and 99.5% edges). With exact
/// quantiles they are found by selection; any other is still exact.
pub const TOTAL_QUANTILES: [f64; 11] = [
    0.005, 0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.995,
];

/// How quantiles are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QuantileChoice {
    /// Exact up to [`EXACT_QUANTILE_MAX_PATHS`] paths, the sketch above.
    #[default]
    Auto,
    Exact,
    Sketch,
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub paths: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
    pub quantiles: QuantileChoice,
}

impl RunOptions {
    /// The scenario's own path count and seed, every core, automatic quantiles.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        RunOptions {
            paths: scenario.paths,
            seed: scenario.seed,
            threads: 0,
            quantiles: QuantileChoice::Auto,
        }
    }

    /// The options of a run to a precision of at most `max_paths`: its
    /// quantile method is chosen for `max_paths` (exact only if that many
    /// would be), since where it stops is not known until it does.
    pub fn for_precision(&self, max_paths: u64) -> RunOptions {
        let mut options = RunOptions {
            paths: max_paths,
            ..self.clone()
        };
        options.quantiles = match options.method() {
            QuantileMethod::Exact => QuantileChoice::Exact,
            QuantileMethod::Sketch => QuantileChoice::Sketch,
        };
        options
    }

    pub fn method(&self) -> QuantileMethod {
        match self.quantiles {
            QuantileChoice::Exact => QuantileMethod::Exact,
            QuantileChoice::Sketch => QuantileMethod::Sketch,
            QuantileChoice::Auto if self.paths <= EXACT_QUANTILE_MAX_PATHS => QuantileMethod::Exact,
            QuantileChoice::Auto => QuantileMethod::Sketch,
        }
    }
}

/// Told of progress after every merge, and asked before every block
/// whether to stop.
pub trait Observer: Sync {
    fn progress(&self, _done_paths: u64, _total_paths: u64) {}
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that watches nothing.
pub struct Silent;
impl Observer for Silent {}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("interrupted after {done} of {total} paths; nothing was written")]
    Interrupted { done: u64, total: u64 },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    #[error("the number of paths must be at least {MIN_PATHS}")]
    NoPaths,
}

/// The finished statistics of one target.
#[derive(Debug)]
pub struct TargetResult {
    pub amount: f64,
    pub hits: u64,
    pub moments: Moments,
    pub shortfall_sum: f64,
    pub totals: Quantiles,
    pub monthly: Vec<MonthResult>,
    /// Contributions to variance and the drivers of a miss; `None` in
    /// sweeps, which do not keep them.
    pub drivers: Option<DriverAccumulator>,
}

#[derive(Debug)]
pub struct MonthResult {
    pub moments: Moments,
    pub values: Quantiles,
}

#[derive(Debug)]
pub struct RunResult {
    pub paths: u64,
    pub seed: u64,
    pub threads: usize,
    pub method: QuantileMethod,
    pub targets: Vec<TargetResult>,
    pub streams: Vec<StreamAccumulator>,
    pub elapsed: Duration,
    /// Where and why a run to a precision stopped; `None` for a run of a
    /// fixed number of paths.
    pub stopping: Option<Stopping>,
}

/// The number of worker threads `requested` means on this machine.
pub fn resolve_threads(requested: usize) -> usize {
    if requested == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        requested
    }
}

/// Runs the scenario.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunResult, EngineError> {
    let started = Instant::now();
    let threads = resolve_threads(options.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Threads {
            threads,
            message: e.to_string(),
        })?;
    let total = accumulate(scenario, options, &pool, observer)?;
    let mut result = pool.install(|| finish(total, options, threads, Duration::ZERO));
    // The time of the whole run, quantiles included.
    result.elapsed = started.elapsed();
    Ok(result)
}

/// Runs the scenario until every rule of `precision` holds at a
/// checkpoint, or `precision.max_paths` are drawn (`options.paths` is not
/// used). The result is that of a run of the paths it stopped at, with
/// the same seed and quantile method, to the bit; `stopping` says where
/// and why.
pub fn run_to_precision(
    scenario: &Scenario,
    options: &RunOptions,
    precision: &Precision,
    observer: &dyn Observer,
) -> Result<RunResult, EngineError> {
    let pool = batch::thread_pool(options.threads)?;
    plan_to_precision(scenario, options, precision, &pool, observer, false)
}

/// Runs `scenario`'s blocks in order until `precision` holds at a
/// checkpoint or its `max_paths` are merged, then finishes them: a run
/// (with its monthly statistics and drivers), or a sweep's point
/// (`totals_only`, as [`batch::run_batch`] keeps them). `options.method()`
/// must be the method wanted whatever the paths (see
/// [`RunOptions::for_precision`]).
fn plan_to_precision(
    scenario: &Scenario,
    options: &RunOptions,
    precision: &Precision,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
    totals_only: bool,
) -> Result<RunResult, EngineError> {
    let started = Instant::now();
    let max_paths = precision.max_paths;
    if max_paths < MIN_PATHS {
        return Err(EngineError::NoPaths);
    }
    let bounded = RunOptions {
        paths: max_paths,
        ..options.clone()
    };
    let plan = if totals_only {
        block::Plan::totals_only(scenario, &bounded)
    } else {
        block::Plan::new(scenario, &bounded)
    };
    let blocks = block_count(max_paths);
    // Exact values grow as the paths come: the stopping count is unknown.
    let mut tree = Tree::new(plan.empty_accumulator(0));
    let mut done = 0;
    let watch = Watch::new(observer, max_paths, 1);
    ordered::in_order(
        pool,
        blocks,
        max_paths,
        &watch,
        |b| plan.run_block(b, &|| watch.should_stop()),
        |b, part| {
            if watch.met() {
                return done;
            }
            if let Some(part) = part {
                done += part.paths;
                tree.push_block(b, part);
                watch.look(precision, b + 1, blocks, done, std::iter::once(&tree));
            }
            done
        },
    );
    let reason = watch.verdict(done, max_paths)?;
    // The tree of blocks 0..N finishes as a fixed run of N blocks does.
    let fixed = RunOptions {
        paths: done,
        ..options.clone()
    };
    let threads = pool.current_num_threads();
    let mut result = pool.install(|| finish(tree.finish(), &fixed, threads, Duration::ZERO));
    result.stopping = Some(Stopping {
        precision: precision.clone(),
        reason,
        paths: done,
    });
    result.elapsed = started.elapsed();
    Ok(result)
}

/// Runs every block and merges them in order, without finishing the
/// statistics.
///
/// Blocks run on every worker and are merged in block order as soon as
/// they can be (see `ordered`), in the fixed shape of [`Tree`], so the
/// result is the same bits whatever the thread count, and no worker waits
/// at a barrier. The observer is told of progress after every merge, and
/// asked before every block whether to stop.
pub fn accumulate(
    scenario: &Scenario,
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<Accumulator, EngineError> {
    let blocks = block_count(options.paths);
    Ok(accumulate_blocks(scenario, options, pool, observer, 0..blocks)?.finish())
}

/// The number of blocks of a run of `paths` paths.
pub fn block_count(paths: u64) -> u64 {
    paths.div_ceil(BLOCK_PATHS as u64)
}

/// Runs blocks `blocks` of the run `options` describes (a shard of it, or
/// all of it) and folds them into a [`Tree`]: what a shard of a
/// distributed run hands back, to be appended to its neighbours' in
/// block order and finished once.
pub fn accumulate_blocks(
    scenario: &Scenario,
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
    blocks: Range<u64>,
) -> Result<Tree, EngineError> {
    if options.paths < MIN_PATHS {
        return Err(EngineError::NoPaths);
    }
    let plan = block::Plan::new(scenario, options);
    let blocks = blocks.start..blocks.end.min(block_count(options.paths));
    let want: u64 = blocks
        .clone()
        .map(|b| (options.paths - b * BLOCK_PATHS as u64).min(BLOCK_PATHS as u64))
        .sum();
    // Room for the values of these blocks only: a shard's share.
    let capacity = exact_capacity(options).min(usize::try_from(want).unwrap_or(usize::MAX));
    let mut tree = Tree::new(plan.empty_accumulator(capacity));
    let first = blocks.start;
    let mut done = 0;
    ordered::in_order(
        pool,
        blocks.end.saturating_sub(first),
        want,
        observer,
        |j| plan.run_block(first + j, &|| observer.should_stop()),
        |j, part| {
            // A block given up leaves the total short: the run is
            // interrupted, and nothing of it is reported.
            if let Some(part) = part {
                done += part.paths;
                tree.push_block(first + j, part);
            }
            done
        },
    );
    if done < want {
        return Err(EngineError::Interrupted { done, total: want });
    }
    Ok(tree)
}

/// An accumulator of no paths with the shape a run of `scenario` gives
/// (`totals_only`: a sweep's, without monthly statistics or drivers) and
/// room for every path's value when quantiles are exact: where a merge of
/// shards starts, and what their accumulators are checked against.
pub fn empty_accumulator(
    scenario: &Scenario,
    options: &RunOptions,
    totals_only: bool,
) -> Accumulator {
    let plan = if totals_only {
        block::Plan::totals_only(scenario, options)
    } else {
        block::Plan::new(scenario, options)
    };
    plan.empty_accumulator(exact_capacity(options))
}

/// Room for every path's value when quantiles are exact.
pub fn exact_capacity(options: &RunOptions) -> usize {
    match options.method() {
        QuantileMethod::Exact => usize::try_from(options.paths).unwrap_or(0),
        QuantileMethod::Sketch => 0,
    }
}

/// Finishes every statistic: the one place a run's report numbers come
/// from, whether its blocks ran here or in shards merged later. The
/// quantile stores, which may have to sort a value per path, finish in
/// parallel on the current rayon pool (each on its own, so the result does
/// not depend on the threads).
pub fn finish(
    total: Accumulator,
    options: &RunOptions,
    threads: usize,
    elapsed: Duration,
) -> RunResult {
    let targets: Vec<TargetResult> = total
        .targets
        .into_par_iter()
        .map(|t| TargetResult {
            amount: t.amount,
            hits: t.hits,
            moments: t.moments,
            shortfall_sum: t.shortfall,
            totals: t.totals.finish_for(&TOTAL_QUANTILES),
            monthly: t
                .monthly
                .into_par_iter()
                .map(|m| MonthResult {
                    moments: m.moments,
                    values: m.values.finish_for(&MONTHLY_QUANTILES),
                })
                .collect(),
            drivers: t.drivers,
        })
        .collect();
    RunResult {
        paths: total.paths,
        seed: options.seed,
        threads,
        method: options.method(),
        targets,
        streams: total.streams,
        elapsed,
        stopping: None,
    }
}

/// The generator key of a stream: its kind and id, never its position.
pub fn stream_key(kind: &str, id: &str) -> u64 {
    rng::key(&format!("{kind}.{id}"))
}
