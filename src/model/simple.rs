//! The two processes that are a level times the growth index:
//! a seat subscription, R(m) = seats · price_per_seat · G_m, and a plain
//! revenue stream, R(m) = monthly_revenue · G_m.

use super::{Allowed, Block, CHUNK, FieldMut, Growth, Outcome, add_chunk};
use crate::dist::Param;

#[derive(Clone, Debug)]
pub struct Subscription {
    pub seats: Param,
    pub price_per_seat: Param,
    pub growth: Growth,
}

#[derive(Clone, Debug)]
pub struct GrowthStream {
    pub monthly_revenue: Param,
    pub growth: Growth,
}

impl Subscription {
    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        let mut fields = vec![
            FieldMut {
                name: "seats",
                param: &mut self.seats,
                allowed: Allowed::SEATS,
            },
            FieldMut {
                name: "price_per_seat",
                param: &mut self.price_per_seat,
                allowed: Allowed::PRICE,
            },
        ];
        fields.extend(self.growth.fields_mut());
        fields
    }

    pub(super) fn simulate(
        &self,
        block: &Block,
        stream: u64,
        out: &mut [f64],
        totals: &mut [f64],
    ) -> Outcome {
        let mut seats = Vec::new();
        let mut price = Vec::new();
        block.draw(stream, "seats", &self.seats, &mut seats);
        block.draw(stream, "price_per_seat", &self.price_per_seat, &mut price);
        for (s, p) in seats.iter_mut().zip(&price) {
            *s *= p;
        }
        level_times_growth(&seats, &self.growth, block, stream, out, totals)
    }
}

impl GrowthStream {
    pub(super) fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        let mut fields = vec![FieldMut {
            name: "monthly_revenue",
            param: &mut self.monthly_revenue,
            allowed: Allowed::MONEY,
        }];
        fields.extend(self.growth.fields_mut());
        fields
    }

    pub(super) fn simulate(
        &self,
        block: &Block,
        stream: u64,
        out: &mut [f64],
        totals: &mut [f64],
    ) -> Outcome {
        let mut level = Vec::new();
        block.draw(stream, "monthly_revenue", &self.monthly_revenue, &mut level);
        level_times_growth(&level, &self.growth, block, stream, out, totals)
    }
}

/// R(m) = level · G_m for every path of the block.
fn level_times_growth(
    level: &[f64],
    growth: &Growth,
    block: &Block,
    stream: u64,
    out: &mut [f64],
    totals: &mut [f64],
) -> Outcome {
    let n = block.paths;
    let h = block.horizon;
    let mut paths = growth.prepare(block, stream);
    let mut index = vec![0.0; h * CHUNK];
    for first in (0..n).step_by(CHUNK) {
        let c = CHUNK.min(n - first);
        let revenue = &mut index[..h * c];
        paths.chunk(first, &level[first..first + c], revenue);
        let totals = &mut totals[first..first + c];
        add_chunk(revenue, first, n, out, totals);
    }
    Outcome::from_totals(totals, 0)
}
