//! Common factors: a churn factor (one-factor Gaussian copula) and a
//! growth factor (shared monthly shocks), against closed forms with
//! tolerances of k = 5 Monte Carlo standard errors (a false alarm about
//! once in 1.7 million runs of each check); bit-identity where a factor
//! does nothing; `--set` and variance by source over them.

use predicates::prelude::*;
use revsim::engine::Silent;
use revsim::sensitivity::sources::SourceBy;

use crate::common::{json_without_timing, options, parse, report, root, simulate};

const K: f64 = 5.0;

/// Φ(x), by Simpson's rule on φ from 0 (2,000 intervals: error below
/// 1e-14), independent of the engine's.
fn phi(x: f64) -> f64 {
    let density = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    0.5 + simpson(density, 0.0, x, 2000)
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, intervals: usize) -> f64 {
    let h = (b - a) / intervals as f64;
    let mut sum = f(a) + f(b);
    for i in 1..intervals {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(a + i as f64 * h);
    }
    sum * h / 3.0
}

/// Φ⁻¹(p) by bisection on [`phi`].
fn phi_inv(p: f64) -> f64 {
    let (mut lo, mut hi) = (-12.0, 12.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if phi(mid) < p { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// The bivariate normal CDF P(X < x, Y < y) at correlation ρ (|ρ| < 1):
/// ∫_{-∞}^{x} φ(t) Φ((y − ρt)/√(1−ρ²)) dt by Simpson's rule from −10.
fn bivariate_normal_cdf(x: f64, y: f64, rho: f64) -> f64 {
    let s = (1.0 - rho * rho).sqrt();
    let density = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    simpson(|t| density(t) * phi((y - rho * t) / s), -10.0, x, 1000)
}

/// P(a client churns within the horizon): its churn month is at most H
/// when U > s = (1 − p)^((H − earliest + 1)/12).
fn survival(p: f64, earliest: u32, horizon: u32) -> f64 {
    (1.0 - p).powf(f64::from(horizon - earliest + 1) / 12.0)
}

#[test]
fn bivariate_normal_quadrature_is_right() {
    // Independent: the product; ρ → the closed forms at 0 and Sheppard's.
    let p = bivariate_normal_cdf(0.3, -0.7, 0.0);
    assert!((p - phi(0.3) * phi(-0.7)).abs() < 1e-10, "{p}");
    // P(X < 0, Y < 0) = 1/4 + asin(ρ)/(2π).
    for rho in [-0.9, -0.3, 0.49, 0.8] {
        let want = 0.25 + f64::asin(rho) / (2.0 * std::f64::consts::PI);
        let got = bivariate_normal_cdf(0.0, 0.0, rho);
        assert!((got - want).abs() < 1e-9, "ρ={rho}: {got} vs {want}");
    }
}

/// The churn months of some clients on every path, from `--samples`.
fn churn_months(scenario: &str, paths: u64, clients: &[&str]) -> Vec<Vec<bool>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, scenario).unwrap();
    let csv = dir.path().join("paths.csv");
    let out = simulate()
        .arg(&file)
        .args([
            "--paths",
            &paths.to_string(),
            "--format",
            "json",
            "--samples",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let columns: Vec<usize> = clients
        .iter()
        .map(|c| {
            let name = format!("client.{c}.churn_month");
            header.iter().position(|h| *h == name).unwrap()
        })
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            columns.iter().map(|&i| !cells[i].is_empty()).collect()
        })
        .collect()
}

/// The shipped scenario: TikTok (p 0.30 from month 4) and Walmart (p 0.05)
/// on one churn factor, both at loading 0.7, over 12 months. Each churns
/// as often as alone; both churn as often as the bivariate normal says for
/// latent correlation 0.49 (about three times as often as if independent).
#[test]
fn tiktok_and_walmart_churn_together_as_the_copula_says() {
    let text = std::fs::read_to_string(root().join("scenarios/in_house_wave.toml")).unwrap();
    let n = 200_000;
    let paths = churn_months(&text, n, &["tiktok_bytedance", "walmart"]);
    let nf = n as f64;
    let s_t = survival(0.30, 4, 12);
    let s_w = survival(0.05, 1, 12);
    let count = |f: &dyn Fn(&[bool]) -> bool| paths.iter().filter(|p| f(p)).count() as f64 / nf;
    let check = |what: &str, got: f64, want: f64| {
        let se = (want * (1.0 - want) / nf).sqrt();
        assert!(
            (got - want).abs() < K * se,
            "{what}: {got} vs {want} (k = {K}, se {se})"
        );
    };
    check("P(TikTok churns)", count(&|p| p[0]), 1.0 - s_t);
    check("P(Walmart churns)", count(&|p| p[1]), 1.0 - s_w);
    // Churn within H ⇔ X > Φ⁻¹(s); by symmetry P(both) = Φ₂(−c_t, −c_w; ρ).
    let rho = 0.7 * 0.7;
    let both = bivariate_normal_cdf(-phi_inv(s_t), -phi_inv(s_w), rho);
    assert!(both > 2.5 * (1.0 - s_t) * (1.0 - s_w), "{both}");
    check("P(both churn)", count(&|p| p[0] && p[1]), both);
}

/// Clients on one factor with loadings 0.95, −0.8 and a uniform loading,
/// and one on no factor: each churns as often as its own law says, and the
/// first two, latent correlation −0.76, churn together as Φ₂ says.
#[test]
fn each_clients_churn_law_is_unchanged_by_its_loading() {
    let text = r#"
[scenario]
name = "loadings"
horizon_months = 24

[[factor]]
name = "Wave"

[[target]]
name = "All"
amount = 1

[[client]]
name = "A"
segment = "s"
monthly_spend = 1
churn = { probability = 0.4, earliest_month = 3, factor = "wave", loading = 0.95 }

[[client]]
name = "B"
segment = "s"
monthly_spend = 1
churn = { probability = 0.2, factor = "wave", loading = -0.8 }

[[client]]
name = "C"
segment = "s"
monthly_spend = 1
churn = { probability = 0.1, earliest_month = 12, factor = "wave", loading = { dist = "uniform", min = 0, max = 1 } }

[[client]]
name = "D"
segment = "s"
monthly_spend = 1
churn = { probability = 0.3 }
"#;
    let n = 200_000;
    let nf = n as f64;
    let paths = churn_months(text, n, &["a", "b", "c", "d"]);
    let laws = [(0.4, 3), (0.2, 1), (0.1, 12), (0.3, 1)];
    for (j, (p, earliest)) in laws.into_iter().enumerate() {
        let want = 1.0 - survival(p, earliest, 24);
        let got = paths.iter().filter(|x| x[j]).count() as f64 / nf;
        let se = (want * (1.0 - want) / nf).sqrt();
        assert!((got - want).abs() < K * se, "client {j}: {got} vs {want}");
    }
    let (s_a, s_b) = (survival(0.4, 3, 24), survival(0.2, 1, 24));
    let both = bivariate_normal_cdf(-phi_inv(s_a), -phi_inv(s_b), 0.95 * -0.8);
    let got = paths.iter().filter(|x| x[0] && x[1]).count() as f64 / nf;
    let se = (both * (1.0 - both) / nf).sqrt();
    assert!((got - both).abs() < K * se, "both: {got} vs {both}");
}

/// Two streams on one growth factor (loadings 0.8 and 0.5) and their
/// exit run-rates 12·L·G_12: the mean and variance of each, and the
/// variance of their sum (whose covariance term is the factor's doing),
/// against the log-normal closed forms. The variances' tolerance is K
/// standard errors of the sample variance, sqrt((m4 − s⁴)/n).
#[test]
fn growth_factor_keeps_each_mean_and_volatility_and_correlates_the_shocks() {
    let text = r#"
[scenario]
name = "demand"
horizon_months = 12

[[factor]]
name = "Demand"
kind = "growth"

[[target]]
name = "A exit"
amount = 1
segments = ["a"]
months = [12, 12]
measure = "run_rate"

[[target]]
name = "B exit"
amount = 1
segments = ["b"]
months = [12, 12]
measure = "run_rate"

[[target]]
name = "Both exit"
amount = 1
months = [12, 12]
measure = "run_rate"

[[stream]]
name = "A"
segment = "a"
monthly_revenue = 1
annual_growth = 0.3
volatility = 0.05
factor = "demand"
loading = 0.8

[[subscription]]
name = "B"
segment = "b"
seats = 1
price_per_seat = 1
annual_growth = 0.1
volatility = 0.08
factor = "demand"
loading = 0.5
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demand.toml");
    std::fs::write(&file, text).unwrap();
    let csv = dir.path().join("paths.csv");
    let n = 100_000;
    simulate()
        .arg(&file)
        .args(["--paths", &n.to_string(), "--format", "json", "--samples"])
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .map(|x| x.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let column = |name: &str| -> Vec<f64> {
        let i = header.iter().position(|h| *h == name).unwrap();
        rows.iter().map(|r| r[i]).collect()
    };
    let months = 11.0; // shocks between month 1 and month 12
    let mean = |g: f64| 12.0 * (1.0f64 + g).powf(months / 12.0);
    let (ea, eb) = (mean(0.3), mean(0.1));
    let (va, vb) = (0.05, 0.08);
    let var_a = ea * ea * ((months * va * va).exp() - 1.0);
    let var_b = eb * eb * ((months * vb * vb).exp() - 1.0);
    let cov = ea * eb * ((months * va * vb * 0.8 * 0.5).exp() - 1.0);
    let nf = n as f64;
    let check = |what: &str, x: &[f64], want_mean: f64, want_var: f64| {
        let m = x.iter().sum::<f64>() / nf;
        let s2 = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (nf - 1.0);
        let m4 = x.iter().map(|v| (v - m).powi(4)).sum::<f64>() / nf;
        let se_mean = (s2 / nf).sqrt();
        let se_var = ((m4 - s2 * s2) / nf).sqrt();
        assert!(
            (m - want_mean).abs() < K * se_mean,
            "{what} mean {m} vs {want_mean}"
        );
        assert!(
            (s2 - want_var).abs() < K * se_var,
            "{what} variance {s2} vs {want_var} (se {se_var})"
        );
    };
    check("A", &column("target.a_exit.revenue"), ea, var_a);
    check("B", &column("target.b_exit.revenue"), eb, var_b);
    // Without the factor the covariance would be 0, and this far off.
    assert!(2.0 * cov > 0.2 * (var_a + var_b), "{cov}");
    check(
        "A + B",
        &column("target.both_exit.revenue"),
        ea + eb,
        var_a + var_b + 2.0 * cov,
    );
}

/// The shipped scenario with every loading set to 0 is the base case to the
/// bit (only its name, description and hash differ); and with its
/// loadings, every stream not linked to a factor draws exactly as in the
/// base case.
#[test]
fn loadings_of_zero_are_the_base_case_bit_for_bit() {
    let base = crate::common::base();
    let mut wave =
        revsim::scenario::Scenario::load(&root().join("scenarios/in_house_wave.toml")).unwrap();
    let linked = wave.clone();
    for path in [
        "client.tiktok_bytedance.churn.loading",
        "client.walmart.churn.loading",
        "client.intuit.churn.loading",
        "subscription.microsoft_365_copilot.loading",
        "stream.enterprise_direct_sales.loading",
    ] {
        wave.set_assignment(&format!("{path}=0")).unwrap();
    }
    let o = options(20_000, 42, 0);
    let strip = |r: &revsim::report::Report| {
        let v = serde_json::to_value(r).unwrap();
        (v["targets"].to_string(), v["streams"].to_string())
    };
    let (a, b) = (report(&base, &o), report(&wave, &o));
    assert_eq!(strip(&a), strip(&b));
    // With the factors on, the clients and streams on none are untouched.
    let c = report(&linked, &o);
    for id in ["g42", "other_customers", "new_enterprise_clients"] {
        let find = |r: &revsim::report::Report| {
            let s = r.streams.iter().find(|s| s.id == id).unwrap();
            (s.mean.to_bits(), s.churn_probability.map(f64::to_bits))
        };
        assert_eq!(find(&a), find(&c), "{id}");
    }
    assert_ne!(strip(&a), strip(&c));
}

#[test]
fn factors_are_identical_across_threads() {
    let wave =
        revsim::scenario::Scenario::load(&root().join("scenarios/in_house_wave.toml")).unwrap();
    let one = json_without_timing(&report(&wave, &options(6_000, 9, 1)));
    let two = json_without_timing(&report(&wave, &options(6_000, 9, 2)));
    let eight = json_without_timing(&report(&wave, &options(6_000, 9, 8)));
    assert_eq!(one, two);
    assert_eq!(one, eight);
}

#[test]
fn set_reaches_loadings_and_list_parameters_shows_them() {
    simulate()
        .args(["scenarios/in_house_wave.toml", "--list-parameters"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "client.tiktok_bytedance.churn.loading",
        ))
        .stdout(predicate::str::contains(
            "subscription.microsoft_365_copilot.loading",
        ));
    simulate()
        .args([
            "scenarios/in_house_wave.toml",
            "--paths",
            "2000",
            "--set",
            "client.tiktok_bytedance.churn.loading=0.5",
        ])
        .assert()
        .success();
    simulate()
        .args([
            "scenarios/in_house_wave.toml",
            "--paths",
            "2000",
            "--set",
            "client.tiktok_bytedance.churn.loading=1.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "client.tiktok_bytedance.churn.loading",
        ))
        .stderr(predicate::str::contains("a number in [-1, 1]"));
    // A client on no factor has no loading to set.
    simulate()
        .args([
            "scenarios/in_house_wave.toml",
            "--paths",
            "2000",
            "--set",
            "client.g42.churn.loading=0.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no parameter has this path"));
}

#[test]
fn a_factor_nothing_uses_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unused.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"u\"\n[[factor]]\nname = \"Lonely\"\n\
         [[target]]\nname = \"t\"\namount = 1\n\
         [[stream]]\nname = \"S\"\nsegment = \"s\"\nmonthly_revenue = 1\n",
    )
    .unwrap();
    simulate()
        .arg(&file)
        .args(["--paths", "100"])
        .assert()
        .success()
        .stderr(predicate::str::contains("factor.lonely"))
        .stderr(predicate::str::contains(
            "no stream is linked to this factor",
        ));
}

