//! Running a sweep: every point with the same seed and paths, in parallel
//! across points and paths, one row of statistics per point.

use std::ops::Range;
use std::time::{Duration, Instant};

use super::file::{Design, Level, Levels, Sweep};
use crate::engine::batch::{self, accumulate_jobs, thread_pool};
use crate::engine::precision::Precision;
use crate::engine::{EngineError, Observer, RunOptions, RunResult, Tree, block_count, finish};
use crate::rng::BLOCK_PATHS;
use crate::scenario::ScenarioError;
use crate::stats::{Z95, wilson_interval};

/// Points run per call of the batch engine: enough to keep every core busy,
/// few enough that their scenarios do not fill memory in a huge sweep.
const WINDOW: u64 = 256;

/// Why a sweep did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A point's values were refused by the scenario.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A finished sweep: what was run, and a row per point in point order.
#[derive(Clone, Debug)]
pub struct SweepResult {
    /// The sweep file.
    pub origin: String,
    /// The scenario's name.
    pub scenario: String,
    pub design: Design,
    /// Paths per point.
    pub paths: u64,
    pub seed: u64,
    /// The varied paths, in file order: the first columns of every row.
    pub parameters: Vec<String>,
    pub targets: Vec<TargetInfo>,
    /// `kind.id` of every stream, in scenario order.
    pub streams: Vec<String>,
    pub rows: Vec<Row>,
    /// For a grid, the number of values of each parameter, in column
    /// order (the first changing slowest); `None` for a latin hypercube.
    pub grid_shape: Option<Vec<usize>>,
    /// The `--set` assignments applied to the scenario before the sweep.
    pub overrides: Vec<String>,
    /// The hash of the base scenario, `--set` applied
    /// ([`crate::scenario::Scenario::hash`]).
    pub scenario_hash: String,
    pub threads: usize,
    pub elapsed: Duration,
    /// The precision every point was run to (`--precision`), each to its
    /// own path count; `None` when every point ran `paths`.
    pub precision: Option<Precision>,
}

#[derive(Clone, Debug)]
pub struct TargetInfo {
    pub id: String,
    pub name: String,
    /// The base scenario's amount (a sweep may vary it).
    pub amount: f64,
}

/// One point: its values, then per target and per stream what it gave.
#[derive(Clone, Debug)]
pub struct Row {
    pub values: Vec<Level>,
    /// The paths this point ran: the sweep's, or where its run to a
    /// precision stopped.
    pub paths: u64,
    pub targets: Vec<TargetRow>,
    /// Mean horizon revenue of each stream.
    pub streams: Vec<f64>,
}

/// A target's statistics at one point, over that point's paths.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetRow {
    pub hits: u64,
    /// P(horizon revenue >= amount).
    pub probability: f64,
    /// Wilson score interval at 95%.
    pub probability_ci95: [f64; 2],
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// E[max(0, amount - revenue)].
    pub expected_shortfall: f64,
}

