//! Merging part files: checking that they make one whole run, then folding
//! them, in shard order, into the result one run would have given.
//!
//! A merge reads every file twice: once for its header (all of them are
//! checked before any work: same run, every shard once), then once more,
//! in shard order, for its accumulators, which are appended to a running
//! [`Tree`] and dropped. It holds one part at a time beyond the running
//! total. With the sketch that total is a few sketches; with exact
//! quantiles it holds every path's value of every series (8 bytes per
//! path, per target, per month + 1), as a single run does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::part::{Header, Kind, Part, PartError, SourceFile, header_of};
use crate::engine::{self, QuantileChoice, RunOptions, RunResult, Tree};
use crate::scenario::Scenario;
use crate::stats::QuantileMethod;
use crate::sweep::{self, Sweep, SweepResult};

/// A checked set of parts: one per shard, in shard order.
#[derive(Debug)]
pub struct PartSet {
    /// Each file and its header, by shard.
    pub parts: Vec<(PathBuf, Header)>,
}

/// The fields that must agree across the parts of one run, with their
/// names for a message.
fn same_run(a: &Header, b: &Header) -> Option<&'static str> {
    [
        ("kind (run or sweep)", a.kind == b.kind),
        ("engine version", a.engine_version == b.engine_version),
        ("scenario (its hash)", a.scenario_hash == b.scenario_hash),
        ("seed", a.seed == b.seed),
        ("paths", a.paths == b.paths),
        ("quantile method", a.quantiles == b.quantiles),
        ("number of shards", a.shards == b.shards),
        ("--set overrides", a.overrides == b.overrides),
        ("input files", a.files == b.files),
        ("number of jobs", a.jobs == b.jobs),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(what, _)| what)
}

fn describe(h: &Header, what: &str) -> String {
    match what {
        "kind (run or sweep)" => h.kind.as_str().to_string(),
        "engine version" => h.engine_version.clone(),
        "scenario (its hash)" => h.scenario_hash.clone(),
        "seed" => h.seed.to_string(),
        "paths" => h.paths.to_string(),
        "quantile method" => format!("{:?}", h.quantiles).to_lowercase(),
        "number of shards" => h.shards.to_string(),
        "--set overrides" => format!("{:?}", h.overrides),
        "input files" => h
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        _ => h.jobs.to_string(),
    }
}

impl PartSet {
    /// Reads every file's header and checks that together they are every
    /// shard of one run, once each: refuses no files, files that are not
    /// parts or are damaged, parts of different runs (naming both files
    /// and what differs), duplicates (naming them) and missing shards
    /// (listing them, to be rerun).
    pub fn check(files: &[PathBuf]) -> Result<PartSet, PartError> {
        if files.is_empty() {
            return Err(PartError(
                "no part files given: simulate merge PART... (the files that \
                 `simulate ... --shard K/N --out FILE` wrote)"
                    .into(),
            ));
        }
        let mut parts: Vec<(PathBuf, Header)> = Vec::with_capacity(files.len());
        for file in files {
            let bytes = std::fs::read(file)
                .map_err(|e| PartError(format!("cannot read {}: {e}", file.display())))?;
            let header = header_of(&bytes, &file.display().to_string())?;
            if let Some((first, h)) = parts.first()
                && let Some(what) = same_run(h, &header)
            {
                return Err(PartError(format!(
                    "{} and {} are parts of different runs: their {what} differ ({} against {}); \
                     merge the parts of one run",
                    first.display(),
                    file.display(),
                    describe(h, what),
                    describe(&header, what)
                )));
            }
            let expected = super::Shard::new(header.shard, header.shards)
                .map(|s| s.range(header.jobs))
                .ok();
            if expected != Some(header.first_job..header.end_job) {
                return Err(PartError(format!(
                    "{} is corrupt: shard {}/{} does not hold the jobs it should; rerun it",
                    file.display(),
                    header.shard,
                    header.shards
                )));
            }
            parts.push((file.clone(), header));
        }
        parts.sort_by_key(|(_, h)| h.shard);
        let mut duplicates = Vec::new();
        for pair in parts.windows(2) {
            if pair[0].1.shard == pair[1].1.shard {
                duplicates.push(format!(
                    "shard {} is in both {} and {}",
                    pair[0].1.shard,
                    pair[0].0.display(),
                    pair[1].0.display()
                ));
            }
        }
        if !duplicates.is_empty() {
            return Err(PartError(format!(
                "a shard was given twice: {}; give each shard once",
                duplicates.join("; ")
            )));
        }
        let shards = parts[0].1.shards;
        if parts.len() as u64 != shards {
            let mut have = parts.iter().map(|(_, h)| h.shard).peekable();
            let mut missing = Vec::new();
            for k in 0..shards {
                if have.peek() == Some(&k) {
                    have.next();
                } else {
                    missing.push(k);
                }
            }
            let shown: Vec<String> = missing.iter().take(50).map(|k| k.to_string()).collect();
            let more = if missing.len() > 50 { ", ..." } else { "" };
            return Err(PartError(format!(
                "{} of {shards} shards are missing: {}{more}; rerun {} (--shard K/{shards} for \
                 each K listed) and merge again",
                missing.len(),
                shown.join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            )));
        }
        Ok(PartSet { parts })
    }

