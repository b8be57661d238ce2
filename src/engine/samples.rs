//! The paths themselves: one row per path with the path's sampled
//! inputs, each client's churn month, each stream's horizon revenue and
//! each target's value by its measure (its window's total, run-rate or
//! average) (`simulate FILE --samples paths.csv` or `paths.parquet`).
//!
//! Blocks are run on every worker and their columns (for CSV, their rows,
//! formatted there) are handed to the writer in block order (see
//! `ordered`), so the file is the same bytes whatever the thread count and
//! memory holds only a few blocks (for Parquet, one row group) at a time.
//! Every value is the one the run itself uses: inputs
//! are drawn by [`Block::draw`] from the generator of the same (seed,
//! block, stream, purpose), churn months by the client's own
//! [`Client::churn_months`], and revenues by the streams' own `simulate`,
//! summed as the report's blocks sum them.
//!
//! [`Client::churn_months`]: crate::model::Client

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{EngineError, Observer, RunOptions, ordered, resolve_threads, stream_key};
use crate::dist::Param;
use crate::model::{Block, FactorSeeds, Kind, Model, PathOutcomes};
use crate::rng::BLOCK_PATHS;
use crate::scenario::{Scenario, Span};

mod parquet_file;

/// Why the samples were not all written.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot write the samples: {0}")]
    Io(#[from] io::Error),
}

/// How the rows are written, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text, a header line then one line per path; an empty churn month
    /// where the client stayed.
    Csv,
    /// Apache Parquet, a column per field, snappy-compressed; the churn
    /// month is null where the client stayed.
    Parquet,
}

impl Format {
    /// The format a file name asks for: `.csv` or `.parquet`, in any case.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// One block's values, a column at a time, as the run drew them.
pub(crate) struct BlockColumns {
    /// The index of the block's first path.
    pub first: u64,
    /// Every sampled input, in [`Layout::columns`] order.
    pub inputs: Vec<Vec<f64>>,
    /// Every client's churn month, 1-based; `None` where it stayed within
    /// the horizon.
    pub churn: Vec<Vec<Option<i32>>>,
    /// Every stream's horizon revenue, then every target's.
    pub revenue: Vec<Vec<f64>>,
}

impl BlockColumns {
    pub fn rows(&self) -> usize {
        self.revenue
            .first()
            .map_or_else(|| self.inputs.first().map_or(0, Vec::len), Vec::len)
    }

    /// The block as CSV lines.
    fn csv(&self) -> String {
        let n = self.rows();
        let columns = 1 + self.inputs.len() + self.churn.len() + self.revenue.len();
        let mut text = String::with_capacity(n * 32 * columns);
        for p in 0..n {
            let _ = write!(text, "{}", self.first + p as u64);
            for values in &self.inputs {
                let _ = write!(text, ",{}", values[p]);
            }
            for months in &self.churn {
                match months[p] {
                    Some(t) => {
                        let _ = write!(text, ",{t}");
                    }
                    None => text.push(','),
                }
            }
            for totals in &self.revenue {
                let _ = write!(text, ",{}", totals[p]);
            }
            text.push('\n');
        }
        text
    }
}

/// A scenario laid out for the rows: which inputs are sampled per path,
/// which streams are clients, which segments each target sums.
pub struct Layout<'a> {
    scenario: &'a Scenario,
    /// (stream index, field name) of every per-path random input.
    inputs: Vec<(usize, &'static str, Param)>,
    segments: Vec<String>,
    /// Per target: its segments' indices and its measure.
    targets: Vec<(Vec<usize>, Span)>,
    /// The run's copula: the rows show the correlated values it draws.
    copula: Option<crate::model::correlation::Copula>,
}

impl<'a> Layout<'a> {
    pub fn new(scenario: &'a Scenario) -> Self {
        let mut inputs = Vec::new();
        for (i, s) in scenario.streams.iter().enumerate() {
            for f in s.model.fields() {
                // A pipeline's new clients each draw their own spend: not
                // one value per path.
                let per_client = s.kind() == Kind::Pipeline && f.name == "monthly_spend";
                if matches!(f.param, Param::Random(_)) && !per_client {
                    inputs.push((i, f.name, f.param));
                }
            }
        }
        let segments = scenario.segments();
        let index = |name: &str| segments.iter().position(|s| s == name).unwrap_or(0);
        let targets = scenario
            .targets
            .iter()
            .map(|t| {
                (
                    t.segments.iter().map(|s| index(s)).collect(),
                    t.span(scenario.horizon_months),
                )
            })
            .collect();
        Layout {
            scenario,
            inputs,
            segments,
            targets,
            copula: scenario.copula(),
        }
    }

