//! `simulate FILE`: one scenario, one report.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{
    CommonArgs, UsageError, check_folder, check_report_path, load_scenario, run_options, use_color,
};
use revsim::engine::{self, QuantileChoice};
use revsim::output::{print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::report;

/// The most memory `--quantiles exact` may ask for.
const EXACT_QUANTILE_MAX_BYTES: f64 = 4e9;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO", required = true)]
    file: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter: PATH=VALUE, VALUE a number or an inline
    /// distribution table. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// What to print on stdout. `csv`: a row per target with the headline
    /// statistics (the monthly quantiles go to the `--out` CSV's
    /// `.monthly.csv` file).
    #[arg(long, value_enum, default_value_t = RunFormat::Terminal)]
    format: RunFormat,
    /// Also write the report to this file, whole or not at all: JSON for a
    /// `.json` name, CSV for `.csv` (and the monthly quantiles beside it in
    /// `NAME.monthly.csv`), else as `--format`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts (whole or not at
    /// all); the name must end in .html.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// How quantiles are computed: exact up to 1,000,000 paths and
    /// sketched above (auto), or always one way.
    #[arg(long, value_enum, default_value_t = Quantiles::Auto)]
    quantiles: Quantiles,
    /// List every parameter path `--set` accepts, with its value, and exit.
    #[arg(long)]
    list_parameters: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Terminal,
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Quantiles {
    Auto,
    Exact,
    Sketch,
}

pub fn run(args: RunArgs) -> Result<()> {
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| UsageError("no scenario file given".into()))?;
    // Refuse a bad --out before the run, not after it.
    let out = match &args.out {
        Some(path) => Some((path, out_format(path, args.format)?)),
        None => None,
    };
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let scenario = load_scenario(file, &args.set)?;
    if args.list_parameters {
        let mut text = String::new();
        for (path, value) in scenario.parameters() {
            text.push_str(&format!("{path} = {value}\n"));
        }
        print_stdout(&text)?;
        return Ok(());
    }
    let mut options = run_options(&scenario, &args.common)?;
    options.quantiles = match args.quantiles {
        Quantiles::Auto => QuantileChoice::Auto,
        Quantiles::Exact => QuantileChoice::Exact,
        Quantiles::Sketch => QuantileChoice::Sketch,
    };
    if options.quantiles == QuantileChoice::Exact {
        // Exact quantiles keep every path's value of every reported series.
        let series = scenario.targets.len() as f64 * (f64::from(scenario.horizon_months) + 1.0);
        let bytes = options.paths as f64 * series * 8.0;
        if bytes > EXACT_QUANTILE_MAX_BYTES {
            return Err(UsageError(format!(
                "--quantiles exact with {} paths would keep {:.1} GB of values (limit {:.0} GB); \
                 use --quantiles auto or sketch (0.1% relative error, constant memory)",
                options.paths,
                bytes / 1e9,
                EXACT_QUANTILE_MAX_BYTES / 1e9
            ))
            .into());
        }
    }
    install_interrupt_handler();
    let progress = Progress::new(options.paths, "paths", args.common.quiet);
    let result = engine::run(&scenario, &options, &progress);
    progress.finish();
    let result = result.context("the simulation did not finish")?;
    let mut report = report::build(&scenario, &result);
    report.overrides = args.set.clone();
    // Render the page before writing anything, so that a failure leaves
    // no file of either kind behind.
    let page = match &args.report {
        Some(path) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {} again for the page", file.display()))?;
            Some((path, report::html::render(&report, &text)?))
        }
        None => None,
    };
    if let Some((path, format)) = out {
        write_report(path, format, &report)?;
    }
    if let Some((path, page)) = page {
        write_atomic(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = match args.format {
        RunFormat::Terminal => report::terminal::render(&report, use_color()),
        RunFormat::Json => report::json::render(&report) + "\n",
        RunFormat::Csv => report::csv::render(&report),
    };
    print_stdout(&text)?;
    Ok(())
}

/// Writes the report to `path` in `format`, whole or not at all; CSV
/// writes the monthly table beside it first, each file whole.
fn write_report(path: &Path, format: RunFormat, report: &report::Report) -> Result<()> {
    let write = |path: &Path, body: String| {
        write_atomic(path, body.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    };
    match format {
        RunFormat::Terminal => write(path, report::terminal::render(report, false)),
        RunFormat::Json => write(path, report::json::render(report) + "\n"),
        RunFormat::Csv => {
            write(
                &report::csv::monthly_path(path),
                report::csv::render_monthly(report),
            )?;
            write(path, report::csv::render(report))
        }
    }
}

/// The format of the `--out` file: from its extension, else `--format`.
fn out_format(path: &Path, format: RunFormat) -> Result<RunFormat, UsageError> {
    check_folder("--out", path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => Ok(RunFormat::Json),
        Some("csv") => Ok(RunFormat::Csv),
        Some("html" | "htm") => Err(UsageError(format!(
            "--out {}: the HTML page is written by --report {}; --out takes .json, .csv \
             or any other name for the report as --format prints it",
            path.display(),
            path.display()
        ))),
        _ => Ok(format),
    }
}
