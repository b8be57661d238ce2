//! `--shard K/N`: one shard of a run or sweep, written as a part file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;
use revsim::engine::{RunOptions, block_count};
use revsim::output::write_atomic;
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::report::money::thousands;
use revsim::rng::BLOCK_PATHS;
use revsim::scenario::{Scenario, read_text};
use revsim::shard::Shard;
use revsim::shard::part::{Part, SourceFile};
use revsim::shard::run::Provenance;
use revsim::sweep::{Sweep, SweepError};

/// The shard `--shard` names, and the part file it goes to, checked
/// before anything runs: a bad `K/N`, `slurm` outside an array job, no
/// `--out`, or flags that write reports (a shard writes only its part;
/// the report comes from `simulate merge`).
pub fn plan(
    spec: &str,
    out: Option<&PathBuf>,
    report: Option<&PathBuf>,
    samples: Option<&PathBuf>,
    inputs: &[&Path],
) -> Result<(Shard, PathBuf)> {
    let shard = Shard::parse(spec, |name| std::env::var(name).ok()).map_err(UsageError)?;
    let Some(out) = out else {
        return Err(UsageError(format!(
            "--shard {spec}: give --out FILE, where the shard's part file is written \
             (then `simulate merge PART...` gives the report)"
        ))
        .into());
    };
    for (flag, given) in [("--report", report), ("--samples", samples)] {
        if let Some(path) = given {
            return Err(UsageError(format!(
                "{flag} {}: a shard writes only its part file; give {flag} to \
                 `simulate merge` (--report) or to a single run (--samples)",
                path.display()
            ))
            .into());
        }
    }
    super::check_out("--out", out, inputs)?;
    Ok((shard, out.clone()))
}

/// A file's text as read for the part, checked to be what was loaded.
fn source(path: &Path) -> Result<SourceFile> {
    let text = read_text(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(SourceFile {
        path: path.display().to_string(),
        text,
    })
}

/// Runs a shard of a run of `scenario` and writes its part.
pub fn run(
    file: &Path,
    scenario: &Scenario,
    sets: &[String],
    options: &RunOptions,
    shard: Shard,
    out: &Path,
    quiet: bool,
) -> Result<()> {
    let files = vec![source(file)?];
    let mut again = Scenario::parse(&files[0].text, &files[0].path)?;
    for assignment in sets {
        again
            .set_assignment(assignment)
            .map_err(revsim::scenario::ScenarioError::from)?;
    }
    if again.hash() != scenario.hash() {
        anyhow::bail!(
            "{} changed while it was being read; run again",
            file.display()
        );
    }
    let blocks = shard.range(block_count(options.paths));
    let paths = shard_paths(blocks.clone(), options.paths);
    install_interrupt_handler();
    let progress = Progress::new(paths, "paths", quiet);
    let provenance = Provenance {
        files,
        overrides: sets.to_vec(),
    };
    let part = revsim::shard::run::run(scenario, options, shard, provenance, &progress);
    progress.finish();
    let part = part.context("the shard did not finish")?;
    let what = format!(
        "blocks {}..{} of {} ({} paths) of {}",
        blocks.start,
        blocks.end,
        block_count(options.paths),
        thousands(paths),
        file.display()
    );
    write_part(&part, shard, &what, out)
}

/// Runs a shard of `sweep` and writes its part.
pub fn sweep(
    file: &Path,
    sweep: &Sweep,
    options: &RunOptions,
    shard: Shard,
    out: &Path,
    quiet: bool,
) -> Result<()> {
    let files = vec![source(file)?, source(Path::new(&sweep.scenario.origin))?];
    let jobs = sweep
        .points(options.seed)
        .len()
        .saturating_mul(block_count(options.paths));
    let range = shard.range(jobs);
    let blocks = block_count(options.paths);
    let paths: u64 = range
        .clone()
        .map(|job| shard_paths(job % blocks..job % blocks + 1, options.paths))
        .sum();
    install_interrupt_handler();
    let progress = Progress::new(paths, "paths", quiet);
    let provenance = Provenance {
        files,
        overrides: sweep.overrides.clone(),
    };
    let part = revsim::shard::run::sweep(sweep, options, shard, provenance, &progress);
    progress.finish();
    let part = part.map_err(|e| match e {
        SweepError::Scenario(e) => anyhow::Error::new(e),
        SweepError::Engine(e) => anyhow::Error::new(e).context("the shard did not finish"),
    })?;
    let what = format!(
        "(point, block) jobs {}..{} of {jobs} ({} paths) of {}",
        range.start,
        range.end,
        thousands(paths),
        file.display()
    );
    write_part(&part, shard, &what, out)
}

/// Paths in blocks `blocks` of a run of `paths`.
fn shard_paths(blocks: std::ops::Range<u64>, paths: u64) -> u64 {
    let at = |b: u64| (b * BLOCK_PATHS as u64).min(paths);
    at(blocks.end) - at(blocks.start)
}

fn write_part(part: &Part, shard: Shard, what: &str, out: &Path) -> Result<()> {
    let bytes = part.to_bytes().map_err(|e| anyhow::anyhow!(e.0))?;
    write_atomic(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "shard {shard}: {what} -> {} ({} bytes, {:.2} s)",
        out.display(),
        thousands(bytes.len() as u64),
        part.header.elapsed_seconds
    );
    Ok(())
}
