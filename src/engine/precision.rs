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

use crate::stats::{Z95, wilson_interval};

use super::Accumulator;

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
    /// How far from met the rule is on `total`: the worst target's
    /// half-width over the one asked (at most 1 when met), and its index.
    fn ratio(&self, total: &Accumulator) -> (f64, usize) {
        total
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let achieved = match self {
                    Rule::Probability(_) => probability_half_width(t.hits, total.paths),
                    Rule::Mean(_) => mean_relative_half_width(&t.moments),
                };
                (achieved / self.asked(), i)
            })
            .fold((0.0, 0), |worst, x| if x.0 > worst.0 { x } else { worst })
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
pub fn mean_relative_half_width(moments: &crate::stats::Moments) -> f64 {
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
    /// Whether `total`, just merged up to block `merged` (the count of
    /// blocks), may stop: only at a checkpoint (see the module's notes) or
    /// at the last block (`last`), and then if every rule holds. Also returns the estimated paths the rules need, from the
    /// worst ratio (half-widths shrink as one over the root of the paths).
    pub(super) fn check(&self, total: &Accumulator, merged: u64, last: bool) -> Option<Check> {
        let checkpoint = merged.is_multiple_of(CHECK_BLOCKS) || merged.is_power_of_two();
        if !checkpoint && !last {
            return None;
        }
        let worst = self
            .rules
            .iter()
            .map(|r| r.ratio(total).0)
            .fold(0.0, f64::max);
        let needed = if worst.is_finite() {
            ((total.paths as f64) * worst * worst)
                .ceil()
                .min(self.max_paths as f64) as u64
        } else {
            self.max_paths
        };
        Some(Check {
            met: worst <= 1.0,
            needed: needed.max(total.paths),
        })
    }
}

/// A look at the rules at a checkpoint.
pub(super) struct Check {
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
        // 500 hits in 1000: p = 0.5, half-width close to 1.96 sqrt(.25/1000).
        let h = probability_half_width(500, 1000);
        let wald = Z95 * (0.25f64 / 1000.0).sqrt();
        assert!((h - wald).abs() < 1e-4 * wald, "{h} vs {wald}");
        // All hits: still a positive width, shrinking with the paths.
        assert!(probability_half_width(1000, 1000) > probability_half_width(10_000, 10_000));
        assert!(probability_half_width(10_000, 10_000) > 0.0);
    }

    #[test]
    fn a_mean_of_zero_is_never_pinned_unless_nothing_varies() {
        let mut m = crate::stats::Moments::default();
        m.push(-1.0);
        m.push(1.0);
        assert_eq!(mean_relative_half_width(&m), f64::INFINITY);
        let mut c = crate::stats::Moments::default();
        c.push(3.0);
        c.push(3.0);
        assert_eq!(mean_relative_half_width(&c), 0.0);
    }
}
