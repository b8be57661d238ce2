//! A named client who may leave: R(m) = monthly_spend · G_m · C_m.
//!
//! Churn has a monthly hazard h = 1 - (1-p)^(1/12) from `earliest_month` on,
//! so `probability` is an annual rate. The churn month T is drawn by
//! inversion from one uniform per path (T = earliest + ⌊ln U / ln(1-h)⌋),
//! which makes T fall monotonically as p rises for the same U: with common
//! random numbers, raising churn never raises revenue on any path.
//! After churn the client keeps a share `retain`, reached linearly over
//! `ramp_months`: C_{T+k} = 1 - (1-retain)·min(1, (k+1)/ramp).
//!
//! On a churn factor (see `factor.rs`) the uniform is U = Φ(l·M + √(1−l²)·e)
//! instead, still uniform on (0, 1), so the churn law is the same; a high
//! l·M means an early churn. Without a factor, or with a loading of exactly
//! 0, U is drawn as it always was, to the bit.

use super::factor::{FactorLink, loadings};
use super::sample::fill_uniforms;
use super::{Allowed, Block, CHUNK, FieldMut, Growth, Outcome, PathOutcomes, add_chunk};
use crate::dist::Param;
use crate::{math, special};

#[derive(Clone, Debug)]
pub struct Churn {
    /// Probability of leaving within any twelve months once churn can start.
    pub probability: Param,
    /// First month (1-based) in which churn can happen.
    pub earliest_month: u32,
    /// Share of spend kept after churn.
    pub retain: Param,
    /// Months over which spend falls to `retain`.
    pub ramp_months: Param,
    /// The churn factor the client's churn moves with, if any.
    pub factor: Option<FactorLink>,
}

