//! New clients signing over the horizon.
//!
//! In month m, N_m ~ Poisson(arrivals_per_month) clients sign; each draws its
//! own spend S and pays S · min(1, (k+1)/ramp) · (1+g)^k in month m+1+k,
//! with g the monthly rate of `annual_growth`. Counts are drawn by inversion
//! from one uniform per month, so with common random numbers more arrivals
//! per month never means fewer clients on any path.

use rand_distr::{Distribution, Poisson};

use super::sample::{PoissonTable, PoissonWindows, Source, fill_uniforms};
use super::{Allowed, Block, CHUNK, FieldMut, Outcome};
use crate::dist::Param;
use crate::math;
use crate::rng::Generator;

#[derive(Clone, Debug)]
pub struct Pipeline {
    pub arrivals_per_month: Param,
    /// Spend of each new client, drawn per client.
    pub monthly_spend: Param,
    pub ramp_months: Param,
    pub annual_growth: Param,
}

/// Above this mean, e^-λ is too small for inversion and counts come from
/// `rand_distr::Poisson` instead (still exact in law, no longer monotone).
const INVERSION_MAX_MEAN: f64 = 500.0;

impl Pipeline {
    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        vec![
            FieldMut {
                name: "arrivals_per_month",
                param: &mut self.arrivals_per_month,
                allowed: Allowed::ARRIVALS,
            },
            FieldMut {
                name: "monthly_spend",
                param: &mut self.monthly_spend,
                allowed: Allowed::MONEY,
            },
            FieldMut {
                name: "ramp_months",
                param: &mut self.ramp_months,
                allowed: Allowed::RAMP,
            },
            FieldMut {
                name: "annual_growth",
                param: &mut self.annual_growth,
                allowed: Allowed::GROWTH,
            },
        ]
    }

    pub(super) fn simulate(
        &self,
        block: &Block,
        stream: u64,
        out: &mut [f64],
        totals: &mut [f64],
    ) -> Outcome {
        let n = block.paths;
        let h = block.horizon;
        let mut arrivals = Vec::new();
        let mut ramp = Vec::new();
        let mut growth = Vec::new();
        block.draw(
            stream,
            "arrivals_per_month",
            &self.arrivals_per_month,
            &mut arrivals,
        );
        block.draw(stream, "ramp_months", &self.ramp_months, &mut ramp);
        block.draw(stream, "annual_growth", &self.annual_growth, &mut growth);
        let mut counts_source = block.source(stream, "arrivals");

        // weight[k]: what a client pays k months after its first paying
        // month; the same for every path when ramp and growth are fixed.
        let shared_weights = matches!(
            (&self.ramp_months, &self.annual_growth),
            (Param::Fixed(_), Param::Fixed(_))
        );
        let mut weight = vec![0.0; h];
        if shared_weights {
            weights(ramp[0], growth[0], &mut weight);
        }
        let mut path_weights = vec![0.0; if shared_weights { 0 } else { h * CHUNK }];

        let mut counter = ClientCounter::new(&self.arrivals_per_month, h);
        let mut counts = vec![0u64; h * CHUNK];
        let mut spends = Spends::new(
            &self.monthly_spend,
            block.source(stream, "new_client_spend"),
        );
        // signed[m * c + i]: spend of the clients path i signed in month m+1.
        let mut signed = vec![0.0; h * CHUNK];
        for first in (0..n).step_by(CHUNK) {
            let c = CHUNK.min(n - first);
            // New clients of every path and month, path after path.
            let counts = &mut counts[..h * c];
            counter.count(
                &arrivals[first..first + c],
                counts_source.generator(),
                counts,
            );
            // Their spends, in the same order.
            for (i, counts) in counts.chunks_exact(h).enumerate() {
                spends.sum_each(counts, signed[i..h * c].iter_mut().step_by(c));
            }
            if !shared_weights {
                for i in 0..c {
                    weights(ramp[first + i], growth[first + i], &mut weight);
                    for (k, w) in weight.iter().enumerate() {
                        path_weights[k * c + i] = *w;
                    }
                }
            }
            // Month j (0-based) collects from clients signed in months
            // l < j, summed in that order. A few paths at a time, so that
            // their sums stay in registers across the l loop; a block
            // reaching past the chunk's last path reads the next month's
            // row (or stale entries) in its spare lanes and drops them,
            // which the buffers' full CHUNK-wide rows allow.
            let totals = &mut totals[first..first + c];
            for start in (0..c).step_by(LANES) {
                let width = LANES.min(c - start);
                for j in 1..h {
                    let mut revenue = [0.0; LANES];
                    for l in 0..j {
                        let s = &signed[l * c + start..][..LANES];
                        if shared_weights {
                            let w = weight[j - l - 1];
                            for (r, s) in revenue.iter_mut().zip(s) {
                                *r += s * w;
                            }
                        } else {
                            let w = &path_weights[(j - l - 1) * c + start..][..LANES];
                            for ((r, s), w) in revenue.iter_mut().zip(s).zip(w) {
                                *r += s * w;
                            }
                        }
                    }
                    let out = &mut out[j * n + first + start..][..width];
                    let totals = &mut totals[start..start + width];
                    for ((o, t), r) in out.iter_mut().zip(totals).zip(revenue) {
                        *o += r;
                        *t += r;
                    }
                }
            }
        }
        Outcome::from_totals(totals, 0)
    }
}

