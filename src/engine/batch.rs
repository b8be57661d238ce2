//! Many variants of one scenario in one parallel run: what sweeps and the
//! solver need.
//!
//! Every variant runs with the same seed and path count, so block `b` of
//! every variant draws from the same generators: common random numbers,
//! and differences between variants come from their parameters alone.
//!
//! All (variant, block) jobs are laid end to end, variant-major, and run on
//! one pool exactly as a single run's blocks are, merged in order as they
//! finish with no barrier. A sweep of many short variants therefore keeps
//! every core as busy as one long run, rather than paying a barrier and a
//! partial chunk per variant. Each variant's blocks are merged in block
//! order into an accumulator built as [`super::accumulate`] builds it, so
//! a variant's totals, hits, shortfall, moments and stream sums are the
//! same bits as a single run of that variant, whatever the thread count.
//!
//! Monthly statistics are not kept: they hold a value per path per month,
//! and sweeps report only horizon totals. The results passed on therefore
//! have an empty `monthly` list.

use std::ops::Range;
use std::time::Instant;

use super::block::Plan;
use super::precision::Precision;
use super::{
    EngineError, Observer, RunOptions, RunResult, Tree, block_count, exact_capacity, finish,
    ordered, plan_to_precision, resolve_threads,
};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;

/// A pool of `threads` workers, one per core when `threads` is 0.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, EngineError> {
    let threads = resolve_threads(threads);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Threads {
            threads,
            message: e.to_string(),
        })
}

/// Runs every scenario of `variants` with the paths and seed of `options`,
/// calling `finished(index, result)` for each variant as soon as its last
/// block is merged, in index order.
///
/// Passing results on at once, rather than returning them together, keeps
/// memory at one variant's quantile store (plus the blocks in flight)
/// however many variants there are. The observer hears the paths done over
/// all variants, and is asked whether to stop before every block.
pub fn run_batch(
    variants: &[Scenario],
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
    mut finished: impl FnMut(usize, RunResult) + Send,
) -> Result<(), EngineError> {
    let started = Instant::now();
    let threads = pool.current_num_threads();
    let jobs = block_count(options.paths).saturating_mul(variants.len() as u64);
    accumulate_jobs(
        variants,
        options,
        pool,
        observer,
        0..jobs,
        |variant, tree| {
            finished(
                variant,
                finish(tree.finish(), options, threads, started.elapsed()),
            );
        },
    )
}

/// Runs jobs `jobs` of the (variant, block) jobs of `variants`, laid end
/// to end variant-major (job `v · blocks + b` is block `b` of variant
/// `v`), and calls `folded(variant, tree)` with each variant's blocks
/// among them, folded into a [`Tree`], as soon as its last one is merged,
/// in variant order: every block of a variant for a whole batch, or a
/// range of them for a shard of a distributed sweep.
pub fn accumulate_jobs(
    variants: &[Scenario],
    options: &RunOptions,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
    jobs: Range<u64>,
    mut folded: impl FnMut(usize, Tree) + Send,
) -> Result<(), EngineError> {
    if options.paths < super::MIN_PATHS {
        return Err(EngineError::NoPaths);
    }
    let plans: Vec<Plan> = variants
        .iter()
        .map(|s| Plan::totals_only(s, options))
        .collect();
    let blocks = block_count(options.paths);
    let all = blocks.saturating_mul(variants.len() as u64);
    let jobs = jobs.start.min(all)..jobs.end.min(all);
    let first = jobs.start;
    let paths_of = |job: u64| {
        let block = job % blocks;
        (options.paths - block * BLOCK_PATHS as u64).min(BLOCK_PATHS as u64)
    };
    let total_paths: u64 = if jobs.end - first == all {
        options.paths.saturating_mul(variants.len() as u64)
    } else {
        jobs.clone().map(paths_of).sum()
    };
    let capacity = exact_capacity(options);

    // The variant being merged; variant-major order means only one is
    // ever partly merged.
    let mut current: Option<Tree> = None;
    let mut done = 0;
    let mut gave_up = false;
    let complete = ordered::in_order(
        pool,
        jobs.end - first,
        total_paths,
        observer,
        |j| {
            let job = first + j;
            plans[(job / blocks) as usize].run_block(job % blocks, &|| observer.should_stop())
        },
        |j, part| {
            // A block given up at a stop interrupts the batch: nothing
            // after it is merged or passed on.
            let Some(part) = part.filter(|_| !gave_up) else {
                gave_up = true;
                return done;
            };
            let job = first + j;
            let (variant, block) = ((job / blocks) as usize, job % blocks);
            done += part.paths;
            current
                .get_or_insert_with(|| Tree::new(plans[variant].empty_accumulator(capacity)))
                .push_block(block, part);
            if (block + 1 == blocks || job + 1 == jobs.end)
                && let Some(tree) = current.take()
            {
                folded(variant, tree);
            }
            done
        },
    );
    if !complete || gave_up {
        return Err(EngineError::Interrupted {
            done,
            total: total_paths,
        });
    }
    Ok(())
}

