//! `simulate bench`: how fast the engine runs a scenario at each thread
//! count, and how close it comes to the cost of its random numbers alone.
//!
//! The *floor* of a scenario makes the same random draws as the engine, of
//! the same kinds, from the same generators keyed the same way, block by
//! block, and does nothing else: no revenue, no statistics. Two floors are
//! measured:
//!
//! - [`Floor::Batched`] draws as the engine does (batched normals, CDF
//!   tables for Poisson counts): the engine's own floor. The engine can get
//!   close to it, never below it.
//! - [`Floor::Scalar`] draws one number at a time with `rand` and
//!   `rand_distr` (ziggurat normals, log-normals with the platform's `exp`,
//!   a Poisson walk with a division a step): what a straightforward engine
//!   would pay for its random numbers alone. An engine that batches its
//!   draws can beat it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::dist::Param;
use crate::engine::{self, EngineError, Observer, RunOptions, resolve_threads};
use crate::model::sample::fill_uniforms;
use crate::model::{Block, CHUNK, ClientCounter, Growth, Model};
use crate::rng::BLOCK_PATHS;
use crate::scenario::Scenario;
use crate::stats::QuantileMethod;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Paths, seed and quantile method of every run; `threads` is ignored.
    pub run: RunOptions,
    /// The largest thread count; every count from 1 up to it is measured.
    pub max_threads: usize,
    /// Each measurement repeats its run until this much time has passed
    /// (and at least [`MIN_REPETITIONS`] times), and keeps the median.
    pub min_time: Duration,
}

/// Runs per measurement, at least; the median is kept.
pub const MIN_REPETITIONS: usize = 3;

/// One thread count's throughput.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ThreadResult {
    pub threads: usize,
    /// Median over the repetitions of paths / wall-clock seconds of a whole
    /// run (pool start, simulation, quantiles).
    pub paths_per_second: f64,
    /// Paths per second over those of one thread.
    pub speedup: f64,
    /// Speedup over threads: 1 is perfect scaling.
    pub efficiency: f64,
    pub repetitions: usize,
}

/// The thread counts of one quantile method, against the floors.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MethodResult {
    pub quantile_method: QuantileMethod,
    pub results: Vec<ThreadResult>,
    /// Time of the engine with this method over time of its floor, both on
    /// one thread.
    pub engine_to_floor: f64,
    pub engine_to_scalar_floor: f64,
}

/// The whole measurement; `simulate bench --format json` prints it.
/// `quantile_method`, `results` and the ratios at the top are the first
/// method's; `methods` has each method measured.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchReport {
    pub scenario: String,
    pub paths: u64,
    pub seed: u64,
    pub quantile_method: QuantileMethod,
    pub results: Vec<ThreadResult>,
    pub methods: Vec<MethodResult>,
    /// The engine's own floor ([`Floor::Batched`]), on one thread.
    pub floor_paths_per_second: f64,
    /// The one-at-a-time floor ([`Floor::Scalar`]), on one thread.
    pub scalar_floor_paths_per_second: f64,
    /// Time of the engine over time of its floor, both on one thread:
    /// 1 would mean the model and statistics cost nothing.
    pub engine_to_floor: f64,
    /// Time of the engine over time of the scalar floor, on one thread:
    /// below 1, the engine runs faster than a naive engine could draw.
    pub engine_to_scalar_floor: f64,
}

/// How the floor draws its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    /// As the engine draws them.
    Batched,
    /// One at a time, with `rand` and `rand_distr`.
    Scalar,
}

/// Measures the engine on `scenario` at 1, 2, ... `max_threads` threads,
/// then both floors on one thread. The observer is asked between runs
/// whether to stop.
pub fn bench(
    scenario: &Scenario,
    options: &BenchOptions,
    observer: &dyn Observer,
) -> Result<BenchReport, EngineError> {
    bench_methods(scenario, options, &[options.run.quantiles], observer)
}

