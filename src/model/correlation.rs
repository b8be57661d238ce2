//! Rank correlation between per-path parameter draws: a Gaussian copula.
//!
//! Each correlated parameter draws independent standard normals `e_j` from
//! its own keyed generator (the purpose of its own name, as its ordinary
//! draw would); the normals of a block are mixed as `z = L e`, with `L`
//! the Cholesky factor of the matrix whose entries are
//! `2 sin(π ρ_s / 6)` (the normal correlation whose Spearman rank
//! correlation is `ρ_s`), and each parameter takes the value
//! `Q(Φ(z_i))` of its own quantile function ([`Param::at_normal`]). Every
//! marginal is therefore exactly the declared distribution, and the
//! ranks of two parameters have Spearman correlation `ρ_s`.
//!
//! Only parameters named by an entry with a non-zero rank are drawn this
//! way; an entry of rank 0 is as if absent. So parameters in no
//! correlation draw exactly as before, and a scenario whose ranks are all
//! 0 gives the same bits as the same scenario without correlations.
//! A correlated parameter's values are not those of its independent draw
//! even where its correlations are small: it is drawn by inverse CDF, not
//! by the sampler of its distribution.

use super::Block;
use super::sample::Source;
use crate::dist::Param;

/// The correlation of the normals whose ranks have Spearman correlation
/// `rank`: `2 sin(π rank / 6)` (Pearson's formula for the bivariate
/// normal; exact at -1, 0 and 1).
pub fn normal_correlation(rank: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rank / 6.0).sin()
}

/// The eigenvalues of a symmetric matrix (row-major, `n × n`), ascending,
/// by cyclic Jacobi rotations: small and sure for the few parameters a
/// scenario correlates.
pub fn eigenvalues(matrix: &[Vec<f64>]) -> Vec<f64> {
    let n = matrix.len();
    let mut a: Vec<Vec<f64>> = matrix.to_vec();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                // The rotation that zeroes a[p][q].
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (top, bottom) = a.split_at_mut(q);
                for (apk, aqk) in top[p].iter_mut().zip(bottom[0].iter_mut()) {
                    let (x, y) = (*apk, *aqk);
                    *apk = c * x - s * y;
                    *aqk = s * x + c * y;
                }
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| a[i][i]).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The lower-triangular `L` with `L Lᵀ = matrix`, or `None` when the
/// matrix is not (numerically) positive definite.
pub fn cholesky(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = matrix.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = matrix[i][i] - sum;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (matrix[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// One correlated parameter: its stream (index and generator key), the
/// field's name (its purpose) and its law.
#[derive(Clone, Debug)]
pub struct Member {
    pub stream: usize,
    pub key: u64,
    pub field: &'static str,
    pub param: Param,
}

/// The copula of a scenario: the correlated parameters and the Cholesky
/// factor of their normals' correlation matrix.
#[derive(Clone, Debug)]
pub struct Copula {
    members: Vec<Member>,
    factor: Vec<Vec<f64>>,
}

/// One block's values of every correlated parameter, one per path.
#[derive(Debug, Default)]
pub struct CorrelatedDraws {
    values: Vec<(u64, &'static str, Vec<f64>)>,
}

impl CorrelatedDraws {
    /// The values of the field `name` of the stream whose key is `stream`,
    /// if it is correlated.
    pub fn get(&self, stream: u64, name: &str) -> Option<&[f64]> {
        self.values
            .iter()
            .find(|(k, f, _)| *k == stream && *f == name)
            .map(|(_, _, v)| v.as_slice())
    }
}

impl Copula {
    /// The copula of `members` with the normals' correlation matrix
    /// `matrix` (in the members' order), or `None` if it is not positive
    /// definite (validation refuses those first).
    pub fn new(members: Vec<Member>, matrix: &[Vec<f64>]) -> Option<Copula> {
        let factor = cholesky(matrix)?;
        Some(Copula { members, factor })
    }

    /// The correlated values of block `block` (`block_of(i)` gives the
    /// block as stream `i` sees it: its seed and any re-keying), every
    /// member's normals drawn from its own stream and purpose.
    pub fn draw(&self, block_of: impl Fn(usize) -> Block<'static>) -> CorrelatedDraws {
        let normals: Vec<Vec<f64>> = self
            .members
            .iter()
            .map(|m| {
                let block = block_of(m.stream);
                let mut e = vec![0.0; block.paths];
                Source::new(&block, m.key, m.field).fill(&mut e);
                e
            })
            .collect();
        let n = normals.first().map_or(0, Vec::len);
        let values = self
            .members
            .iter()
            .zip(&self.factor)
            .map(|(m, row)| {
                let mut z = vec![0.0; n];
                for (weight, e) in row.iter().zip(&normals) {
                    if *weight != 0.0 {
                        z.iter_mut().zip(e).for_each(|(z, e)| *z += weight * e);
                    }
                }
                let v: Vec<f64> = z.iter().map(|&z| m.param.at_normal(z)).collect();
                (m.key, m.field, v)
            })
            .collect();
        CorrelatedDraws { values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_finds_known_eigenvalues() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let e = eigenvalues(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
        assert!((e[0] - 1.0).abs() < 1e-14 && (e[1] - 3.0).abs() < 1e-14);
        // Three parameters, each pair at 0.9, -0.9, 0.9: not definite.
        let r = 0.9;
        let m = vec![vec![1.0, r, r], vec![r, 1.0, -r], vec![r, -r, 1.0]];
        let e = eigenvalues(&m);
        // 1 - 2r is an eigenvalue (of (1, -1, -1)... by symmetry); the
        // trace is 3.
        assert!((e.iter().sum::<f64>() - 3.0).abs() < 1e-13);
        assert!((e[0] - (1.0 - 2.0 * r)).abs() < 1e-13, "{e:?}");
        assert!(cholesky(&m).is_none());
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let m = vec![
            vec![1.0, 0.5, 0.2],
            vec![0.5, 1.0, 0.3],
            vec![0.2, 0.3, 1.0],
        ];
        let l = cholesky(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((v - m[i][j]).abs() < 1e-15);
            }
        }
        assert_eq!(normal_correlation(0.0), 0.0);
        assert!((normal_correlation(1.0) - 1.0).abs() < 1e-15);
    }
}
