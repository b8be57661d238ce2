//! The paths themselves: one CSV row per path with the path's sampled
//! inputs, each client's churn month, and each stream's and target's
//! horizon revenue (`simulate FILE --samples paths.csv`).
//!
//! Blocks are run on every worker and their rows, formatted there, are
//! handed to the writer in block order (see `ordered`), so the file is the
//! same bytes whatever the thread count and memory holds only a few blocks
//! of rows at a time. Every value is the one the run itself uses: inputs
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
use crate::model::{Block, Kind, Model, PathOutcomes};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;

/// Why the samples were not all written.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot write the samples: {0}")]
    Io(#[from] io::Error),
}

/// A scenario laid out for the rows: which inputs are sampled per path,
/// which streams are clients, which segments each target sums.
pub struct Layout<'a> {
    scenario: &'a Scenario,
    /// (stream index, field name) of every per-path random input.
    inputs: Vec<(usize, &'static str, Param)>,
    segments: Vec<String>,
    targets: Vec<Vec<usize>>,
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
            .map(|t| t.segments.iter().map(|s| index(s)).collect())
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

    /// The rows of block `index`, as CSV text.
    fn block_rows(&self, index: u64, options: &RunOptions) -> String {
        let first = index * BLOCK_PATHS as u64;
        let n = (options.paths - first).min(BLOCK_PATHS as u64) as usize;
        let h = self.scenario.horizon_months as usize;
        let block = Block {
            seed: options.seed,
            index,
            paths: n,
            horizon: h,
            rekey: None,
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
        let (mut path_revenue, mut churned) = (vec![0.0; n], vec![false; n]);
        for i in self.scenario.canonical_order() {
            let (s, key) = (&streams[i], keys[i]);
            own.fill(0.0);
            let paths = PathOutcomes {
                revenue: &mut path_revenue,
                churned: &mut churned,
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
            .map(|segments| {
                let mut sum = vec![0.0; size];
                for (i, s) in segments.iter().enumerate() {
                    let segment = &revenue[s * size..(s + 1) * size];
                    if i == 0 {
                        sum.copy_from_slice(segment);
                    } else {
                        sum.iter_mut().zip(segment).for_each(|(v, x)| *v += x);
                    }
                }
                let mut totals = vec![0.0; n];
                for month in sum.chunks_exact(n) {
                    totals.iter_mut().zip(month).for_each(|(t, x)| *t += x);
                }
                totals
            })
            .collect();

        let mut text = String::with_capacity(n * 32 * self.columns_len());
        for p in 0..n {
            let _ = write!(text, "{}", first + p as u64);
            for values in &inputs {
                let _ = write!(text, ",{}", values[p]);
            }
            for months in &churn {
                let t = months[p];
                if t <= h as f64 {
                    let _ = write!(text, ",{t}");
                } else {
                    text.push(',');
                }
            }
            for totals in stream_totals.iter().chain(&target_totals) {
                let _ = write!(text, ",{}", totals[p]);
            }
            text.push('\n');
        }
        text
    }

    fn columns_len(&self) -> usize {
        1 + self.inputs.len() + self.scenario.streams.len() * 2 + self.scenario.targets.len()
    }
}

/// Writes the header and one row per path of the run `options` describes
/// to `out`, in path order, and returns the rows written. The observer is
/// told of progress and may stop it (an [`EngineError::Interrupted`]).
pub fn write(
    scenario: &Scenario,
    options: &RunOptions,
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
    writeln!(out, "{}", layout.columns().join(","))?;
    let blocks = options.paths.div_ceil(BLOCK_PATHS as u64);
    let mut written = 0u64;
    let mut failed: Option<io::Error> = None;
    // A failed write stops the run rather than draw paths nobody keeps.
    let stop = StopOnFailure {
        inner: observer,
        failed: AtomicBool::new(false),
    };
    ordered::in_order(
        &pool,
        blocks,
        options.paths,
        &stop,
        |b| layout.block_rows(b, options),
        |b, rows| {
            if failed.is_some() {
                return written;
            }
            match out.write_all(rows.as_bytes()) {
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
        },
    );
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
