//! Cross-moments of a sum and its parts, and means of the parts on the
//! paths where the sum fell short: what the "What drives it" table needs,
//! computed per block and merged in block order.

/// Count, means, sums of squared deviations and co-moments of a total `y`
/// and its parts `x_1..x_k`, path by path.
///
/// `cross[s] = Σ (x_s - mean_s)(y - mean_y)`, so that `cross[s] / m2_y` is
/// the Euler allocation of `Var(y)` to part `s`: the shares sum to 1 (up to
/// rounding) whenever `y = Σ x_s` path by path, whatever the dependence
/// between the parts.
///
/// A block's moments come from two passes over its values
/// ([`CoMoments::from_slices`]); blocks combine with the pairwise update of
/// Chan, Golub and LeVeque for co-moments ([`CoMoments::merge`]), which
/// does not cancel as `Σxy − n·x̄·ȳ` would. Merging is deterministic but
/// not associative: merge in block order for the same bits whatever the
/// thread count.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoMoments {
    count: u64,
    mean_y: f64,
    m2_y: f64,
    means: Vec<f64>,
    m2: Vec<f64>,
    cross: Vec<f64>,
}

impl CoMoments {
    /// Empty moments of a total with `parts` parts.
    pub fn new(parts: usize) -> Self {
        CoMoments {
            count: 0,
            mean_y: 0.0,
            m2_y: 0.0,
            means: vec![0.0; parts],
            m2: vec![0.0; parts],
            cross: vec![0.0; parts],
        }
    }

    /// The moments of `y` and of each slice of `parts`, all of `y`'s
    /// length, in two passes (means, then deviations).
    pub fn from_slices(y: &[f64], parts: &[&[f64]]) -> Self {
        let mut m = CoMoments::new(parts.len());
        let n = y.len();
        if n == 0 {
            return m;
        }
        m.count = n as u64;
        m.mean_y = mean(y);
        m.m2_y = pair_sum(y, y, m.mean_y, m.mean_y);
        for (s, x) in parts.iter().enumerate() {
            debug_assert_eq!(x.len(), n);
            let mx = mean(x);
            m.means[s] = mx;
            m.m2[s] = pair_sum(x, x, mx, mx);
            m.cross[s] = pair_sum(x, y, mx, m.mean_y);
        }
        m
    }

    /// Folds `other` (the same parts, later paths) into `self`.
    pub fn merge(&mut self, other: &CoMoments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let w = na * nb / n;
        let dy = other.mean_y - self.mean_y;
        self.mean_y += dy * (nb / n);
        self.m2_y += other.m2_y + dy * dy * w;
        for s in 0..self.means.len() {
            let dx = other.means[s] - self.means[s];
            self.means[s] += dx * (nb / n);
            self.m2[s] += other.m2[s] + dx * dx * w;
            self.cross[s] += other.cross[s] + dx * dy * w;
        }
        self.count += other.count;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether every per-part list has `parts` entries (as [`CoMoments::new`]
    /// makes them): checked on moments read from a file.
    pub fn has_parts(&self, parts: usize) -> bool {
        self.means.len() == parts && self.m2.len() == parts && self.cross.len() == parts
    }

    /// Mean of part `s`; NaN when empty.
    pub fn mean(&self, s: usize) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.means[s]
        }
    }

    /// Sample standard deviation of part `s` (divides by n − 1); NaN when
    /// fewer than two values.
    pub fn sd(&self, s: usize) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            (self.m2[s] / (self.count - 1) as f64).sqrt()
        }
    }

    /// The sample covariance of part `s` with the total (divides by
    /// n − 1); NaN when fewer than two values.
    pub fn covariance(&self, s: usize) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.cross[s] / (self.count - 1) as f64
        }
    }

    /// `Cov(x_s, y) / Var(y)`; `None` when `y` does not vary (or fewer than
    /// two values), as no share of a zero variance is meaningful.
    pub fn share_of_variance(&self, s: usize) -> Option<f64> {
        (self.count >= 2 && self.m2_y > 0.0).then(|| self.cross[s] / self.m2_y)
    }
}

/// Means of a total and its parts, and a count per part, over the paths
/// where the total fell below a threshold (a target missed).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MissMeans {
    count: u64,
    mean_y: f64,
    means: Vec<f64>,
    /// Per part, on how many of these paths its flag was set (a client
    /// churned).
    flagged: Vec<u64>,
}

