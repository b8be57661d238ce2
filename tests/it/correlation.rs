//! `[[correlation]]`: rank correlation between per-path parameters by a
//! Gaussian copula. The sampled Spearman correlation recovers `rank`, the
//! marginals stay the declared ones, ranks of 0 change no bit, threads
//! change no bit, and bad entries are refused with file, line and field.

use revsim::dist::Dist;
use revsim::engine::{Silent, samples};

use crate::common::{json_without_timing, options, parse, report, simulate};

/// Two streams of one month each, A log-normal and B PERT, a third C
/// uniform left out of every correlation, and the given entries.
fn scenario(correlations: &str) -> String {
    format!(
        r#"
[scenario]
name = "Correlated"
horizon_months = 1

[[target]]
name = "All"
amount = 3e6

[[stream]]
name = "A"
segment = "s"
monthly_revenue = {{ dist = "lognormal", p10 = 5e5, p90 = 2e6 }}

[[stream]]
name = "B"
segment = "s"
monthly_revenue = {{ dist = "pert", min = 1e5, mode = 5e5, max = 2e6 }}

[[stream]]
name = "C"
segment = "s"
monthly_revenue = {{ dist = "uniform", min = 1e5, max = 3e5 }}
annual_growth = {{ dist = "normal", mean = 0.1, sd = 0.05, truncate = [-0.5, 1] }}
{correlations}
"#
    )
}

/// The per-path samples (`--samples`) as columns by name.
fn columns(text: &str, paths: u64, seed: u64) -> Vec<(String, Vec<f64>)> {
    let scenario = parse(text);
    let mut out: Vec<u8> = Vec::new();
    samples::write(
        &scenario,
        &options(paths, seed, 0),
        samples::Format::Csv,
        &Silent,
        &mut out,
    )
    .unwrap();
    let csv = String::from_utf8(out).unwrap();
    let mut lines = csv.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for line in lines {
        for (c, v) in cols.iter_mut().zip(line.split(',')) {
            c.push(v.parse().unwrap());
        }
    }
    names.into_iter().zip(cols).collect()
}

fn column<'a>(cols: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    &cols.iter().find(|(n, _)| n == name).expect(name).1
}

/// Spearman's rank correlation (no ties among continuous draws).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (k, &i) in order.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let m = (a.len() as f64 - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - m) * (y - m)).sum();
    let var: f64 = ra.iter().map(|x| (x - m) * (x - m)).sum();
    cov / var
}

const PATHS: u64 = 20_000;

/// The sampled Spearman correlation recovers `rank`. Tolerance: Fisher's
/// z = atanh(r_s) of Spearman's coefficient has standard error about
/// sqrt(1.06 / (n − 3)) for bivariate normal ranks (Fieller, Hartley and
/// Pearson 1957), and a copula's ranks are those of its normals; we allow
/// 5 of those in z, about ±0.036 (±0.019 in r_s at 0.7).
#[test]
fn sampled_spearman_recovers_rank() {
    let se_z = (1.06 / (PATHS as f64 - 3.0)).sqrt();
    for (i, rank) in [0.7, -0.5, 0.3, 0.95].into_iter().enumerate() {
        let text = scenario(&format!(
            "[[correlation]]\nbetween = [\"stream.a.monthly_revenue\", \
             \"stream.b.monthly_revenue\"]\nrank = {rank}\n"
        ));
        let cols = columns(&text, PATHS, 11 + i as u64);
        let r = spearman(
            column(&cols, "stream.a.monthly_revenue"),
            column(&cols, "stream.b.monthly_revenue"),
        );
        let dz = (r.atanh() - f64::atanh(rank)).abs();
        assert!(
            dz <= 5.0 * se_z,
            "rank {rank}: sampled {r} (z off by {dz}, SE {se_z})"
        );
    }
}

/// Three parameters in one matrix, across kinds of field: every pair's
/// Spearman correlation is its rank, within the same 5 SE in z.
#[test]
fn several_entries_form_one_matrix() {
    let text = scenario(
        "[[correlation]]\nname = \"A and B\"\nbetween = [\"stream.a.monthly_revenue\", \
         \"stream.b.monthly_revenue\"]\nrank = 0.6\n\
         [[correlation]]\nbetween = [\"stream.b.monthly_revenue\", \"stream.c.annual_growth\"]\n\
         rank = -0.4\n\
         [[correlation]]\nbetween = [\"stream.c.annual_growth\", \"stream.a.monthly_revenue\"]\n\
         rank = 0.2\n",
    );
    let cols = columns(&text, PATHS, 5);
    let se_z = (1.06 / (PATHS as f64 - 3.0)).sqrt();
    let a = column(&cols, "stream.a.monthly_revenue");
    let b = column(&cols, "stream.b.monthly_revenue");
    let g = column(&cols, "stream.c.annual_growth");
    for (x, y, rank) in [(a, b, 0.6), (b, g, -0.4), (g, a, 0.2)] {
        let r = spearman(x, y);
        assert!(
            (r.atanh() - f64::atanh(rank)).abs() <= 5.0 * se_z,
            "{rank}: {r}"
        );
    }
}