/// Counts new clients a chunk of paths at a time, as [`count_clients`]
/// does one path at a time.
pub(crate) struct ClientCounter {
    /// A mean drawn per path needs a table per path: their first windows
    /// are built a chunk at a time. A fixed mean keeps its one table,
    /// extended as far as counts reach.
    mean_per_path: bool,
    windows: PoissonWindows,
    table: PoissonTable,
    uniforms: Vec<f64>,
    horizon: usize,
}

impl ClientCounter {
    pub(crate) fn new(arrivals_per_month: &Param, horizon: usize) -> Self {
        ClientCounter {
            mean_per_path: !matches!(arrivals_per_month, Param::Fixed(_)),
            windows: PoissonWindows::new(),
            table: PoissonTable::new(),
            uniforms: vec![0.0; horizon * CHUNK],
            horizon,
        }
    }

    /// `counts[i * h + m]`: path i's new clients in month m+1, for the
    /// paths of means `lambdas` (at most [`CHUNK`]).
    pub(crate) fn count(&mut self, lambdas: &[f64], rng: &mut Generator, counts: &mut [u64]) {
        let h = self.horizon;
        let (table, windows) = (&mut self.table, &mut self.windows);
        if !(self.mean_per_path && lambdas.iter().all(|&l| l <= INVERSION_MAX_MEAN)) {
            for (counts, &lambda) in counts.chunks_exact_mut(h).zip(lambdas) {
                count_clients(lambda, rng, table, &mut self.uniforms[..h], counts);
            }
            return;
        }
        // No mean is past inversion, so every path draws h uniforms, and
        // drawing the chunk's at once gives each path the same ones.
        windows.build(lambdas);
        let uniforms = &mut self.uniforms[..h * lambdas.len()];
        fill_uniforms(rng, uniforms);
        let paths = counts.chunks_exact_mut(h).zip(uniforms.chunks_exact(h));
        for (i, (counts, uniforms)) in paths.enumerate() {
            if lambdas[i] > 0.0 {
                windows.count_each(i, lambdas[i], table, uniforms, counts);
            } else {
                counts.fill(0);
            }
        }
    }
}

