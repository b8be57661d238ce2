//! Errors in scenario input, each pointing at the file, line and field.

use std::fmt;
use std::ops::Range;

/// One problem found in the input: where it is, which field, what is wrong
/// and what would be allowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The file name, or the command-line option the value came from.
    pub origin: String,
    /// 1-based line and column, when the problem has a place in a file.
    pub position: Option<(u32, u32)>,
    /// The dotted path of the field, as `--set` spells it.
    pub field: Option<String>,
    pub message: String,
    /// What is allowed, or a suggestion.
    pub help: Option<String>,
    /// The offending source line, with the column range to underline
    /// (boxed: diagnostics travel in `Result`s and are rarely built).
    snippet: Option<Box<(String, usize, usize)>>,
}

impl Diagnostic {
    /// A problem without a place in a file (a command-line value, say).
    pub fn new(origin: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Diagnostic {
            origin: origin.to_string(),
            position: None,
            field: field.map(str::to_string),
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// A problem at a byte span of `source`.
    pub fn at(
        origin: &str,
        source: &str,
        span: Option<Range<usize>>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let mut diagnostic = Diagnostic::new(origin, field, message);
        if let Some(span) = span {
            let (line, column, text) = locate(source, span.start);
            let width = source
                .get(span.clone())
                .map(|s| s.lines().next().unwrap_or("").chars().count())
                .unwrap_or(1)
                .max(1);
            diagnostic.position = Some((line as u32, column as u32));
            diagnostic.snippet = Some(Box::new((text.to_string(), column, width)));
        }
        diagnostic
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// 1-based line and column (in characters) of a byte offset, and the line.
pub fn locate(source: &str, offset: usize) -> (usize, usize, &str) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let column = source[line_start..offset].chars().count() + 1;
    (
        line,
        column,
        source[line_start..line_end].trim_end_matches('\r'),
    )
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let (Some(snippet), Some((line, _))) = (&self.snippet, self.position) {
            let (text, column, width) = snippet.as_ref();
            let gutter = line.to_string().len();
            write!(f, "\n{:gutter$} |", "")?;
            write!(f, "\n{line} | {text}")?;
            write!(
                f,
                "\n{:gutter$} | {:pad$}{}",
                "",
                "",
                "^".repeat(*width),
                pad = column - 1
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong reading a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    // The cause is in the message, not in the error's chain, so that it is
    // printed once.
    #[error("cannot read scenario file {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    /// One or more problems in the content; all are reported at once.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&d.to_string());
    }
    if diagnostics.len() > 1 {
        out.push_str(&format!("\n\n{} problems found", diagnostics.len()));
    }
    out
}

impl ScenarioError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Read { .. } => &[],
            ScenarioError::Invalid(d) => d,
        }
    }
}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        ScenarioError::Invalid(vec![d])
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a
/// plausible typo. Case does not count (`PERT` finds `pert`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_lines_and_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(locate(src, 0), (1, 1, "a = 1"));
        let offset = src.find('2').unwrap();
        assert_eq!(locate(src, offset), (2, 6, "bé = 2"));
    }

    #[test]
    fn display_shows_file_line_field_snippet_and_help() {
        let src = "[x]\nprobability = 1.5\n";
        let start = src.find("1.5").unwrap();
        let d = Diagnostic::at(
            "f.toml",
            src,
            Some(start..start + 3),
            Some("client.a.p"),
            "bad",
        )
        .with_help("a number in [0, 1]");
        let text = d.to_string();
        assert!(text.starts_with("f.toml:2:15: client.a.p: bad"), "{text}");
        assert!(text.contains("2 | probability = 1.5"), "{text}");
        assert!(text.contains("^^^"), "{text}");
        assert!(text.contains("help: a number in [0, 1]"), "{text}");
    }

    #[test]
    fn closest_suggests_near_misses_only() {
        let keys = ["monthly_spend", "annual_growth", "volatility"];
        assert_eq!(closest("montly_spend", keys), Some("monthly_spend"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("PERT", ["normal", "pert"]), Some("pert"));
    }
}
