//! The report as one self-contained HTML page, to share with people who
//! will not read a terminal: headline in words, charts, and the settings
//! that reproduce it.
//!
//! As in criterion's HTML reports, the page is the [`Report`] the JSON
//! serialises, handed whole to a template (`run.html`, extending
//! `base.html`, rendered by minijinja) and to a chart module ([`chart`],
//! [`charts`]) that only draws what the report holds: the numbers on the
//! page are the numbers of the JSON, and the JSON itself is embedded in the
//! page (`<script type="application/json" id="report-data">`).
//!
//! Self-contained: inline CSS and SVG, no request of any kind (no external
//! `src`, `href` or `@import`), light or dark after the reader's setting,
//! A4 when printed. One small inline script records, into attributes of
//! `<body>`, the size of every chart and any script error, so that a
//! headless browser's DOM dump shows both (`tests/it/browser.rs`).

pub mod chart;
pub mod charts;

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::Report;
use super::money::{money, percent, thousands};

const BASE: &str = include_str!("base.html");
const RUN: &str = include_str!("run.html");

/// A template failed to render: a bug in the templates, not in the input.
#[derive(Debug, thiserror::Error)]
#[error("cannot render the HTML page: {0}")]
pub struct HtmlError(String);

impl From<minijinja::Error> for HtmlError {
    fn from(e: minijinja::Error) -> Self {
        HtmlError(e.to_string())
    }
}

/// The template environment every page shares: the base layout and the
/// `money`, `percent` and `thousands` filters, which format as the
/// terminal report does. Pages add their own template with `extra`.
pub fn environment(
    extra: &[(&'static str, &'static str)],
) -> Result<Environment<'static>, HtmlError> {
    let mut env = Environment::new();
    env.add_template("base.html", BASE)?;
    for (name, source) in extra {
        env.add_template(name, source)?;
    }
    env.add_global("version", env!("CARGO_PKG_VERSION"));
    env.add_filter("money", |x: f64| money(x));
    env.add_filter("percent", |x: f64| percent(x));
    env.add_filter("thousands", |x: u64| thousands(x));
    env.add_filter("short", |x: f64| chart::short(x));
    Ok(env)
}

/// A value for a `<script type="application/json">` block: the JSON with
/// `</` written `<\/`, so that no string in it can close the script.
pub fn embedded_json<T: Serialize>(value: &T) -> Value {
    let json = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    Value::from_safe_string(json.replace("</", "<\\/"))
}

/// The run page. `scenario_text` is the scenario file as read, shown in
/// the settings for audit.
pub fn render(report: &Report, scenario_text: &str) -> Result<String, HtmlError> {
    let env = environment(&[("run.html", RUN)])?;
    let safe = Value::from_safe_string;
    let target_charts: Vec<Value> = report
        .targets
        .iter()
        .map(|t| {
            context! {
                histogram => safe(charts::histogram(t)),
                s_curve => safe(charts::s_curve(t)),
                fan => safe(charts::fan(t)),
            }
        })
        .collect();
    let page = env.get_template("run.html")?.render(context! {
        report => Value::from(Serde(report)),
        title => report.title(),
        one_in_twenty => if report.horizon_months == 12 { "year" } else { "case" },
        charts => target_charts,
        streams_chart => safe(charts::stream_means(report)),
        churn_chart => safe(charts::churn(report)),
        scenario_text => scenario_text,
        data => embedded_json(report),
    })?;
    Ok(page)
}