/// The marginals are the declared laws: each correlated parameter's
/// sample mean within 5 SE (sd/√n) of its closed-form mean, and the share
/// below the declared p10 within 5 sqrt(p(1−p)/n) of 0.1.
#[test]
fn marginals_are_the_declared_laws() {
    let text = scenario(
        "[[correlation]]\nbetween = [\"stream.a.monthly_revenue\", \
         \"stream.b.monthly_revenue\"]\nrank = -0.8\n",
    );
    let cols = columns(&text, PATHS, 21);
    let n = PATHS as f64;
    let laws = [
        (
            "stream.a.monthly_revenue",
            Dist::lognormal_quantiles(revsim::dist::Quantiles::P10P90, 5e5, 2e6).unwrap(),
        ),
        (
            "stream.b.monthly_revenue",
            Dist::pert(1e5, 5e5, 2e6).unwrap(),
        ),
    ];
    for (name, law) in laws {
        let x = column(&cols, name);
        let mean = x.iter().sum::<f64>() / n;
        let se = (law.variance() / n).sqrt();
        assert!((mean - law.mean()).abs() <= 5.0 * se, "{name}: {mean}");
        let q = law.quantile(0.1);
        let below = x.iter().filter(|&&v| v <= q).count() as f64 / n;
        assert!(
            (below - 0.1).abs() <= 5.0 * (0.09 / n).sqrt(),
            "{name}: {below}"
        );
    }
}

/// With every rank 0 the results are those of the scenario without the
/// entries, bit for bit (the entries are as if absent); and a parameter in
/// no correlation draws exactly as without any.
#[test]
fn ranks_of_zero_and_uncorrelated_parameters_change_no_bit() {
    let plain = parse(&scenario(""));
    let zero = parse(&scenario(
        "[[correlation]]\nbetween = [\"stream.a.monthly_revenue\", \
         \"stream.b.monthly_revenue\"]\nrank = 0\n\
         [[correlation]]\nbetween = [\"stream.c.annual_growth\", \"stream.b.monthly_revenue\"]\n\
         rank = 0.0\n",
    ));
    let o = options(5000, 3, 0);
    let (a, b) = (report(&plain, &o), report(&zero, &o));
    assert_eq!(
        serde_json::to_string(&a.targets).unwrap(),
        serde_json::to_string(&b.targets).unwrap()
    );
    assert_eq!(
        serde_json::to_string(&a.streams).unwrap(),
        serde_json::to_string(&b.streams).unwrap()
    );
    let plain_cols = columns(&scenario(""), 5000, 3);
    let correlated = columns(
        &scenario(
            "[[correlation]]\nbetween = [\"stream.a.monthly_revenue\", \
             \"stream.b.monthly_revenue\"]\nrank = 0.5\n",
        ),
        5000,
        3,
    );
    for name in ["stream.c.monthly_revenue", "stream.c.annual_growth"] {
        let (x, y) = (column(&plain_cols, name), column(&correlated, name));
        assert!(
            x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{name}"
        );
    }
}

#[test]
fn one_and_two_threads_agree_bit_for_bit() {
    let s = parse(&scenario(
        "[[correlation]]\nbetween = [\"stream.a.monthly_revenue\", \
         \"stream.b.monthly_revenue\"]\nrank = 0.5\n",
    ));
    let one = json_without_timing(&report(&s, &options(10_000, 9, 1)));
    let two = json_without_timing(&report(&s, &options(10_000, 9, 2)));
    assert_eq!(one, two);
}

/// `--set correlation.ID.rank` reaches the rank (ID the snake-cased name,
/// or the position), `--list-parameters` lists it, and a value outside
/// [-1, 1] or one that breaks the matrix is refused, leaving it as it was.
#[test]
fn set_reaches_rank_by_id() {
    let mut s = parse(&scenario(
        "[[correlation]]\nname = \"A and B\"\nbetween = [\"stream.a.monthly_revenue\", \
         \"stream.b.monthly_revenue\"]\nrank = 0.9\n\
         [[correlation]]\nbetween = [\"stream.b.monthly_revenue\", \"stream.c.annual_growth\"]\n\
         rank = 0.9\n\
         [[correlation]]\nbetween = [\"stream.c.annual_growth\", \"stream.a.monthly_revenue\"]\n\
         rank = 0.7\n",
    ));
    let listed = s.parameters();
    assert!(listed.contains(&("correlation.a_and_b.rank".into(), "0.9".into())));
    assert!(listed.contains(&("correlation.2.rank".into(), "0.9".into())));
    s.set_assignment("correlation.a_and_b.rank=0.8").unwrap();
    assert_eq!(s.correlations[0].rank, 0.8);
    let err = s
        .set_assignment("correlation.2.rank=1.5")
        .unwrap_err()
        .to_string();
    assert!(err.contains("rank 1.5 is not allowed"), "{err}");
    let err = s
        .set_assignment("correlation.3.rank=-0.9")
        .unwrap_err()
        .to_string();
    assert!(err.contains("smallest eigenvalue"), "{err}");
    assert_eq!(s.correlations[2].rank, 0.7);
    // Fixing a correlated parameter, as the tornado does, leaves the rest.
    s.set_assignment("stream.b.monthly_revenue=5e5").unwrap();
    let _ = report(&s, &options(2000, 1, 0));
}

#[test]
fn list_parameters_shows_the_rank() {
    simulate()
        .args(["scenarios/correlated_demand.toml", "--list-parameters"])
        .assert()
        .success()
        .stdout(predicates::str::contains("correlation.demand.rank = 0.5"));
}
