//! What a run will hold in memory, estimated before it allocates any, so
//! that a scenario too large for the machine is refused (or its exact
//! quantiles traded for the sketch) at once rather than after it has
//! grown to the machine's limit.

use super::{BLOCK_PATHS, QuantileChoice, RunOptions, WINDOW_PER_THREAD, resolve_threads};
use crate::scenario::Scenario;
use crate::stats::QuantileMethod;

/// The most memory a run may plan to take: well inside a 24 GiB machine,
/// and never more than three quarters of this one's; or what
/// `REVSIM_MEMORY_BUDGET` says, in bytes (`8e9`), for a machine shared
/// with other work or a merge that knows its node. A value that is not a
/// positive number is refused, not ignored.
pub fn budget_bytes() -> Result<f64, String> {
    const CEILING: f64 = 16e9;
    if let Some(text) = std::env::var_os("REVSIM_MEMORY_BUDGET") {
        let text = text.to_string_lossy();
        return match text.trim().replace('_', "").parse::<f64>() {
            Ok(bytes) if bytes.is_finite() && bytes > 0.0 => Ok(bytes),
            _ => Err(format!(
                "REVSIM_MEMORY_BUDGET={text} is not a number of bytes: give a positive \
                 number such as 8e9, or unset it for the default (three quarters of this \
                 machine's memory, at most 16 GB)"
            )),
        };
    }
    let physical = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
        })
        .map_or(CEILING, |kib| kib * 1024.0 * 0.75);
    Ok(physical.min(CEILING))
}

/// Bytes as people read them: `208.0 GB`, `5 MB`, `1 kB`.
fn gb(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else if bytes >= 1e6 {
        format!("{:.0} MB", bytes / 1e6)
    } else {
        format!("{:.0} kB", bytes / 1e3)
    }
}

/// A sketch of one series (a target's horizon revenue, or one month of
/// it) takes a few thousand buckets for revenue that spans a decade or
/// two; this allowance of 16 KiB a sketch errs high.
const SKETCH_BYTES: f64 = 16.0 * 1024.0;

/// The parts of a run's memory that grow with its size.
#[derive(Clone, Copy, Debug)]
pub struct Estimate {
    /// Every path's value of every series, for exact quantiles.
    pub exact_values: f64,
    /// The per-thread revenue buffer of a block (segments × months × paths).
    pub buffers: f64,
    /// Quantile sketches of the blocks in flight and of the total.
    pub sketches: f64,
}

impl Estimate {
    pub fn total(&self) -> f64 {
        self.exact_values + self.buffers + self.sketches
    }
}

/// The memory of running `scenario` with `options` and `method`; with
/// `monthly`, a series per month besides the horizon total (sweeps keep
/// only totals).
pub fn estimate(
    scenario: &Scenario,
    options: &RunOptions,
    method: QuantileMethod,
    monthly: bool,
) -> Estimate {
    let months = f64::from(scenario.horizon_months);
    let series = scenario.targets.len() as f64 * if monthly { months + 1.0 } else { 1.0 };
    let threads = resolve_threads(options.threads) as f64;
    let in_flight = threads * WINDOW_PER_THREAD as f64 + 1.0;
    let segments = scenario.segments().len() as f64;
    let paths = options.paths as f64;
    // Beside the segments' buffers and two more: a stream's own when a
    // target measures a window (see `block`), and a growth factor's shocks
    // (see `model::factor`).
    let windowed = scenario.targets.iter().any(|t| !t.is_horizon_total());
    let growth_factor = scenario
        .factors
        .iter()
        .any(|f| f.kind == crate::model::FactorKind::Growth);
    let extra = f64::from(u8::from(windowed)) + f64::from(u8::from(growth_factor));
    let buffers = threads * 8.0 * BLOCK_PATHS as f64 * months * (segments + 2.0 + extra);
    match method {
        QuantileMethod::Exact => Estimate {
            // The total's store, and a block's in flight.
            exact_values: 8.0 * series * (paths + in_flight * BLOCK_PATHS as f64),
            buffers,
            sketches: 0.0,
        },
        QuantileMethod::Sketch => Estimate {
            exact_values: 0.0,
            buffers,
            sketches: SKETCH_BYTES * series * in_flight,
        },
    }
}

/// What [`fit`] decided.
#[derive(Debug, PartialEq)]
pub enum Fit {
    /// The run fits as asked.
    AsAsked,
    /// Exact quantiles would not fit; the run uses the sketch (a note for
    /// the user says why).
    Sketch(String),
}

