//! Same scenario, seed and paths: the same bits, whatever the threads; and
//! one stream's edits never move another stream's numbers.

use crate::common::{base, json_without_timing, options, parse, report, run};
use revsim::engine::QuantileChoice;

/// 30,000 paths is not a multiple of the block size, so the last block is
/// partial, which the test covers too.
#[test]
fn one_two_and_eight_threads_give_identical_json() {
    let scenario = base();
    let one = json_without_timing(&report(&scenario, &options(30_000, 7, 1)));
    for threads in [2, 8] {
        let other = json_without_timing(&report(&scenario, &options(30_000, 7, threads)));
        assert!(one == other, "{threads} threads differ from 1");
    }
}

#[test]
fn sketched_quantiles_are_identical_across_threads_too() {
    let scenario = base();
    let mut a = options(20_000, 3, 1);
    a.quantiles = QuantileChoice::Sketch;
    let mut b = a.clone();
    b.threads = 2;
    assert_eq!(
        json_without_timing(&report(&scenario, &a)),
        json_without_timing(&report(&scenario, &b))
    );
}

#[test]
fn another_seed_gives_other_numbers() {
    let scenario = base();
    let a = run(&scenario, &options(5_000, 1, 0));
    let b = run(&scenario, &options(5_000, 2, 0));
    assert_ne!(a.targets[0].moments.mean(), b.targets[0].moments.mean());
}

/// Removing TikTok, reordering, re-parameterising Walmart and adding a
/// client leaves Copilot's and direct sales' revenue bit-identical.
#[test]
fn editing_one_stream_leaves_the_others_draws_identical() {
    let original =
        std::fs::read_to_string(crate::common::root().join("scenarios/base.toml")).unwrap();
    let scenario = parse(&original);
    // Build an edited file: streams in reverse order, TikTok gone, Walmart
    // with other parameters, one new client.
    let blocks: Vec<&str> = original.split("\n[[").collect();
    let mut edited = String::from(blocks[0]);
    for block in blocks[1..].iter().rev() {
        if block.contains("TikTok") {
            continue;
        }
        let block = block.replace("monthly_spend = 4e6", "monthly_spend = 9e6");
        edited.push_str("\n[[");
        edited.push_str(&block);
    }
    edited.push_str(
        "\n[[client]]\nname = \"Newcomer\"\nsegment = \"azure_openai\"\nmonthly_spend = 1e6\nvolatility = 0.2\n\
         churn = { probability = 0.5 }\n",
    );
    let changed = parse(&edited);
    assert!(changed.streams.iter().all(|s| s.id != "tiktok_bytedance"));

    let opts = options(10_000, 42, 0);
    let before = run(&scenario, &opts);
    let after = run(&changed, &opts);
    for id in [
        "microsoft_365_copilot",
        "enterprise_direct_sales",
        "intuit",
        "g42",
        "other_customers",
    ] {
        let find = |s: &revsim::scenario::Scenario, r: &revsim::engine::RunResult| {
            let i = s.streams.iter().position(|x| x.id == id).unwrap();
            r.streams[i]
        };
        assert_eq!(
            find(&scenario, &before),
            find(&changed, &after),
            "stream {id} moved"
        );
    }
    // Walmart changed, so its revenue did.
    let w = |s: &revsim::scenario::Scenario, r: &revsim::engine::RunResult| {
        r.streams[s.streams.iter().position(|x| x.id == "walmart").unwrap()].revenue
    };
    assert_ne!(w(&scenario, &before), w(&changed, &after));
}

/// Golden values: these pin the exact output of the base scenario for a
/// fixed seed. They change only when the random draws do (a new
/// generator, key derivation, block size or sampling method); such a
/// change must be deliberate and noted in CHANGELOG.md.
#[test]
fn golden_seed_base_scenario() {
    let r = report(&base(), &options(10_000, 42, 0));
    let t = &r.targets[0];
    let got = (t.probability, t.mean, t.quantiles.p50, r.targets[1].mean);
    let expected = (GOLDEN.0, GOLDEN.1, GOLDEN.2, GOLDEN.3);
    assert_eq!(got, expected, "golden values moved: {got:?}");
}

/// Changed in 0.2 (see CHANGELOG.md): standard normals come from the
/// engine's batched ziggurat and exponentials from `revsim::math`, so
/// growth shocks, log-normal draws and the block moments moved. Changed
/// again (issue 12): PERT draws come from our own beta sampler, so the
/// Copilot subscription's growth, and with it the all-segment mean, moved;
/// the Azure OpenAI figures have no PERT and did not.
const GOLDEN: (f64, f64, f64, f64) = (
    0.6601,
    1017892813.839741,
    1022912424.5666442,
    3350511517.597524,
);

/// The report as JSON without timing, its targets and streams listed by
/// id: what must not move when the file's tables are reordered.
fn json_by_id(report: &revsim::report::Report) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&json_without_timing(report)).expect("report is JSON");
    for list in ["targets", "streams"] {
        if let Some(items) = value[list].as_array_mut() {
            items.sort_by_key(|item| {
                format!("{}.{}", item["kind"].as_str().unwrap_or(""), item["id"])
            });
        }
    }
    // A target's lists by stream follow the file too.
    if let Some(targets) = value["targets"].as_array_mut() {
        for target in targets {
            for pointer in ["/contributions", "/miss_drivers/streams"] {
                if let Some(items) = target.pointer_mut(pointer).and_then(|l| l.as_array_mut()) {
                    items.sort_by_key(|item| item["stream"].to_string());
                }
            }
        }
    }
    serde_json::to_string(&value).expect("value serialises")
}

/// Every table of the base scenario in reverse order, and every target's
/// segments reversed: the same numbers, bit for bit (path totals are summed
/// by kind and id, not in the file's order).
#[test]
fn reordering_the_files_tables_moves_no_bit() {
    let original =
        std::fs::read_to_string(crate::common::root().join("scenarios/base.toml")).unwrap();
    let mut table: toml::Table = original.parse().expect("base is TOML");
    for kind in ["target", "client", "pipeline", "subscription", "stream"] {
        if let Some(toml::Value::Array(items)) = table.get_mut(kind) {
            items.reverse();
            for item in items.iter_mut() {
                if let Some(toml::Value::Array(segments)) = item.get_mut("segments") {
                    segments.reverse();
                }
            }
        }
    }
    // A target over several segments, so that their order is exercised.
    let several = "\n[[target]]\nname = \"Two\"\namount = 1.5e9\nsegments = [\"copilot\", \"azure_openai\"]\n";
    let several_reversed = several.replace(
        "[\"copilot\", \"azure_openai\"]",
        "[\"azure_openai\", \"copilot\"]",
    );
    let reordered = toml::to_string(&table).expect("table serialises") + &several_reversed;
    let (a, b) = (parse(&(original + several)), parse(&reordered));
    assert_ne!(
        a.streams.iter().map(|s| &s.id).collect::<Vec<_>>(),
        b.streams.iter().map(|s| &s.id).collect::<Vec<_>>(),
        "the streams should be in another order"
    );
    for quantiles in [QuantileChoice::Exact, QuantileChoice::Sketch] {
        let mut o = options(20_000, 11, 2);
        o.quantiles = quantiles;
        assert_eq!(json_by_id(&report(&a, &o)), json_by_id(&report(&b, &o)));
    }
}
