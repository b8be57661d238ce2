//! `--precision`, `--precision-of` and `--max-paths`: a run to a stated
//! precision rather than a number of paths.

use clap::Args;

use super::{UsageError, check_feasible};
use revsim::engine::precision::{DEFAULT_MAX_PATHS, Precision, Rule};
use revsim::engine::{MIN_PATHS, RunOptions};
use revsim::scenario::Scenario;

#[derive(Args, Debug, Clone)]
pub struct PrecisionArgs {
    /// Run until every target's P(hit) is known to within this: the
    /// half-width of its 95% Wilson interval (0.005 is half a point),
    /// instead of a number of paths.
    #[arg(long, value_name = "HALF_WIDTH", conflicts_with = "paths")]
    pub precision: Option<f64>,
    /// A precision on another measure, all of which must hold:
    /// `probability:H` as --precision, or `mean:R`, the half-width of the
    /// mean's 95% interval as a fraction of the mean. Repeatable.
    #[arg(
        long = "precision-of",
        value_name = "MEASURE:VALUE",
        conflicts_with = "paths"
    )]
    pub precision_of: Vec<String>,
    /// With a precision, the most paths to draw (default 1e9).
    #[arg(long, value_name = "N")]
    pub max_paths: Option<f64>,
}

impl PrecisionArgs {
    /// Refuses a precision beside `--shard`: a shard's share of the paths
    /// is fixed, while a run to a precision decides its paths as it goes.
    pub fn refuse_with_shard(&self, shard: Option<&String>) -> Result<(), UsageError> {
        if shard.is_some() && self.is_asked() {
            return Err(UsageError(
                "--shard runs a fixed share of a fixed number of paths; a run to a precision \
                 (--precision, --precision-of) decides its paths as it goes and cannot be \
                 sharded: give --paths"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether a precision was asked for, valid or not.
    pub fn is_asked(&self) -> bool {
        self.precision.is_some() || !self.precision_of.is_empty()
    }

    /// The precision asked for, if any; refuses values out of range.
    pub fn precision(&self) -> Result<Option<Precision>, UsageError> {
        let mut rules = Vec::new();
        if let Some(h) = self.precision {
            rules.push(probability("--precision", h)?);
        }
        for text in &self.precision_of {
            let flag = format!("--precision-of {text}");
            let Some((measure, value)) = text.split_once(':') else {
                return Err(UsageError(format!(
                    "{flag}: write MEASURE:VALUE, such as probability:0.005 or mean:0.001"
                )));
            };
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| UsageError(format!("{flag}: \"{value}\" is not a number")))?;
            rules.push(match measure.trim() {
                "probability" | "p" => probability(&flag, value)?,
                "mean" => {
                    if !(value > 0.0 && value <= 1.0) {
                        return Err(UsageError(format!(
                            "{flag}: the mean's relative half-width must be above 0 and at \
                             most 1 (0.001 is a tenth of a percent)"
                        )));
                    }
                    Rule::Mean(value)
                }
                other => {
                    return Err(UsageError(format!(
                        "{flag}: unknown measure \"{other}\"; the measures are probability \
                         and mean"
                    )));
                }
            });
        }
        if rules.is_empty() {
            if self.max_paths.is_some() {
                return Err(UsageError(
                    "--max-paths bounds a run to a precision: give --precision or \
                     --precision-of too (or --paths for a fixed number)"
                        .into(),
                ));
            }
            return Ok(None);
        }
        let max_paths = match self.max_paths {
            None => DEFAULT_MAX_PATHS,
            Some(n) if n.fract() == 0.0 && n >= MIN_PATHS as f64 && n <= 1e15 => n as u64,
            Some(n) => {
                return Err(UsageError(format!(
                    "--max-paths {n}: a whole number from {MIN_PATHS} to 1e15"
                )));
            }
        };
        Ok(Some(Precision { rules, max_paths }))
    }
}

/// A rule on P(hit), refused outside (0, 0.5]: a half-width of 0.5 is
/// already the whole of [0, 1].
fn probability(flag: &str, h: f64) -> Result<Rule, UsageError> {
    if !(h > 0.0 && h <= 0.5) {
        return Err(UsageError(format!(
            "{flag}: the half-width of P(hit) must be above 0 and at most 0.5 \
             (0.005 is half a point)"
        )));
    }
    Ok(Rule::Probability(h))
}

/// Makes `options` those of a run to `precision`, when one is asked: the
/// scenario's and `--paths` path counts give way to `--max-paths`, which
/// the quantile method is chosen for and which must fit in a year.
pub fn fit(
    precision: Option<&Precision>,
    scenario: &Scenario,
    options: &mut RunOptions,
) -> anyhow::Result<()> {
    if let Some(precision) = precision {
        *options = options.for_precision(precision.max_paths);
        check_feasible(scenario, options)?;
    }
    Ok(())
}