/// One path's count of new clients in each month, by inversion from one
/// uniform a month (a non-positive mean still draws them, so that later
/// paths keep their draws).
pub(crate) fn count_clients(
    lambda: f64,
    rng: &mut Generator,
    table: &mut PoissonTable,
    uniforms: &mut [f64],
    counts: &mut [u64],
) {
    if lambda > INVERSION_MAX_MEAN {
        for k in counts.iter_mut() {
            *k = Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64);
        }
        return;
    }
    fill_uniforms(rng, uniforms);
    if lambda <= 0.0 {
        counts.fill(0);
        return;
    }
    if !table.is_for(lambda) {
        table.reset(lambda, math::exp(-lambda));
    }
    table.count_each(uniforms, counts);
}

/// Paths whose monthly revenue is summed side by side.
const LANES: usize = 8;

/// Counts up to this many are summed without a branch on the count.
const FEW: usize = 8;

/// Spends drawn at a time: a bound on memory however many clients sign.
const SPEND_BATCH: usize = 256;

/// New clients' spends, drawn in order in batches, and handed out as the
/// sums of consecutive runs (one per path and month). Draws do not depend
/// on the batch size (see [`Source`]), so neither do the sums.
struct Spends<'a> {
    param: &'a Param,
    source: Source,
    /// `SPEND_BATCH` draws, then `FEW` zeros for the fixed-width sums.
    buffer: Vec<f64>,
    next: usize,
    filled: usize,
}

impl<'a> Spends<'a> {
    fn new(param: &'a Param, source: Source) -> Self {
        Spends {
            param,
            source,
            buffer: vec![0.0; SPEND_BATCH + FEW],
            next: 0,
            filled: 0,
        }
    }

    /// The sums of the next runs of `counts[0]`, `counts[1]`, ... spends,
    /// into `sums` in order.
    ///
    /// Nearly every run is short and its spends already drawn; those are
    /// summed here with the position in the buffer kept in a register, and
    /// the rest go through [`Spends::sum_next`].
    #[inline]
    fn sum_each<'s>(&mut self, counts: &[u64], sums: impl Iterator<Item = &'s mut f64>) {
        let mut next = self.next;
        for (&count, sum) in counts.iter().zip(sums) {
            let k = usize::try_from(count).unwrap_or(usize::MAX);
            if k <= FEW && self.filled - next >= k {
                *sum = sum_first(&self.buffer[next..], k);
                next += k;
            } else {
                self.next = next;
                *sum = self.sum_next(count);
                next = self.next;
            }
        }
        self.next = next;
    }

    /// The sum of the next `k` spends.
    #[inline(never)]
    fn sum_next(&mut self, k: u64) -> f64 {
        let k = usize::try_from(k).unwrap_or(usize::MAX);
        if k <= FEW {
            if self.filled - self.next < k {
                self.refill();
            }
            let sum = sum_first(&self.buffer[self.next..], k);
            self.next += k;
            return sum;
        }
        let mut sum = 0.0;
        let mut left = k;
        while left > 0 {
            if self.next == self.filled {
                self.refill();
            }
            let take = left.min(self.filled - self.next);
            sum = self.buffer[self.next..self.next + take]
                .iter()
                .fold(sum, |sum, &x| sum + x);
            self.next += take;
            left -= take;
        }
        sum
    }

    /// Keeps the spends not yet handed out and draws the next ones after
    /// them, up to a full batch.
    fn refill(&mut self) {
        let kept = self.filled - self.next;
        self.buffer.copy_within(self.next..self.filled, 0);
        self.source
            .fill_param(self.param, &mut self.buffer[kept..SPEND_BATCH]);
        self.next = 0;
        self.filled = SPEND_BATCH;
    }
}

/// `s[0] + ... + s[k-1]` for `k <= FEW`, as a fixed-shape pairwise sum of
/// `s[..FEW]` in which the terms past `k` are masked to zero, so that the
/// count's randomness costs no mispredicted branch.
#[inline]
fn sum_first(s: &[f64], k: usize) -> f64 {
    // KEEP[k][t]: all ones for a term to keep (t < k), zero for one to drop.
    const KEEP: [[u64; FEW]; FEW + 1] = {
        let mut keep = [[0; FEW]; FEW + 1];
        let mut k = 0;
        while k <= FEW {
            let mut t = 0;
            while t < k {
                keep[k][t] = u64::MAX;
                t += 1;
            }
            k += 1;
        }
        keep
    };
    let keep = &KEEP[k];
    let mut x = [0.0; FEW];
    for ((x, &v), &keep) in x.iter_mut().zip(&s[..FEW]).zip(keep) {
        *x = f64::from_bits(v.to_bits() & keep);
    }
    ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]))
}

