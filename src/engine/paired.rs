//! Several scenarios run path by path side by side, for comparing them.
//!
//! Every scenario runs with the same seed and paths, so block `b` of each
//! draws from the same generators, and a stream with the same kind and id
//! draws the same numbers in every scenario (see [`crate::rng`]). A job is
//! one block of every scenario; besides each scenario's own accumulator it
//! keeps, for each compared target and each scenario after the first, the
//! moments of the path-by-path differences from the first scenario, of
//! revenue and of the hit indicator. Their variance is what pairing gains:
//! Var(R_B − R_A) = Var(R_A) + Var(R_B) − 2 Cov(R_A, R_B). Jobs are merged
//! in block order, so the result is the same bits whatever the threads.

use std::time::Instant;

use super::block::Plan;
use super::precision::{Precision, Stopping, Watch};
use super::{
    Accumulator, EngineError, Observer, RunOptions, RunResult, Tree, exact_capacity, finish,
    ordered,
};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;
use crate::stats::Moments;

/// The path-by-path difference of one scenario from the first, on one
/// target.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairedDifference {
    /// Moments of R_i − R_0.
    pub revenue: Moments,
    /// Moments of 1{R_i ≥ amount_i} − 1{R_0 ≥ amount_0}.
    pub hit: Moments,
}

/// Each scenario's own result, and the paired differences.
#[derive(Debug)]
pub struct PairedResult {
    pub results: Vec<RunResult>,
    /// `differences[j][i - 1]`: compared target `j`, scenario `i` against
    /// scenario 0.
    pub differences: Vec<Vec<PairedDifference>>,
}

/// What one block of every scenario leaves behind.
struct Part {
    accumulators: Vec<Accumulator>,
    differences: Vec<Vec<PairedDifference>>,
}