/// As [`bench()`], for each quantile choice of `methods` in turn (the
/// floors, which do not depend on it, once).
pub fn bench_methods(
    scenario: &Scenario,
    options: &BenchOptions,
    methods: &[crate::engine::QuantileChoice],
    observer: &dyn Observer,
) -> Result<BenchReport, EngineError> {
    let mut measured = Vec::new();
    for &quantiles in methods {
        let run = RunOptions {
            quantiles,
            ..options.run.clone()
        };
        measured.push((run.method(), threads(scenario, options, &run, observer)?));
    }
    let floor_pps = |kind| -> Result<f64, EngineError> {
        let (seconds, _) = measure(options.min_time, observer, || {
            Ok(black_box(floor(scenario, &options.run, kind)))
        })?;
        Ok(options.run.paths as f64 / seconds)
    };
    let floor_paths_per_second = floor_pps(Floor::Batched)?;
    let scalar_floor_paths_per_second = floor_pps(Floor::Scalar)?;
    let methods: Vec<MethodResult> = measured
        .into_iter()
        .map(|(quantile_method, results)| {
            let one = results.first().map_or(f64::NAN, |r| r.paths_per_second);
            MethodResult {
                quantile_method,
                results,
                engine_to_floor: floor_paths_per_second / one,
                engine_to_scalar_floor: scalar_floor_paths_per_second / one,
            }
        })
        .collect();
    let first = methods[0].clone();
    Ok(BenchReport {
        scenario: scenario.name.clone(),
        paths: options.run.paths,
        seed: options.run.seed,
        quantile_method: first.quantile_method,
        results: first.results,
        methods,
        floor_paths_per_second,
        scalar_floor_paths_per_second,
        engine_to_floor: first.engine_to_floor,
        engine_to_scalar_floor: first.engine_to_scalar_floor,
    })
}

/// The engine's paths per second at 1, 2, ... `max_threads` threads.
fn threads(
    scenario: &Scenario,
    options: &BenchOptions,
    base: &RunOptions,
    observer: &dyn Observer,
) -> Result<Vec<ThreadResult>, EngineError> {
    let mut results: Vec<ThreadResult> = Vec::new();
    for threads in 1..=resolve_threads(options.max_threads) {
        let run = RunOptions {
            threads,
            ..base.clone()
        };
        let (seconds, repetitions) = measure(options.min_time, observer, || {
            engine::run(scenario, &run, observer).map(|r| black_box(r.paths))
        })?;
        let paths_per_second = options.run.paths as f64 / seconds;
        let speedup = results
            .first()
            .map_or(1.0, |one| paths_per_second / one.paths_per_second);
        results.push(ThreadResult {
            threads,
            paths_per_second,
            speedup,
            efficiency: speedup / threads as f64,
            repetitions,
        });
    }
    Ok(results)
}

