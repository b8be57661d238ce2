//! `simulate sensitivity FILE`: the tornado, each uncertain input at its
//! ends, one at a time, on common random numbers.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{
    CommonArgs, Format, UsageError, check_out, check_report_path, load_scenario, read_again,
    run_options,
};
use revsim::output::{print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::sensitivity::html::{self, Audit};
use revsim::sensitivity::sources::{SourceBy, source_list};
use revsim::sensitivity::tornado::{self, SensitivityError, SortBy, TornadoSpec};

#[derive(Args, Debug)]
pub struct SensitivityArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    file: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter before the analysis: PATH=VALUE. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Only these inputs, by their `--set` paths, comma-separated (default:
    /// every distribution-valued parameter and every client's churn).
    #[arg(long, value_name = "PATH,...", value_delimiter = ',')]
    inputs: Option<Vec<String>>,
    /// The quantile at which a distribution is fixed for the low end.
    #[arg(
        long,
        value_name = "Q",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    low: f64,
    /// The quantile at which a distribution is fixed for the high end.
    #[arg(
        long,
        value_name = "Q",
        default_value_t = 0.9,
        allow_negative_numbers = true
    )]
    high: f64,
    /// How to break things down, comma-separated: the tornado sorted by the
    /// swing of P(target) (`probability`, the default) or of the mean
    /// (`mean`); variance by `stream` (the default) or by `purpose` inside
    /// each stream (its churn apart from its growth noise...).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT,...")]
    by: Vec<By>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
    /// Also write the result to this file, whole or not at all.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts (whole or not at
    /// all); the name must end in .html.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum By {
    Probability,
    Mean,
    Stream,
    Purpose,
}

pub fn run(args: SensitivityArgs) -> Result<()> {
    // Refuse a bad --report or --out before the run, not after it.
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    for (flag, path) in [("--out", &args.out), ("--report", &args.report)] {
        if let Some(path) = path {
            check_out(flag, path, &[args.file.as_path()])?;
        }
    }
    let scenario = load_scenario(&args.file, &args.set)?;
    let options = run_options(&scenario, &args.common)?;
    let has = |b: By| args.by.contains(&b);
    if has(By::Probability) && has(By::Mean) || has(By::Stream) && has(By::Purpose) {
        return Err(UsageError(
            "--by: the tornado sorts by probability or by mean, sources are by stream or \
             by purpose: one of each at most (for example --by mean,purpose)"
                .into(),
        )
        .into());
    }
    let spec = TornadoSpec {
        inputs: args.inputs.clone(),
        low: args.low,
        high: args.high,
        by: if has(By::Mean) {
            SortBy::Mean
        } else {
            SortBy::Probability
        },
        sources: if has(By::Purpose) {
            SourceBy::Purpose
        } else {
            SourceBy::Stream
        },
    };
    // Refuse bad inputs before any run.
    let inputs = tornado::select_inputs(&scenario, &spec).map_err(usage)?;
    install_interrupt_handler();
    // The tornado's base and ends, then A, B and one run per source.
    let runs = 2 * inputs.len() as u64 + 1 + source_list(&scenario, spec.sources).len() as u64 + 2;
    let progress = Progress::new(
        options.paths.saturating_mul(runs),
        "paths",
        args.common.quiet,
    );
    let result = tornado::tornado(&scenario, &spec, &options, &progress);
    progress.finish();
    let result = result.map_err(usage)?;
    revsim::report::ensure_finite(&result)?;
    let text = match args.format {
        Format::Terminal => tornado::render_terminal(&result),
        Format::Json => tornado::render_json(&result),
    };
    // Render the page before writing anything, so that a failure leaves
    // no file of either kind behind.
    let page = match &args.report {
        Some(path) => {
            let audit = Audit {
                files: vec![(args.file.display().to_string(), read_again(&args.file)?)],
                hashes: vec![scenario.hash()],
                overrides: args.set.clone(),
            };
            Some((
                path,
                html::render_sensitivity(&result, spec.by == SortBy::Mean, &audit)?,
            ))
        }
        None => None,
    };
    if let Some(path) = &args.out {
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some((path, page)) = page {
        write_atomic(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_stdout(&text)?;
    Ok(())
}

/// Input errors exit 2; a run that did not finish keeps its own error.
fn usage(e: SensitivityError) -> anyhow::Error {
    match e {
        SensitivityError::Scenario(e) => anyhow::Error::new(e),
        // The engine's own error, so that an interruption exits 130.
        SensitivityError::Engine(e) => {
            anyhow::Error::new(e).context("the sensitivity analysis did not finish")
        }
        e => anyhow::Error::new(UsageError(e.to_string())),
    }
}
