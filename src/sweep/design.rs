//! Which points a sweep runs, and in what order.
//!
//! A grid runs every combination of the listed values, the first
//! `[[vary]]` changing slowest (as nested loops in file order would). A
//! latin hypercube of N points cuts each parameter's range into N equal strata
//! and uses each stratum once, paired across parameters at random: N
//! points cover every parameter's whole range, where a grid would need
//! N^d. The pairing is drawn from the run's seed and, for each parameter,
//! a generator keyed by its path, so the design is the same on every
//! machine and adding a parameter leaves the others' draws unchanged.
//!
//! Points are computed one at a time from their index, so a large sweep
//! never holds all of them.

use rand::RngExt;

use super::file::{Design, Level, Levels, Sweep};
use crate::rng;

/// The block coordinate of the design's generators: far past any block of
/// paths, so they never coincide with a path's generators.
const DESIGN_BLOCK: u64 = u64::MAX;

impl Sweep {
    /// How many points the sweep runs.
    pub fn point_count(&self) -> u64 {
        match self.design {
            Design::Grid => self.vary.iter().map(|v| listed_len(&v.levels)).product(),
            Design::LatinHypercube { points } => points,
        }
    }

    /// The points, the latin hypercube drawn from `seed` (the run's seed,
    /// so that `--seed` changes both the design and the paths).
    pub fn points(&self, seed: u64) -> PointSet<'_> {
        let positions = match self.design {
            Design::Grid => Vec::new(),
            Design::LatinHypercube { points } => self
                .vary
                .iter()
                .map(|v| strata(seed, &v.path, points as usize))
                .collect(),
        };
        PointSet {
            levels: self.vary.iter().map(|v| &v.levels).collect(),
            positions,
            count: self.point_count(),
        }
    }
}

/// The points of a sweep, by index; see [`Sweep::points`].
pub struct PointSet<'a> {
    /// One entry per varied parameter, in file order.
    levels: Vec<&'a Levels>,
    /// Latin hypercube only: per parameter, each point's position in [0, 1).
    positions: Vec<Vec<f64>>,
    count: u64,
}

impl PointSet<'_> {
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Point `index` (below [`PointSet::len`]): one level per varied
    /// parameter, in file order.
    pub fn get(&self, index: u64) -> Vec<Level> {
        if self.positions.is_empty() {
            // Grid: mixed-radix digits of the index, last parameter fastest.
            let mut rest = index;
            let mut point: Vec<Level> = self
                .levels
                .iter()
                .rev()
                .map(|levels| {
                    let n = listed_len(levels);
                    let digit = rest % n;
                    rest /= n;
                    pick(levels, digit)
                })
                .collect();
            point.reverse();
            point
        } else {
            self.levels
                .iter()
                .zip(&self.positions)
                .map(|(levels, positions)| at_position(levels, positions[index as usize]))
                .collect()
        }
    }
}

fn listed_len(levels: &Levels) -> u64 {
    match levels {
        Levels::Listed(l) => l.len() as u64,
        // A grid never holds an interval (the file check refuses a range
        // without steps there); count it as one value if it ever does.
        Levels::Interval { .. } => 1,
    }
}

fn pick(levels: &Levels, digit: u64) -> Level {
    match levels {
        Levels::Listed(l) => l[digit as usize].clone(),
        Levels::Interval { from, .. } => Level::number(*from),
    }
}

/// The level at position `u` in [0, 1): the stratum's share of an
/// interval, or the listed value whose equal share of [0, 1) holds `u`.
fn at_position(levels: &Levels, u: f64) -> Level {
    match levels {
        Levels::Interval { from, to } => Level::number((from + u * (to - from)).clamp(*from, *to)),
        Levels::Listed(l) => {
            let i = ((u * l.len() as f64) as usize).min(l.len() - 1);
            l[i].clone()
        }
    }
}

/// For each of `n` points, a position in [0, 1) such that each stratum
/// [k/n, (k+1)/n) holds exactly one: a random permutation of the strata,
/// then a uniform draw inside each.
fn strata(seed: u64, path: &str, n: usize) -> Vec<f64> {
    let mut rng = rng::generator(
        seed,
        DESIGN_BLOCK,
        rng::key("sweep.latin_hypercube"),
        rng::key(path),
    );
    let mut order: Vec<u64> = (0..n as u64).collect();
    // Fisher-Yates, drawing u64 so the result does not depend on usize.
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i as u64) as usize;
        order.swap(i, j);
    }
    order
        .into_iter()
        .map(|k| (k as f64 + rng.random::<f64>()) / n as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_is_used_once() {
        for n in [2, 7, 100] {
            let u = strata(3, "client.a.churn.probability", n);
            let mut seen: Vec<usize> = u.iter().map(|x| (x * n as f64) as usize).collect();
            seen.sort();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
            assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        }
    }

    #[test]
    fn strata_depend_on_seed_and_path_only() {
        assert_eq!(strata(1, "a", 50), strata(1, "a", 50));
        assert_ne!(strata(1, "a", 50), strata(2, "a", 50));
        assert_ne!(strata(1, "a", 50), strata(1, "b", 50));
    }

    /// Value stability: the design is part of a sweep's output, so a
    /// change in the generator or the shuffle must not go unnoticed.
    #[test]
    fn value_stability_seed_42() {
        let u = strata(42, "x", 4);
        assert_eq!(u, PINNED_STRATA);
    }

    const PINNED_STRATA: [f64; 4] = [
        0.6204690333070441,
        0.9697233835610619,
        0.05905075704603424,
        0.3662120738314242,
    ];

    #[test]
    fn intervals_and_lists_map_positions_to_levels() {
        let interval = Levels::Interval { from: 2.0, to: 4.0 };
        assert_eq!(at_position(&interval, 0.25), Level::number(2.5));
        let listed = Levels::Listed(vec![Level::number(1.0), Level::number(2.0)]);
        assert_eq!(at_position(&listed, 0.49), Level::number(1.0));
        assert_eq!(at_position(&listed, 0.5), Level::number(2.0));
        assert_eq!(at_position(&listed, 0.999_999), Level::number(2.0));
    }
}
