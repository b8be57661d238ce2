//! `simulate sensitivity`: the tornado's ends are the `--set` runs, bit
//! for bit; its bars are sorted; bad input is refused with exit 2.

use predicates::prelude::*;
use revsim::engine::Silent;
use revsim::sensitivity::sources::SourceBy;
use revsim::sensitivity::tornado::{SortBy, TornadoSpec, tornado, uncertain_inputs};

use crate::common::{base, json_of as json, options, parse, report, simulate};

/// Every end of every input, run by `--set PATH=VALUE` through the
/// library (the path the command line takes), gives the tornado's P,
/// mean and p5 to the bit.
#[test]
fn every_end_is_the_set_run_at_that_value() {
    let scenario = base();
    let opts = options(3_000, 8, 0);
    let t = tornado(&scenario, &TornadoSpec::default(), &opts, &Silent).unwrap();
    let mut checked = 0;
    for (ti, target) in t.targets.iter().enumerate() {
        for bar in &target.tornado {
            for (value, stat) in [(bar.low_value, bar.low), (bar.high_value, bar.high)] {
                let mut set = scenario.clone();
                set.set_assignment(&format!("{}={value}", bar.input))
                    .unwrap();
                let r = &report(&set, &opts).targets[ti];
                assert_eq!(
                    r.probability.to_bits(),
                    stat.probability.to_bits(),
                    "{}",
                    bar.input
                );
                assert_eq!(r.mean.to_bits(), stat.mean.to_bits(), "{}", bar.input);
                assert_eq!(r.quantiles.p5.to_bits(), stat.p5.to_bits(), "{}", bar.input);
                checked += 1;
            }
        }
        let r = &report(&scenario, &opts).targets[ti];
        assert_eq!(r.probability.to_bits(), target.base.probability.to_bits());
        assert_eq!(r.mean.to_bits(), target.base.mean.to_bits());
    }
    assert_eq!(checked, 2 * (8 + 10));
}

/// The same through the binary: the JSON of `simulate --set` and of
/// `simulate sensitivity` hold the same numbers.
#[test]
fn the_command_line_end_matches_the_command_line_set() {
    let path = "pipeline.new_enterprise_clients.monthly_spend";
    let s = json(&[
        "sensitivity",
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--inputs",
        path,
        "--format",
        "json",
        "-q",
    ]);
    let bar = &s["targets"][0]["tornado"][0];
    assert_eq!(bar["input"], path);
    let low = bar["low_value"].as_f64().unwrap();
    let run = json(&[
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--set",
        &format!("{path}={low}"),
        "--format",
        "json",
        "-q",
    ]);
    let t = &run["targets"][0];
    assert_eq!(bar["low"]["probability"], t["probability"]);
    assert_eq!(bar["low"]["mean"], t["mean"]);
    assert_eq!(bar["low"]["p5"], t["quantiles"]["p5"]);
}

/// The inputs are the distribution-valued parameters at p10/p90 (the
/// pipeline's per-client spend among them) and every client's churn at
/// 0 and 1; each target lists those of its own streams, by |swing|.
#[test]
fn inputs_ends_and_order() {
    let scenario = base();
    let inputs = uncertain_inputs(&scenario, 0.1, 0.9);
    let paths: Vec<&str> = inputs.iter().map(|i| i.path.as_str()).collect();
    assert!(paths.contains(&"pipeline.new_enterprise_clients.monthly_spend"));
    assert!(paths.contains(&"client.walmart.churn.probability"));
    assert!(
        !paths.contains(&"client.walmart.monthly_spend"),
        "a plain number"
    );
    assert_eq!(inputs.len(), 10);
    // Uniform(0.5, 3) arrivals: p10 = 0.75, p90 = 2.75.
    let arrivals = inputs
        .iter()
        .find(|i| i.path.ends_with("arrivals_per_month"))
        .unwrap();
    assert!((arrivals.low_value - 0.75).abs() < 1e-12);
    assert!((arrivals.high_value - 2.75).abs() < 1e-12);

    let opts = options(2_000, 3, 0);
    let by_p = tornado(&scenario, &TornadoSpec::default(), &opts, &Silent).unwrap();
    let azure = &by_p.targets[0];
    assert_eq!(
        azure.tornado.len(),
        8,
        "Copilot and direct sales are not Azure's"
    );
    let swings: Vec<f64> = azure.tornado.iter().map(|b| b.swing.abs()).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    assert_eq!(by_p.targets[1].tornado.len(), 10);

    let spec = TornadoSpec {
        by: SortBy::Mean,
        ..TornadoSpec::default()
    };
    let by_mean = tornado(&scenario, &spec, &opts, &Silent).unwrap();
    let swings: Vec<f64> = by_mean.targets[1]
        .tornado
        .iter()
        .map(|b| (b.high.mean - b.low.mean).abs())
        .collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
}

