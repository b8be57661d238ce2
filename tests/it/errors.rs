//! Bad input: every broken file in tests/corpus/ is refused with a message
//! naming the place and what is allowed, and no input makes it panic.
//!
//! Each corpus file starts with `# expect: TEXT` lines; the error must
//! contain every TEXT. Files are read under the origin `broken/NAME`.

use std::panic;

use revsim::scenario::Scenario;

use crate::common::{check_corpus, root};

#[test]
fn every_corpus_file_is_refused_with_its_expected_message() {
    let checked = check_corpus(&root().join("tests/corpus"), Scenario::parse);
    assert!(checked >= 20, "the corpus has {checked} files");
}

#[test]
fn a_missing_file_names_the_path() {
    let err = Scenario::load(&root().join("scenarios/no_such_file.toml")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("no_such_file.toml"), "{message}");
    assert!(message.contains("cannot read"), "{message}");
}

/// Every prefix of the base scenario, and many single-byte corruptions of
/// it, parse or fail with an error: none panics.
#[test]
fn no_input_panics() {
    let text = std::fs::read_to_string(root().join("scenarios/base.toml")).unwrap();
    let bytes = text.as_bytes();
    let replacements = [
        b'0', b'-', b'=', b'"', b'[', b'{', b'}', b'\n', b'x', b'.', b'e', b'9',
    ];
    let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).map(|i| bytes[..i].to_vec()).collect();
    for i in (0..bytes.len()).step_by(3) {
        let mut v = bytes.to_vec();
        v[i] = replacements[i % replacements.len()];
        inputs.push(v);
    }
    for (i, input) in inputs.iter().enumerate() {
        let s = String::from_utf8_lossy(input).into_owned();
        let outcome = panic::catch_unwind(|| {
            if let Ok(mut scenario) = Scenario::parse(&s, "fuzz.toml") {
                // Whatever parses must also run.
                scenario.paths = 64;
                let options = revsim::engine::RunOptions::from_scenario(&scenario);
                let _ = revsim::engine::run(&scenario, &options, &revsim::engine::Silent);
            }
        });
        assert!(outcome.is_ok(), "input {i} panicked:\n{s}");
    }
}

#[test]
fn set_refuses_unknown_paths_with_a_suggestion() {
    let mut scenario = crate::common::base();
    let err = scenario
        .set_assignment("client.tiktok_bytedance.churn.probabilty=0.5")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("--set client.tiktok_bytedance.churn.probabilty=0.5"),
        "{text}"
    );
    assert!(text.contains("no parameter has this path"), "{text}");
    assert!(
        text.contains("did you mean `client.tiktok_bytedance.churn.probability`"),
        "{text}"
    );
}

#[test]
fn set_checks_values_like_the_file_does() {
    let mut scenario = crate::common::base();
    let cases = [
        (
            "client.tiktok_bytedance.churn.probability=1.5",
            "a number in [0, 1]",
        ),
        ("client.walmart.monthly_spend=-1", "a number in [0, 1e15]"),
        ("scenario.paths=0", "a whole number >= 2"),
        (
            "scenario.horizon_months=2.5",
            "a whole number from 1 to 1200",
        ),
        (
            "client.walmart.volatility={ dist = \"normal\", mean = 0, sd = -1 }",
            "sd must be >= 0",
        ),
        ("client.walmart.volatility=abc", "cannot read the value"),
        ("client.walmart.volatility", "expected PATH=VALUE"),
    ];
    for (assignment, want) in cases {
        let text = scenario.set_assignment(assignment).unwrap_err().to_string();
        assert!(text.contains(want), "{assignment}: {text}");
    }
}

#[test]
fn set_changes_numbers_and_distributions() {
    let mut scenario = crate::common::base();
    scenario
        .set_assignment("client.tiktok_bytedance.churn.probability=0.6")
        .unwrap();
    scenario
        .set_assignment(
            "stream.enterprise_direct_sales.annual_growth={ dist = \"uniform\", min = 0, max = 1 }",
        )
        .unwrap();
    scenario.set_assignment("scenario.seed=7").unwrap();
    let values: std::collections::HashMap<String, String> =
        scenario.parameters().into_iter().collect();
    assert_eq!(values["client.tiktok_bytedance.churn.probability"], "0.6");
    assert!(values["stream.enterprise_direct_sales.annual_growth"].starts_with("uniform"));
    assert_eq!(scenario.seed, 7);
}
