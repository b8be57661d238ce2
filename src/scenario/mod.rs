//! Scenario files: the TOML format, its validation and `--set` overrides.
//!
//! Reading happens in two stages. `raw` mirrors the file with serde,
//! keeping the byte span of every value; `validate` turns that into a
//! [`Scenario`] whose fields can only hold allowed values, reporting every
//! problem with its file, line, column and field path.

mod canonical;
mod error;
mod raw;
mod set;
mod validate;

pub use error::{Diagnostic, ScenarioError, closest};
pub use set::{ParamValue, parse_value};
// Sweep files read values and report errors the way scenario files do.
pub(crate) use {raw::translate, validate::build_param};

use std::path::Path;

use crate::model::{Kind, Model};

/// Limits that keep a run's memory and time sane; documented in the README.
pub const MAX_HORIZON_MONTHS: u32 = 1200;

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
    /// Where the scenario came from, for messages.
    pub origin: String,
}

/// A revenue amount to reach over the horizon on some segments.
#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub amount: f64,
    /// The segments counted; every segment when the file gives none.
    pub segments: Vec<String>,
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
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: origin.clone(),
            source,
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

    pub fn stream(&self, kind: Kind, id: &str) -> Option<&Stream> {
        self.streams.iter().find(|s| s.kind() == kind && s.id == id)
    }

    /// A target by its name or id.
    pub fn target(&self, name_or_id: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.name == name_or_id || t.id == name_or_id)
    }
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