/// Runs every point of `sweep` with the paths, seed and threads of
/// `options`.
///
/// Each point is the base scenario with its values set, run on the same
/// random numbers as every other point (same seed, same blocks, and each
/// stream keyed by its own name), so that differences between rows come
/// from the parameters. Rows are in point order and each is a function of
/// the seed and paths only: the result is the same whatever the threads.
/// The observer hears paths done over the whole sweep.
pub fn run(
    sweep: &Sweep,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<SweepResult, SweepError> {
    let started = Instant::now();
    let pool = thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    let points = sweep.points(options.seed);
    let mut rows = Vec::with_capacity(usize::try_from(points.len()).unwrap_or(0));
    let jobs = points.len().saturating_mul(block_count(options.paths));
    fold_points(sweep, options, &pool, observer, 0..jobs, |point, tree| {
        let result = finish(tree.finish(), options, threads, started.elapsed());
        rows.push(row(points.get(point), &result));
    })?;
    Ok(assemble(sweep, options, rows, threads, started.elapsed()))
}

/// Runs jobs `jobs` of the sweep's (point, block) jobs, laid end to end
/// point-major (job `p · blocks + b` is block `b` of point `p`), and calls
/// `folded(point, tree)` with each point's blocks among them folded into
/// a [`Tree`], in point order: every block of every point for a whole
/// sweep, or a range of jobs for a shard of a distributed one.
///
/// Points are built and run 256 at a time, so that a huge sweep's
/// scenarios do not fill memory. The observer hears paths done over all
/// the jobs.
pub fn fold_points(
    sweep: &Sweep,
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
    jobs: Range<u64>,
    mut folded: impl FnMut(u64, Tree) + Send,
) -> Result<(), SweepError> {
    let points = sweep.points(options.seed);
    let blocks = block_count(options.paths);
    let jobs = jobs.start..jobs.end.min(points.len().saturating_mul(blocks));
    if jobs.is_empty() {
        return Ok(());
    }
    let total_paths = if jobs.end - jobs.start == points.len().saturating_mul(blocks) {
        points.len().saturating_mul(options.paths)
    } else {
        jobs.clone()
            .map(|job| {
                let block = job % blocks;
                (options.paths - block * BLOCK_PATHS as u64).min(BLOCK_PATHS as u64)
            })
            .sum()
    };
    let mut before = 0;
    let mut start = jobs.start / blocks;
    let last = (jobs.end - 1) / blocks;
    while start <= last {
        let end = (start + WINDOW).min(last + 1);
        let variants = (start..end)
            .map(|i| sweep.variant(&points.get(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let window = Offset {
            inner: observer,
            before,
            total: total_paths,
        };
        let offset = start * blocks;
        let local = jobs.start.max(offset) - offset..jobs.end.min(end * blocks) - offset;
        accumulate_jobs(&variants, options, pool, &window, local, |i, tree| {
            before += tree.paths();
            folded(start + i as u64, tree);
        })?;
        start = end;
    }
    Ok(())
}

/// The finished sweep from its rows, in point order.
pub fn assemble(
    sweep: &Sweep,
    options: &RunOptions,
    rows: Vec<Row>,
    threads: usize,
    elapsed: Duration,
) -> SweepResult {
    let scenario = &sweep.scenario;
    SweepResult {
        origin: sweep.origin.clone(),
        scenario: scenario.name.clone(),
        design: sweep.design,
        paths: options.paths,
        seed: options.seed,
        parameters: sweep.vary.iter().map(|v| v.path.clone()).collect(),
        targets: scenario
            .targets
            .iter()
            .map(|t| TargetInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                amount: t.amount,
            })
            .collect(),
        streams: scenario.streams.iter().map(|s| s.path()).collect(),
        rows,
        grid_shape: match sweep.design {
            Design::Grid => Some(
                sweep
                    .vary
                    .iter()
                    .map(|v| match &v.levels {
                        Levels::Listed(levels) => levels.len(),
                        Levels::Interval { .. } => 0,
                    })
                    .collect(),
            ),
            Design::LatinHypercube { .. } => None,
        },
        overrides: sweep.overrides.clone(),
        scenario_hash: scenario.hash(),
        threads,
        elapsed,
        precision: None,
    }
}

/// Runs every point of `sweep` until `precision` holds for it (see
/// [`crate::engine::precision`]), one point after another, each on every
/// thread: each row has its own path count, the same whatever the
/// threads, and is the row a fixed sweep of that many paths would give.
/// `options.paths` is not used; `options`' quantile method should be the
/// one chosen for the precision's `max_paths`.
pub fn run_to_precision(
    sweep: &Sweep,
    options: &RunOptions,
    precision: &Precision,
    observer: &dyn Observer,
) -> Result<SweepResult, SweepError> {
    let started = Instant::now();
    let pool = thread_pool(options.threads)?;
    let points = sweep.points(options.seed);
    let mut rows = Vec::with_capacity(usize::try_from(points.len()).unwrap_or(0));
    let mut before = 0u64;
    for i in 0..points.len() {
        let variant = sweep.variant(&points.get(i))?;
        let point = Point {
            inner: observer,
            before,
            points_left: points.len() - i,
        };
        let result = batch::run_to_precision(&variant, options, precision, &pool, &point)?;
        before += result.paths;
        rows.push(row(points.get(i), &result));
    }
    let options = RunOptions {
        paths: precision.max_paths,
        ..options.clone()
    };
    let threads = pool.current_num_threads();
    let mut result = assemble(sweep, &options, rows, threads, started.elapsed());
    result.precision = Some(precision.clone());
    Ok(result)
}

/// Tells an observer of progress over a sweep run to a precision: the
/// paths of the points done, and of this one, against an estimate of the
/// whole (this point's estimate for each point left).
struct Point<'a> {
    inner: &'a dyn Observer,
    before: u64,
    points_left: u64,
}

impl Observer for Point<'_> {
    fn progress(&self, done: u64, total: u64) {
        let estimate = self.before + total.saturating_mul(self.points_left);
        self.inner.progress(self.before + done, estimate);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}

impl SweepResult {
    /// For a grid of exactly two parameters, its (rows, columns): the
    /// first parameter's values down, the second's across; row `i`,
    /// column `j` is point `i * columns + j`.
    pub fn two_way(&self) -> Option<(usize, usize)> {
        match self.grid_shape.as_deref() {
            Some(&[rows, columns])
                if rows > 0 && columns > 0 && rows * columns == self.rows.len() =>
            {
                Some((rows, columns))
            }
            _ => None,
        }
    }
}

/// The statistics of one target of one run, as a sweep row shows them.
pub fn target_row(result: &RunResult, target: usize) -> TargetRow {
    let n = result.paths;
    let t = &result.targets[target];
    let (lo, hi) = wilson_interval(t.hits, n, Z95);
    TargetRow {
        hits: t.hits,
        probability: t.hits as f64 / n as f64,
        probability_ci95: [lo, hi],
        mean: t.moments.mean(),
        p5: t.totals.quantile(0.05),
        p50: t.totals.quantile(0.50),
        p95: t.totals.quantile(0.95),
        expected_shortfall: t.shortfall_sum / n as f64,
    }
}

/// The row of a point: its values, and what its run gave.
pub fn row(values: Vec<Level>, result: &RunResult) -> Row {
    Row {
        values,
        paths: result.paths,
        targets: (0..result.targets.len())
            .map(|t| target_row(result, t))
            .collect(),
        streams: result
            .streams
            .iter()
            .map(|s| s.revenue / result.paths as f64)
            .collect(),
    }
}

/// Tells an observer of progress over a whole sweep or solve, when the
/// batch engine knows only the points it is running now.
pub(super) struct Offset<'a> {
    pub inner: &'a dyn Observer,
    /// Paths done before this batch.
    pub before: u64,
    /// Paths of the whole work, as far as it is known.
    pub total: u64,
}

impl Observer for Offset<'_> {
    fn progress(&self, done: u64, _total: u64) {
        self.inner.progress(self.before + done, self.total);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}
