//! `simulate compare A.toml B.toml ...`: scenarios side by side on common
//! random numbers, with each one's difference from the first.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::precision::{self, PrecisionArgs};
use super::sweep::{SweepFormat, out_format};
use super::{
    CommonArgs, UsageError, check_out, check_report_path, load_scenario, read_again, run_options,
};
use revsim::output::{print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::sensitivity::compare::{self, CompareError, Comparison, Input};
use revsim::sensitivity::html::{self, Audit};

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The scenario files (TOML); differences are against the first.
    #[arg(value_name = "SCENARIO", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter in every scenario: PATH=VALUE. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = SweepFormat::Terminal)]
    format: SweepFormat,
    /// Also write the comparison to this file, whole or not at all: CSV
    /// for a `.csv` name, JSON for `.json`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts (whole or not at
    /// all); the name must end in .html.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    #[command(flatten)]
    precision: PrecisionArgs,
}

pub fn run(args: CompareArgs) -> Result<()> {
    if args.files.len() < 2 {
        return Err(UsageError(format!(
            "compare needs at least two scenario files, got {}: \
             simulate compare A.toml B.toml [C.toml ...]",
            args.files.len()
        ))
        .into());
    }
    let out = match &args.out {
        Some(path) => Some((path, out_format(path, args.format)?)),
        None => None,
    };
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let files: Vec<&std::path::Path> = args.files.iter().map(|f| f.as_path()).collect();
    for (flag, path) in [("--out", &args.out), ("--report", &args.report)] {
        if let Some(path) = path {
            check_out(flag, path, &files)?;
        }
    }
    let inputs = args
        .files
        .iter()
        .map(|f| {
            Ok(Input {
                file: f.display().to_string(),
                scenario: load_scenario(f, &args.set)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The first file's paths and seed, for every scenario.
    let precision = args.precision.precision()?;
    let mut options = run_options(&inputs[0].scenario, &args.common)?;
    // Every scenario runs on until each meets the precision.
    precision::fit(precision.as_ref(), &inputs[0].scenario, &mut options)?;
    install_interrupt_handler();
    let progress = Progress::new(
        options.paths.saturating_mul(inputs.len() as u64),
        "paths",
        args.common.quiet,
    );
    let result = compare::compare(&inputs, &options, precision.as_ref(), &progress);
    progress.finish();
    let comparison = result.map_err(|e| match e {
        // The engine's own error, so that an interruption exits 130.
        CompareError::Engine(e) => anyhow::Error::new(e).context("the comparison did not finish"),
        e => anyhow::Error::new(UsageError(e.to_string())),
    })?;
    revsim::report::ensure_finite(&comparison)?;
    // Render the page before writing anything, so that a failure leaves
    // no file of either kind behind.
    let page = match &args.report {
        Some(path) => {
            let audit = Audit {
                files: args
                    .files
                    .iter()
                    .map(|f| Ok((f.display().to_string(), read_again(f)?)))
                    .collect::<Result<_>>()?,
                hashes: inputs.iter().map(|i| i.scenario.hash()).collect(),
                overrides: args.set.clone(),
            };
            Some((path, html::render_compare(&comparison, &audit)?))
        }
        None => None,
    };
    if let Some((path, format)) = out {
        write_atomic(path, render(&comparison, format).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some((path, page)) = page {
        write_atomic(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_stdout(&render(&comparison, args.format))?;
    Ok(())
}

fn render(c: &Comparison, format: SweepFormat) -> String {
    match format {
        SweepFormat::Terminal => compare::render_terminal(c),
        SweepFormat::Csv => compare::render_csv(c),
        SweepFormat::Json => compare::render_json(c),
    }
}