impl Default for Churn {
    /// No churn at all: what a client without a `churn` table gets.
    fn default() -> Self {
        Churn {
            probability: Param::fixed(0.0),
            earliest_month: 1,
            retain: Param::fixed(0.0),
            ramp_months: Param::fixed(1.0),
            factor: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    pub monthly_spend: Param,
    pub growth: Growth,
    pub churn: Churn,
}

impl Client {
    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        let mut fields = vec![FieldMut {
            name: "monthly_spend",
            param: &mut self.monthly_spend,
            allowed: Allowed::MONEY,
        }];
        fields.extend(self.growth.fields_mut());
        fields.extend([
            FieldMut {
                name: "churn.probability",
                param: &mut self.churn.probability,
                allowed: Allowed::PROBABILITY,
            },
            FieldMut {
                name: "churn.retain",
                param: &mut self.churn.retain,
                allowed: Allowed::PROBABILITY,
            },
            FieldMut {
                name: "churn.ramp_months",
                param: &mut self.churn.ramp_months,
                allowed: Allowed::RAMP,
            },
        ]);
        if let Some(link) = &mut self.churn.factor {
            fields.push(FieldMut {
                name: "churn.loading",
                param: &mut link.loading,
                allowed: Allowed::LOADING,
            });
        }
        fields
    }

    /// The month of churn of every path of `block`, 1-based, infinity when
    /// it never happens, given each path's churn probability (as drawn by
    /// [`Block::draw`] for `churn.probability`). `--samples` reads it too.
    /// On a churn factor, a month beyond the horizon may also be given as
    /// infinity (see [`latent_cut`]): only months within it are exact.
    pub(crate) fn churn_months(&self, block: &Block, stream: u64, probability: &[f64]) -> Vec<f64> {
        let n = block.paths;
        let earliest = f64::from(self.churn.earliest_month.max(1));

        // Month of churn of every path, 1-based; infinity when it never
        // happens. A client that cannot churn draws no churn month at all.
        let mut churn = vec![f64::INFINITY; n];
        if !matches!(self.churn.probability, Param::Fixed(p) if p == 0.0) {
            match self.churn.factor.as_ref().filter(|f| !f.is_idle()) {
                None => {
                    // One uniform per path; U in (0, 1], so that ln U is finite.
                    let mut source = block.source(stream, "churn");
                    fill_uniforms(source.generator(), &mut churn);
                    for u in churn.iter_mut() {
                        *u = 1.0 - *u;
                    }
                }
                Some(link) => {
                    // U = Φ(l·M + √(1−l²)·e), kept at or above the least
                    // normal float (Φ reaches it only beyond 37 sd, with
                    // probability 1e-300) so that ln U is the true one.
                    let mut common = vec![0.0; n];
                    block.factor_source(link.key).fill(&mut common);
                    block.source(stream, "churn").fill(&mut churn);
                    let (l, own) = loadings(block, stream, "churn.loading", link);
                    for (((x, m), l), s) in churn.iter_mut().zip(&common).zip(&l).zip(&own) {
                        *x = l * m + s * *x;
                    }
                    // With one probability for every path, a latent value
                    // below the cut cannot churn within the horizon: its
                    // month is left infinite, and Φ is paid only by the
                    // paths that may churn (what the engine and
                    // `--samples` read is the same either way).
                    if let Param::Fixed(p) = self.churn.probability
                        && let Some(cut) = latent_cut(p, earliest, block.horizon)
                    {
                        let log_survive = log_survival(p);
                        for t in churn.iter_mut() {
                            *t = if *t < cut {
                                f64::INFINITY
                            } else {
                                churn_month_from(p, log_survive, earliest, latent_uniform(*t))
                            };
                        }
                        return churn;
                    }
                    for u in churn.iter_mut() {
                        *u = latent_uniform(*u);
                    }
                }
            }
            match self.churn.probability {
                Param::Fixed(p) => churn_months_fixed(p, earliest, &mut churn),
                Param::Random(_) => {
                    for (t, &p) in churn.iter_mut().zip(probability) {
                        *t = churn_month_from(p, log_survival(p), earliest, *t);
                    }
                }
            }
        }
        churn
    }

    pub(super) fn simulate(
        &self,
        block: &Block,
        stream: u64,
        out: &mut [f64],
        paths: PathOutcomes<'_>,
    ) -> Outcome {
        let n = block.paths;
        let h = block.horizon;
        let mut spend = Vec::new();
        let mut probability = Vec::new();
        let mut retain = Vec::new();
        let mut ramp = Vec::new();
        block.draw(stream, "monthly_spend", &self.monthly_spend, &mut spend);
        block.draw(
            stream,
            "churn.probability",
            &self.churn.probability,
            &mut probability,
        );
        block.draw(stream, "churn.retain", &self.churn.retain, &mut retain);
        block.draw(
            stream,
            "churn.ramp_months",
            &self.churn.ramp_months,
            &mut ramp,
        );
        let mut growth = self.growth.prepare(block, stream);
        let churn = self.churn_months(block, stream, &probability);
        // Horizons are at most 1200 months: a churn month fits a u16.
        for (month, &t) in paths.churn_month.iter_mut().zip(&churn) {
            *month = if t <= h as f64 { t as u16 } else { 0 };
        }
        let churned = paths.churn_month.iter().filter(|&&m| m != 0).count() as u64;
        // The share of spend lost after churn, per path.
        let lost: Vec<f64> = retain.iter().map(|r| 1.0 - r).collect();

        let mut index = vec![0.0; h * CHUNK];
        let totals = paths.revenue;
        let last_month = h as f64;
        for first in (0..n).step_by(CHUNK) {
            let c = CHUNK.min(n - first);
            // Revenue before churn, spend · G_m, for every path and month...
            let revenue = &mut index[..h * c];
            growth.chunk(first, &spend[first..first + c], revenue);
            // ...then, on the few paths that churn within the horizon, the
            // months from churn on times the share kept: the same
            // `spend · G_m · C_m` as for every path, with C_m = 1 before.
            for i in 0..c {
                let p = first + i;
                let t = churn[p];
                if t > last_month {
                    continue;
                }
                for m in (t as usize - 1)..h {
                    let k = (m + 1) as f64 - t;
                    let kept = 1.0 - lost[p] * ((k + 1.0) / ramp[p]).min(1.0);
                    revenue[m * c + i] *= kept;
                }
            }
            let totals = &mut totals[first..first + c];
            add_chunk(revenue, first, n, out, totals);
        }
        Outcome::from_totals(totals, churned)
    }
}

/// U = Φ(x) for a latent normal x, kept at or above the least normal
/// float (Φ reaches it only beyond 37 sd, with probability 1e-300) so that
/// ln U is the true one.
#[inline]
fn latent_uniform(x: f64) -> f64 {
    special::normal_cdf(x).max(f64::MIN_POSITIVE)
}

/// A latent value below which a client of annual churn probability `p`
/// from month `earliest` cannot churn within `horizon` months, if it is
/// safe to use: churn by the horizon is U > s with
/// s = (1−p)^((H − earliest + 1)/12), that is x > Φ⁻¹(s), and the cut sits
/// 1e-3 below, far beyond the rounding of Φ, Φ⁻¹, ln and the division
/// (a test checks it). `None` where Φ⁻¹(s) is beyond ±6, there being too
/// little room between s and 0 or 1.
fn latent_cut(p: f64, earliest: f64, horizon: usize) -> Option<f64> {
    let months = horizon as f64 - earliest + 1.0;
    if !(p > 0.0 && p < 1.0 && months >= 1.0) {
        return None;
    }
    let s = (1.0 - p).powf(months / 12.0);
    let c = special::normal_quantile(s);
    (c.abs() < 6.0).then_some(c - 1e-3)
}

/// `u ← churn_month(p, earliest, u)` for every element, as
/// [`churn_month_from`] gives it, with the branches on `p` taken once and
/// the loop compiled for AVX2 where the CPU has it: `ln` is the portable
/// one and `floor` is exact, so both copies give the same bits, and the
/// baseline's call of the C library's `floor` for each path becomes one
/// instruction for four.
fn churn_months_fixed(p: f64, earliest: f64, months: &mut [f64]) {
    if p <= 0.0 {
        return months.fill(f64::INFINITY);
    }
    if p >= 1.0 {
        return months.fill(earliest);
    }
    let log_survive = log_survival(p);
    math::dispatch!(fill(log_survive: f64, earliest: f64, months: &mut [f64]) {
        for t in months.iter_mut() {
            *t = churn_month_between(log_survive, earliest, *t);
        }
    })
}

/// `ln(1-h) = ln(1-p)/12`: the log of the monthly survival for annual
/// churn probability `p`.
fn log_survival(p: f64) -> f64 {
    (-p).ln_1p() / 12.0
}

/// The churn month for annual probability `p`, given U in (0, 1]:
/// `earliest + ⌊ln U / ln(1-h)⌋` with ln(1-h) = ln(1-p)/12.
#[cfg(test)]
fn churn_month(p: f64, earliest: f64, u: f64) -> f64 {
    churn_month_from(p, log_survival(p), earliest, u)
}

/// [`churn_month`] given `log_survive = log_survival(p)`, computed once
/// when `p` is the same on every path.
#[inline]
fn churn_month_from(p: f64, log_survive: f64, earliest: f64, u: f64) -> f64 {
    if p <= 0.0 {
        return f64::INFINITY;
    }
    if p >= 1.0 {
        return earliest;
    }
    churn_month_between(log_survive, earliest, u)
}

/// [`churn_month_from`] for `0 < p < 1`, the one formula both it and
/// [`churn_months_fixed`] use.
#[inline(always)]
fn churn_month_between(log_survive: f64, earliest: f64, u: f64) -> f64 {
    earliest + (math::ln(u) / log_survive).floor()
}

#[cfg(test)]
mod tests {
    use super::{churn_month, churn_months_fixed, latent_cut, latent_uniform};

