//! Runs to a stated precision: "P(hit) to within half a point" rather
//! than "100,000 paths".
//!
//! Blocks are merged in block order as in any run, and the rule is looked
//! at only at fixed checkpoints, on the merged total: after blocks 1, 2
//! and 4 (1,024, 2,048 and 4,096 paths, for a coarse precision), then
//! after every [`CHECK_BLOCKS`]-th block, and at the last. The
//! decision depends on the same bits whatever the thread count, so the
//! path count where a run stops, and hence its whole result, does too. A
//! run that stops at N paths is the run of `--paths N` with the same
//! seed and quantile method, to the bit (a test checks it).
//!
//! Checking every 8,192 paths stops at most that many paths after the
//! paths the precision needs: within 25% of them from about 33,000 paths
//! (P(hit) to ±0.5 points needs up to 38,400). Looking repeatedly and
//! stopping at the first success is optional stopping: the half-width of
//! a probability moves with its estimate, so the interval at the stopping
//! point covers slightly less often than 95% when the estimate sits near
//! where the half-width is largest (p near 0.5). With thousands of paths
//! per look the effect is a fraction of a point of coverage; the report
//! states the interval it reached, not a claim of exact coverage.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{EngineError, Observer, Tree};
use crate::stats::{Moments, Z95, wilson_interval};

/// Blocks between two looks at the rule: 8,192 paths.
pub const CHECK_BLOCKS: u64 = 8;

/// The most paths a run to a precision draws unless `--max-paths` says
/// otherwise.
pub const DEFAULT_MAX_PATHS: u64 = 1_000_000_000;

/// What must be met, for every target, before a run stops.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The 95% Wilson interval of P(hit) has a half-width, (hi - lo) / 2,
    /// of at most this (in probability: 0.005 is half a point).
    Probability(f64),
    /// The 95% normal interval of the mean revenue has a half-width of at
    /// most this fraction of the mean's magnitude.
    Mean(f64),
}

impl Rule {
    /// How far from met the rule is: the worst target's half-width over
    /// the one asked (at most 1 when met).
    fn ratio(&self, paths: u64, targets: &[(u64, Moments)]) -> f64 {
        targets
            .iter()
            .map(|(hits, moments)| {
                let achieved = match self {
                    Rule::Probability(_) => probability_half_width(*hits, paths),
                    Rule::Mean(_) => mean_relative_half_width(moments),
                };
                achieved / self.asked()
            })
            .fold(0.0, f64::max)
    }

    pub fn asked(&self) -> f64 {
        match self {
            Rule::Probability(h) | Rule::Mean(h) => *h,
        }
    }

    /// The rule's name in the report and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Probability(_) => "probability",
            Rule::Mean(_) => "mean",
        }
    }
}

/// Half the width of the 95% Wilson interval of `hits` in `paths`.
pub fn probability_half_width(hits: u64, paths: u64) -> f64 {
    let (lo, hi) = wilson_interval(hits, paths, Z95);
    (hi - lo) / 2.0
}

/// Half the width of the 95% interval of a mean, over its magnitude:
/// infinite for a mean of zero, which no finite number of paths pins to a
/// fraction of itself (unless nothing varies: then zero).
pub fn mean_relative_half_width(moments: &Moments) -> f64 {
    let half = Z95 * moments.std_error();
    if half == 0.0 {
        0.0
    } else {
        half / moments.mean().abs()
    }
}

/// A run to a precision: the rules, all of which must hold, and the most
/// paths it may take.
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    pub rules: Vec<Rule>,
    pub max_paths: u64,
}

/// Why a run to a precision stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Every rule held at a checkpoint.
    Precision,
    /// `--max-paths` was reached first.
    MaxPaths,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Precision => "precision",
            Reason::MaxPaths => "max_paths",
        }
    }
}

/// Where and why a run to a precision stopped, and what it reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Stopping {
    pub precision: Precision,
    pub reason: Reason,
    pub paths: u64,
}

impl Precision {
    /// Whether the rules are looked at once `merged` blocks are merged:
    /// at the fixed checkpoints (see the module's notes) and at the last
    /// block (`last`).
    fn is_checkpoint(&self, merged: u64, last: bool) -> bool {
        merged.is_multiple_of(CHECK_BLOCKS) || merged.is_power_of_two() || last
    }

    /// Whether every rule holds for targets of `(hits, moments)` over
    /// `paths` paths, and about how many paths the rules need, from the
    /// worst ratio (half-widths shrink as one over the root of the paths).
    fn check(&self, paths: u64, targets: &[(u64, Moments)]) -> Check {
        let worst = self
            .rules
            .iter()
            .map(|r| r.ratio(paths, targets))
            .fold(0.0, f64::max);
        let needed = if worst.is_finite() {
            ((paths as f64) * worst * worst)
                .ceil()
                .min(self.max_paths as f64) as u64
        } else {
            self.max_paths
        };
        Check {
            met: worst <= 1.0,
            needed: needed.max(paths),
        }
    }
}