    /// The header: `path`, every sampled input by its `--set` path, every
    /// client's `client.ID.churn_month`, every stream's `KIND.ID.revenue`,
    /// every target's `target.ID.revenue`.
    pub fn columns(&self) -> Vec<String> {
        let streams = &self.scenario.streams;
        let mut names = vec!["path".to_string()];
        names.extend(
            self.inputs
                .iter()
                .map(|(i, name, _)| format!("{}.{name}", streams[*i].path())),
        );
        names.extend(
            streams
                .iter()
                .filter(|s| s.kind() == Kind::Client)
                .map(|s| format!("{}.churn_month", s.path())),
        );
        names.extend(streams.iter().map(|s| format!("{}.revenue", s.path())));
        names.extend(
            self.scenario
                .targets
                .iter()
                .map(|t| format!("target.{}.revenue", t.id)),
        );
        names
    }

    /// The values of block `index`, column by column.
    pub(crate) fn block_columns(&self, index: u64, options: &RunOptions) -> BlockColumns {
        let first = index * BLOCK_PATHS as u64;
        let n = (options.paths - first).min(BLOCK_PATHS as u64) as usize;
        let h = self.scenario.horizon_months as usize;
        let block = Block {
            seed: options.seed,
            index,
            paths: n,
            horizon: h,
            rekey: None,
            factors: FactorSeeds {
                seed: options.seed,
                rekey: None,
            },
            correlated: None,
        };
        let correlated = self.copula.as_ref().map(|c| c.draw(|_| block));
        let block = Block {
            correlated: correlated.as_ref(),
            ..block
        };
        let streams = &self.scenario.streams;
        let keys: Vec<u64> = streams
            .iter()
            .map(|s| stream_key(s.kind().as_str(), &s.id))
            .collect();

        let inputs: Vec<Vec<f64>> = self
            .inputs
            .iter()
            .map(|(i, name, param)| {
                let mut values = Vec::new();
                block.draw(keys[*i], name, param, &mut values);
                values
            })
            .collect();
        let churn: Vec<Vec<f64>> = streams
            .iter()
            .zip(&keys)
            .filter_map(|(s, &key)| match &s.model {
                Model::Client(c) => {
                    let mut probability = Vec::new();
                    block.draw(
                        key,
                        "churn.probability",
                        &c.churn.probability,
                        &mut probability,
                    );
                    Some(c.churn_months(&block, key, &probability))
                }
                _ => None,
            })
            .collect();

        // Each stream into a buffer of its own, then into its segment's, in
        // the run's (canonical) order: the segment sums are the run's to the
        // bit.
        let size = h * n;
        let mut revenue = vec![0.0; self.segments.len() * size];
        let mut own = vec![0.0; size];
        let mut stream_totals: Vec<Vec<f64>> = vec![Vec::new(); streams.len()];
        let (mut path_revenue, mut churn_month) = (vec![0.0; n], vec![0u16; n]);
        for i in self.scenario.canonical_order() {
            let (s, key) = (&streams[i], keys[i]);
            own.fill(0.0);
            let paths = PathOutcomes {
                revenue: &mut path_revenue,
                churn_month: &mut churn_month,
            };
            s.model.simulate(&block, key, &mut own, paths);
            let segment = self
                .segments
                .iter()
                .position(|x| *x == s.segment)
                .unwrap_or(0);
            let out = &mut revenue[segment * size..(segment + 1) * size];
            out.iter_mut().zip(&own).for_each(|(o, r)| *o += r);
            let mut totals = vec![0.0; n];
            for month in own.chunks_exact(n) {
                totals.iter_mut().zip(month).for_each(|(t, x)| *t += x);
            }
            stream_totals[i] = totals;
        }
        let target_totals: Vec<Vec<f64>> = self
            .targets
            .iter()
            .map(|(segments, span)| {
                let mut sum = vec![0.0; size];
                for (i, s) in segments.iter().enumerate() {
                    let segment = &revenue[s * size..(s + 1) * size];
                    if i == 0 {
                        sum.copy_from_slice(segment);
                    } else {
                        sum.iter_mut().zip(segment).for_each(|(v, x)| *v += x);
                    }
                }
                // The horizon total's span sums every month in order from
                // 0, as the run does.
                let mut totals = Vec::new();
                span.values(&sum, n, &mut totals);
                totals
            })
            .collect();

        // Churn months are whole months from 1 to the horizon (at most
        // 1200), so they fit an i32 exactly.
        let churn = churn
            .into_iter()
            .map(|months| {
                months
                    .into_iter()
                    .map(|t| (t <= h as f64).then_some(t as i32))
                    .collect()
            })
            .collect();
        stream_totals.extend(target_totals);
        BlockColumns {
            first,
            inputs,
            churn,
            revenue: stream_totals,
        }
    }

