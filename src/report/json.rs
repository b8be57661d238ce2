//! The report as one JSON object on stdout.

use super::Report;

pub fn render(report: &Report) -> String {
    // A report holds only numbers, strings and plain structs: serialising it
    // cannot fail, but say so rather than panic if that ever changes.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