/// What a run to a precision shares between the thread that merges blocks
/// and the workers: whether a checkpoint met the rules (which stops the
/// workers) and about how many paths they need (for progress). Several
/// scenarios run side by side (compare) count `scale` paths a path.
pub(super) struct Watch<'a> {
    inner: &'a dyn Observer,
    met: AtomicBool,
    needed: AtomicU64,
    scale: u64,
}

impl<'a> Watch<'a> {
    /// A watch of a run of at most `max_paths` paths of `scale` scenarios.
    pub fn new(inner: &'a dyn Observer, max_paths: u64, scale: u64) -> Self {
        Watch {
            inner,
            met: AtomicBool::new(false),
            needed: AtomicU64::new(max_paths.saturating_mul(scale)),
            scale,
        }
    }

    /// Whether a checkpoint met the rules: blocks merged after it are
    /// dropped, so the result is that of the paths up to it.
    pub fn met(&self) -> bool {
        self.met.load(Ordering::SeqCst)
    }

    /// After `merged` of `blocks` blocks (`done` paths) are in `trees`, one
    /// per scenario: at a checkpoint, looks at every rule on each.
    pub fn look<'t>(
        &self,
        precision: &Precision,
        merged: u64,
        blocks: u64,
        done: u64,
        trees: impl Iterator<Item = &'t Tree>,
    ) {
        if !precision.is_checkpoint(merged, merged == blocks) {
            return;
        }
        let (mut met, mut needed) = (true, 0);
        for tree in trees {
            let check = precision.check(done, &tree.target_summaries());
            met &= check.met;
            needed = needed.max(check.needed);
        }
        self.needed
            .store(needed.saturating_mul(self.scale), Ordering::SeqCst);
        if met {
            self.met.store(true, Ordering::SeqCst);
        }
    }

    /// Why the run ended with `done` of at most `max_paths` paths: the
    /// rules, the bound, or an interruption (an error).
    pub fn verdict(&self, done: u64, max_paths: u64) -> Result<Reason, EngineError> {
        if self.met() {
            Ok(Reason::Precision)
        } else if done == max_paths {
            Ok(Reason::MaxPaths)
        } else {
            Err(EngineError::Interrupted {
                done: done.saturating_mul(self.scale),
                total: self.needed.load(Ordering::SeqCst),
            })
        }
    }
}

/// Passes progress on against the paths the rules are estimated to need,
/// and stops the workers once a checkpoint met them.
impl Observer for Watch<'_> {
    fn progress(&self, done: u64, _total: u64) {
        self.inner
            .progress(done, self.needed.load(Ordering::SeqCst).max(done));
    }

    fn should_stop(&self) -> bool {
        self.met() || self.inner.should_stop()
    }
}

/// A look at the rules at a checkpoint.
struct Check {
    pub met: bool,
    /// About how many paths the rules need, for progress.
    pub needed: u64,
}

/// "to P(hit) ±0.50 points, at most 1,000,000,000 paths", for headers.
pub fn describe(precision: &Precision) -> String {
    let rules: Vec<String> = precision
        .rules
        .iter()
        .map(|r| match r {
            Rule::Probability(h) => format!("to P(hit) ±{:.2} points", 100.0 * h),
            Rule::Mean(r) => format!("to the mean ±{:.3}%", 100.0 * r),
        })
        .collect();
    format!(
        "{}, at most {} paths",
        rules.join(" and "),
        crate::report::money::thousands(precision.max_paths)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wilson_half_width_is_half_the_interval() {
        // The Wilson bounds are the roots in p of (p̂ - p)² = z² p(1-p)/n:
        // half the distance between them, from the quadratic's discriminant.
        for (hits, n) in [(500u64, 1000u64), (3, 1000), (999, 1000), (40, 41)] {
            let (p, k) = (hits as f64 / n as f64, Z95 * Z95 / n as f64);
            let (a, b, c) = (1.0 + k, -(2.0 * p + k), p * p);
            let want = (b * b - 4.0 * a * c).sqrt() / (2.0 * a);
            let h = probability_half_width(hits, n);
            assert!((h - want).abs() < 1e-12, "{hits}/{n}: {h} vs {want}");
        }
        // All hits: still a positive width, shrinking with the paths.
        assert!(probability_half_width(1000, 1000) > probability_half_width(10_000, 10_000));
        assert!(probability_half_width(10_000, 10_000) > 0.0);
    }

    #[test]
    fn a_mean_of_zero_is_never_pinned_unless_nothing_varies() {
        let mut m = Moments::default();
        m.push(-1.0);
        m.push(1.0);
        assert_eq!(mean_relative_half_width(&m), f64::INFINITY);
        let mut c = Moments::default();
        c.push(3.0);
        c.push(3.0);
        assert_eq!(mean_relative_half_width(&c), 0.0);
    }
}
