//! The growth index shared by clients, subscriptions and plain streams.
//!
//! G_1 = 1 and G_m = G_{m-1} exp(ln(1+g) - v²/2 + v Z_m), with
//! g = (1+annual_growth)^(1/12) - 1: a geometric random walk whose mean
//! E[G_m] = (1+g)^(m-1) follows the annual growth exactly, whatever the
//! volatility v.
//!
//! On a growth factor (see `factor.rs`) the shock is
//! Z_m = l·F_m + √(1−l²)·e_m, F_m the factor's and e_m the stream's own:
//! still N(0, 1), so neither v nor E\[G_m\] moves. Without a factor, or with
//! a loading of exactly 0, the shocks are the stream's own, to the bit.

use super::factor::{FactorLink, loadings};
use std::rc::Rc;

use super::sample::Source;
use super::{Allowed, Block, FieldMut};
use crate::dist::Param;
use crate::math;

#[derive(Clone, Debug)]
pub struct Growth {
    pub annual_growth: Param,
    pub volatility: Param,
    /// The growth factor the shocks move with, if any.
    pub factor: Option<FactorLink>,
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            annual_growth: Param::fixed(0.0),
            volatility: Param::fixed(0.0),
            factor: None,
        }
    }
}

impl Growth {
    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        let mut fields = vec![
            FieldMut {
                name: "annual_growth",
                param: &mut self.annual_growth,
                allowed: Allowed::GROWTH,
            },
            FieldMut {
                name: "volatility",
                param: &mut self.volatility,
                allowed: Allowed::VOLATILITY,
            },
        ];
        if let Some(link) = &mut self.factor {
            fields.push(FieldMut {
                name: "loading",
                param: &mut link.loading,
                allowed: Allowed::LOADING,
            });
        }
        fields
    }

    /// Draws this block's growth parameters; then [`GrowthPaths::chunk`]
    /// gives each path's index month by month.
    pub(super) fn prepare(&self, block: &Block, stream: u64) -> GrowthPaths {
        let mut drift = Vec::new();
        let mut vol = Vec::new();
        block.draw(stream, "annual_growth", &self.annual_growth, &mut drift);
        block.draw(stream, "volatility", &self.volatility, &mut vol);
        let monthly = |g: f64, v: f64| math::ln(1.0 + g) / 12.0 - 0.5 * v * v;
        match (&self.annual_growth, &self.volatility) {
            // The same drift on every path: one logarithm, not one a path.
            (Param::Fixed(g), Param::Fixed(v)) => drift.fill(monthly(*g, *v)),
            _ => {
                for (d, v) in drift.iter_mut().zip(&vol) {
                    *d = monthly(*d, *v);
                }
            }
        }
        // A volatility that is exactly zero on every path needs no shocks;
        // any other draws one standard normal per path and month after the
        // first, from the stream's own generator, path after path.
        let shocks = match self.volatility {
            Param::Fixed(0.0) => None,
            _ => Some(block.source(stream, "growth_shocks")),
        };
        // The factor's shocks, with each path's loading and own share.
        let common = match (&shocks, &self.factor) {
            (Some(_), Some(link)) if !link.is_idle() => {
                let (l, own) = loadings(block, stream, "loading", link);
                let steps = block.horizon.saturating_sub(1);
                Some(Common {
                    shocks: block.growth_factor_shocks(link.key, block.paths * steps),
                    loading: l,
                    own,
                })
            }
            _ => None,
        };
        GrowthPaths {
            drift,
            vol,
            shocks,
            common,
            horizon: block.horizon,
            z: Vec::new(),
        }
    }
}

/// A growth factor's shocks F for the block, path-major, and each path's
/// loading l and √(1−l²).
struct Common {
    shocks: Rc<Vec<f64>>,
    loading: Vec<f64>,
    own: Vec<f64>,
}

/// One block's growth parameters, ready to produce each path's index.
pub(super) struct GrowthPaths {
    drift: Vec<f64>,
    vol: Vec<f64>,
    shocks: Option<Source>,
    /// The growth factor's shocks, when the stream is on one.
    common: Option<Common>,
    horizon: usize,
    /// Scratch: one chunk's shocks, path-major.
    z: Vec<f64>,
}

impl GrowthPaths {
    /// Writes `level · G_m` for months 1..H of paths `first..first + c`
    /// (`c = level.len()`) into `out`, month-major: `out[m * c + i]` is
    /// `level[i] · G_{m+1}` of path `first + i`. Chunks must be asked for in
    /// order, each path once, for the shocks to be the same on every run.
    pub(super) fn chunk(&mut self, first: usize, level: &[f64], out: &mut [f64]) {
        let h = self.horizon;
        let c = level.len();
        debug_assert_eq!(out.len(), h * c);
        let drift = &self.drift[first..first + c];
        let vol = &self.vol[first..first + c];
        let (start, later) = out.split_at_mut(c);
        // G_1 = 1 exactly.
        start.copy_from_slice(level);
        if h == 1 {
            return;
        }
        match &mut self.shocks {
            None => {
                for (m, row) in later.chunks_exact_mut(c).enumerate() {
                    for (g, d) in row.iter_mut().zip(drift) {
                        *g = d * (m + 1) as f64;
                    }
                }
            }
            Some(shocks) => {
                let steps = h - 1;
                self.z.resize(c * steps, 0.0);
                shocks.fill(&mut self.z);
                if let Some(common) = &mut self.common {
                    // Z = l·F + √(1−l²)·e, path by path.
                    let f = &common.shocks[first * steps..(first + c) * steps];
                    let l = &common.loading[first..first + c];
                    let own = &common.own[first..first + c];
                    for (i, (z, f)) in self
                        .z
                        .chunks_exact_mut(steps)
                        .zip(f.chunks_exact(steps))
                        .enumerate()
                    {
                        let (l, s) = (l[i], own[i]);
                        for (z, f) in z.iter_mut().zip(f) {
                            *z = l * f + s * *z;
                        }
                    }
                }
                // log G_{m+1} = log G_m + drift + vol·Z, path by path, in
                // the order the shocks were drawn.
                for (i, z) in self.z.chunks_exact(steps).enumerate() {
                    let (d, v) = (drift[i], vol[i]);
                    let mut log = 0.0;
                    for (m, z) in z.iter().enumerate() {
                        log += d + v * z;
                        later[m * c + i] = log;
                    }
                }
            }
        }
        math::scaled_exp_in_place(later, level);
    }
}