    /// Below the cut, the month the latent value gives is beyond the
    /// horizon; just above it (within the margin) it may not be.
    #[test]
    fn latent_values_below_the_cut_never_churn_within_the_horizon() {
        for p in [1e-6, 0.01, 0.05, 0.3, 0.7, 0.99, 0.999_99] {
            for (earliest, horizon) in [(1.0, 1), (1.0, 12), (4.0, 12), (12.0, 12), (3.0, 1200)] {
                let Some(cut) = latent_cut(p, earliest, horizon) else {
                    continue;
                };
                for i in 0..20_000 {
                    let x = cut - 1e-9 - f64::from(i) * 1e-6;
                    let t = churn_month(p, earliest, latent_uniform(x));
                    assert!(
                        t > horizon as f64,
                        "p={p} e={earliest} H={horizon} x={x}: {t}"
                    );
                }
                // And at the boundary itself the month is the horizon's.
                let edge = cut + 1e-3;
                let t = churn_month(p, earliest, latent_uniform(edge + 1e-9));
                assert!(t <= horizon as f64, "p={p} e={earliest} H={horizon}: {t}");
            }
        }
        assert_eq!(latent_cut(0.3, 13.0, 12), None);
        assert_eq!(latent_cut(1.0, 1.0, 12), None);
    }

    /// The batched months are the one-at-a-time ones, to the bit, on
    /// every code path (AVX2 here when the CPU has it).
    #[test]
    fn batched_churn_months_are_the_single_ones() {
        let us: Vec<f64> = (1..=4099)
            .map(|i| (f64::from(i) / 4099.0).powi(3))
            .chain([f64::MIN_POSITIVE, 1e-300, 1.0])
            .collect();
        for p in [0.0, 1e-9, 0.05, 0.3, 0.999, 1.0] {
            for earliest in [1.0, 4.0] {
                let mut months = us.clone();
                churn_months_fixed(p, earliest, &mut months);
                for (&t, &u) in months.iter().zip(&us) {
                    let single = churn_month(p, earliest, u);
                    assert_eq!(t.to_bits(), single.to_bits(), "p={p} e={earliest} u={u}");
                }
            }
        }
    }

    #[test]
    fn churn_month_inverts_the_geometric_law() {
        // P(T > earliest + j - 1) = (1-h)^j, so U = (1-h)^j sits on the edge.
        let p: f64 = 0.3;
        let survive = (1.0 - p).powf(1.0 / 12.0);
        assert_eq!(churn_month(p, 4.0, 1.0), 4.0);
        assert_eq!(churn_month(p, 4.0, survive.powi(2) * 1.000_001), 5.0);
        assert_eq!(churn_month(p, 4.0, survive.powi(2) * 0.999_999), 6.0);
        assert_eq!(churn_month(0.0, 1.0, 0.5), f64::INFINITY);
        assert_eq!(churn_month(1.0, 3.0, 1e-300), 3.0);
    }

    #[test]
    fn churn_month_falls_as_probability_rises() {
        for &u in &[1e-12, 0.01, 0.3, 0.7, 0.999] {
            let mut last = f64::INFINITY;
            for i in 0..=100 {
                let t = churn_month(i as f64 / 100.0, 1.0, u);
                assert!(t <= last);
                last = t;
            }
        }
    }
}
