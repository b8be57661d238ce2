//! One block of paths: every stream adds its revenue into its segment's
//! month-by-path buffer, then each target reads its segments path by path,
//! and (outside sweeps) relates its revenue to its streams'.
//!
//! A target's per-path value is its measure (see [`crate::scenario::Span`]):
//! the horizon total, summed as it always was, or a scaled sum over a window
//! of months. Outside sweeps, when some target has a window, each stream
//! first runs into a buffer of its own, from which its windowed values are
//! summed for the drivers, and is then added into its segment: `0 + r` is
//! `r`, so the segment's sums are the same bits either way.

use super::accumulator::{Accumulator, DriverAccumulator, StreamAccumulator, TargetAccumulator};
use super::{RunOptions, stream_key};
use crate::model::correlation::Copula;
use crate::model::{Block, FactorSeeds, Kind, Model, PathOutcomes, Rekey};
use crate::rng::BLOCK_PATHS;
use crate::scenario::{Scenario, Span};
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
    /// Per target: amount, segment indices, and the index in `spans` of
    /// its measure, `None` for the horizon total.
    targets: Vec<(f64, Vec<usize>, Option<usize>)>,
    /// The distinct measures of the targets other than the horizon total.
    spans: Vec<Span>,
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
    /// The seeds of the factors: the run's, unless a variance-by-source
    /// run re-keys one or all (see [`Plan::with_factor_seed`]).
    factor_seeds: FactorSeeds,
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
        let horizon = scenario.horizon_months;
        let mut spans: Vec<Span> = Vec::new();
        let mut span_of = |span: Span| {
            if span.is_horizon_total(horizon as usize) {
                return None;
            }
            Some(spans.iter().position(|s| *s == span).unwrap_or_else(|| {
                spans.push(span);
                spans.len() - 1
            }))
        };
        let targets = scenario
            .targets
            .iter()
            // Both lists are sorted, so a target sums its segments in
            // name order.
            .map(|t| {
                (
                    t.amount,
                    t.segments.iter().map(|s| index(s)).collect(),
                    span_of(t.span(horizon)),
                )
            })
            .collect();
        Plan {
            targets,
            spans,
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
            factor_seeds: FactorSeeds {
                seed: options.seed,
                rekey: None,
            },
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

    /// This plan with the factor keyed `factor` drawing from `seed`, every
    /// stream and other factor keeping its draws; with `None`, every
    /// factor draws from `seed`.
    pub fn with_factor_seed(mut self, factor: Option<u64>, seed: u64) -> Self {
        match factor {
            Some(key) => {
                self.factor_seeds.rekey = Some(Rekey { purpose: key, seed });
            }
            None => self.factor_seeds.seed = seed,
        }
        self
    }

    pub fn empty_accumulator(&self, capacity: usize) -> Accumulator {
        Accumulator {
            paths: 0,
            targets: self
                .targets
                .iter()
                .zip(&self.target_streams)
                .map(|((amount, _, _), streams)| {
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
            factors: self.factor_seeds,
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
            scratch.churn_month.resize(k * n, 0);
            // Each stream's value by every windowed measure, when the
            // drivers need them: `[span][stream][path]`.
            let windowed = self.drivers && !self.spans.is_empty();
            if windowed {
                scratch.stream_spans.resize(self.spans.len() * k * n, 0.0);
            }
            for &i in &self.order {
                if stop() {
                    return false;
                }
                let (model, key, segment) = self.streams[i];
                let totals = &mut scratch.stream_totals[i * n..(i + 1) * n];
                let churn_month = &mut scratch.churn_month[i * n..(i + 1) * n];
                let block = Block {
                    seed: self.stream_seeds[i],
                    rekey: self.stream_rekeys[i],
                    ..block
                };
                let out = &mut revenue[segment * size..(segment + 1) * size];
                let paths = PathOutcomes {
                    revenue: totals,
                    churn_month,
                };
                if windowed {
                    let own = &mut scratch.own;
                    own.clear();
                    own.resize(size, 0.0);
                    acc.streams[i].add(model.simulate(&block, key, own, paths));
                    out.iter_mut().zip(own.iter()).for_each(|(o, r)| *o += r);
                    for (w, span) in self.spans.iter().enumerate() {
                        span.values(own, n, &mut scratch.totals);
                        let at = (w * k + i) * n;
                        scratch.stream_spans[at..at + n].copy_from_slice(&scratch.totals);
                    }
                } else {
                    acc.streams[i].add(model.simulate(&block, key, out, paths));
                }
            }
            for (t, ((_, segments, span), target)) in
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
                    if span.is_none() {
                        totals.iter_mut().zip(month).for_each(|(t, x)| *t += x);
                    }
                }
                if let Some(w) = *span {
                    self.spans[w].values(values, n, totals);
                }
                target.push_totals(totals);
                see(t, totals);
                if let Some(drivers) = &mut target.drivers {
                    let of = |i: usize| match *span {
                        None => &scratch.stream_totals[i * n..(i + 1) * n],
                        Some(w) => &scratch.stream_spans[(w * k + i) * n..(w * k + i + 1) * n],
                    };
                    let parts: Vec<&[f64]> = drivers.streams.iter().map(|&i| of(i)).collect();
                    // A client counts as gone when it left by the end of
                    // the target's window: leaving in month 30 does not
                    // explain a miss of months 1 to 12.
                    let last = span.map_or(h, |w| self.spans[w].hi + 1);
                    let flags: Vec<Vec<bool>> = drivers
                        .streams
                        .iter()
                        .map(|&i| match self.streams[i].0.kind() {
                            Kind::Client => scratch.churn_month[i * n..(i + 1) * n]
                                .iter()
                                .map(|&m| m != 0 && usize::from(m) <= last)
                                .collect(),
                            _ => Vec::new(),
                        })
                        .collect();
                    let flags: Vec<&[bool]> = flags.iter().map(Vec::as_slice).collect();
                    drivers.churned = flags
                        .iter()
                        .map(|f| f.iter().filter(|&&c| c).count() as u64)
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
    /// The month each stream churned in on each path, 0 if it did not
    /// within the horizon: `[stream][path]`.
    churn_month: Vec<u16>,
    /// One stream's revenue, `[month][path]`, when windowed measures need
    /// it apart from its segment's.
    own: Vec<f64>,
    /// Each stream's value by each windowed measure: `[span][stream][path]`.
    stream_spans: Vec<f64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