impl MissMeans {
    pub fn new(parts: usize) -> Self {
        MissMeans {
            count: 0,
            mean_y: 0.0,
            means: vec![0.0; parts],
            flagged: vec![0; parts],
        }
    }

    /// The paths of a block with `y < threshold`: the means of `y` and of
    /// each part over them, in path order, and how many have each part's
    /// flag set. `flags[s]` is empty for a part without flags.
    pub fn from_slices(y: &[f64], threshold: f64, parts: &[&[f64]], flags: &[&[bool]]) -> Self {
        let mut m = MissMeans::new(parts.len());
        let missed: Vec<usize> = (0..y.len()).filter(|&i| y[i] < threshold).collect();
        if missed.is_empty() {
            return m;
        }
        let n = missed.len() as f64;
        m.count = missed.len() as u64;
        m.mean_y = missed.iter().fold(0.0, |sum, &i| sum + y[i]) / n;
        for (s, x) in parts.iter().enumerate() {
            m.means[s] = missed.iter().fold(0.0, |sum, &i| sum + x[i]) / n;
            if let Some(f) = flags.get(s).filter(|f| !f.is_empty()) {
                m.flagged[s] = missed.iter().filter(|&&i| f[i]).count() as u64;
            }
        }
        m
    }

    /// Folds `other` (the same parts, later paths) into `self`: means
    /// weighted by counts, as `mean += (other - mean) · n_b / n`.
    pub fn merge(&mut self, other: &MissMeans) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let n = (self.count + other.count) as f64;
        let w = other.count as f64 / n;
        self.mean_y += (other.mean_y - self.mean_y) * w;
        for s in 0..self.means.len() {
            self.means[s] += (other.means[s] - self.means[s]) * w;
            self.flagged[s] += other.flagged[s];
        }
        self.count += other.count;
    }

    /// Whether every per-part list has `parts` entries (as
    /// [`MissMeans::new`] makes them): checked on means read from a file.
    pub fn has_parts(&self, parts: usize) -> bool {
        self.means.len() == parts && self.flagged.len() == parts
    }

    /// Paths below the threshold.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean of the total over them; `None` when there are none.
    pub fn mean_total(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean_y)
    }

    /// Mean of part `s` over them; `None` when there are none.
    pub fn mean(&self, s: usize) -> Option<f64> {
        (self.count > 0).then(|| self.means[s])
    }

    /// The fraction of them on which part `s`'s flag was set.
    pub fn flagged_fraction(&self, s: usize) -> Option<f64> {
        (self.count > 0).then(|| self.flagged[s] as f64 / self.count as f64)
    }
}

/// The mean of a slice as its first value plus the mean offset from it
/// (as [`super::Moments::from_slice`]: equal values give that value).
fn mean(values: &[f64]) -> f64 {
    let first = values[0];
    let mut lanes = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in &mut chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += x - first;
        }
    }
    let rest = chunks
        .remainder()
        .iter()
        .fold(0.0, |sum, &x| sum + (x - first));
    first + (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + rest) / values.len() as f64
}

