//! Scenario files: the TOML format, its validation and `--set` overrides.
//!
//! Reading happens in two stages. `raw` mirrors the file with serde,
//! keeping the byte span of every value; `validate` turns that into a
//! [`Scenario`] whose fields can only hold allowed values, reporting every
//! problem with its file, line, column and field path.

mod canonical;
mod correlation;
mod error;
mod factor;
mod measure;
mod raw;
mod set;
mod validate;

pub use correlation::Correlation;
pub use error::{Diagnostic, ScenarioError, closest};
pub use factor::Factor;
pub use measure::{Measure, Span};
pub use set::{ParamValue, closest_path, parse_value};
// Sweep files read values and report errors the way scenario files do.
pub(crate) use {
    raw::{FileKind, Whole, looks_like, translate},
    validate::build_param,
};

use std::path::Path;

use crate::model::{Kind, Model};

/// Limits that keep a run's memory and time sane; documented in the README.
pub const MAX_HORIZON_MONTHS: u32 = 1200;
/// The most revenue streams of all kinds: each is simulated for every path
/// and month, and a report lists every one.
pub const MAX_STREAMS: usize = 10_000;
/// The most targets: each keeps statistics of its total and of every month.
pub const MAX_TARGETS: usize = 1_000;

/// The most new clients a pipeline may expect on one path over the
/// horizon (its largest arrival rate times the months): each is simulated
/// one by one, and this keeps a block of paths to about a second of work,
/// so that Ctrl-C is heard at once.
pub const MAX_ARRIVALS_PER_PATH: f64 = 120_000.0;

/// Why a pipeline's arrival rate is too high for the horizon, if it is:
/// the message and what is allowed.
pub(crate) fn arrivals_problem(model: &Model, horizon_months: u32) -> Option<(String, String)> {
    let Model::Pipeline(p) = model else {
        return None;
    };
    let highest = p.arrivals_per_month.practical_max();
    let months = f64::from(horizon_months);
    // A rate beyond what the field allows is reported as such.
    let allowed = crate::model::Allowed::ARRIVALS.max;
    (highest <= allowed && highest * months > MAX_ARRIVALS_PER_PATH).then(|| {
        (
            format!(
                "up to {highest} new clients a month over {horizon_months} months is up to {:.0} \
                 clients a path, more than the {MAX_ARRIVALS_PER_PATH:.0} that can be simulated",
                highest * months
            ),
            format!(
                "a rate whose largest value times horizon_months is at most \
                 {MAX_ARRIVALS_PER_PATH:.0}: here at most {:.0} a month",
                MAX_ARRIVALS_PER_PATH / months
            ),
        )
    })
}

/// A validated scenario: every value in it is allowed.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub horizon_months: u32,
    /// Default number of paths for a run (the command line may override).
    pub paths: u64,
    pub seed: u64,
    pub targets: Vec<Target>,
    /// In the order of the file: clients, pipelines, subscriptions, streams.
    pub streams: Vec<Stream>,
    /// The common drivers streams may be linked to, in the file's order.
    pub factors: Vec<Factor>,
    /// Rank correlations between per-path parameters, in file order.
    pub correlations: Vec<Correlation>,
    /// Where the scenario came from, for messages.
    pub origin: String,
}

/// A revenue amount to reach on some segments, measured over a window of
/// the horizon (the whole horizon when the file gives none).
#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub amount: f64,
    /// The segments counted, sorted; every segment when the file gives none.
    pub segments: Vec<String>,
    /// The months measured, 1-based and both included, inside the
    /// horizon; `None` for the whole horizon, whatever it is set to.
    pub months: Option<(u32, u32)>,
    pub measure: Measure,
}

impl Target {
    /// The months measured over a horizon of `horizon` months.
    pub fn window(&self, horizon: u32) -> (u32, u32) {
        self.months.unwrap_or((1, horizon))
    }

    /// What the target measures, in words: "total over the horizon",
    /// "total over months 13–24", "run-rate at month 24 (12 × month 24)",
    /// "monthly average × 12 over months 1–12".
    pub fn describe(&self, horizon: u32) -> String {
        let (first, last) = self.window(horizon);
        let months = if self.months.is_none() {
            "the horizon".to_string()
        } else if first == last {
            format!("month {first}")
        } else {
            format!("months {first}–{last}")
        };
        match self.measure {
            Measure::Total => format!("total over {months}"),
            Measure::RunRate => format!("run-rate at month {last} (12 × month {last})"),
            Measure::MonthlyAverage => format!("monthly average × 12 over {months}"),
        }
    }

    /// Whether the target is the whole horizon's total, as every target
    /// was before windows and measures.
    pub fn is_horizon_total(&self) -> bool {
        self.months.is_none() && self.measure == Measure::Total
    }

    /// What the engine sums and scales, over a horizon of `horizon` months.
    pub fn span(&self, horizon: u32) -> Span {
        let (first, last) = self.window(horizon);
        Span::new(self.measure, first, last)
    }
}