/// Two streams wholly on one growth factor (loading 1): their own shocks
/// weigh nothing, so each stream's indices are 0 and the factor's first
/// order and total are 1.
#[test]
fn a_factor_is_a_source_of_variance() {
    let text = "[scenario]\nname = \"f\"\nhorizon_months = 6\n\
         [[factor]]\nname = \"Demand\"\nkind = \"growth\"\n\
         [[target]]\nname = \"all\"\namount = 5\n\
         [[stream]]\nname = \"A\"\nsegment = \"s\"\nmonthly_revenue = 1\n\
         volatility = 0.1\nfactor = \"demand\"\nloading = 1\n\
         [[stream]]\nname = \"B\"\nsegment = \"s\"\nmonthly_revenue = 2\n\
         volatility = 0.05\nfactor = \"demand\"\nloading = 1\n";
    let scenario = parse(text);
    let s = revsim::sensitivity::sources::sources(
        &scenario,
        SourceBy::Stream,
        &options(50_000, 3, 0),
        &Silent,
    )
    .unwrap();
    let names: Vec<&str> = s[0].iter().map(|x| x.source.as_str()).collect();
    assert_eq!(names, ["stream.a", "stream.b", "factor.demand"]);
    for own in &s[0][..2] {
        assert_eq!(own.revenue.first_order, 0.0, "{}", own.source);
        assert_eq!(own.revenue.total, 0.0, "{}", own.source);
    }
    let f = &s[0][2].revenue;
    for (what, x, [lo, hi]) in [
        ("first order", f.first_order, f.first_order_ci95),
        ("total", f.total, f.total_ci95),
    ] {
        let se = (hi - lo) / (2.0 * 1.96);
        assert!(
            (x - 1.0).abs() <= K * se.max(1e-12),
            "{what}: {x} [{lo}, {hi}]"
        );
    }
}