    /// The column of each field, for a writer that needs their types:
    /// (name, kind) in [`Layout::columns`] order.
    pub(crate) fn typed_columns(&self) -> Vec<(String, ColumnKind)> {
        let n_inputs = self.inputs.len();
        let n_churn = self
            .scenario
            .streams
            .iter()
            .filter(|s| s.kind() == Kind::Client)
            .count();
        self.columns()
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let kind = match i {
                    0 => ColumnKind::Path,
                    i if i <= n_inputs => ColumnKind::Value,
                    i if i <= n_inputs + n_churn => ColumnKind::Month,
                    _ => ColumnKind::Value,
                };
                (name, kind)
            })
            .collect()
    }
}

/// What a column holds, for a typed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// The path index, from 0.
    Path,
    /// A month, or none.
    Month,
    /// A drawn input or a revenue.
    Value,
}

/// Writes one row per path of the run `options` describes to `out`, in
/// path order and in `format`, and returns the rows written. The observer
/// is told of progress and may stop it (an [`EngineError::Interrupted`]).
pub fn write(
    scenario: &Scenario,
    options: &RunOptions,
    format: Format,
    observer: &dyn Observer,
    out: &mut (dyn Write + Send),
) -> Result<u64, SamplesError> {
    if options.paths == 0 {
        return Err(EngineError::NoPaths.into());
    }
    let threads = resolve_threads(options.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Threads {
            threads,
            message: e.to_string(),
        })?;
    let layout = Layout::new(scenario);
    match format {
        Format::Csv => {
            writeln!(out, "{}", layout.columns().join(","))?;
            let written = write_blocks(
                &pool,
                options,
                observer,
                |b| layout.block_columns(b, options).csv(),
                |rows: String| out.write_all(rows.as_bytes()),
            )?;
            Ok(written)
        }
        Format::Parquet => {
            let mut file = parquet_file::Writer::new(&layout, options, &mut *out)?;
            let written = write_blocks(
                &pool,
                options,
                observer,
                |b| layout.block_columns(b, options),
                |columns| file.push(columns),
            )?;
            file.finish()?;
            Ok(written)
        }
    }
}

/// Runs every block on the pool and hands each, in block order, to
/// `hand_on`; stops at the first failed write or when the observer asks.
fn write_blocks<T: Send>(
    pool: &rayon::ThreadPool,
    options: &RunOptions,
    observer: &dyn Observer,
    produce: impl Fn(u64) -> T + Sync,
    mut hand_on: impl FnMut(T) -> io::Result<()> + Send,
) -> Result<u64, SamplesError> {
    let blocks = options.paths.div_ceil(BLOCK_PATHS as u64);
    let mut written = 0u64;
    let mut failed: Option<io::Error> = None;
    // A failed write stops the run rather than draw paths nobody keeps.
    let stop = StopOnFailure {
        inner: observer,
        failed: AtomicBool::new(false),
    };
    ordered::in_order(pool, blocks, options.paths, &stop, produce, |b, chunk| {
        if failed.is_some() {
            return written;
        }
        match hand_on(chunk) {
            Ok(()) => {
                let first = b * BLOCK_PATHS as u64;
                written = (first + BLOCK_PATHS as u64).min(options.paths);
            }
            Err(e) => {
                failed = Some(e);
                stop.failed.store(true, Ordering::Relaxed);
            }
        }
        written
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    if written < options.paths {
        return Err(EngineError::Interrupted {
            done: written,
            total: options.paths,
        }
        .into());
    }
    Ok(written)
}

/// Passes progress on, and stops the run once a write has failed.
struct StopOnFailure<'a> {
    inner: &'a dyn Observer,
    failed: AtomicBool,
}

impl Observer for StopOnFailure<'_> {
    fn progress(&self, done: u64, total: u64) {
        self.inner.progress(done, total);
    }

    fn should_stop(&self) -> bool {
        self.failed.load(Ordering::Relaxed) || self.inner.should_stop()
    }
}