/// What a client pays k months after its first paying month, for each k:
/// min(1, (k+1)/ramp) · (1+g)^(k/12).
fn weights(ramp: f64, annual_growth: f64, weight: &mut [f64]) {
    let monthly_factor = (1.0 + annual_growth).powf(1.0 / 12.0);
    let mut compound = 1.0;
    for (k, w) in weight.iter_mut().enumerate() {
        *w = ((k + 1) as f64 / ramp).min(1.0) * compound;
        compound *= monthly_factor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::generator;
    use rand::RngExt;

    /// One month's count, as the engine draws it.
    fn poisson(lambda: f64, rng: &mut Generator) -> u64 {
        let mut count = [0];
        count_clients(
            lambda,
            rng,
            &mut PoissonTable::new(),
            &mut [0.0],
            &mut count,
        );
        count[0]
    }

    #[test]
    fn poisson_by_inversion_has_the_right_mean_and_variance() {
        let mut rng = generator(9, 0, 0, 0);
        for &lambda in &[0.5, 1.75, 3.0, 30.0] {
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| poisson(lambda, &mut rng) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            // Mean: SE = sqrt(λ/n). Variance: SE = sqrt((μ4 - σ⁴)/n), μ4 = λ(1+3λ).
            let se_mean = (lambda / n as f64).sqrt();
            let se_var = ((lambda * (1.0 + 3.0 * lambda) - lambda * lambda) / n as f64).sqrt();
            assert!(
                (mean - lambda).abs() < 5.0 * se_mean,
                "λ={lambda} mean={mean}"
            );
            assert!((var - lambda).abs() < 5.0 * se_var, "λ={lambda} var={var}");
        }
    }

    /// Spends are the same draws, summed the same way, whatever runs the
    /// counts cut them into and however the batches fall.
    #[test]
    fn spends_are_handed_out_in_order() {
        let block = Block {
            seed: 4,
            index: 2,
            paths: 10,
            horizon: 12,
            rekey: None,
            factors: crate::model::FactorSeeds {
                seed: 4,
                rekey: None,
            },
            correlated: None,
        };
        let param = Param::random(crate::dist::Dist::lognormal(1e5, 1.0).expect("valid"), None)
            .expect("valid");
        let counts = [0, 3, 8, 9, 1, 700, 0, 2, 255, 256, 5, 1000, 7];
        let total: u64 = counts.iter().sum();
        let mut all = vec![0.0; total as usize];
        block.source(1, "s").fill_param(&param, &mut all);
        let mut spends = Spends::new(&param, block.source(1, "s"));
        let mut next = 0;
        for k in counts {
            let run = &all[next..next + k as usize];
            let expected = if k as usize <= FEW {
                let mut padded = run.to_vec();
                padded.resize(FEW, 0.0);
                sum_first(&padded, k as usize)
            } else {
                run.iter().fold(0.0, |sum, &x| sum + x)
            };
            assert_eq!(spends.sum_next(k).to_bits(), expected.to_bits(), "k = {k}");
            next += k as usize;
        }
    }

    #[test]
    fn poisson_by_inversion_is_monotone_in_the_mean() {
        let mut rng = generator(3, 0, 0, 0);
        for _ in 0..1000 {
            let state = rng.clone();
            let mut last = 0;
            for i in 0..50 {
                let lambda = i as f64 * 0.2;
                let k = poisson(lambda, &mut state.clone());
                assert!(k >= last);
                last = k;
            }
            let _: f64 = rng.random();
        }
    }
}
