//! `simulate FILE`: one scenario, one report.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{
    CommonArgs, Format, UsageError, check_out, fit_memory, load_scenario, run_options, use_color,
};
use revsim::engine::{self, QuantileChoice};
use revsim::output::{print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::report;

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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
    /// Also write the report to this file (whole or not at all).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// How quantiles are computed: exact up to 1,000,000 paths and
    /// sketched above (auto), or always one way.
    #[arg(long, value_enum, default_value_t = Quantiles::Auto)]
    quantiles: Quantiles,
    /// List every parameter path `--set` accepts, with its value, and exit.
    #[arg(long)]
    list_parameters: bool,
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
    if let Some(out) = &args.out {
        check_out(out, &[file])?;
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
    fit_memory(&scenario, &mut options, true)?;
    install_interrupt_handler();
    let progress = Progress::new(options.paths, "paths", args.common.quiet);
    let result = engine::run(&scenario, &options, &progress);
    progress.finish();
    let result = result.context("the simulation did not finish")?;
    let report = report::build(&scenario, &result);
    report::ensure_finite(&report)?;
    let text = match args.format {
        Format::Terminal => report::terminal::render(&report, use_color()),
        Format::Json => report::json::render(&report) + "\n",
    };
    if let Some(path) = &args.out {
        let body = match args.format {
            Format::Terminal => report::terminal::render(&report, false),
            Format::Json => text.clone(),
        };
        write_atomic(path, body.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_stdout(&text)?;
    Ok(())
}
