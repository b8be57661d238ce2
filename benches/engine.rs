//! Throughput of the engine, in paths per second (`cargo bench`).
//!
//! - `base`: the base scenario as `simulate` runs it (its 100,000 paths,
//!   exact quantiles), on one thread and on every available thread;
//! - `stream_kinds`: each kind of stream alone, on one thread;
//! - `factors`: the base scenario and `in_house_wave.toml` (the same plan
//!   with three clients on a churn factor and two streams on a growth
//!   factor), on one thread: what the factors cost;
//! - `sweep`: a 50-point sweep of the base scenario, on every thread;
//! - `floor`: the base scenario's random draws alone, as the engine makes
//!   them and one at a time (see `revsim::bench`), on one thread;
//! - `exp`: the engine's exponential over a chunk of growth-index values,
//!   the one piece of model arithmetic every volatile stream pays each
//!   month (77 a path in the base scenario), for the bound in
//!   BENCHMARKS.md;
//! - `param_draws`: 1,024 draws of one random parameter through
//!   `Param::fill`, as the engine draws a block's parameters: a symmetric
//!   PERT (Beta(3, 3)), a skewed PERT (Beta(1.4, 4.6)), a triangular and a
//!   Beta(1.7, 4.2), the distributions of three-point estimates and rates.
//!
//! Criterion reports `thrpt` in elements per second: paths per second
//! (exponentials per second for `exp`, draws per second for
//! `param_draws`).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use revsim::bench::{Floor, floor};
use revsim::engine::{self, QuantileChoice, RunOptions, Silent, resolve_threads};
use revsim::scenario::Scenario;
use revsim::sweep::{self, Sweep};

fn base() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    Scenario::load(&path).expect("the base scenario is valid")
}

fn options(paths: u64, threads: usize) -> RunOptions {
    RunOptions {
        paths,
        seed: 42,
        threads,
        quantiles: QuantileChoice::Auto,
    }
}

/// 1 and every available thread (just 1 on a one-core machine).
fn thread_counts() -> Vec<usize> {
    let all = resolve_threads(0);
    if all > 1 { vec![1, all] } else { vec![1] }
}

fn base_scenario(c: &mut Criterion) {
    let scenario = base();
    let mut group = c.benchmark_group("base");
    group.throughput(Throughput::Elements(scenario.paths));
    for threads in thread_counts() {
        let options = options(scenario.paths, threads);
        group.bench_with_input(BenchmarkId::new("threads", threads), &options, |b, o| {
            b.iter(|| black_box(engine::run(&scenario, o, &Silent).expect("runs")))
        });
    }
    group.finish();
}

fn stream_kinds(c: &mut Criterion) {
    let header = "[scenario]\nname = \"one stream\"\n[[target]]\nname = \"t\"\namount = 1e9\n";
    let kinds = [
        (
            "churning_client",
            "[[client]]\nname = \"C\"\nsegment = \"s\"\nmonthly_spend = 20e6\nvolatility = 0.05\n\
             churn = { probability = 0.3, earliest_month = 4, retain = 0.1, ramp_months = 3 }\n",
        ),
        (
            "pipeline",
            "[[pipeline]]\nname = \"P\"\nsegment = \"s\"\n\
             arrivals_per_month = { dist = \"uniform\", min = 0.5, max = 3 }\n\
             monthly_spend = { dist = \"lognormal\", median = 0.25e6, sigma = 1.0 }\n\
             ramp_months = 3\nannual_growth = 0.27\n",
        ),
        (
            "subscription",
            "[[subscription]]\nname = \"S\"\nsegment = \"s\"\nseats = 2e6\nprice_per_seat = 30\n\
             annual_growth = { dist = \"pert\", min = 0.5, mode = 1.0, max = 1.5 }\nvolatility = 0.03\n",
        ),
        (
            "stream",
            "[[stream]]\nname = \"D\"\nsegment = \"s\"\nmonthly_revenue = 90e6\n\
             annual_growth = { dist = \"triangular\", min = 0.2, mode = 0.5, max = 0.9 }\nvolatility = 0.04\n",
        ),
    ];
    let paths = 100_000;
    let mut group = c.benchmark_group("stream_kinds");
    group.throughput(Throughput::Elements(paths));
    for (name, stream) in kinds {
        let scenario = Scenario::parse(&format!("{header}{stream}"), name).expect("valid scenario");
        let options = options(paths, 1);
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine::run(&scenario, &options, &Silent).expect("runs")))
        });
    }
    group.finish();
}

