//! A scenario written out in one canonical form, and its hash: what a
//! report quotes so that a reader can tell whether two reports ran the
//! same model, whatever the file's layout, comments or key order.

use sha2::{Digest, Sha256};

use super::Scenario;

/// The first line of the canonical text; bumped if its form ever changes.
const CANONICAL_VERSION: &str = "revsim scenario canonical v1";

impl Scenario {
    /// The validated scenario as text: its name, description and horizon,
    /// every target and stream with its segment, then every parameter
    /// (`--list-parameters`), one `key=value` a line, the lines sorted:
    /// the order of the file's tables moves no result, so it does not move
    /// the hash either.
    /// Strings are JSON-quoted and numbers printed in the shortest form
    /// that reads back to the same value, so equal scenarios give equal
    /// text and any change of a value changes it.
    pub fn canonical_text(&self) -> String {
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let mut lines = vec![
            CANONICAL_VERSION.to_string(),
            format!("scenario.name={}", quote(&self.name)),
            format!(
                "scenario.description={}",
                self.description.as_deref().map_or("null".into(), quote)
            ),
        ];
        for t in &self.targets {
            lines.push(format!("target.{}.name={}", t.id, quote(&t.name)));
            let segments: Vec<String> = t.segments.iter().map(|s| quote(s)).collect();
            lines.push(format!("target.{}.segments=[{}]", t.id, segments.join(",")));
            // Only when given, so that the hash of a scenario written before
            // windows and measures existed does not move.
            if let Some((first, last)) = t.months {
                lines.push(format!("target.{}.months=[{first},{last}]", t.id));
            }
            if t.measure != super::Measure::Total {
                lines.push(format!(
                    "target.{}.measure={}",
                    t.id,
                    quote(t.measure.as_str())
                ));
            }
        }
        for s in &self.streams {
            lines.push(format!("{}.name={}", s.path(), quote(&s.name)));
            lines.push(format!("{}.segment={}", s.path(), quote(&s.segment)));
        }
        // Factors and links only when there are any, so that the hash of a
        // scenario written before factors existed does not move.
        for f in &self.factors {
            lines.push(format!("factor.{}.name={}", f.id, quote(&f.name)));
            lines.push(format!("factor.{}.kind={}", f.id, quote(f.kind.as_str())));
        }
        for (path, prefix, link) in self.factor_links() {
            lines.push(format!("{path}.{prefix}factor={}", quote(&link.id)));
        }
        for c in &self.correlations {
            let between: Vec<String> = c.between.iter().map(|p| quote(p)).collect();
            lines.push(format!(
                "correlation.{}.between=[{}]",
                c.id,
                between.join(",")
            ));
        }
        for (path, value) in self.parameters() {
            lines.push(format!("{path}={value}"));
        }
        lines[1..].sort();
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// SHA-256 of [`Scenario::canonical_text`], as `sha256:` and 64 hex
    /// digits. The same on every machine and build.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.canonical_text().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[scenario]
name = "Hash case"

[[target]]
name = "All"
amount = 1e9

[[client]]
name = "Acme"
segment = "s"
monthly_spend = 10e6
churn = { probability = 0.3 }
"#;

    #[test]
    fn layout_and_comments_do_not_change_the_hash_but_values_do() {
        let a = Scenario::parse(TEXT, "a.toml").unwrap();
        let spaced = format!("# a comment\n{}\n\n", TEXT.replace(" = ", "="));
        let b = Scenario::parse(&spaced, "b.toml").unwrap();
        assert_eq!(a.hash(), b.hash());
        assert!(a.hash().starts_with("sha256:"));
        assert_eq!(a.hash().len(), "sha256:".len() + 64);

        let mut c = a.clone();
        c.set_assignment("client.acme.churn.probability=0.31")
            .unwrap();
        assert_ne!(a.hash(), c.hash());
        // Setting it back gives the first scenario, and its hash.
        c.set_assignment("client.acme.churn.probability=0.3")
            .unwrap();
        assert_eq!(a.hash(), c.hash());
    }

    #[test]
    fn canonical_text_lists_every_parameter() {
        let a = Scenario::parse(TEXT, "a.toml").unwrap();
        let text = a.canonical_text();
        assert!(text.starts_with(CANONICAL_VERSION));
        for (path, _) in a.parameters() {
            assert!(text.contains(&format!("\n{path}=")), "{path} missing");
        }
        assert!(text.contains("client.acme.segment=\"s\""));
    }
}
