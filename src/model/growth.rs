//! The growth index shared by clients, subscriptions and plain streams.
//!
//! G_1 = 1 and G_m = G_{m-1} exp(ln(1+g) - v²/2 + v Z_m), with
//! g = (1+annual_growth)^(1/12) - 1: a geometric random walk whose mean
//! E[G_m] = (1+g)^(m-1) follows the annual growth exactly, whatever the
//! volatility v.

use rand::RngExt;
use rand_distr::StandardNormal;

use super::{Allowed, Block, Field, FieldMut};
use crate::dist::Param;
use crate::rng::Generator;

#[derive(Clone, Debug)]
pub struct Growth {
    pub annual_growth: Param,
    pub volatility: Param,
}

impl Default for Growth {
    fn default() -> Self {
        Growth {
            annual_growth: Param::fixed(0.0),
            volatility: Param::fixed(0.0),
        }
    }
}

impl Growth {
    pub(super) fn fields(&self) -> [Field<'_>; 2] {
        [
            Field {
                name: "annual_growth",
                param: &self.annual_growth,
                allowed: Allowed::GROWTH,
            },
            Field {
                name: "volatility",
                param: &self.volatility,
                allowed: Allowed::NON_NEGATIVE,
            },
        ]
    }

    pub(super) fn fields_mut(&mut self) -> [FieldMut<'_>; 2] {
        [
            FieldMut {
                name: "annual_growth",
                param: &mut self.annual_growth,
                allowed: Allowed::GROWTH,
            },
            FieldMut {
                name: "volatility",
                param: &mut self.volatility,
                allowed: Allowed::NON_NEGATIVE,
            },
        ]
    }

    /// Draws this block's growth parameters; then [`GrowthPaths::path`]
    /// gives each path's index month by month.
    pub(super) fn prepare(&self, block: &Block, stream: u64) -> GrowthPaths {
        let mut drift = Vec::new();
        let mut vol = Vec::new();
        block.draw(stream, "annual_growth", &self.annual_growth, &mut drift);
        block.draw(stream, "volatility", &self.volatility, &mut vol);
        for (d, v) in drift.iter_mut().zip(&vol) {
            *d = (1.0 + *d).ln() / 12.0 - 0.5 * v * v;
        }
        // A volatility that is exactly zero on every path needs no shocks;
        // any other draws one standard normal per path and month after the
        // first, from the stream's own generator.
        let shocks = match self.volatility {
            Param::Fixed(v) if v == 0.0 => None,
            _ => Some(block.generator(stream, "growth_shocks")),
        };
        GrowthPaths { drift, vol, shocks }
    }
}

/// One block's growth parameters, ready to produce each path's index.
pub(super) struct GrowthPaths {
    drift: Vec<f64>,
    vol: Vec<f64>,
    shocks: Option<Generator>,
}

impl GrowthPaths {
    /// Writes G_1..G_H of path `p` into `out`. Paths must be asked for in
    /// order, once each, for the shocks to be the same on every run.
    pub(super) fn path(&mut self, p: usize, out: &mut [f64]) {
        let drift = self.drift[p];
        let vol = self.vol[p];
        let mut log_g = 0.0f64;
        match &mut self.shocks {
            None => {
                for (m, g) in out.iter_mut().enumerate() {
                    *g = (drift * m as f64).exp();
                }
            }
            Some(rng) => {
                out[0] = 1.0;
                for g in out.iter_mut().skip(1) {
                    let z: f64 = rng.sample(StandardNormal);
                    log_g += drift + vol * z;
                    *g = log_g.exp();
                }
            }
        }
    }
}