    /// The header every part shares (but for its shard).
    pub fn header(&self) -> &Header {
        &self.parts[0].1
    }

    /// The run's options: its paths, seed and quantile method.
    pub fn options(&self) -> RunOptions {
        let h = self.header();
        RunOptions {
            paths: h.paths,
            seed: h.seed,
            threads: 0,
            quantiles: match h.quantiles {
                QuantileMethod::Exact => QuantileChoice::Exact,
                QuantileMethod::Sketch => QuantileChoice::Sketch,
            },
        }
    }

    /// The shards' threads, summed, and the slowest shard's time.
    fn effort(&self) -> (usize, Duration) {
        let threads = self.parts.iter().map(|(_, h)| h.threads as usize).sum();
        let slowest = self
            .parts
            .iter()
            .map(|(_, h)| h.elapsed_seconds)
            .fold(0.0, f64::max);
        (
            threads,
            Duration::try_from_secs_f64(slowest).unwrap_or_default(),
        )
    }

    /// Each part in shard order, read again and checked to be the one
    /// whose header was checked.
    fn each_part(&self) -> impl Iterator<Item = Result<(&Path, Part), PartError>> {
        self.parts.iter().map(|(path, header)| {
            let part = Part::read(path)?;
            if &part.header != header {
                return Err(PartError(format!(
                    "{} changed while it was being merged; merge again",
                    path.display()
                )));
            }
            Ok((path.as_path(), part))
        })
    }

    /// The scenario the run ran, rebuilt from the text the parts carry,
    /// `--set` applied, and checked against their hash.
    pub fn scenario(&self) -> Result<Scenario, PartError> {
        let h = self.header();
        let (Kind::Run, [file]) = (h.kind, h.files.as_slice()) else {
            return Err(PartError(format!(
                "{} holds a {}, not a run",
                self.parts[0].0.display(),
                h.kind.as_str()
            )));
        };
        let mut scenario =
            Scenario::parse(&file.text, &file.path).map_err(|e| self.unreadable(&e.to_string()))?;
        for assignment in &h.overrides {
            scenario
                .set_assignment(assignment)
                .map_err(|e| self.unreadable(&e.to_string()))?;
        }
        self.check_hash(&scenario)?;
        Ok(scenario)
    }

    /// The sweep the run ran, rebuilt from the texts the parts carry.
    pub fn sweep(&self) -> Result<Sweep, PartError> {
        let h = self.header();
        let (Kind::Sweep, [file, scenario]) = (h.kind, h.files.as_slice()) else {
            return Err(PartError(format!(
                "{} holds a {}, not a sweep",
                self.parts[0].0.display(),
                h.kind.as_str()
            )));
        };
        let folder = Path::new(&file.path).parent().unwrap_or(Path::new(""));
        let given = SourceFile {
            path: scenario.path.clone(),
            text: scenario.text.clone(),
        };
        let mut sweep =
            Sweep::parse_given(&file.text, &file.path, folder, &given.path, &given.text)
                .map_err(|e| self.unreadable(&e.to_string()))?;
        for assignment in &h.overrides {
            sweep
                .set_assignment(assignment)
                .map_err(|e| self.unreadable(&e.to_string()))?;
        }
        self.check_hash(&sweep.scenario)?;
        Ok(sweep)
    }

