//! The shipped scenarios load, run, and tell the stories they claim.

use crate::common::{options, root, run};
use revsim::scenario::Scenario;

fn load(name: &str) -> Scenario {
    Scenario::load(&root().join("scenarios").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_shipped_scenario_loads_and_runs() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario =
                Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let result = run(&scenario, &options(2_000, 1, 0));
            assert_eq!(result.paths, 2_000);
            count += 1;
        }
    }
    assert!(count >= 3, "expected base plus two stories, found {count}");
}

#[test]
fn base_has_the_streams_the_plan_names() {
    let s = load("base.toml");
    let ids: Vec<String> = s.streams.iter().map(|s| s.path()).collect();
    for id in [
        "client.tiktok_bytedance",
        "client.walmart",
        "client.intuit",
        "client.g42",
        "client.other_customers",
        "pipeline.new_enterprise_clients",
        "subscription.microsoft_365_copilot",
        "stream.enterprise_direct_sales",
    ] {
        assert!(ids.iter().any(|i| i == id), "missing {id}");
    }
    assert_eq!(ids.len(), 8);
    assert_eq!(s.targets.len(), 2);
    assert_eq!(
        s.target("Azure OpenAI $1B").unwrap().segments,
        ["azure_openai"]
    );
    assert_eq!(s.target("ai_revenue_3b").unwrap().segments.len(), 3);
}

/// With common random numbers the stories order the same way on every
/// path, so the ordering of P(hit $1B) is not noise: an early exit of
/// TikTok lowers it and faster growth of the other clients raises it.
#[test]
fn the_stories_move_the_probability_the_way_they_say() {
    let opts = options(20_000, 42, 0);
    let p = |name: &str| {
        let r = run(&load(name), &opts);
        r.targets[0].hits as f64 / r.paths as f64
    };
    let (early, base, diversified) = (
        p("bytedance_leaves_early.toml"),
        p("base.toml"),
        p("diversified.toml"),
    );
    assert!(
        early < base && base < diversified,
        "{early} {base} {diversified}"
    );
}