/// Runs one variant until `precision` holds, keeping horizon totals only
/// as [`run_batch`] does: a sweep's point run to a precision. Its result
/// is that of [`run_batch`] for the paths it stopped at, to the bit.
pub fn run_to_precision(
    variant: &Scenario,
    options: &RunOptions,
    precision: &Precision,
    pool: &rayon::ThreadPool,
    observer: &dyn Observer,
) -> Result<RunResult, EngineError> {
    plan_to_precision(variant, options, precision, pool, observer, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Silent, run};

    fn scenario(churn: f64) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"t\"\nhorizon_months = 6\n\
             [[target]]\nname = \"T\"\namount = 5e6\n\
             [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\nvolatility = 0.1\n\
             churn = {{ probability = {churn}, retain = 0.2 }}\n\
             [[client]]\nname = \"B\"\nsegment = \"s\"\nmonthly_spend = 0.5e6\nvolatility = 0.2\n"
        );
        Scenario::parse(&text, "t.toml").expect("valid scenario")
    }

    fn options(paths: u64, threads: usize) -> RunOptions {
        RunOptions {
            paths,
            seed: 11,
            threads,
            quantiles: Default::default(),
        }
    }

    fn batch(variants: &[Scenario], options: &RunOptions) -> Vec<RunResult> {
        let pool = thread_pool(options.threads).unwrap();
        let mut results = Vec::new();
        run_batch(variants, options, &pool, &Silent, |i, r| {
            assert_eq!(i, results.len(), "variants finish in order");
            results.push(r);
        })
        .unwrap();
        results
    }

    /// A variant of a batch is, bit for bit, a single run of it: the
    /// second method the batch is checked against.
    #[test]
    fn each_variant_matches_a_single_run() {
        let variants: Vec<Scenario> = [0.0, 0.3, 0.9].map(scenario).into();
        // 5,000 paths: four full blocks and a partial one.
        for threads in [1, 2, 3] {
            let options = options(5_000, threads);
            let results = batch(&variants, &options);
            assert_eq!(results.len(), 3);
            for (variant, got) in variants.iter().zip(&results) {
                let want = run(variant, &options, &Silent).unwrap();
                let (g, w) = (&got.targets[0], &want.targets[0]);
                assert_eq!(g.hits, w.hits);
                assert_eq!(g.moments, w.moments);
                assert_eq!(g.shortfall_sum.to_bits(), w.shortfall_sum.to_bits());
                for q in [0.05, 0.5, 0.95] {
                    assert_eq!(
                        g.totals.quantile(q).to_bits(),
                        w.totals.quantile(q).to_bits()
                    );
                }
                assert_eq!(got.streams, want.streams);
                assert!(g.monthly.is_empty());
            }
        }
    }

    #[test]
    fn stops_when_asked_and_says_how_far_it_got() {
        struct Stop;
        impl Observer for Stop {
            fn should_stop(&self) -> bool {
                true
            }
        }
        let pool = thread_pool(1).unwrap();
        let err = run_batch(
            &[scenario(0.1)],
            &options(2_000, 1),
            &pool,
            &Stop,
            |_, _| panic!("nothing finishes"),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            EngineError::Interrupted {
                done: 0,
                total: 2_000
            }
        ));
    }

    #[test]
    fn no_variants_is_no_work_and_zero_paths_is_refused() {
        let pool = thread_pool(1).unwrap();
        assert!(run_batch(&[], &options(100, 1), &pool, &Silent, |_, _| ()).is_ok());
        assert!(matches!(
            run_batch(&[scenario(0.1)], &options(0, 1), &pool, &Silent, |_, _| ()),
            Err(EngineError::NoPaths)
        ));
    }
}
