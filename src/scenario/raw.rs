//! The first stage: serde structs that mirror the file, with the span of
//! every value kept for messages. Nothing here judges values.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;

use super::error::{Diagnostic, ScenarioError, closest};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub scenario: Spanned<RawHeader>,
    #[serde(default)]
    pub target: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    pub client: Vec<Spanned<RawClient>>,
    #[serde(default)]
    pub pipeline: Vec<Spanned<RawPipeline>>,
    #[serde(default)]
    pub subscription: Vec<Spanned<RawSubscription>>,
    #[serde(default)]
    pub stream: Vec<Spanned<RawStream>>,
    #[serde(default)]
    pub factor: Vec<Spanned<RawFactor>>,
    #[serde(default)]
    pub correlation: Vec<Spanned<RawCorrelation>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactor {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
}

/// A rank correlation between two per-path parameters, by their paths.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub name: Option<Spanned<String>>,
    pub between: Spanned<Vec<Spanned<String>>>,
    pub rank: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub horizon_months: Option<Spanned<Whole>>,
    pub paths: Option<Spanned<Whole>>,
    pub seed: Option<Spanned<Whole>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub amount: Spanned<f64>,
    pub segments: Option<Spanned<Vec<Spanned<String>>>>,
    pub months: Option<Spanned<Vec<Spanned<Whole>>>>,
    pub measure: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub segment: Spanned<String>,
    pub monthly_spend: Spanned<RawParam>,
    pub annual_growth: Option<Spanned<RawParam>>,
    pub volatility: Option<Spanned<RawParam>>,
    pub factor: Option<Spanned<String>>,
    pub loading: Option<Spanned<RawParam>>,
    pub churn: Option<Spanned<RawChurn>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChurn {
    pub probability: Spanned<RawParam>,
    pub earliest_month: Option<Spanned<Whole>>,
    pub retain: Option<Spanned<RawParam>>,
    pub ramp_months: Option<Spanned<RawParam>>,
    pub factor: Option<Spanned<String>>,
    pub loading: Option<Spanned<RawParam>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub segment: Spanned<String>,
    pub arrivals_per_month: Spanned<RawParam>,
    pub monthly_spend: Spanned<RawParam>,
    pub ramp_months: Option<Spanned<RawParam>>,
    pub annual_growth: Option<Spanned<RawParam>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubscription {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub segment: Spanned<String>,
    pub seats: Spanned<RawParam>,
    pub price_per_seat: Spanned<RawParam>,
    pub annual_growth: Option<Spanned<RawParam>>,
    pub volatility: Option<Spanned<RawParam>>,
    pub factor: Option<Spanned<String>>,
    pub loading: Option<Spanned<RawParam>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStream {
    pub name: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub segment: Spanned<String>,
    pub monthly_revenue: Spanned<RawParam>,
    pub annual_growth: Option<Spanned<RawParam>>,
    pub volatility: Option<Spanned<RawParam>>,
    pub factor: Option<Spanned<String>>,
    pub loading: Option<Spanned<RawParam>>,
}

/// A numeric parameter as written: a number, or an inline table naming a
/// distribution.
// Read once per value of a file or `--set`: the size of a distribution's
// table costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum RawParam {
    Number(f64),
    Dist(RawDist),
}

/// Every key a distribution table may hold; which ones a given `dist`
/// needs is checked in validation, where the message can say so.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: String,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub sigma: Option<f64>,
    pub min: Option<f64>,
    pub mode: Option<f64>,
    pub max: Option<f64>,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub p: Option<f64>,
    pub p5: Option<f64>,
    pub p10: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub values: Option<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
    pub clamp: Option<[f64; 2]>,
    pub truncate: Option<[f64; 2]>,
}

/// A field that takes a whole number, as written: an integer, or a float
/// such as `1e6` (which TOML reads as a float, and a user means as a
/// count). Whether it is whole and in range is judged in validation, where
/// the message can say what is allowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Whole(pub f64, pub Option<i64>);

impl Whole {
    /// The number, when it is a whole number an `i64` holds.
    pub fn whole(self) -> Option<i64> {
        self.1
    }
}

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(i) => write!(f, "{i}"),
            None => f.write_str(&crate::model::short(self.0)),
        }
    }
}

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;
        impl Visitor<'_> for WholeVisitor {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole(v as f64, Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Whole, E> {
                Ok(Whole(v as f64, i64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Whole, E> {
                // Every float from -2^63 up to (not including) 2^63 with no
                // fraction converts exactly.
                const TWO_63: f64 = 9_223_372_036_854_775_808.0;
                let whole = v.fract() == 0.0 && (-TWO_63..TWO_63).contains(&v);
                Ok(Whole(v, whole.then_some(v as i64)))
            }
        }
        deserializer.deserialize_any(WholeVisitor)
    }
}