/// Median wall-clock seconds of `run`, repeated until `min_time` has
/// passed and at least [`MIN_REPETITIONS`] times, after one unmeasured
/// warm-up run; and the number of measured runs.
fn measure<T>(
    min_time: Duration,
    observer: &dyn Observer,
    mut run: impl FnMut() -> Result<T, EngineError>,
) -> Result<(f64, usize), EngineError> {
    let interrupted = || EngineError::Interrupted { done: 0, total: 0 };
    run()?;
    let started = Instant::now();
    let mut times = Vec::new();
    while times.len() < MIN_REPETITIONS || started.elapsed() < min_time {
        if observer.should_stop() {
            return Err(interrupted());
        }
        let t = Instant::now();
        run()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_unstable_by(f64::total_cmp);
    Ok((times[times.len() / 2], times.len()))
}

/// Makes every random draw a run of `scenario` with `options` makes, block
/// after block on the calling thread, and nothing else. Returns a number
/// that depends on every draw, so that none can be skipped.
pub fn floor(scenario: &Scenario, options: &RunOptions, kind: Floor) -> f64 {
    let blocks = options.paths.div_ceil(BLOCK_PATHS as u64);
    let horizon = scenario.horizon_months as usize;
    let mut sink = 0.0;
    for index in 0..blocks {
        let first = index * BLOCK_PATHS as u64;
        let block = Block {
            seed: options.seed,
            index,
            paths: (options.paths - first).min(BLOCK_PATHS as u64) as usize,
            horizon,
            rekey: None,
            factors: crate::model::FactorSeeds {
                seed: options.seed,
                rekey: None,
            },
            correlated: None,
        };
        for stream in &scenario.streams {
            let key = engine::stream_key(stream.kind().as_str(), &stream.id);
            sink += match kind {
                Floor::Batched => batched(&stream.model, &block, key),
                Floor::Scalar => scalar(&stream.model, &block, key),
            };
        }
    }
    sink
}

/// A stream's draws in a block, as the engine makes them.
fn batched(model: &Model, block: &Block, key: u64) -> f64 {
    let n = block.paths;
    let mut values = Vec::new();
    let mut sink = 0.0;
    let mut param = |name: &str, p: &Param| {
        block.draw(key, name, p, &mut values);
        sink += values[n - 1];
    };
    let growth_params = |growth: &Growth, param: &mut dyn FnMut(&str, &Param)| {
        param("annual_growth", &growth.annual_growth);
        param("volatility", &growth.volatility);
    };
    let shocks = |growth: &Growth| -> f64 {
        if matches!(growth.volatility, Param::Fixed(v) if v == 0.0) {
            return 0.0;
        }
        let mut source = block.source(key, "growth_shocks");
        let mut z = vec![0.0; CHUNK * (block.horizon - 1)];
        let mut sum = 0.0;
        for first in (0..n).step_by(CHUNK) {
            let z = &mut z[..CHUNK.min(n - first) * (block.horizon - 1)];
            source.fill(z);
            sum += z[0];
        }
        sum
    };
    match model {
        Model::Client(c) => {
            param("monthly_spend", &c.monthly_spend);
            param("churn.probability", &c.churn.probability);
            param("churn.retain", &c.churn.retain);
            param("churn.ramp_months", &c.churn.ramp_months);
            growth_params(&c.growth, &mut param);
            sink += shocks(&c.growth);
            if !matches!(c.churn.probability, Param::Fixed(p) if p == 0.0) {
                let mut u = vec![0.0; n];
                fill_uniforms(block.source(key, "churn").generator(), &mut u);
                sink += u[n - 1];
            }
        }
        Model::Pipeline(p) => {
            let mut arrivals = Vec::new();
            block.draw(
                key,
                "arrivals_per_month",
                &p.arrivals_per_month,
                &mut arrivals,
            );
            param("ramp_months", &p.ramp_months);
            param("annual_growth", &p.annual_growth);
            let mut counts_source = block.source(key, "arrivals");
            let mut spend_source = block.source(key, "new_client_spend");
            let h = block.horizon;
            let mut counter = ClientCounter::new(&p.arrivals_per_month, h);
            let mut counts = vec![0u64; h * CHUNK];
            let mut spends = vec![0.0; 256];
            for first in (0..n).step_by(CHUNK) {
                let c = CHUNK.min(n - first);
                let counts = &mut counts[..h * c];
                let lambdas = &arrivals[first..first + c];
                counter.count(lambdas, counts_source.generator(), counts);
                let mut clients: u64 = counts.iter().sum();
                while clients > 0 {
                    let batch = &mut spends[..clients.min(256) as usize];
                    spend_source.fill_param(&p.monthly_spend, batch);
                    sink += batch[0];
                    clients -= batch.len() as u64;
                }
            }
        }
        Model::Subscription(s) => {
            param("seats", &s.seats);
            param("price_per_seat", &s.price_per_seat);
            growth_params(&s.growth, &mut param);
            sink += shocks(&s.growth);
        }
        Model::Stream(s) => {
            param("monthly_revenue", &s.monthly_revenue);
            growth_params(&s.growth, &mut param);
            sink += shocks(&s.growth);
        }
    }
    sink
}

/// A stream's draws in a block, one at a time with `rand` and `rand_distr`.
fn scalar(model: &Model, block: &Block, key: u64) -> f64 {
    let n = block.paths;
    let mut sink = 0.0;
    let mut param = |name: &str, p: &Param| -> Vec<f64> {
        let mut rng = block.generator(key, name);
        let values: Vec<f64> = (0..n).map(|_| p.sample(&mut rng)).collect();
        sink += values[n - 1];
        values
    };
    let growth = |growth: &Growth, param: &mut dyn FnMut(&str, &Param) -> Vec<f64>| {
        param("annual_growth", &growth.annual_growth);
        param("volatility", &growth.volatility);
        if matches!(growth.volatility, Param::Fixed(v) if v == 0.0) {
            return 0.0;
        }
        let mut rng = block.generator(key, "growth_shocks");
        let mut sum = 0.0;
        for _ in 0..n * (block.horizon - 1) {
            sum += rng.sample::<f64, _>(StandardNormal);
        }
        sum
    };
    let extra = match model {
        Model::Client(c) => {
            param("monthly_spend", &c.monthly_spend);
            param("churn.probability", &c.churn.probability);
            param("churn.retain", &c.churn.retain);
            param("churn.ramp_months", &c.churn.ramp_months);
            let mut sum = growth(&c.growth, &mut param);
            if !matches!(c.churn.probability, Param::Fixed(p) if p == 0.0) {
                let mut rng = block.generator(key, "churn");
                for _ in 0..n {
                    sum += 1.0 - rng.random::<f64>();
                }
            }
            sum
        }
        Model::Pipeline(p) => {
            let arrivals = param("arrivals_per_month", &p.arrivals_per_month);
            param("ramp_months", &p.ramp_months);
            param("annual_growth", &p.annual_growth);
            let mut counts_rng = block.generator(key, "arrivals");
            let mut spend_rng = block.generator(key, "new_client_spend");
            let mut sum = 0.0;
            for &lambda in &arrivals {
                let exp_neg_lambda = (-lambda).exp();
                for _ in 0..block.horizon {
                    for _ in 0..poisson_walk(lambda, exp_neg_lambda, &mut counts_rng) {
                        sum += p.monthly_spend.sample(&mut spend_rng);
                    }
                }
            }
            sum
        }
        Model::Subscription(s) => {
            param("seats", &s.seats);
            param("price_per_seat", &s.price_per_seat);
            growth(&s.growth, &mut param)
        }
        Model::Stream(s) => {
            param("monthly_revenue", &s.monthly_revenue);
            growth(&s.growth, &mut param)
        }
    };
    sink + extra
}

/// A Poisson count by walking the CDF from one uniform, one division a
/// step: the textbook inversion.
fn poisson_walk(lambda: f64, exp_neg_lambda: f64, rng: &mut impl Rng) -> u64 {
    let u: f64 = rng.random();
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (lambda + 40.0 * lambda.sqrt() + 40.0) as u64;
    let (mut k, mut term) = (0, exp_neg_lambda);
    let mut cdf = term;
    while u >= cdf && k < limit {
        k += 1;
        term *= lambda / k as f64;
        cdf += term;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{QuantileChoice, Silent};

    fn scenario() -> Scenario {
        let text = "[scenario]\nname = \"t\"\nhorizon_months = 6\n\
             [[target]]\nname = \"T\"\namount = 5e6\n\
             [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\nvolatility = 0.1\n\
             churn = { probability = 0.3, retain = 0.2 }\n\
             [[pipeline]]\nname = \"P\"\nsegment = \"s\"\narrivals_per_month = 2\n\
             monthly_spend = { dist = \"lognormal\", median = 1e5, sigma = 1 }\n\
             [[stream]]\nname = \"S\"\nsegment = \"t\"\nmonthly_revenue = { dist = \"uniform\", min = 1, max = 2 }\nvolatility = 0.2\n";
        Scenario::parse(text, "t.toml").expect("valid scenario")
    }

    fn options(paths: u64) -> RunOptions {
        RunOptions {
            paths,
            seed: 5,
            threads: 1,
            quantiles: QuantileChoice::Auto,
        }
    }

    #[test]
    fn floors_make_deterministic_draws() {
        let s = scenario();
        for kind in [Floor::Batched, Floor::Scalar] {
            let a = floor(&s, &options(3_000), kind);
            assert!(a.is_finite());
            assert_eq!(a.to_bits(), floor(&s, &options(3_000), kind).to_bits());
        }
    }

    #[test]
    fn bench_reports_every_thread_count() {
        let options = BenchOptions {
            run: options(2_000),
            max_threads: 2,
            min_time: Duration::ZERO,
        };
        let report = bench(&scenario(), &options, &Silent).unwrap();
        assert_eq!(report.results.len(), 2);
        assert_eq!(report.results[0].speedup, 1.0);
        assert!(
            report
                .results
                .iter()
                .all(|r| r.repetitions >= MIN_REPETITIONS)
        );
        assert!(report.floor_paths_per_second > 0.0 && report.engine_to_floor > 0.0);
        let json = serde_json::to_value(&report).unwrap();
        for key in ["scenario", "results", "floor_paths_per_second"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        for key in ["threads", "paths_per_second", "speedup"] {
            assert!(json["results"][0].get(key).is_some(), "{key}");
        }
    }
}