/// A named revenue stream of one of the four kinds.
#[derive(Clone, Debug)]
pub struct Stream {
    pub id: String,
    pub name: String,
    pub segment: String,
    pub model: Model,
}

impl Stream {
    pub fn kind(&self) -> Kind {
        self.model.kind()
    }

    /// `kind.id`, the stream's address in `--set` paths and the key of its
    /// random numbers.
    pub fn path(&self) -> String {
        format!("{}.{}", self.kind().as_str(), self.id)
    }
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = read_text(path).map_err(|cause| ScenarioError::Read {
            path: origin.clone(),
            cause,
        })?;
        Scenario::parse(&text, &origin)
    }

    /// Validates scenario text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let raw = raw::parse(text, origin)?;
        validate::validate(raw, text, origin)
    }

    /// The segments of the streams, sorted and without repeats.
    pub fn segments(&self) -> Vec<String> {
        let mut segments: Vec<String> = self.streams.iter().map(|s| s.segment.clone()).collect();
        segments.sort();
        segments.dedup();
        segments
    }

    /// The streams' indices by kind and id: the order every sum over
    /// streams takes, so that reordering the file's tables moves no bit.
    pub fn canonical_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.streams.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.streams[a], &self.streams[b]);
            (a.kind(), &a.id).cmp(&(b.kind(), &b.id))
        });
        order
    }

    pub fn stream(&self, kind: Kind, id: &str) -> Option<&Stream> {
        self.streams.iter().find(|s| s.kind() == kind && s.id == id)
    }

    /// What is allowed but probably not meant, for the user to read on
    /// stderr: a client whose churn cannot happen within the horizon, a
    /// factor that nothing is linked to, a growth factor on a stream with
    /// no volatility (its shocks do nothing).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.churn_warnings();
        for f in &self.factors {
            if self.factor_users(&f.id).is_empty() {
                warnings.push(format!(
                    "{}: factor.{}: no stream is linked to this factor, so it changes nothing; \
                     link one with factor = \"{}\" and a loading",
                    self.origin, f.id, f.id
                ));
            }
        }
        for (path, prefix, link) in self.factor_links() {
            let volatility = self
                .streams
                .iter()
                .find(|s| s.path() == path)
                .and_then(|s| match &s.model {
                    Model::Client(c) => Some(&c.growth.volatility),
                    Model::Subscription(x) => Some(&x.growth.volatility),
                    Model::Stream(x) => Some(&x.growth.volatility),
                    Model::Pipeline(_) => None,
                });
            if prefix.is_empty()
                && matches!(volatility, Some(crate::dist::Param::Fixed(v)) if *v == 0.0)
            {
                warnings.push(format!(
                    "{}: {path}.factor: the volatility is 0, so growth factor \"{}\" moves \
                     nothing here; give the stream a volatility",
                    self.origin, link.id
                ));
            }
        }
        warnings
    }

    /// Clients whose churn cannot happen within the horizon.
    fn churn_warnings(&self) -> Vec<String> {
        self.streams
            .iter()
            .filter_map(|s| match &s.model {
                Model::Client(c)
                    if c.churn.probability.support().1 > 0.0
                        && c.churn.earliest_month > self.horizon_months =>
                {
                    Some(format!(
                        "{}: {}.churn.earliest_month: month {} is beyond the {}-month horizon, \
                         so this client cannot churn in this run",
                        self.origin,
                        s.path(),
                        c.churn.earliest_month,
                        self.horizon_months
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// A target by its name or id.
    pub fn target(&self, name_or_id: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.name == name_or_id || t.id == name_or_id)
    }
}

/// The largest input file read: ten times the largest scenario a person
/// or a script could mean (100,000 streams take about 10 MB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads an input file as text, refusing one over [`MAX_FILE_BYTES`]
/// before reading it, so that a wrong path (a disk image, a log) costs
/// neither the time nor the memory to parse it.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a folder, not a file"));
    }
    let mut text = String::new();
    // Read at most one byte more than allowed: that tells a file too large
    // even where its size is not known beforehand (a pipe).
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, the most a scenario or sweep file may be",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(text)
}

/// The id a name gets when the file gives none: lower case, runs of other
/// characters turned into one underscore ("TikTok (ByteDance)" becomes
/// "tiktok_bytedance").
pub fn snake_case(name: &str) -> String {
    let mut id = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !id.is_empty() {
                id.push('_');
            }
            gap = false;
            id.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    id
}

/// Whether an id can be used in a dotted `--set` path.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_ids() {
        assert_eq!(snake_case("TikTok (ByteDance)"), "tiktok_bytedance");
        assert_eq!(snake_case("Microsoft 365 Copilot"), "microsoft_365_copilot");
        assert_eq!(snake_case("Azure OpenAI $1B"), "azure_openai_1b");
        assert_eq!(snake_case("  G42 "), "g42");
        assert_eq!(snake_case("$$$"), "");
    }
}
