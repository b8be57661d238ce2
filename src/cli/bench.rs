//! `simulate bench FILE`: the engine's throughput on a scenario at every
//! thread count, against the cost of its random numbers alone.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{CommonArgs, Format, UsageError, fit_memory, load_scenario, run_options};
use revsim::bench::{self, BenchOptions, BenchReport, MIN_REPETITIONS};
use revsim::engine::{Observer, QuantileChoice, resolve_threads};
use revsim::output::print_stdout;
use revsim::progress::{install_interrupt_handler, interrupted};
use revsim::report::money::thousands;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    file: PathBuf,
    /// Paths and seed as for a run (default: the scenario's); --threads is
    /// the largest thread count measured (default: one per core).
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter: PATH=VALUE, as for a run. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// How quantiles are computed, as for a run; `both` (the default)
    /// measures exact quantiles, then the sketch.
    #[arg(long, value_enum, default_value_t = Quantiles::Both)]
    quantiles: Quantiles,
    /// Repeat each measurement for at least this many seconds (and at
    /// least three times); the median run counts.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    min_time: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Quantiles {
    Both,
    Auto,
    Exact,
    Sketch,
}

/// The longest `--min-time`: a day of repetitions is already far beyond
/// what a benchmark needs.
const MAX_MIN_TIME: Duration = Duration::from_secs(24 * 3600);

/// Stops at Ctrl-C, between runs or between a run's blocks.
struct Interruptible;

impl Observer for Interruptible {
    fn should_stop(&self) -> bool {
        interrupted()
    }
}

pub fn run(args: BenchArgs) -> Result<()> {
    let min_time = Duration::try_from_secs_f64(args.min_time)
        .ok()
        .filter(|d| *d <= MAX_MIN_TIME)
        .ok_or_else(|| {
            UsageError(format!(
                "--min-time must be a number of seconds from 0 to {}, got {}",
                MAX_MIN_TIME.as_secs(),
                args.min_time
            ))
        })?;
    let scenario = load_scenario(&args.file, &args.set)?;
    let mut run = run_options(&scenario, &args.common)?;
    let mut methods = match args.quantiles {
        Quantiles::Both => vec![QuantileChoice::Exact, QuantileChoice::Sketch],
        Quantiles::Auto => vec![QuantileChoice::Auto],
        Quantiles::Exact => vec![QuantileChoice::Exact],
        Quantiles::Sketch => vec![QuantileChoice::Sketch],
    };
    run.quantiles = methods[0];
    fit_memory(&scenario, &mut run, true)?;
    if run.quantiles != methods[0] {
        // Exact quantiles would not fit: the sketch alone is measured.
        methods = vec![QuantileChoice::Sketch];
    }
    let options = BenchOptions {
        max_threads: resolve_threads(run.threads),
        run,
        min_time,
    };
    install_interrupt_handler();
    if !args.common.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "measuring 1 to {} threads, then the floor, {} paths a run...",
            options.max_threads,
            thousands(options.run.paths)
        );
    }
    let report = bench::bench_methods(&scenario, &options, &methods, &Interruptible)
        .context("the benchmark did not finish")?;
    let text = match args.format {
        Format::Terminal => render(&report, &options),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print_stdout(&text)?;
    Ok(())
}

fn render(report: &BenchReport, options: &BenchOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {} paths · seed {} · median of at least {} runs and {:.1} s",
        report.scenario,
        thousands(report.paths),
        report.seed,
        MIN_REPETITIONS,
        options.min_time.as_secs_f64(),
    );
    for m in &report.methods {
        let _ = writeln!(
            out,
            "\n  {} quantiles",
            match m.quantile_method {
                revsim::stats::QuantileMethod::Exact => "exact",
                revsim::stats::QuantileMethod::Sketch => "sketched",
            }
        );
        let _ = writeln!(out, "  threads       paths/s   speedup   efficiency");
        for r in &m.results {
            let _ = writeln!(
                out,
                "  {:>7} {:>13} {:>8.2}x {:>11.0}%",
                r.threads,
                thousands(r.paths_per_second.round() as u64),
                r.speedup,
                100.0 * r.efficiency
            );
        }
        let _ = writeln!(
            out,
            "  engine/floor {:.2}, engine/scalar floor {:.2} (1 thread)",
            m.engine_to_floor, m.engine_to_scalar_floor
        );
    }
    let _ = writeln!(
        out,
        "\n  floor: its own draws alone   {:>13} paths/s on 1 thread",
        thousands(report.floor_paths_per_second.round() as u64),
    );
    let _ = writeln!(
        out,
        "  scalar floor, one at a time  {:>13} paths/s on 1 thread",
        thousands(report.scalar_floor_paths_per_second.round() as u64),
    );
    out
}