    fn unreadable(&self, why: &str) -> PartError {
        PartError(format!(
            "the scenario carried by {} does not load in this simulate ({}): {why}",
            self.parts[0].0.display(),
            env!("CARGO_PKG_VERSION")
        ))
    }

    fn check_hash(&self, scenario: &Scenario) -> Result<(), PartError> {
        let h = self.header();
        if scenario.hash() == h.scenario_hash {
            Ok(())
        } else {
            Err(PartError(format!(
                "the scenario carried by {} gives hash {}, not the {} it was run with; \
                 merge with the simulate that ran the shards",
                self.parts[0].0.display(),
                scenario.hash(),
                h.scenario_hash
            )))
        }
    }

    /// Merges the parts of a run into its result, finished by the same
    /// code as a single run's.
    pub fn merge_run(&self, scenario: &Scenario) -> Result<RunResult, PartError> {
        let started = Instant::now();
        let options = self.options();
        let shape = engine::empty_accumulator(scenario, &options, false);
        let mut tree = Tree::new(engine::empty_accumulator(scenario, &options, false));
        for part in self.each_part() {
            let (path, part) = part?;
            for piece in part.pieces {
                if piece.point != 0 || !piece.tree.fits(&shape) {
                    return Err(mismatch(path));
                }
                tree.append(piece.tree);
            }
        }
        if tree.paths() != options.paths {
            return Err(PartError(format!(
                "the parts hold {} paths, not the run's {}; rerun the shards",
                tree.paths(),
                options.paths
            )));
        }
        let (threads, slowest) = self.effort();
        let mut result = engine::finish(tree.finish(), &options, threads, Duration::ZERO);
        result.elapsed = slowest + started.elapsed();
        Ok(result)
    }

    /// Merges the parts of a sweep into its rows, a point at a time, each
    /// finished by the same code as a single sweep's.
    pub fn merge_sweep(&self, sweep: &Sweep) -> Result<SweepResult, PartError> {
        let started = Instant::now();
        let options = self.options();
        let points = sweep.points(options.seed);
        let (threads, slowest) = self.effort();
        let mut rows = Vec::with_capacity(usize::try_from(points.len()).unwrap_or(0));
        let mut current: Option<(u64, Tree, engine::Accumulator)> = None;
        let mut done = |point: u64, tree: Tree| -> Result<(), PartError> {
            if point != rows.len() as u64 || tree.paths() != options.paths {
                return Err(PartError(format!(
                    "point {point} of the sweep is not whole in the parts; rerun the shards"
                )));
            }
            let result = engine::finish(tree.finish(), &options, threads, Duration::ZERO);
            rows.push(sweep::run::row(points.get(point), &result));
            Ok(())
        };
        for part in self.each_part() {
            let (path, part) = part?;
            for piece in part.pieces {
                if piece.point >= points.len() {
                    return Err(mismatch(path));
                }
                let same = matches!(&current, Some((p, _, _)) if *p == piece.point);
                if !same {
                    if let Some((point, tree, _)) = current.take() {
                        done(point, tree)?;
                    }
                    let variant = sweep
                        .variant(&points.get(piece.point))
                        .map_err(|e| PartError(e.to_string()))?;
                    let shape = engine::empty_accumulator(&variant, &options, true);
                    current = Some((piece.point, Tree::new(shape.clone()), shape));
                }
                let Some((_, tree, shape)) = &mut current else {
                    continue;
                };
                if !piece.tree.fits(shape) {
                    return Err(mismatch(path));
                }
                tree.append(piece.tree);
            }
        }
        if let Some((point, tree, _)) = current.take() {
            done(point, tree)?;
        }
        if rows.len() as u64 != points.len() {
            return Err(PartError(format!(
                "the parts hold {} of the sweep's {} points; rerun the shards",
                rows.len(),
                points.len()
            )));
        }
        Ok(sweep::run::assemble(
            sweep,
            &options,
            rows,
            threads,
            slowest + started.elapsed(),
        ))
    }
}

fn mismatch(path: &Path) -> PartError {
    PartError(format!(
        "{} does not hold what its header says (accumulators of another shape); rerun its shard",
        path.display()
    ))
}
