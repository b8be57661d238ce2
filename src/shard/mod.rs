//! Distributed runs: a run or sweep cut into shards that run anywhere,
//! each writing a part file, merged into the report one machine would give.
//!
//! A shard `K/N` takes a contiguous range of the run's jobs: blocks of
//! paths for a run, (point, block) pairs laid end to end point-major for a
//! sweep. Contiguous rather than round-robin because the engine combines
//! blocks in a fixed binary tree (see [`crate::engine::Tree`]): a range of
//! blocks folds into a few nodes of that tree (at most two a level), which
//! is all a part needs to carry besides the quantile stores, whereas every
//! `N`-th block would leave every block's moments to be carried apart. The
//! merge appends the parts' trees in shard order and finishes the total
//! with the same code as a single run ([`crate::engine::finish`]), so the
//! report is the same bits.
//!
//! - [`Shard`]: `K/N`, or Slurm's array variables;
//! - [`part`]: the part file (what a shard writes) and its checks;
//! - [`mod@run`]: running a shard into a part;
//! - [`merge`]: checking a set of parts and folding them into a report.

pub mod merge;
pub mod part;
pub mod run;

use std::ops::Range;

/// One shard of `count`: the `index`-th (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// The most shards a run may be cut into.
pub const MAX_SHARDS: u64 = 1_000_000;

impl Shard {
    /// Reads `K/N` (0 ≤ K < N), or `slurm`: `SLURM_ARRAY_TASK_ID` less
    /// `SLURM_ARRAY_TASK_MIN` (0 when unset) of `SLURM_ARRAY_TASK_COUNT`,
    /// read through `var` (the environment, or a test's). The error says
    /// what is allowed.
    pub fn parse(text: &str, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let allowed = "give K/N with 0 <= K < N (K counts from 0), or `slurm` inside a Slurm \
                       array job";
        if text.trim().eq_ignore_ascii_case("slurm") {
            let read =
                |name: &str| -> Result<Option<u64>, String> {
                    match var(name) {
                        None => Ok(None),
                        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                            format!("--shard slurm: {name}={v:?} is not a whole number")
                        }),
                    }
                };
            let (Some(id), Some(count)) = (
                read("SLURM_ARRAY_TASK_ID")?,
                read("SLURM_ARRAY_TASK_COUNT")?,
            ) else {
                return Err(
                    "--shard slurm: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not both \
                     set; run it as a task of an array job (sbatch --array=0-15), or give \
                     --shard K/N"
                        .into(),
                );
            };
            let min = read("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let index = id.checked_sub(min).ok_or_else(|| {
                format!(
                    "--shard slurm: SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                )
            })?;
            return Shard::new(index, count).map_err(|e| {
                format!(
                    "--shard slurm: task {id} (from {min}) of {count}: {e}; the array must be \
                     one range, such as --array=0-{}",
                    count.saturating_sub(1)
                )
            });
        }
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: {allowed}"))?;
        let number = |s: &str| s.trim().parse::<u64>().ok();
        let (Some(k), Some(n)) = (number(k), number(n)) else {
            return Err(format!("--shard {text}: {allowed}"));
        };
        Shard::new(k, n).map_err(|e| format!("--shard {text}: {e}; {allowed}"))
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("there must be at least one shard".into());
        }
        if count > MAX_SHARDS {
            return Err(format!("at most {MAX_SHARDS} shards"));
        }
        if index >= count {
            return Err(format!(
                "shard {index} is not one of 0..{} (K counts from 0)",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's range of `jobs` jobs: `⌊K·jobs/N⌋ .. ⌊(K+1)·jobs/N⌋`,
    /// so that every job is in exactly one shard and shards differ in
    /// size by one job at most.
    pub fn range(&self, jobs: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(jobs) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn reads_k_of_n_and_refuses_what_is_not_one() {
        assert_eq!(
            Shard::parse("3/16", env(&[])),
            Ok(Shard {
                index: 3,
                count: 16
            })
        );
        for bad in ["5/4", "0/0", "4/4", "-1/4", "a/b", "3", "", "1/2/3"] {
            let e = Shard::parse(bad, env(&[])).unwrap_err();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn reads_slurm_array_variables() {
        let vars = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(Shard::parse("slurm", env(&vars)), Shard::new(2, 4));
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(Shard::parse("slurm", env(&from_one)), Shard::new(3, 4));
        let e = Shard::parse("slurm", env(&[])).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
        let gap = [
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert!(Shard::parse("slurm", env(&gap)).is_err());
    }

    #[test]
    fn ranges_cover_every_job_once() {
        for jobs in [0, 1, 5, 98, 1000] {
            for n in [1, 2, 3, 7, 16] {
                let mut next = 0;
                for k in 0..n {
                    let r = Shard::new(k, n).unwrap().range(jobs);
                    assert_eq!(r.start, next);
                    assert!(r.end - r.start <= jobs.div_ceil(n));
                    next = r.end;
                }
                assert_eq!(next, jobs);
            }
        }
    }
}