impl<'de> Deserialize<'de> for RawParam {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor;
        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = RawParam;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number or a distribution such as { dist = \"normal\", mean = 1.0, sd = 0.1 }",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawParam, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawParam::Dist)
            }
        }
        deserializer.deserialize_any(ParamVisitor)
    }
}

/// Parses the text into the raw structs, turning toml's and serde's errors
/// into a [`Diagnostic`] with a "did you mean" for misspelt keys.
pub fn parse(text: &str, origin: &str) -> Result<RawFile, ScenarioError> {
    toml::from_str::<RawFile>(text).map_err(|e| {
        if looks_like(text) == Some(FileKind::Sweep) {
            return Diagnostic::new(origin, None, "this is a sweep file, not a scenario file")
                .with_help(
                    "run it with `simulate sweep FILE`; a scenario file starts with a \
                     [scenario] table and declares [[target]]s and streams",
                )
                .into();
        }
        translate(&e, text, origin).into()
    })
}

/// The two kinds of input file, told apart by their top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    Sweep,
}

/// Which kind of file `text` seems to be, when it is TOML at all: a sweep
/// names its scenario as a string and has [[vary]] tables; a scenario has
/// a [scenario] table, targets and streams. Asked only once a file has
/// failed to parse as what it was given as, to say so plainly.
pub fn looks_like(text: &str) -> Option<FileKind> {
    let table: toml::Table = text.parse().ok()?;
    if table.get("scenario").is_some_and(|s| s.is_str()) || table.contains_key("vary") {
        return Some(FileKind::Sweep);
    }
    let scenario_keys = [
        "target",
        "client",
        "pipeline",
        "subscription",
        "stream",
        "factor",
    ];
    if table.get("scenario").is_some_and(|s| s.is_table())
        || scenario_keys.iter().any(|k| table.contains_key(*k))
    {
        return Some(FileKind::Scenario);
    }
    None
}

/// Parses a value given on the command line (`--set path=VALUE`).
pub fn parse_param(value: &str) -> Result<RawParam, String> {
    #[derive(Deserialize)]
    struct Holder {
        value: RawParam,
    }
    toml::from_str::<Holder>(&format!("value = {value}"))
        .map(|h| h.value)
        .map_err(|e| e.message().to_string())
}

pub fn translate(error: &toml::de::Error, text: &str, origin: &str) -> Diagnostic {
    let message = error.message().trim_end();
    let key = error.span().and_then(|span| key_before(text, span.start));
    if let Some((found, expected)) = invalid_type(message) {
        // `[target]` where the format wants `[[target]]`.
        let header = error
            .span()
            .and_then(|span| text.get(span))
            .and_then(|t| t.trim().lines().next())
            .and_then(|t| t.trim().strip_prefix('['))
            .filter(|t| !t.starts_with('['))
            .and_then(|t| t.strip_suffix(']'))
            .map(str::trim);
        if let (Some(name), "an array") = (header, expected.as_str()) {
            return Diagnostic::at(
                origin,
                text,
                error.span(),
                Some(name),
                format!("[{name}] declares a single table, but there may be several"),
            )
            .with_help(format!(
                "write [[{name}]], with double brackets, for each one"
            ));
        }
        return Diagnostic::at(
            origin,
            text,
            error.span(),
            key.as_deref(),
            format!("{found} is not allowed"),
        )
        .with_help(expected);
    }
    let diagnostic = Diagnostic::at(origin, text, error.span(), key.as_deref(), message);
    match unknown_field(message) {
        Some((field, expected)) => {
            let allowed = expected
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut d = diagnostic;
            d.message = format!("unknown key `{field}`");
            d = match closest(field, expected.iter().copied()) {
                Some(best) => d.with_help(format!(
                    "did you mean `{best}`? allowed keys here: {allowed}"
                )),
                None => d.with_help(format!("allowed keys here: {allowed}")),
            };
            d
        }
        None => diagnostic,
    }
}

/// The key whose value starts at `offset` (`key = value`), so that a
/// type error can name its field even though serde does not; inside an
/// array, the key with the element's index (`values[1]`).
fn key_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?.trim_end();
    if before.ends_with('[') || before.ends_with(',') {
        let (open, index) = enclosing_array(before)?;
        return key_before(text, open).map(|key| format!("{key}[{index}]"));
    }
    let before = before.strip_suffix('=')?.trim_end();
    // After the last character that cannot be in a bare key, which may
    // be wider than a byte (a byte-order mark, say).
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let key = &before[start..];
    (!key.is_empty()).then(|| key.to_string())
}

