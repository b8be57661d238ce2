//! One block of paths: every stream adds its revenue into its segment's
//! month-by-path buffer, then each target reads its segments path by path,
//! and (outside sweeps) relates its horizon revenue to its streams'.

use super::accumulator::{Accumulator, DriverAccumulator, StreamAccumulator, TargetAccumulator};
use super::{RunOptions, stream_key};
use crate::model::correlation::Copula;
use crate::model::{Block, Kind, Model, PathOutcomes, Rekey};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;
use crate::stats::{CoMoments, MissMeans, QuantileMethod};

/// A scenario compiled for the inner loop: indices instead of names.
///
/// Streams run, and targets sum their segments, in a canonical order (by
/// kind and id, segments by name) rather than in the file's: floating-point
/// sums depend on their order, and no reordering of the file's tables may
/// move a result by a bit.
pub struct Plan<'a> {
    /// Model, generator key and segment index, in the scenario's order
    /// (where each stream's accumulator and path totals go).
    streams: Vec<(&'a Model, u64, usize)>,
    /// The streams' indices in the order they run: by kind and id.
    order: Vec<usize>,
    targets: Vec<(f64, Vec<usize>)>,
    /// Per target, the indices of the streams whose segment it counts.
    target_streams: Vec<Vec<usize>>,
    segments: usize,
    horizon: usize,
    paths: u64,
    seed: u64,
    /// The seed each stream draws from: `seed`, unless a variance-by-source
    /// run re-keys a stream (see [`Plan::with_stream_seed`]).
    stream_seeds: Vec<u64>,
    /// Per stream, one purpose drawing from another seed (see
    /// [`Plan::with_purpose_seed`]); `None` in every ordinary run.
    stream_rekeys: Vec<Option<Rekey>>,
    method: QuantileMethod,
    /// Whether monthly statistics are kept; sweeps show horizon totals
    /// only, and skip them.
    monthly: bool,
    /// Whether contributions and the drivers of a miss are kept; sweeps
    /// skip them too.
    drivers: bool,
    /// The rank-correlated parameters, drawn once per block for every
    /// stream; `None` when nothing is correlated.
    copula: Option<Copula>,
}