/// The base scenario with and without its factors, on one thread, the two
/// measured in turn so that a busy machine slows both alike.
fn factors(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut group = c.benchmark_group("factors");
    for name in ["base", "in_house_wave"] {
        let scenario =
            Scenario::load(&dir.join(format!("{name}.toml"))).expect("the scenario is valid");
        group.throughput(Throughput::Elements(scenario.paths));
        let options = options(scenario.paths, 1);
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine::run(&scenario, &options, &Silent).expect("runs")))
        });
    }
    group.finish();
}

fn sweep_of_50_points(c: &mut Criterion) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
    let text = "scenario = \"../base.toml\"\npaths = 10_000\ndesign = \"grid\"\n\
                [[vary]]\npath = \"client.tiktok_bytedance.churn.probability\"\n\
                range = { from = 0.0, to = 0.98, steps = 50 }\n";
    let sweep = Sweep::parse(text, "bench.toml", &folder).expect("valid sweep");
    let paths = sweep.paths_per_point();
    let options = options(paths, 0);
    let mut group = c.benchmark_group("sweep");
    group.throughput(Throughput::Elements(50 * paths));
    group.bench_function("50_points", |b| {
        b.iter(|| black_box(sweep::run(&sweep, &options, &Silent).expect("runs")))
    });
    group.finish();
}

fn floors(c: &mut Criterion) {
    let scenario = base();
    let options = options(scenario.paths, 1);
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Elements(scenario.paths));
    for (name, kind) in [("batched", Floor::Batched), ("scalar", Floor::Scalar)] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(floor(&scenario, &options, kind)))
        });
    }
    group.finish();
}

fn exponentials(c: &mut Criterion) {
    // A chunk of log-index values as a growth walk makes them: 11 months of
    // 64 paths, drifting by about 1% a month with 5% shocks.
    let logs: Vec<f64> = (0..704)
        .map(|i| 0.01 * f64::from(i / 64 + 1) + 0.05 * ((f64::from(i) * 0.618).fract() - 0.5))
        .collect();
    let mut values = logs.clone();
    let mut group = c.benchmark_group("exp");
    group.throughput(Throughput::Elements(logs.len() as u64));
    group.bench_function("chunk_of_704", |b| {
        b.iter(|| {
            values.copy_from_slice(&logs);
            revsim::math::exp_in_place(black_box(&mut values));
            black_box(values[703])
        })
    });
    group.finish();
}

fn param_draws(c: &mut Criterion) {
    use rand::SeedableRng;
    use revsim::dist::{Dist, Param};
    let params = [
        ("pert_symmetric", Dist::pert(0.5, 1.0, 1.5)),
        ("pert_skewed", Dist::pert(0.0, 0.1, 1.0)),
        ("triangular", Dist::triangular(0.2, 0.5, 0.9)),
        ("beta_1.7_4.2", Dist::beta(1.7, 4.2)),
    ];
    let mut out = vec![0.0; 1024];
    let mut group = c.benchmark_group("param_draws");
    group.throughput(Throughput::Elements(out.len() as u64));
    for (name, dist) in params {
        let param = Param::random(dist.expect("valid parameters"), None).expect("no clamp");
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(42);
        group.bench_function(name, |b| {
            b.iter(|| {
                param.fill(black_box(&mut out), &mut rng);
                black_box(out[1023])
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = base_scenario, stream_kinds, factors, sweep_of_50_points, floors, exponentials,
        param_draws
}
criterion_main!(benches);
