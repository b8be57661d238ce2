//! Properties of any valid scenario, over generated ones (proptest): the
//! probability and its interval lie in [0, 1] in order, quantiles do not
//! decrease, every number is finite, an all-segment target's mean is the
//! sum of the stream means, and one or two threads give the same bits.

use proptest::prelude::*;

use crate::common::{json_without_timing, options, parse, report};

/// A number or a distribution for a field of size, as a file writes it.
fn size(max: f64) -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0..max).prop_map(|x| format!("{x:e}")),
        // A median well below the bound: the tail's 1e-12 quantile,
        // median·e^(7σ), must stay within it.
        (1.0..max * 1e-5, 0.0..1.5f64)
            .prop_map(|(m, s)| format!("{{ dist = \"lognormal\", median = {m:e}, sigma = {s} }}")),
        (0.0..max, 0.0..1.0f64).prop_map(|(a, w)| format!(
            "{{ dist = \"uniform\", min = {a:e}, max = {:e} }}",
            a + w * a
        )),
    ]
}

fn probability() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0..=1.0f64).prop_map(|p| p.to_string()),
        (0.5..5.0f64, 0.5..5.0f64)
            .prop_map(|(a, b)| format!("{{ dist = \"beta\", alpha = {a}, beta = {b} }}")),
    ]
}

fn growth() -> impl Strategy<Value = String> {
    prop_oneof![
        (-0.9..3.0f64).prop_map(|g| g.to_string()),
        (-0.5..0.5f64, 0.0..1.0f64, 0.0..1.0f64).prop_map(|(lo, m, w)| format!(
            "{{ dist = \"pert\", min = {lo}, mode = {}, max = {} }}",
            lo + m * w,
            lo + w
        )),
        (-0.5..1.0f64, 0.0..0.5f64, 0.0..1.0f64).prop_map(|(lo, m, w)| format!(
            "{{ dist = \"triangular\", min = {lo}, mode = {}, max = {} }}",
            lo + m * w,
            lo + w
        )),
    ]
}

/// One stream of any kind, in segment `s0`..`s2`, as TOML.
fn stream(i: usize) -> impl Strategy<Value = String> {
    let segment = (0..3usize).prop_map(|s| format!("s{s}"));
    prop_oneof![
        (
            segment.clone(),
            size(1e9),
            growth(),
            0.0..0.2f64,
            probability(),
            1..24u32,
            0.0..1.0f64
        )
            .prop_map(move |(seg, spend, g, vol, p, month, retain)| format!(
                "[[client]]\nname = \"c{i}\"\nsegment = \"{seg}\"\nmonthly_spend = {spend}\n\
                 annual_growth = {g}\nvolatility = {vol}\n\
                 churn = {{ probability = {p}, earliest_month = {month}, retain = {retain} }}\n"
            )),
        (segment.clone(), 0.0..20.0f64, size(1e7), 1.0..12.0f64).prop_map(
            move |(seg, rate, spend, ramp)| format!(
                "[[pipeline]]\nname = \"p{i}\"\nsegment = \"{seg}\"\narrivals_per_month = {rate}\n\
                 monthly_spend = {spend}\nramp_months = {ramp}\n"
            )
        ),
        (segment.clone(), size(1e7), 0.0..100.0f64, growth()).prop_map(
            move |(seg, seats, price, g)| format!(
                "[[subscription]]\nname = \"u{i}\"\nsegment = \"{seg}\"\nseats = {seats}\n\
                 price_per_seat = {price}\nannual_growth = {g}\n"
            )
        ),
        (segment, size(1e9), growth(), 0.0..0.3f64).prop_map(
            move |(seg, revenue, g, vol)| format!(
                "[[stream]]\nname = \"g{i}\"\nsegment = \"{seg}\"\nmonthly_revenue = {revenue}\n\
             annual_growth = {g}\nvolatility = {vol}\n"
            )
        ),
    ]
}

/// A whole scenario: 1 to 5 streams, 1 to 36 months, an all-segment target
/// and a target on the first stream's segment.
fn scenario() -> impl Strategy<Value = String> {
    (1..=5usize, 1..=36u32, 0.0..1e10f64).prop_flat_map(|(n, months, amount)| {
        let streams: Vec<_> = (0..n).map(stream).collect();
        streams.prop_map(move |streams| {
            let first_segment = streams[0]
                .split("segment = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("s0")
                .to_string();
            format!(
                "[scenario]\nname = \"generated\"\nhorizon_months = {months}\n\
                 [[target]]\nname = \"All\"\namount = {amount:e}\n\
                 [[target]]\nname = \"One\"\namount = {:e}\nsegments = [\"{first_segment}\"]\n{}",
                amount / 2.0,
                streams.join("")
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_scenario_gives_a_sound_report(text in scenario(), seed in 0..1000u64) {
        let scenario = parse(&text);
        let one = report(&scenario, &options(3_000, seed, 1));
        prop_assert_eq!(revsim::report::first_non_finite(&one), None);
        for t in &one.targets {
            let [lo, hi] = t.probability_ci95;
            prop_assert!(0.0 <= lo && lo <= t.probability && t.probability <= hi && hi <= 1.0,
                "{}: {} not in [{lo}, {hi}]", t.id, t.probability);
            let q = &t.quantiles;
            let row = [q.p1, q.p5, q.p10, q.p25, q.p50, q.p75, q.p90, q.p95, q.p99];
            prop_assert!(row.windows(2).all(|w| w[0] <= w[1]), "{}: {row:?}", t.id);
            for m in &t.monthly {
                prop_assert!(m.p5 <= m.p50 && m.p50 <= m.p95, "{}: month {}", t.id, m.month);
            }
            prop_assert!(t.expected_shortfall >= 0.0 && t.sd >= 0.0);
        }
        // The all-segment target's mean is the sum of the stream means, to
        // rounding (sums of 3,000 paths in another order).
        let all = &one.targets[0];
        let sum: f64 = one.streams.iter().map(|s| s.mean).sum();
        prop_assert!((all.mean - sum).abs() <= 1e-9 * sum.abs().max(1.0),
            "target mean {} against the streams' {sum}", all.mean);
        let two = report(&scenario, &options(3_000, seed, 2));
        prop_assert_eq!(json_without_timing(&one), json_without_timing(&two));
    }
}
