//! Triangular draws by the inverse CDF, a batch at a time and without a
//! branch on the drawn value.
//!
//! `rand_distr::Triangular::sample` draws `f` in [0, 1) and takes one of
//! two square roots according to the side of the mode `f (max − min)` falls
//! on: a branch the processor mispredicts on a good share of the draws of a
//! central mode. [`InverseCdf::at`] computes both radicands, selects one and
//! takes a single square root, doing on the chosen side exactly the
//! operations rand_distr does, in the same order, so every draw has the
//! same bits as rand_distr's (a test checks it, modes at either end
//! included). [`InverseCdf::fill`] draws the 64-bit words of a batch first
//! and then maps them in a loop without jumps, which the compiler can
//! vectorise.

use rand::Rng;

use super::clamp_to;
use crate::math;

/// Words drawn before they are mapped: enough to amortise the loop, small
/// enough to stay in L1 beside the output.
const BATCH: usize = 64;

/// The inverse CDF of a triangular law on `[min, max]`, `min < max`, with
/// the differences rand_distr computes on every draw computed once.
#[derive(Clone, Copy, Debug)]
pub(super) struct InverseCdf {
    min: f64,
    max: f64,
    mode_minus_min: f64,
    range: f64,
    max_minus_mode: f64,
}

impl InverseCdf {
    /// Requires `min <= mode <= max` with `max - min` finite, as
    /// `Dist::triangular` checks.
    pub(super) fn new(min: f64, mode: f64, max: f64) -> InverseCdf {
        InverseCdf {
            min,
            max,
            mode_minus_min: mode - min,
            range: max - min,
            max_minus_mode: max - mode,
        }
    }

    /// The value at `f` in [0, 1), bit for bit rand_distr's triangular draw
    /// from the uniform `f`. Rounding can put it one ulp outside
    /// `[min, max]`; [`InverseCdf::sample`] and [`InverseCdf::fill`] clamp.
    #[inline(always)]
    pub(super) fn at(&self, f: f64) -> f64 {
        let f_range = f * self.range;
        let left = f_range < self.mode_minus_min;
        let radicand = if left {
            f_range * self.mode_minus_min
        } else {
            (self.range - f_range) * self.max_minus_mode
        };
        let root = radicand.sqrt();
        if left {
            self.min + root
        } else {
            self.max - root
        }
    }

    /// One draw in `[min, max]`, from one 64-bit word (rand's f64).
    #[inline]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.at(math::unit_53(rng.next_u64()));
        clamp_to(x, self.min, self.max)
    }

    /// The draw from the 64-bit word `w`, in `[min, max]`: [`Self::at`]
    /// clamped, written with selects so that a loop of it vectorises.
    #[inline(always)]
    fn at_word(&self, w: u64) -> f64 {
        let x = self.at(math::unit_53(w));
        let x = if x < self.min { self.min } else { x };
        if x > self.max { self.max } else { x }
    }

    /// `out.len()` draws, each equal to the next [`InverseCdf::sample`].
    pub(super) fn fill<R: Rng + ?Sized>(&self, out: &mut [f64], rng: &mut R) {
        let mut words = [0u64; BATCH];
        for chunk in out.chunks_mut(BATCH) {
            let words = &mut words[..chunk.len()];
            words.iter_mut().for_each(|w| *w = rng.next_u64());
            self.map_words(words, chunk);
        }
    }

    /// `out[i]` from `words[i]`, compiled for AVX2 too (four square roots
    /// at once) and chosen at run time; the same bits either way, as IEEE
    /// arithmetic and `sqrt` are exact to rounding on every width.
    fn map_words(&self, words: &[u64], out: &mut [f64]) {
        let t = *self;
        math::dispatch!(map_words(t: InverseCdf, words: &[u64], out: &mut [f64]) {
            for (x, &w) in out.iter_mut().zip(words) {
                *x = t.at_word(w);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Triangular};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Modes inside, at `min` and at `max`; ranges narrow, wide, offset
    /// and negative; a mode a hair from an end.
    const CASES: [(f64, f64, f64); 9] = [
        (0.2, 0.5, 0.9),
        (-0.05, 0.08, 0.2),
        (0.1, 0.1, 0.3),
        (0.1, 0.3, 0.3),
        (-4.0, -2.0, -0.5),
        (1e-5, 1e-3, 1e5),
        (1e6, 1e6 + 1e-9, 1e6 + 2e-9),
        (0.0, 1e-300, 1.0),
        (3.0, 3.0, 3.0 + 1e-12),
    ];

    /// The batched, branch-free draws are rand_distr's, bit for bit, before
    /// the clamp to `[min, max]` and after it (the clamp the single draws
    /// always had).
    #[test]
    fn draws_equal_rand_distr_bit_for_bit() {
        const N: usize = 100_003; // not a multiple of the batch
        for (i, &(min, mode, max)) in CASES.iter().enumerate() {
            let reference = Triangular::new(min, max, mode).expect("valid");
            let ours = InverseCdf::new(min, mode, max);
            let seed = 70 + i as u64;
            let mut batch = vec![0.0; N];
            let mut r_batch = Xoshiro256PlusPlus::seed_from_u64(seed);
            ours.fill(&mut batch, &mut r_batch);
            let mut r_ref = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut r_one = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut r_raw = Xoshiro256PlusPlus::seed_from_u64(seed);
            for (k, &b) in batch.iter().enumerate() {
                let want: f64 = reference.sample(&mut r_ref);
                let raw = ours.at(math::unit_53(r_raw.next_u64()));
                assert_eq!(
                    raw.to_bits(),
                    want.to_bits(),
                    "{min} {mode} {max}, draw {k}"
                );
                let clamped = clamp_to(want, min, max);
                assert_eq!(
                    b.to_bits(),
                    clamped.to_bits(),
                    "{min} {mode} {max}, draw {k}"
                );
                let one = ours.sample(&mut r_one);
                assert_eq!(
                    one.to_bits(),
                    clamped.to_bits(),
                    "{min} {mode} {max}, draw {k}"
                );
            }
            assert_eq!(r_batch.next_u64(), r_ref.next_u64());
            assert_eq!(r_one.next_u64(), r_raw.next_u64());
        }
    }

    /// The ends of the unit interval, where one side's radicand is zero.
    #[test]
    fn ends_of_the_uniform_match_rand_distr() {
        struct Const(u64);
        impl rand::TryRng for Const {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok(self.0 as u32)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(self.0)
            }
            fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
                Ok(())
            }
        }
        for &(min, mode, max) in &CASES {
            let reference = Triangular::new(min, max, mode).expect("valid");
            let ours = InverseCdf::new(min, mode, max);
            for word in [0, 1 << 11, 1 << 63, u64::MAX] {
                let want: f64 = reference.sample(&mut Const(word));
                let got = ours.at(math::unit_53(word));
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{min} {mode} {max} {word:#x}"
                );
            }
        }
    }
}
