//! One block of paths: every stream adds its revenue into its segment's
//! month-by-path buffer, then each target reads its segments path by path.

use super::accumulator::{Accumulator, StreamAccumulator, TargetAccumulator};
use super::{RunOptions, stream_key};
use crate::model::{Block, Model};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;
use crate::stats::QuantileMethod;

/// A scenario compiled for the inner loop: indices instead of names.
///
/// Streams run, and targets sum their segments, in a canonical order (by
/// kind and id, segments by name) rather than in the file's: floating-point
/// sums depend on their order, and no reordering of the file's tables may
/// move a result by a bit.
pub struct Plan<'a> {
    /// Model, generator key, segment index and the stream's index in the
    /// scenario (where its accumulator goes), in canonical order.
    streams: Vec<(&'a Model, u64, usize, usize)>,
    targets: Vec<(f64, Vec<usize>)>,
    segments: usize,
    horizon: usize,
    paths: u64,
    seed: u64,
    method: QuantileMethod,
    /// Whether monthly statistics are kept; sweeps show horizon totals
    /// only, and skip them.
    monthly: bool,
}

impl<'a> Plan<'a> {
    pub fn new(scenario: &'a Scenario, options: &RunOptions) -> Self {
        let segments = scenario.segments();
        let index = |name: &str| segments.iter().position(|s| s == name).unwrap_or(0);
        let mut order: Vec<usize> = (0..scenario.streams.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&scenario.streams[a], &scenario.streams[b]);
            (a.kind(), &a.id).cmp(&(b.kind(), &b.id))
        });
        Plan {
            streams: order
                .into_iter()
                .map(|i| {
                    let s = &scenario.streams[i];
                    (
                        &s.model,
                        stream_key(s.kind().as_str(), &s.id),
                        index(&s.segment),
                        i,
                    )
                })
                .collect(),
            targets: scenario
                .targets
                .iter()
                // Both lists are sorted, so a target sums its segments in
                // name order.
                .map(|t| (t.amount, t.segments.iter().map(|s| index(s)).collect()))
                .collect(),
            segments: segments.len(),
            horizon: scenario.horizon_months as usize,
            paths: options.paths,
            seed: options.seed,
            method: options.method(),
            monthly: true,
        }
    }

    /// As [`Plan::new`], keeping statistics of horizon totals only.
    pub fn totals_only(scenario: &'a Scenario, options: &RunOptions) -> Self {
        Plan {
            monthly: false,
            ..Plan::new(scenario, options)
        }
    }

    pub fn empty_accumulator(&self, capacity: usize) -> Accumulator {
        Accumulator {
            paths: 0,
            targets: self
                .targets
                .iter()
                .map(|(amount, _)| {
                    let months = if self.monthly { self.horizon } else { 0 };
                    TargetAccumulator::new(*amount, months, self.method, capacity)
                })
                .collect(),
            streams: vec![StreamAccumulator::default(); self.streams.len()],
        }
    }

    /// Runs block `index`, or gives up between two streams when `stop`
    /// says so (a block of a large scenario can take seconds, and Ctrl-C
    /// must be heard within one).
    pub fn run_block(&self, index: u64, stop: &dyn Fn() -> bool) -> Option<Accumulator> {
        let first = index * BLOCK_PATHS as u64;
        let n = (self.paths - first).min(BLOCK_PATHS as u64) as usize;
        let h = self.horizon;
        let block = Block {
            seed: self.seed,
            index,
            paths: n,
            horizon: h,
        };
        let mut acc = self.empty_accumulator(n);
        acc.paths = n as u64;
        let finished = SCRATCH.with_borrow_mut(|scratch| {
            let size = h * n;
            let revenue = &mut scratch.revenue;
            revenue.clear();
            revenue.resize(self.segments * size, 0.0);
            for &(model, key, segment, at) in &self.streams {
                if stop() {
                    return false;
                }
                let out = &mut revenue[segment * size..(segment + 1) * size];
                acc.streams[at].add(model.simulate(&block, key, out));
            }
            for ((_, segments), target) in self.targets.iter().zip(acc.targets.iter_mut()) {
                // The target's revenue, month-major: one segment's buffer as
                // it is, or the sum of several in the target's order.
                let values: &[f64] = match segments.as_slice() {
                    [only] => &revenue[only * size..(only + 1) * size],
                    _ => {
                        let sum = &mut scratch.values;
                        sum.clear();
                        sum.resize(size, 0.0);
                        for (i, s) in segments.iter().enumerate() {
                            let segment = &revenue[s * size..(s + 1) * size];
                            if i == 0 {
                                sum.copy_from_slice(segment);
                            } else {
                                sum.iter_mut().zip(segment).for_each(|(v, x)| *v += x);
                            }
                        }
                        sum
                    }
                };
                let totals = &mut scratch.totals;
                totals.clear();
                totals.resize(n, 0.0);
                for (m, month) in values.chunks_exact(n).enumerate() {
                    if self.monthly {
                        target.push_month_slice(m, month);
                    }
                    totals.iter_mut().zip(month).for_each(|(t, x)| *t += x);
                }
                target.push_totals(totals);
            }
            true
        });
        finished.then_some(acc)
    }
}

/// Buffers reused by every block a thread runs, so that a block allocates
/// only its small accumulator.
#[derive(Default)]
struct Scratch {
    /// Revenue by segment, month and path: `[segment][month][path]`.
    revenue: Vec<f64>,
    /// One target's revenue when it sums several segments.
    values: Vec<f64>,
    /// One target's horizon revenue by path.
    totals: Vec<f64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
