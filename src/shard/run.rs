//! Running one shard: its range of the jobs, folded into a part.

use std::time::Instant;

use super::Shard;
use super::part::{Header, Kind, Part, Piece, SourceFile};
use crate::engine::batch::thread_pool;
use crate::engine::{self, EngineError, Observer, RunOptions, block_count};
use crate::scenario::Scenario;
use crate::sweep::{Sweep, SweepError};

/// What a shard records of how it was asked to run: the files it read and
/// the `--set` assignments, which the merge needs to rebuild the report.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub files: Vec<SourceFile>,
    pub overrides: Vec<String>,
}

/// Runs `shard`'s range of the blocks of a run of `scenario` with
/// `options` (whose paths are the whole run's) into a part.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    shard: Shard,
    provenance: Provenance,
    observer: &dyn Observer,
) -> Result<Part, EngineError> {
    let started = Instant::now();
    let pool = thread_pool(options.threads)?;
    let jobs = block_count(options.paths);
    let range = shard.range(jobs);
    let tree = engine::accumulate_blocks(scenario, options, &pool, observer, range.clone())?;
    let header = header(
        Kind::Run,
        scenario,
        options,
        shard,
        jobs,
        range,
        provenance,
        pool.current_num_threads(),
        started,
    );
    Ok(Part {
        header,
        pieces: vec![Piece { point: 0, tree }],
    })
}

/// Runs `shard`'s range of the (point, block) jobs of `sweep` into a
/// part: a piece for every point it touches.
pub fn sweep(
    sweep: &Sweep,
    options: &RunOptions,
    shard: Shard,
    provenance: Provenance,
    observer: &dyn Observer,
) -> Result<Part, SweepError> {
    let started = Instant::now();
    let pool = thread_pool(options.threads)?;
    let jobs = sweep
        .points(options.seed)
        .len()
        .saturating_mul(block_count(options.paths));
    let range = shard.range(jobs);
    let mut pieces = Vec::new();
    crate::sweep::run::fold_points(
        sweep,
        options,
        &pool,
        observer,
        range.clone(),
        |point, tree| {
            pieces.push(Piece { point, tree });
        },
    )?;
    let header = header(
        Kind::Sweep,
        &sweep.scenario,
        options,
        shard,
        jobs,
        range,
        provenance,
        pool.current_num_threads(),
        started,
    );
    Ok(Part { header, pieces })
}

#[allow(clippy::too_many_arguments)]
fn header(
    kind: Kind,
    scenario: &Scenario,
    options: &RunOptions,
    shard: Shard,
    jobs: u64,
    range: std::ops::Range<u64>,
    provenance: Provenance,
    threads: usize,
    started: Instant,
) -> Header {
    Header {
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
        kind,
        scenario_hash: scenario.hash(),
        seed: options.seed,
        paths: options.paths,
        quantiles: options.method(),
        shard: shard.index,
        shards: shard.count,
        jobs,
        first_job: range.start,
        end_job: range.end,
        overrides: provenance.overrides,
        files: provenance.files,
        threads: threads as u64,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    }
}