/// Checks that a run fits in [`budget_bytes`] before it starts. With
/// automatic quantiles whose exact store would not fit, switches `options`
/// to the sketch and says so; otherwise refuses with the estimate.
pub fn fit(scenario: &Scenario, options: &mut RunOptions, monthly: bool) -> Result<Fit, String> {
    let budget = budget_bytes()?;
    let method = options.method();
    let first = estimate(scenario, options, method, monthly);
    if first.total() <= budget {
        return Ok(Fit::AsAsked);
    }
    let describe = |e: &Estimate| {
        format!(
            "{} paths of {} target(s) over {} months on {} thread(s) would need about {} \
             (exact values {}, block buffers {}, sketches {}), more than the {} this machine allows",
            options.paths,
            scenario.targets.len(),
            scenario.horizon_months,
            resolve_threads(options.threads),
            gb(e.total()),
            gb(e.exact_values),
            gb(e.buffers),
            gb(e.sketches),
            gb(budget)
        )
    };
    if method == QuantileMethod::Exact {
        let sketched = estimate(scenario, options, QuantileMethod::Sketch, monthly);
        if options.quantiles == QuantileChoice::Auto && sketched.total() <= budget {
            options.quantiles = QuantileChoice::Sketch;
            return Ok(Fit::Sketch(format!(
                "exact quantiles would need about {} of values; using the sketch \
                 (0.1% relative error, about {})",
                gb(first.exact_values),
                gb(sketched.total())
            )));
        }
        if options.quantiles == QuantileChoice::Exact && sketched.total() <= budget {
            return Err(format!(
                "--quantiles exact: {}; use --quantiles auto or sketch \
                 (0.1% relative error, about {})",
                describe(&first),
                gb(sketched.total())
            ));
        }
        return Err(describe(&sketched));
    }
    Err(format!(
        "{}; use fewer targets, segments or months, or fewer threads",
        describe(&first)
    ))
}

/// Checks that merging the parts of a run of `options` fits in
/// [`budget_bytes`]: a merge holds what the whole run would (every path's
/// value of every series, with exact quantiles), however the shards split
/// it, and the machine that merges may have less memory than those that
/// ran the shards. The parts' quantile method cannot change, so a merge
/// that does not fit is refused.
pub fn fit_merge(scenario: &Scenario, options: &RunOptions, monthly: bool) -> Result<(), String> {
    let budget = budget_bytes()?;
    let need = estimate(scenario, options, options.method(), monthly);
    if need.total() <= budget {
        return Ok(());
    }
    let what = match options.method() {
        QuantileMethod::Exact => format!(
            "{} of exact quantile values for {} paths",
            gb(need.exact_values),
            options.paths
        ),
        QuantileMethod::Sketch => format!("sketches of {} paths", options.paths),
    };
    let otherwise = match options.method() {
        QuantileMethod::Exact => {
            ", or run the shards again with --quantiles sketch (0.1% relative error)"
        }
        QuantileMethod::Sketch => "",
    };
    Err(format!(
        "merging these parts needs about {} ({what}), more than the {} this machine \
         allows; merge on a machine with more memory (or raise REVSIM_MEMORY_BUDGET if this \
         one has it){otherwise}",
        gb(need.total()),
        gb(budget)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(targets: usize, months: u32) -> Scenario {
        let mut text = format!("[scenario]\nname = \"m\"\nhorizon_months = {months}\n");
        for t in 0..targets {
            text.push_str(&format!("[[target]]\nname = \"t{t}\"\namount = 1\n"));
        }
        text.push_str("[[stream]]\nname = \"s\"\nsegment = \"a\"\nmonthly_revenue = 1\n");
        Scenario::parse(&text, "m.toml").unwrap()
    }

    fn options(paths: u64, quantiles: QuantileChoice) -> RunOptions {
        RunOptions {
            paths,
            seed: 0,
            threads: 2,
            quantiles,
        }
    }

    #[test]
    fn a_small_run_fits_as_asked() {
        let mut o = options(100_000, QuantileChoice::Auto);
        assert_eq!(fit(&scenario(2, 12), &mut o, true), Ok(Fit::AsAsked));
        assert_eq!(o.quantiles, QuantileChoice::Auto);
    }

    /// 50 targets over 1,200 months at a million paths: 485 GB of exact
    /// values. Automatic quantiles fall back to the sketch; asked-for exact
    /// ones are refused with the estimate.
    #[test]
    fn exact_values_beyond_the_budget_fall_back_or_are_refused() {
        let s = scenario(50, 1200);
        let e = estimate(
            &s,
            &options(1_000_000, QuantileChoice::Exact),
            QuantileMethod::Exact,
            true,
        );
        // Every path's value of 50 × 1,201 series, and the blocks in flight
        // on two threads (4 each, and one more).
        let want = 8.0 * 50.0 * 1201.0 * (1e6 + 9.0 * 1024.0);
        assert_eq!(e.exact_values, want, "{e:?}");
        let mut auto = options(1_000_000, QuantileChoice::Auto);
        let fit_auto = fit(&s, &mut auto, true).unwrap();
        assert!(matches!(fit_auto, Fit::Sketch(ref note) if note.contains("484.8 GB")));
        assert_eq!(auto.quantiles, QuantileChoice::Sketch);
        let mut exact = options(1_000_000, QuantileChoice::Exact);
        let refusal = fit(&s, &mut exact, true).unwrap_err();
        assert!(refusal.contains("--quantiles exact"), "{refusal}");
        assert!(refusal.contains("GB"), "{refusal}");
    }
}