/// `Σ (x - mx)(y - my)` in four interleaved lanes, combined
/// `((s0 + s1) + (s2 + s3)) + rest`: a fixed order that vectorises.
fn pair_sum(x: &[f64], y: &[f64], mx: f64, my: f64) -> f64 {
    let mut lanes = [0.0; 4];
    let mut xs = x.chunks_exact(4);
    let mut ys = y.chunks_exact(4);
    for (cx, cy) in (&mut xs).zip(&mut ys) {
        for ((lane, &a), &b) in lanes.iter_mut().zip(cx).zip(cy) {
            *lane += (a - mx) * (b - my);
        }
    }
    let rest = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .fold(0.0, |sum, (&a, &b)| sum + (a - mx) * (b - my));
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two parts and their sum, over `n` values with large offsets and
    /// small spreads (where naive sums of products would cancel).
    fn data(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let a: Vec<f64> = (0..n)
            .map(|i| 1e9 + ((i * 7919) % 101) as f64 * 0.37)
            .collect();
        let b: Vec<f64> = (0..n)
            .map(|i| 5e8 + ((i * 104_729) % 53) as f64 * 1.3 - (i % 3) as f64)
            .collect();
        let y = a.iter().zip(&b).map(|(x, z)| x + z).collect();
        (a, b, y)
    }

    /// Textbook two-pass covariance over the whole data: the second method.
    fn cov(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let mx = x.iter().sum::<f64>() / n;
        let my = y.iter().sum::<f64>() / n;
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - mx) * (b - my))
            .sum::<f64>()
            / (n - 1.0)
    }

    #[test]
    fn merged_blocks_agree_with_one_pass_over_everything() {
        let (a, b, y) = data(10_007);
        let whole = CoMoments::from_slices(&y, &[&a, &b]);
        let mut merged = CoMoments::new(2);
        for start in (0..y.len()).step_by(1000) {
            let end = (start + 1000).min(y.len());
            merged.merge(&CoMoments::from_slices(
                &y[start..end],
                &[&a[start..end], &b[start..end]],
            ));
        }
        assert_eq!(merged.count(), 10_007);
        let var_y = cov(&y, &y);
        for (s, x) in [&a, &b].into_iter().enumerate() {
            let want = cov(x, &y) / var_y;
            for m in [&whole, &merged] {
                let got = m.share_of_variance(s).unwrap();
                assert!((got - want).abs() < 1e-9, "part {s}: {got} vs {want}");
                let sd = cov(x, x).sqrt();
                assert!((m.sd(s) - sd).abs() < 1e-9 * sd);
            }
        }
        // y = a + b is rounded to its ulp (2.4e-7 at 1.5e9), which moves
        // the shares' sum by about ulp / sd(y) (sd(y) is ~30 here).
        let sum = merged.share_of_variance(0).unwrap() + merged.share_of_variance(1).unwrap();
        assert!((sum - 1.0).abs() < 1e-8, "shares sum to {sum}");
    }

    #[test]
    fn a_constant_total_has_no_shares() {
        let y = [3.0; 10];
        let a = [1.0; 10];
        let b = [2.0; 10];
        let m = CoMoments::from_slices(&y, &[&a, &b]);
        assert_eq!(m.share_of_variance(0), None);
        assert_eq!(m.sd(0), 0.0);
        assert_eq!(CoMoments::new(1).share_of_variance(0), None);
    }

    #[test]
    fn miss_means_merge_as_one_pass() {
        let (a, b, y) = data(5_003);
        let threshold = 1.5e9 + 40.0;
        let flags: Vec<bool> = (0..y.len()).map(|i| i % 5 == 0).collect();
        let mut merged = MissMeans::new(2);
        for start in (0..y.len()).step_by(1000) {
            let end = (start + 1000).min(y.len());
            merged.merge(&MissMeans::from_slices(
                &y[start..end],
                threshold,
                &[&a[start..end], &b[start..end]],
                &[&flags[start..end], &[]],
            ));
        }
        let missed: Vec<usize> = (0..y.len()).filter(|&i| y[i] < threshold).collect();
        assert!(!missed.is_empty() && missed.len() < y.len());
        assert_eq!(merged.count(), missed.len() as u64);
        let n = missed.len() as f64;
        let mean_of = |v: &[f64]| missed.iter().map(|&i| v[i]).sum::<f64>() / n;
        // Means of values near 1e9, summed in different orders: equal to a
        // few parts in 1e13.
        let near = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs();
        assert!(near(merged.mean_total().unwrap(), mean_of(&y)));
        assert!(near(merged.mean(0).unwrap(), mean_of(&a)));
        assert!(near(merged.mean(1).unwrap(), mean_of(&b)));
        let flagged = missed.iter().filter(|&&i| flags[i]).count() as f64;
        assert_eq!(merged.flagged_fraction(0), Some(flagged / n));
        assert_eq!(merged.flagged_fraction(1), Some(0.0));
    }

    #[test]
    fn no_path_below_the_threshold_means_no_means() {
        let y = [5.0, 6.0];
        let m = MissMeans::from_slices(&y, 1.0, &[&y], &[]);
        assert_eq!(m.count(), 0);
        assert_eq!(m.mean_total(), None);
        assert_eq!(m.mean(0), None);
        assert_eq!(m.flagged_fraction(0), None);
    }
}