/// One client, spend 1 a month for 12 months, churn probability p from
/// month 1 (retain 0): with churn at 0 the target 12 is always hit, at 1
/// never; the base hits with probability (1 - p), exactly the no-churn
/// probability over 12 monthly hazards.
#[test]
fn churn_ends_are_never_and_at_once() {
    let text = "[scenario]\nname = \"one\"\nhorizon_months = 12\n\
                [[target]]\nname = \"T\"\namount = 12\n\
                [[client]]\nname = \"C\"\nsegment = \"s\"\nmonthly_spend = 1\n\
                churn = { probability = 0.3 }\n";
    let n = 50_000;
    let t = tornado(
        &parse(text),
        &TornadoSpec::default(),
        &options(n, 4, 0),
        &Silent,
    )
    .unwrap();
    let target = &t.targets[0];
    let bar = &target.tornado[0];
    assert_eq!((bar.low.probability, bar.high.probability), (1.0, 0.0));
    assert_eq!(bar.low.mean, 12.0);
    assert_eq!(bar.high.mean, 0.0);
    let se = (0.3f64 * 0.7 / n as f64).sqrt();
    assert!((target.base.probability - 0.7).abs() <= 5.0 * se);
}

#[test]
fn tornado_is_identical_for_one_two_and_eight_threads() {
    let run = |threads: &str| {
        simulate()
            .args([
                "sensitivity",
                "scenarios/base.toml",
                "--paths",
                "3000",
                "--format",
                "json",
                "-q",
                "--threads",
                threads,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = run("1");
    assert!(one == run("2"), "2 threads differ from 1");
    assert!(one == run("8"), "8 threads differ from 1");
}

#[test]
fn a_plain_number_is_not_an_input() {
    simulate()
        .args([
            "sensitivity",
            "scenarios/base.toml",
            "--inputs",
            "client.walmart.monthly_spend",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("plain number (4000000)").and(predicate::str::contains(
                "pipeline.new_enterprise_clients.monthly_spend",
            )),
        );
}

#[test]
fn an_unknown_input_gets_a_suggestion() {
    simulate()
        .args([
            "sensitivity",
            "scenarios/base.toml",
            "--inputs",
            "client.tiktok.churn.probability",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `client.tiktok_bytedance.churn.probability`?",
        ));
}

#[test]
fn ends_must_be_inside_zero_one_and_ordered() {
    for (low, high) in [
        ("0.9", "0.1"),
        ("0.5", "0.5"),
        ("0", "0.9"),
        ("0.1", "1"),
        ("-0.1", "0.9"),
    ] {
        simulate()
            .args([
                "sensitivity",
                "scenarios/base.toml",
                "--low",
                low,
                "--high",
                high,
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("0 < low < high < 1"));
    }
}

/// Variance by source against the closed form: one month, two clients
/// churning to nothing independently with monthly probability 0.3 (A,
/// spend 2) and 0.2 (B, spend 1), target 3. Revenue is additive, so both
/// indices of a client are Var(R_s) / Var(R): 0.84 and 0.16. The hit is
/// 1{A stays}·1{B stays} (P = 0.56, V = 0.2464): first order
/// Var(E[hit | A]) / V = 0.8²·0.21 / V = 6/11, for B 0.7²·0.16 / V = 7/22;
/// total 1 − (the other's first order): 15/22 and 5/11. Tolerance: five
/// standard errors, each the bootstrap interval's half-width / 1.96.
#[test]
fn sources_of_independent_clients_match_the_closed_form() {
    let annual = |q: f64| 1.0 - (1.0f64 - q).powi(12);
    let text = format!(
        "[scenario]\nname = \"two\"\nhorizon_months = 1\n\
         [[target]]\nname = \"all\"\namount = 3\n\
         [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 2\n\
         churn = {{ probability = {} }}\n\
         [[client]]\nname = \"B\"\nsegment = \"s\"\nmonthly_spend = 1\n\
         churn = {{ probability = {} }}\n",
        annual(0.3),
        annual(0.2)
    );
    let scenario = parse(&text);
    let s = revsim::sensitivity::sources::sources(
        &scenario,
        SourceBy::Stream,
        &options(200_000, 21, 0),
        &Silent,
    )
    .unwrap();
    let target = &s[0];
    assert_eq!(target[0].source, "client.a");
    let v: f64 = 0.56 * 0.44;
    let want: [(f64, f64, f64, f64); 2] = [
        // (revenue first, total, hit first, total)
        (0.84, 0.84, 0.64 * 0.21 / v, 1.0 - 0.49 * 0.16 / v),
        (0.16, 0.16, 0.49 * 0.16 / v, 1.0 - 0.64 * 0.21 / v),
    ];
    assert!((want[0].2 - 6.0 / 11.0).abs() < 1e-12 && (want[1].3 - 5.0 / 11.0).abs() < 1e-12);
    let close = |what: &str, x: f64, [lo, hi]: [f64; 2], truth: f64| {
        let se = (hi - lo) / (2.0 * 1.96);
        assert!(se > 0.0 && se < 0.02, "{what}: interval [{lo}, {hi}]");
        assert!(
            (x - truth).abs() <= 5.0 * se,
            "{what}: {x} vs closed form {truth} (5 SE = {})",
            5.0 * se
        );
    };
    for (source, w) in target.iter().zip(want) {
        let name = &source.source;
        let (r, h) = (&source.revenue, &source.hit);
        close(
            &format!("{name} revenue first"),
            r.first_order,
            r.first_order_ci95,
            w.0,
        );
        close(&format!("{name} revenue total"), r.total, r.total_ci95, w.1);
        close(
            &format!("{name} hit first"),
            h.first_order,
            h.first_order_ci95,
            w.2,
        );
        close(&format!("{name} hit total"), h.total, h.total_ci95, w.3);
    }
}

/// The JSON contract of `simulate sensitivity`, sources included.
#[test]
fn sensitivity_json_has_the_contract_keys() {
    let s = json(&[
        "sensitivity",
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--inputs",
        "client.g42.churn.probability",
        "--format",
        "json",
        "-q",
    ]);
    for key in ["scenario", "paths", "seed", "targets"] {
        assert!(!s[key].is_null(), "{key}");
    }
    let t = &s["targets"][0];
    for key in ["id", "name", "amount", "base", "tornado", "sources"] {
        assert!(!t[key].is_null(), "targets[].{key}");
    }
    for key in ["probability", "mean", "p5"] {
        assert!(t["base"][key].is_number(), "base.{key}");
        assert!(t["tornado"][0]["low"][key].is_number(), "low.{key}");
        assert!(t["tornado"][0]["high"][key].is_number(), "high.{key}");
    }
    for key in ["input", "low_value", "high_value", "swing"] {
        assert!(!t["tornado"][0][key].is_null(), "tornado[].{key}");
    }
    let source = &t["sources"][0];
    assert_eq!(source["source"], "client.tiktok_bytedance");
    for f in ["revenue", "hit"] {
        for key in ["first_order", "total"] {
            assert!(source[f][key].is_number(), "{f}.{key}");
            assert_eq!(
                source[f][format!("{key}_ci95")].as_array().unwrap().len(),
                2
            );
        }
    }
}

/// Ctrl-C stops a long analysis: exit 130, nothing on stdout.
#[test]
fn an_interrupted_analysis_exits_130() {
    for command in ["sensitivity", "compare"] {
        let mut words = vec![command, "scenarios/base.toml"];
        if command == "compare" {
            words.push("scenarios/diversified.toml");
        }
        words.extend(["--paths", "4000000", "-q"]);
        let args: Vec<&std::ffi::OsStr> = words.iter().map(|w| w.as_ref()).collect();
        let output = crate::common::interrupt_after_a_while(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{command}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

/// Variance by purpose against the closed form: one month, one client
/// whose spend S is uniform on [1, 3] (its own purpose, `monthly_spend`)
/// and who churns to nothing with monthly probability 0.3 (`churn`):
/// R = S·C, C ~ Bernoulli(0.7), independent. For a product of independent
/// factors, Var(E[R | S]) = Var(S)·E[C]², Var(E[R | C]) = E[S]²·Var(C), and
/// with two sources the total of one is 1 − the other's first order. The
/// hit, target 2, is 1{S ≥ 2}·C: the same with Bernoulli(0.5) for S.
#[test]
fn sources_by_purpose_match_the_closed_form() {
    let annual = 1.0 - 0.7f64.powi(12);
    let text = format!(
        "[scenario]\nname = \"one\"\nhorizon_months = 1\n\
         [[target]]\nname = \"all\"\namount = 2\n\
         [[client]]\nname = \"A\"\nsegment = \"s\"\n\
         monthly_spend = {{ dist = \"uniform\", min = 1, max = 3 }}\n\
         churn = {{ probability = {annual} }}\n"
    );
    let scenario = parse(&text);
    let s = revsim::sensitivity::sources::sources(
        &scenario,
        SourceBy::Purpose,
        &options(200_000, 23, 0),
        &Silent,
    )
    .unwrap();
    let names: Vec<&str> = s[0].iter().map(|x| x.source.as_str()).collect();
    assert_eq!(names, ["client.a.monthly_spend", "client.a.churn"]);
    // Revenue: E S = 2, Var S = 1/3, E C = 0.7, Var C = 0.21.
    let v: f64 = (13.0 / 3.0) * 0.7 - 1.4 * 1.4;
    let (spend, churn) = ((1.0 / 3.0) * 0.49 / v, 4.0 * 0.21 / v);
    // Hit: P(S >= 2) = 0.5.
    let vh: f64 = 0.35 * 0.65;
    let (spend_h, churn_h) = (0.25 * 0.49 / vh, 0.25 * 0.21 / vh);
    let want: [(f64, f64, f64, f64); 2] = [
        (spend, 1.0 - churn, spend_h, 1.0 - churn_h),
        (churn, 1.0 - spend, churn_h, 1.0 - spend_h),
    ];
    let close = |what: &str, x: f64, [lo, hi]: [f64; 2], truth: f64| {
        let se = (hi - lo) / (2.0 * 1.96);
        assert!(se > 0.0 && se < 0.02, "{what}: interval [{lo}, {hi}]");
        assert!(
            (x - truth).abs() <= 5.0 * se,
            "{what}: {x} vs closed form {truth} (5 SE = {})",
            5.0 * se
        );
    };
    for (source, w) in s[0].iter().zip(want) {
        let name = &source.source;
        let (r, h) = (&source.revenue, &source.hit);
        close(
            &format!("{name} revenue first"),
            r.first_order,
            r.first_order_ci95,
            w.0,
        );
        close(&format!("{name} revenue total"), r.total, r.total_ci95, w.1);
        close(
            &format!("{name} hit first"),
            h.first_order,
            h.first_order_ci95,
            w.2,
        );
        close(&format!("{name} hit total"), h.total, h.total_ci95, w.3);
    }
}

#[test]
fn by_takes_one_sort_and_one_kind_of_source() {
    simulate()
        .args([
            "sensitivity",
            "scenarios/base.toml",
            "--by",
            "mean,probability",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("one of each at most"));
}