impl<'a> Plan<'a> {
    pub fn new(scenario: &'a Scenario, options: &RunOptions) -> Self {
        let segments = scenario.segments();
        let index = |name: &str| segments.iter().position(|s| s == name).unwrap_or(0);
        Plan {
            order: scenario.canonical_order(),
            streams: scenario
                .streams
                .iter()
                .map(|s| {
                    (
                        &s.model,
                        stream_key(s.kind().as_str(), &s.id),
                        index(&s.segment),
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
            target_streams: scenario
                .targets
                .iter()
                .map(|t| {
                    (0..scenario.streams.len())
                        .filter(|&i| t.segments.contains(&scenario.streams[i].segment))
                        .collect()
                })
                .collect(),
            segments: segments.len(),
            horizon: scenario.horizon_months as usize,
            paths: options.paths,
            seed: options.seed,
            stream_seeds: vec![options.seed; scenario.streams.len()],
            stream_rekeys: vec![None; scenario.streams.len()],
            method: options.method(),
            monthly: true,
            drivers: true,
            copula: scenario.copula(),
        }
    }

    /// As [`Plan::new`], keeping statistics of horizon totals only.
    pub fn totals_only(scenario: &'a Scenario, options: &RunOptions) -> Self {
        Plan {
            monthly: false,
            drivers: false,
            ..Plan::new(scenario, options)
        }
    }

    /// This plan with stream `stream` drawing from `seed` instead, every
    /// other stream keeping its draws: pick-freeze re-keying of one source.
    pub fn with_stream_seed(mut self, stream: usize, seed: u64) -> Self {
        self.stream_seeds[stream] = seed;
        self
    }

    /// This plan with one purpose of stream `stream` drawing from `seed`,
    /// every other purpose and stream keeping its draws.
    pub fn with_purpose_seed(mut self, stream: usize, purpose: &str, seed: u64) -> Self {
        self.stream_rekeys[stream] = Some(Rekey {
            purpose: crate::rng::key(purpose),
            seed,
        });
        self
    }

    pub fn empty_accumulator(&self, capacity: usize) -> Accumulator {
        Accumulator {
            paths: 0,
            targets: self
                .targets
                .iter()
                .zip(&self.target_streams)
                .map(|((amount, _), streams)| {
                    let months = if self.monthly { self.horizon } else { 0 };
                    let mut target = TargetAccumulator::new(*amount, months, self.method, capacity);
                    if self.drivers {
                        target.drivers = Some(DriverAccumulator::new(streams.clone()));
                    }
                    target
                })
                .collect(),
            streams: vec![StreamAccumulator::default(); self.streams.len()],
        }
    }

    /// Runs block `index`, or gives up between two streams when `stop`
    /// says so (a block of a large scenario can take seconds, and Ctrl-C
    /// must be heard within one).
    pub fn run_block(&self, index: u64, stop: &dyn Fn() -> bool) -> Option<Accumulator> {
        self.run_block_seeing(index, stop, |_, _| ())
    }

    /// As [`Plan::run_block`], also showing `see(target, totals)` each
    /// target's horizon revenue on every path of the block, in target
    /// order: what paired comparisons of scenarios need.
    pub fn run_block_seeing(
        &self,
        index: u64,
        stop: &dyn Fn() -> bool,
        mut see: impl FnMut(usize, &[f64]),
    ) -> Option<Accumulator> {
        let first = index * BLOCK_PATHS as u64;
        let n = (self.paths - first).min(BLOCK_PATHS as u64) as usize;
        let h = self.horizon;
        let block = Block {
            seed: self.seed,
            index,
            paths: n,
            horizon: h,
            rekey: None,
            correlated: None,
        };
        // Each correlated parameter's normals come from its own stream as
        // that stream sees the block (its seed, any re-keying), so that
        // re-keying one source moves the parameters correlated with it.
        let correlated = self.copula.as_ref().map(|c| {
            c.draw(|i| Block {
                seed: self.stream_seeds[i],
                rekey: self.stream_rekeys[i],
                ..block
            })
        });
        let block = Block {
            correlated: correlated.as_ref(),
            ..block
        };
        let mut acc = self.empty_accumulator(n);
        acc.paths = n as u64;
        let finished = SCRATCH.with_borrow_mut(|scratch| {
            let size = h * n;
            let revenue = &mut scratch.revenue;
            revenue.clear();
            revenue.resize(self.segments * size, 0.0);
            // Each stream's horizon revenue and churn, path by path.
            let k = self.streams.len();
            scratch.stream_totals.resize(k * n, 0.0);
            scratch.churned.resize(k * n, false);
            for &i in &self.order {
                if stop() {
                    return false;
                }
                let (model, key, segment) = self.streams[i];
                let totals = &mut scratch.stream_totals[i * n..(i + 1) * n];
                let churned = &mut scratch.churned[i * n..(i + 1) * n];
                let block = Block {
                    seed: self.stream_seeds[i],
                    rekey: self.stream_rekeys[i],
                    ..block
                };
                let out = &mut revenue[segment * size..(segment + 1) * size];
                let paths = PathOutcomes {
                    revenue: totals,
                    churned,
                };
                acc.streams[i].add(model.simulate(&block, key, out, paths));
            }
            for (t, ((_, segments), target)) in
                self.targets.iter().zip(acc.targets.iter_mut()).enumerate()
            {
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
                see(t, totals);
                if let Some(drivers) = &mut target.drivers {
                    let of = |i: usize| &scratch.stream_totals[i * n..(i + 1) * n];
                    let parts: Vec<&[f64]> = drivers.streams.iter().map(|&i| of(i)).collect();
                    let flags: Vec<&[bool]> = drivers
                        .streams
                        .iter()
                        .map(|&i| match self.streams[i].0.kind() {
                            Kind::Client => &scratch.churned[i * n..(i + 1) * n],
                            _ => &[],
                        })
                        .collect();
                    drivers.moments = CoMoments::from_slices(totals, &parts);
                    drivers.miss = MissMeans::from_slices(totals, target.amount, &parts, &flags);
                }
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
    /// Each stream's horizon revenue by path: `[stream][path]`.
    stream_totals: Vec<f64>,
    /// Whether each stream churned on each path: `[stream][path]`.
    churned: Vec<bool>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
