//! The report formats, pinned. The report here is written by hand, so the
//! snapshots change only when the rendering does, never with the draws.

use revsim::model::Kind;
use revsim::report::{
    Bin, Contribution, MissDriver, MissDrivers, MonthReport, QuantileRow, Report, Share,
    StreamReport, TargetReport, csv, json, terminal,
};
use revsim::stats::QuantileMethod;

fn sample() -> Report {
    let amount = 1e9;
    let histogram = (0..24)
        .map(|i| {
            let lo = 0.85e9 + i as f64 * 12.5e6;
            // A tent around $1.0B.
            let fraction = (12.0 - (i as f64 - 12.0).abs()) / 144.0;
            Bin {
                lo,
                hi: lo + 12.5e6,
                fraction,
            }
        })
        .collect();
    let monthly = (1..=3)
        .map(|m| MonthReport {
            month: m,
            mean: 80e6 + m as f64 * 1e6,
            p5: 75e6 + m as f64 * 0.5e6,
            p25: 78e6 + m as f64 * 0.8e6,
            p50: 80e6 + m as f64 * 1e6,
            p75: 82e6 + m as f64 * 1.2e6,
            p95: 85e6 + m as f64 * 1.5e6,
        })
        .collect();
    Report {
        scenario: "Snapshot case".into(),
        description: Some("A hand-written report.".into()),
        source: "snapshot.toml".into(),
        scenario_hash: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            .into(),
        overrides: vec![
            "client.tiktok_bytedance.churn.probability=0.6".into(),
            "scenario.horizon_months=3".into(),
        ],
        paths: 100_000,
        seed: 42,
        horizon_months: 3,
        quantile_method: QuantileMethod::Exact,
        targets: vec![TargetReport {
            id: "azure_openai_1b".into(),
            name: "Azure OpenAI $1B".into(),
            amount,
            segments: vec!["azure_openai".into()],
            months: [1, 3],
            measure: revsim::scenario::Measure::Total,
            measured: "total over the horizon".into(),
            probability: 0.6532,
            probability_ci95: [0.6502, 0.6561],
            expected_shortfall: 16.1e6,
            mean: 1.0175e9,
            sd: 59.3e6,
            mean_std_error: 0.1875e6,
            quantiles: QuantileRow {
                p1: 858.5e6,
                p5: 906.6e6,
                p10: 938.5e6,
                p25: 983.5e6,
                p50: 1.0227e9,
                p75: 1.06e9,
                p90: 1.09e9,
                p95: 1.11e9,
                p99: 1.14e9,
            },
            monthly,
            largest_client: Some(Share {
                id: "other".into(),
                name: "Other customers".into(),
                share: 0.61,
            }),
            histogram,
            contributions: vec![
                Contribution {
                    stream: "client.tiktok_bytedance".into(),
                    sd: 40.2e6,
                    share_of_variance: Some(0.4613),
                },
                Contribution {
                    stream: "client.other_customers".into(),
                    sd: 31.0e6,
                    share_of_variance: Some(0.5387),
                },
            ],
            miss_drivers: MissDrivers {
                paths: 34_680,
                mean_given_miss: Some(955.0e6),
                streams: vec![
                    MissDriver {
                        stream: "client.tiktok_bytedance".into(),
                        mean_given_miss: 180.0e6,
                        shift: -42.1e6,
                        churn_probability_given_miss: Some(0.512),
                        churn_probability: Some(0.234),
                    },
                    MissDriver {
                        stream: "client.other_customers".into(),
                        mean_given_miss: 775.0e6,
                        shift: -20.4e6,
                        churn_probability_given_miss: None,
                        churn_probability: None,
                    },
                ],
            },
        }],
        streams: vec![
            StreamReport {
                id: "tiktok_bytedance".into(),
                name: "TikTok (ByteDance)".into(),
                kind: Kind::Client,
                segment: "azure_openai".into(),
                mean: 222.1e6,
                share: 0.2183,
                churn_probability: Some(0.234),
                churn_probability_ci95: Some([0.2314, 0.2366]),
            },
            StreamReport {
                id: "copilot".into(),
                name: "Microsoft 365 Copilot".into(),
                kind: Kind::Subscription,
                segment: "copilot".into(),
                mean: 795.4e6,
                share: 0.7817,
                churn_probability: None,
                churn_probability_ci95: None,
            },
        ],
        largest_client: Some(Share {
            id: "tiktok_bytedance".into(),
            name: "TikTok (ByteDance)".into(),
            share: 0.2183,
        }),
        threads: 2,
        engine_version: "0.1.0".into(),
        date: "2026-12-05T01:30:00Z".into(),
        elapsed_seconds: 0.5,
        paths_per_second: 200_000.0,
        stopping: None,
    }
}

#[test]
fn terminal_report() {
    insta::assert_snapshot!(terminal::render(&sample(), false));
}

#[test]
fn terminal_report_in_colour_only_adds_escapes() {
    let plain = terminal::render(&sample(), false);
    let coloured = terminal::render(&sample(), true);
    assert!(coloured.contains("\x1b[1m"));
    // Removing the escapes gives back the plain text.
    let mut stripped = String::new();
    let mut in_escape = false;
    for c in coloured.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => stripped.push(c),
        }
    }
    assert_eq!(stripped.replace(' ', ""), plain.replace(' ', ""));
}

/// The table fits an 80-column terminal, and a long stream name is cut
/// rather than pushing the columns out.
#[test]
fn terminal_report_fits_80_columns() {
    let mut report = sample();
    report.targets[0].contributions[1].stream =
        "subscription.a_very_long_identifier_of_a_product_line".into();
    report.targets[0].miss_drivers.streams[1].stream =
        "subscription.a_very_long_identifier_of_a_product_line".into();
    let text = terminal::render(&report, false);
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("What drives it"))
        .take(4)
        .collect();
    assert_eq!(table.len(), 4, "{text}");
    for line in table {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    assert!(
        text.contains("subscription.a_very_long_identifi…"),
        "{text}"
    );
}

/// With no missing path, the table says so instead of dividing by zero.
#[test]
fn terminal_report_says_when_no_path_misses() {
    let mut report = sample();
    report.targets[0].miss_drivers = MissDrivers {
        paths: 0,
        mean_given_miss: None,
        streams: Vec::new(),
    };
    let text = terminal::render(&report, false);
    assert!(text.contains("What drives it  no path misses"), "{text}");
    assert!(!text.contains("NaN"), "{text}");
}

#[test]
fn json_report() {
    insta::assert_snapshot!(json::render(&sample()));
}

#[test]
fn csv_report() {
    insta::assert_snapshot!(csv::render(&sample()));
}

#[test]
fn csv_monthly_report() {
    insta::assert_snapshot!(csv::render_monthly(&sample()));
}
