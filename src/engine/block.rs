//! One block of paths: every stream adds its revenue into its segment's
//! month-by-path buffer, then each target reads its segments path by path.

use super::accumulator::{Accumulator, StreamAccumulator, TargetAccumulator};
use super::{RunOptions, stream_key};
use crate::model::{Block, Model};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;
use crate::stats::QuantileMethod;

/// A scenario compiled for the inner loop: indices instead of names.
pub struct Plan<'a> {
    streams: Vec<(&'a Model, u64, usize)>,
    targets: Vec<(f64, Vec<usize>)>,
    segments: usize,
    horizon: usize,
    paths: u64,
    seed: u64,
    method: QuantileMethod,
}

impl<'a> Plan<'a> {
    pub fn new(scenario: &'a Scenario, options: &RunOptions) -> Self {
        let segments = scenario.segments();
        let index = |name: &str| segments.iter().position(|s| s == name).unwrap_or(0);
        Plan {
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
                .map(|t| (t.amount, t.segments.iter().map(|s| index(s)).collect()))
                .collect(),
            segments: segments.len(),
            horizon: scenario.horizon_months as usize,
            paths: options.paths,
            seed: options.seed,
            method: options.method(),
        }
    }

    pub fn empty_accumulator(&self, capacity: usize) -> Accumulator {
        Accumulator {
            paths: 0,
            targets: self
                .targets
                .iter()
                .map(|(amount, _)| {
                    TargetAccumulator::new(*amount, self.horizon, self.method, capacity)
                })
                .collect(),
            streams: vec![StreamAccumulator::default(); self.streams.len()],
        }
    }

    pub fn run_block(&self, index: u64) -> Accumulator {
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

        let size = h * n;
        let mut revenue = vec![0.0; self.segments * size];
        for ((model, key, segment), stream) in self.streams.iter().zip(acc.streams.iter_mut()) {
            let out = &mut revenue[segment * size..(segment + 1) * size];
            stream.add(model.simulate(&block, *key, out));
        }
        for ((_, segments), target) in self.targets.iter().zip(acc.targets.iter_mut()) {
            for p in 0..n {
                let mut total = 0.0;
                for m in 0..h {
                    let value: f64 = segments.iter().map(|s| revenue[s * size + m * n + p]).sum();
                    target.push_month(m, value);
                    total += value;
                }
                target.push_total(total);
            }
        }
        acc
    }
}
