//! New clients signing over the horizon.
//!
//! In month m, N_m ~ Poisson(arrivals_per_month) clients sign; each draws its
//! own spend S and pays S · min(1, (k+1)/ramp) · (1+g)^k in month m+1+k,
//! with g the monthly rate of `annual_growth`. Counts are drawn by inversion
//! from one uniform per month, so with common random numbers more arrivals
//! per month never means fewer clients on any path.

use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use super::{Allowed, Block, Field, FieldMut, Outcome};
use crate::dist::Param;
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
    pub(super) fn fields(&self) -> Vec<Field<'_>> {
        vec![
            Field {
                name: "arrivals_per_month",
                param: &self.arrivals_per_month,
                allowed: Allowed::NON_NEGATIVE,
            },
            Field {
                name: "monthly_spend",
                param: &self.monthly_spend,
                allowed: Allowed::NON_NEGATIVE,
            },
            Field {
                name: "ramp_months",
                param: &self.ramp_months,
                allowed: Allowed::RAMP,
            },
            Field {
                name: "annual_growth",
                param: &self.annual_growth,
                allowed: Allowed::GROWTH,
            },
        ]
    }

    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        vec![
            FieldMut {
                name: "arrivals_per_month",
                param: &mut self.arrivals_per_month,
                allowed: Allowed::NON_NEGATIVE,
            },
            FieldMut {
                name: "monthly_spend",
                param: &mut self.monthly_spend,
                allowed: Allowed::NON_NEGATIVE,
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

    pub(super) fn simulate(&self, block: &Block, stream: u64, out: &mut [f64]) -> Outcome {
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
        let mut count_rng = block.generator(stream, "arrivals");
        let mut spend_rng = block.generator(stream, "new_client_spend");

        // signed[m]: spend of the clients signed in month m+1.
        let mut signed = vec![0.0; h];
        // weight[k]: what a client pays k months after its first paying month.
        let mut weight = vec![0.0; h];
        let mut outcome = Outcome::default();
        for p in 0..n {
            let lambda = arrivals[p];
            let exp_neg_lambda = (-lambda).exp();
            for s in signed.iter_mut() {
                let count = poisson(lambda, exp_neg_lambda, &mut count_rng);
                *s = 0.0;
                for _ in 0..count {
                    *s += self.monthly_spend.sample(&mut spend_rng);
                }
            }
            let monthly_factor = (1.0 + growth[p]).powf(1.0 / 12.0);
            let mut compound = 1.0;
            for (k, w) in weight.iter_mut().enumerate() {
                *w = ((k + 1) as f64 / ramp[p]).min(1.0) * compound;
                compound *= monthly_factor;
            }
            let mut total = 0.0;
            // Month j (0-based) collects from clients signed in months i < j.
            for j in 1..h {
                let revenue: f64 = (0..j).map(|i| signed[i] * weight[j - i - 1]).sum();
                out[j * n + p] += revenue;
                total += revenue;
            }
            outcome.revenue += total;
        }
        outcome
    }
}

/// A Poisson(λ) count from one uniform by inversion of the CDF, given
/// e^-λ computed once per path.
fn poisson(lambda: f64, exp_neg_lambda: f64, rng: &mut Generator) -> u64 {
    if lambda <= 0.0 {
        // Still consume the month's uniform so later months keep their draws.
        let _: f64 = rng.random();
        return 0;
    }
    if lambda > INVERSION_MAX_MEAN {
        return Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64);
    }
    let u: f64 = rng.random();
    let mut k = 0u64;
    let mut term = exp_neg_lambda;
    let mut cdf = term;
    // The guard stops the walk where the CDF's rounding leaves it short of
    // a u very close to 1; the tail beyond it has probability below 1e-15.
    let limit = (lambda + 40.0 * lambda.sqrt() + 40.0) as u64;
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
    use crate::rng::generator;

    #[test]
    fn poisson_by_inversion_has_the_right_mean_and_variance() {
        let mut rng = generator(9, 0, 0, 0);
        for &lambda in &[0.5, 1.75, 3.0, 30.0] {
            let n = 200_000;
            let e = (-lambda as f64).exp();
            let draws: Vec<f64> = (0..n)
                .map(|_| poisson(lambda, e, &mut rng) as f64)
                .collect();
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

    #[test]
    fn poisson_by_inversion_is_monotone_in_the_mean() {
        let mut rng = generator(3, 0, 0, 0);
        for _ in 0..1000 {
            let state = rng.clone();
            let mut last = 0;
            for i in 0..50 {
                let lambda = i as f64 * 0.2;
                let k = poisson(lambda, (-lambda).exp(), &mut state.clone());
                assert!(k >= last);
                last = k;
            }
            let _: f64 = rng.random();
        }
    }
}