/// A sweep over a loading runs point by point on common random numbers:
/// the point at loading 0 is the scenario with that link idle, to the bit.
#[test]
fn sweeps_vary_a_loading() {
    let folder = root().join("scenarios/sweeps");
    let text = "scenario = \"../in_house_wave.toml\"\npaths = 4_000\ndesign = \"grid\"\n\
                [[vary]]\npath = \"client.walmart.churn.loading\"\nvalues = [-0.5, 0.0, 0.9]\n";
    let sweep = revsim::sweep::Sweep::parse(text, "loading.toml", &folder).unwrap();
    let result = revsim::sweep::run(&sweep, &options(4_000, 42, 0), &Silent).unwrap();
    assert_eq!(result.rows.len(), 3);
    let mut idle =
        revsim::scenario::Scenario::load(&root().join("scenarios/in_house_wave.toml")).unwrap();
    idle.set_assignment("client.walmart.churn.loading=0")
        .unwrap();
    let single = report(&idle, &options(4_000, 42, 0));
    for (t, at) in single.targets.iter().zip(&result.rows[1].targets) {
        assert_eq!(t.mean.to_bits(), at.mean.to_bits(), "{}", t.id);
        assert_eq!(
            t.probability.to_bits(),
            at.probability.to_bits(),
            "{}",
            t.id
        );
    }
}