/// Where the array that `before` ends inside opens, and how many elements
/// come before the end: brackets and braces are matched backwards, and
/// commas at the array's own level counted. Strings holding brackets or
/// commas can mislead it; it only names the field of a message.
fn enclosing_array(before: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut commas = 0;
    for (i, c) in before.char_indices().rev() {
        match c {
            ']' | '}' => depth += 1,
            '{' if depth == 0 => return None,
            '[' | '{' if depth > 0 => depth -= 1,
            '[' => return Some((i, commas)),
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    None
}

/// Picks apart serde's "invalid type: FOUND, expected EXPECTED" into
/// what a user reads: the value found and what is allowed, without Rust's
/// type names (`f64`, `struct RawHeader`, `a sequence`).
fn invalid_type(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("invalid type: ")?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let found = if let Some(v) = found.strip_prefix("integer ") {
        format!("the number {}", v.trim_matches('`'))
    } else if let Some(v) = found.strip_prefix("floating point ") {
        format!("the number {}", v.trim_matches('`'))
    } else if let Some(v) = found.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = found.strip_prefix("boolean ") {
        format!("the value {}", v.trim_matches('`'))
    } else {
        match found {
            "map" => "a table".to_string(),
            "sequence" => "an array".to_string(),
            other => other.to_string(),
        }
    };
    let expected = match expected {
        "f64" | "f32" => "a number".to_string(),
        "i64" | "u64" | "i32" | "u32" | "usize" => "a whole number".to_string(),
        "a sequence" => "an array".to_string(),
        "a string" => "a text in quotes".to_string(),
        "a boolean" => "true or false".to_string(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "a table".to_string(),
        e if e.starts_with("an array of length") => e.to_string(),
        other => other.to_string(),
    };
    Some((found, expected))
}

/// Picks apart serde's "unknown field `x`, expected one of `a`, `b`"
/// (or "expected `a` or `b`", or "there are no fields").
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    let field = &rest[..end];
    let expected: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
    Some((field, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_key_in_front_of_a_value() {
        let text = "a = 1\nchurn = { probability = \"x\" }\n";
        let key = |offset| key_before(text, offset);
        assert_eq!(
            key(text.find("\"x").unwrap()).as_deref(),
            Some("probability")
        );
        assert_eq!(key(4).as_deref(), Some("a"));
        assert_eq!(key(0), None);
        assert_eq!(key(text.find("churn").unwrap()), None);
        // Array elements, with nested arrays and tables before them.
        let text = "values = [0.1, [1, 2], { a = 3 }, \"high\"]\nb = [\"x\"]\n";
        let key = |offset| key_before(text, offset);
        assert_eq!(
            key(text.find("\"high").unwrap()).as_deref(),
            Some("values[3]")
        );
        assert_eq!(key(text.find("0.1").unwrap()).as_deref(), Some("values[0]"));
        assert_eq!(
            key(text.find("2]").unwrap()).as_deref(),
            Some("values[1][1]")
        );
        assert_eq!(key(text.find("\"x").unwrap()).as_deref(), Some("b[0]"));
    }

    #[test]
    fn reads_serde_unknown_field_messages() {
        let (f, e) = unknown_field("unknown field `montly`, expected one of `a`, `bb`").unwrap();
        assert_eq!(f, "montly");
        assert_eq!(e, vec!["a", "bb"]);
        let (f, e) = unknown_field("unknown field `x`, expected `a` or `b`").unwrap();
        assert_eq!((f, e), ("x", vec!["a", "b"]));
        assert!(unknown_field("missing field `name`").is_none());
    }

    #[test]
    fn parses_numbers_and_distributions() {
        assert_eq!(parse_param("3").unwrap(), RawParam::Number(3.0));
        assert_eq!(parse_param("2.5e6").unwrap(), RawParam::Number(2.5e6));
        let d = parse_param("{ dist = \"uniform\", min = 0, max = 1 }").unwrap();
        assert_eq!(
            d,
            RawParam::Dist(RawDist {
                dist: "uniform".into(),
                min: Some(0.0),
                max: Some(1.0),
                ..RawDist::default()
            })
        );
        assert!(
            parse_param("\"abc\"")
                .unwrap_err()
                .contains("a number or a distribution")
        );
        assert!(
            parse_param("{ dist = \"normal\", mu = 1 }")
                .unwrap_err()
                .contains("unknown field `mu`")
        );
    }
}