/// Runs every scenario with the paths and seed of `options`. `targets[j]`
/// gives, for compared target `j`, its index in each scenario.
pub fn run_paired(
    scenarios: &[Scenario],
    targets: &[Vec<usize>],
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<PairedResult, EngineError> {
    paired(scenarios, targets, options, None, pool, observer)
}

/// Runs every scenario side by side until `precision` holds for each of
/// them (every target of every scenario), at a checkpoint of the block
/// order (see [`super::precision`]), or its `max_paths` are drawn. The
/// scenarios stop together, so their paths stay paired; each result's
/// `stopping` says where and why, and everything is the run of
/// [`run_paired`] for that many paths, to the bit.
pub fn run_paired_to_precision(
    scenarios: &[Scenario],
    targets: &[Vec<usize>],
    options: &RunOptions,
    precision: &Precision,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<PairedResult, EngineError> {
    let bounded = RunOptions {
        paths: precision.max_paths,
        ..options.clone()
    };
    paired(
        scenarios,
        targets,
        &bounded,
        Some(precision),
        pool,
        observer,
    )
}

fn paired(
    scenarios: &[Scenario],
    targets: &[Vec<usize>],
    options: &RunOptions,
    precision: Option<&Precision>,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<PairedResult, EngineError> {
    if options.paths < super::MIN_PATHS {
        return Err(EngineError::NoPaths);
    }
    let started = Instant::now();
    let plans: Vec<Plan> = scenarios
        .iter()
        .map(|s| Plan::totals_only(s, options))
        .collect();
    let amounts: Vec<Vec<f64>> = scenarios
        .iter()
        .map(|s| s.targets.iter().map(|t| t.amount).collect())
        .collect();
    let blocks = options.paths.div_ceil(BLOCK_PATHS as u64);
    // A run to a precision does not know its paths: exact values grow.
    let capacity = match precision {
        Some(_) => 0,
        None => exact_capacity(options),
    };
    let watch = Watch::new(observer, options.paths, scenarios.len() as u64);
    // Each scenario's blocks fold in the tree a single run uses, so
    // each result is the same bits as that run's.
    let mut trees: Vec<Tree> = plans
        .iter()
        .map(|p| Tree::new(p.empty_accumulator(capacity)))
        .collect();
    let mut differences = empty_differences(targets.len(), scenarios.len());
    let total_paths = options.paths.saturating_mul(scenarios.len() as u64);
    ordered::in_order(
        pool,
        blocks,
        total_paths,
        &watch,
        |b| {
            // Each compared target's revenue in each scenario, path by path.
            let mut kept: Vec<Vec<Vec<f64>>> =
                vec![vec![Vec::new(); scenarios.len()]; targets.len()];
            let accumulators = plans
                .iter()
                .enumerate()
                .filter_map(|(i, plan)| {
                    // Stops are heard between blocks here: every scenario's
                    // block is needed to pair its paths.
                    plan.run_block_seeing(b, &|| false, |t, totals| {
                        for (j, indices) in targets.iter().enumerate() {
                            if indices[i] == t {
                                kept[j][i] = totals.to_vec();
                            }
                        }
                    })
                })
                // Never given up (see above), so every scenario's is here.
                .collect();
            let mut differences = empty_differences(targets.len(), scenarios.len());
            for (j, indices) in targets.iter().enumerate() {
                let first = &kept[j][0];
                let hit = |i: usize, r: f64| f64::from(u8::from(r >= amounts[i][indices[i]]));
                for i in 1..scenarios.len() {
                    let other = &kept[j][i];
                    let revenue: Vec<f64> = other.iter().zip(first).map(|(b, a)| b - a).collect();
                    let hits: Vec<f64> = other
                        .iter()
                        .zip(first)
                        .map(|(&b, &a)| hit(i, b) - hit(0, a))
                        .collect();
                    differences[j][i - 1] = PairedDifference {
                        revenue: Moments::from_slice(&revenue),
                        hit: Moments::from_slice(&hits),
                    };
                }
            }
            Part {
                accumulators,
                differences,
            }
        },
        |b, part| {
            // Blocks run ahead of the checkpoint that stopped the run are
            // dropped: the result is that of the paths up to it.
            if watch.met() {
                return trees.first().map_or(0, Tree::paths) * scenarios.len() as u64;
            }
            for (tree, block) in trees.iter_mut().zip(part.accumulators) {
                tree.push_block(b, block);
            }
            for (mine, theirs) in differences.iter_mut().zip(&part.differences) {
                for (m, t) in mine.iter_mut().zip(theirs) {
                    m.revenue.merge(&t.revenue);
                    m.hit.merge(&t.hit);
                }
            }
            let done = trees.first().map_or(0, Tree::paths);
            if let Some(precision) = precision {
                watch.look(precision, b + 1, blocks, done, trees.iter());
            }
            done * scenarios.len() as u64
        },
    );
    let done = trees.first().map_or(0, Tree::paths);
    let reason = watch.verdict(done, options.paths)?;
    let stopping = precision.map(|precision| Stopping {
        precision: precision.clone(),
        reason,
        paths: done,
    });
    let options = &RunOptions {
        paths: done,
        ..options.clone()
    };
    let threads = pool.current_num_threads();
    let results = pool.install(|| {
        trees
            .into_iter()
            .map(|t| {
                let mut result = finish(t.finish(), options, threads, started.elapsed());
                result.stopping = stopping.clone();
                result
            })
            .collect()
    });
    Ok(PairedResult {
        results,
        differences,
    })
}

fn empty_differences(targets: usize, scenarios: usize) -> Vec<Vec<PairedDifference>> {
    vec![vec![PairedDifference::default(); scenarios.saturating_sub(1)]; targets]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::batch::thread_pool;
    use crate::engine::{Silent, run};

    fn scenario(spend_b: f64) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"t\"\nhorizon_months = 6\n\
             [[target]]\nname = \"T\"\namount = 8e6\n\
             [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\nvolatility = 0.1\n\
             churn = {{ probability = 0.3, retain = 0.2 }}\n\
             [[client]]\nname = \"B\"\nsegment = \"s\"\nmonthly_spend = {spend_b}\nvolatility = 0.2\n"
        );
        Scenario::parse(&text, "t.toml").expect("valid scenario")
    }

    /// Each scenario's result is, bit for bit, a single run of it, and the
    /// paired differences are those of the two runs' paths: checked by
    /// their mean against the difference of the runs' means.
    #[test]
    fn each_scenario_matches_a_single_run() {
        let scenarios = [scenario(0.5e6), scenario(0.7e6)];
        for threads in [1, 2, 3] {
            let options = RunOptions {
                paths: 5_000,
                seed: 3,
                threads,
                quantiles: Default::default(),
            };
            let pool = thread_pool(threads).unwrap();
            let got = run_paired(&scenarios, &[vec![0, 0]], &options, &pool, &Silent).unwrap();
            let runs: Vec<RunResult> = scenarios
                .iter()
                .map(|s| run(s, &options, &Silent).unwrap())
                .collect();
            for (g, w) in got.results.iter().zip(&runs) {
                assert_eq!(g.targets[0].hits, w.targets[0].hits);
                assert_eq!(g.targets[0].moments, w.targets[0].moments);
                assert_eq!(g.streams, w.streams);
            }
            let d = &got.differences[0][0];
            assert_eq!(d.revenue.count(), 5_000);
            let want = runs[1].targets[0].moments.mean() - runs[0].targets[0].moments.mean();
            assert!((d.revenue.mean() - want).abs() < 1e-6 * want.abs());
            let hits = runs[1].targets[0].hits as f64 - runs[0].targets[0].hits as f64;
            assert!((d.hit.mean() - hits / 5_000.0).abs() < 1e-12);
            // B spends 0.2e6 more a month on every path, times its growth
            // index: the difference varies only with B's noise.
            assert!(d.revenue.sd() < runs[0].targets[0].moments.sd());
        }
    }
}
