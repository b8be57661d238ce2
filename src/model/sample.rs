//! Batched draws for the inner loops: standard normals, uniforms, and
//! Poisson counts by inversion.
//!
//! Source come from a ziggurat (Marsaglia and Tsang, 256 layers) drawn in
//! two passes: first one 64-bit draw per normal from the purpose's
//! generator, turned into a normal wherever it falls inside a layer (about
//! 98.8% of draws); then the rest are settled one by one, in order, from a
//! second generator of the same purpose (`redraw`). The `k`-th normal of a
//! purpose in a block therefore depends only on the `k`-th draw and on the
//! redraws of the rejected draws before it: not on how many normals are
//! asked for at once, nor on how many paths follow it.
//!
//! The tables are computed on first use with [`crate::math`], whose results
//! are the same on every machine, so the normals are too.

use std::sync::LazyLock;

use rand::Rng;

use super::Block;
use crate::dist::{self, Dist, Param};
use crate::math;
use crate::rng::{self, Generator};

/// Layers of the ziggurat, and where its base layer's tail begins.
const LAYERS: usize = 256;
const TAIL_START: f64 = 3.654_152_885_361_009;
/// Area of each layer under the unnormalised density `e^(-x²/2)`.
const LAYER_AREA: f64 = 0.004_928_673_233_99;

/// Layer edges `x[i]` (decreasing, `x[256] = 0`) and the density at each.
struct Ziggurat {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

fn density(x: f64) -> f64 {
    math::exp(-0.5 * x * x)
}

static ZIGGURAT: LazyLock<Ziggurat> = LazyLock::new(|| {
    let mut x = [0.0; LAYERS + 1];
    x[0] = LAYER_AREA / density(TAIL_START);
    x[1] = TAIL_START;
    for i in 2..LAYERS {
        x[i] = (-2.0 * math::ln(LAYER_AREA / x[i - 1] + density(x[i - 1]))).sqrt();
    }
    x[LAYERS] = 0.0;
    let f = x.map(density);
    Ziggurat { x, f }
});

/// The random numbers of one purpose of one stream in one block: its
/// generator, and a second one for the ziggurat's rare redraws.
pub(crate) struct Source {
    main: Generator,
    redraw: Generator,
    /// Scratch of [`Source::fill`]: a chunk's draws and the positions of
    /// those that missed, kept between calls (a source fills a chunk of
    /// paths at a time) rather than zeroed afresh on the stack each time.
    bits: Vec<u64>,
    missed: Vec<u16>,
}

impl Source {
    pub(crate) fn new(block: &Block, stream: u64, purpose: &str) -> Self {
        let key = rng::key(purpose);
        Source::with_seed(block.seed_for(key), block.index, stream, purpose)
    }

    /// The source of `purpose` of the stream (or factor) keyed `stream` in
    /// block `index`, drawing from `seed`.
    pub(crate) fn with_seed(seed: u64, index: u64, stream: u64, purpose: &str) -> Self {
        let key = rng::key(purpose);
        Source {
            main: rng::generator(seed, index, stream, key),
            // Any fixed, distinct key: the redraws' own generator.
            redraw: rng::generator(seed, index, stream, !key),
            bits: Vec::new(),
            missed: Vec::new(),
        }
    }

    /// Fills `out` with values of `param`, in order: the constant of a fixed
    /// value (drawing nothing), normal and log-normal draws from this
    /// source's standard normals (`mean + sd z`, `exp(ln median + sigma
    /// z)`), any other distribution (and any truncated one) through
    /// [`Param::fill`] on the generator; then the clamp, if any.
    pub(crate) fn fill_param(&mut self, param: &Param, out: &mut [f64]) {
        let Param::Random(random) = param else {
            return param.fill(out, &mut self.main);
        };
        if random.truncate.is_some() {
            return param.fill(out, &mut self.main);
        }
        match &random.dist {
            Dist::Normal(d) if d.sd() > 0.0 => {
                self.fill(out);
                let (mean, sd) = (d.mean(), d.sd());
                out.iter_mut().for_each(|x| *x = mean + sd * *x);
            }
            Dist::LogNormal(d) if d.sigma() > 0.0 => {
                self.fill(out);
                let (mu, sigma) = (d.median().ln(), d.sigma());
                out.iter_mut().for_each(|x| *x = mu + sigma * *x);
                math::exp_in_place(out);
            }
            _ => return param.fill(out, &mut self.main),
        }
        dist::clamp_each(out, random.clamp);
    }

    /// The generator itself, for draws of other kinds.
    pub(crate) fn generator(&mut self) -> &mut Generator {
        &mut self.main
    }

    /// Fills `out` with the next `out.len()` standard normals.
    pub(crate) fn fill(&mut self, out: &mut [f64]) {
        let zig = &*ZIGGURAT;
        const CHUNK: usize = 256;
        let size = out.len().min(CHUNK);
        if self.bits.len() < size {
            self.bits.resize(size, 0);
            self.missed.resize(size, 0);
        }
        for out in out.chunks_mut(CHUNK) {
            let bits = &mut self.bits[..out.len()];
            // Positions of the draws that missed their rectangle, in order.
            let missed = &mut self.missed[..out.len()];
            let mut misses = 0;
            // One loop, so that the generator's chain of dependent
            // operations overlaps with the independent conversions.
            for (j, (o, b)) in out.iter_mut().zip(bits.iter_mut()).enumerate() {
                *b = self.main.next_u64();
                let (x, inside) = fast_normal(zig, *b);
                *o = x;
                missed[misses] = j as u16;
                misses += usize::from(!inside);
            }
            for &j in &missed[..misses] {
                let j = usize::from(j);
                out[j] = slow_normal(zig, bits[j], &mut self.redraw);
            }
        }
    }
}

/// The layer and the signed position in it that one draw picks: the low 8
/// bits choose the layer, the top 52 a uniform in `[-1, 1)`.
#[inline(always)]
fn layer_and_position(bits: u64) -> (usize, f64) {
    let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
    ((bits & 0xff) as usize, u)
}

/// The normal of one draw when it falls inside its layer's rectangle,
/// with `true`; otherwise `false` (the value is then meaningless).
#[inline(always)]
fn fast_normal(zig: &Ziggurat, bits: u64) -> (f64, bool) {
    let (i, u) = layer_and_position(bits);
    let x = u * zig.x[i];
    (x, x.abs() < zig.x[i + 1])
}

/// Settles a draw that fell outside its layer's rectangle: the tail for the
/// base layer, the wedge test for the others, and fresh draws from
/// `redraw` while rejected.
#[cold]
fn slow_normal(zig: &Ziggurat, mut bits: u64, redraw: &mut Generator) -> f64 {
    loop {
        let (i, u) = layer_and_position(bits);
        let x = u * zig.x[i];
        if x.abs() < zig.x[i + 1] {
            return x;
        }
        if i == 0 {
            // Marsaglia's tail method beyond TAIL_START.
            loop {
                let a = -math::ln(math::unit_open_closed(redraw.next_u64())) / TAIL_START;
                let b = -math::ln(math::unit_open_closed(redraw.next_u64()));
                if 2.0 * b >= a * a {
                    let t = TAIL_START + a;
                    return if u < 0.0 { -t } else { t };
                }
            }
        }
        let v = math::unit_closed_open(redraw.next_u64());
        if zig.f[i + 1] + (zig.f[i] - zig.f[i + 1]) * v < density(x) {
            return x;
        }
        bits = redraw.next_u64();
    }
}

/// Uniforms in `[0, 1)` with 53 random bits, exactly as `rand`'s
/// `random::<f64>()` draws them, one 64-bit draw each.
pub(crate) fn fill_uniforms(rng: &mut Generator, out: &mut [f64]) {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    for o in out.iter_mut() {
        *o = (rng.next_u64() >> 11) as f64 * SCALE;
    }
}

/// Entries of the CDF compared at once when counting.
const WINDOW: usize = 8;

/// The Poisson(λ) CDF, `P(N <= k)` for `k = 0, 1, ...`, extended on demand
/// by the recurrence `p_k = p_{k-1} λ / k`, so that counting by inversion
/// is one comparison per step instead of a division, a product and a sum.
///
/// The table is the same sequence of floating-point operations as walking
/// the recurrence afresh for every draw, so counts are identical to that.
pub(crate) struct PoissonTable {
    lambda: f64,
    /// Counts beyond it are not reached (see [`PoissonTable::count`]).
    limit: u64,
    term: f64,
    cdf: Vec<f64>,
}

impl PoissonTable {
    pub(crate) fn new() -> Self {
        PoissonTable {
            lambda: 0.0,
            limit: 0,
            term: 0.0,
            cdf: Vec::new(),
        }
    }

    /// Whether the table is the one of mean `lambda`.
    pub(crate) fn is_for(&self, lambda: f64) -> bool {
        !self.cdf.is_empty() && self.lambda == lambda
    }

    /// Starts the table for mean `lambda` (finite, positive), given `e^-λ`,
    /// with the first window already built: every count needs it, and a
    /// mean drawn per path rebuilds it for every path.
    pub(crate) fn reset(&mut self, lambda: f64, exp_neg_lambda: f64) {
        self.lambda = lambda;
        // The walk stops here where the CDF's rounding leaves it short of
        // a u very close to 1; the tail beyond has probability below 1e-15.
        self.limit = (lambda + 40.0 * lambda.sqrt() + 40.0) as u64;
        // The ratios λ/k do not depend on each other, so their divisions
        // overlap instead of queueing behind the chain of products;
        // division is correctly rounded, so the bits are those of the
        // recurrence.
        let ratio: [f64; WINDOW] = std::array::from_fn(|i| lambda / (i + 1) as f64);
        let mut entries = [exp_neg_lambda; WINDOW + 1];
        let (mut term, mut cdf) = (exp_neg_lambda, exp_neg_lambda);
        for (entry, ratio) in entries[1..].iter_mut().zip(ratio) {
            term *= ratio;
            cdf += term;
            *entry = cdf;
        }
        self.term = term;
        self.cdf.clear();
        self.cdf.extend_from_slice(&entries);
    }

    /// The count for each uniform of `uniforms`, as [`PoissonTable::count`]
    /// gives it, with the first window held in registers throughout.
    #[inline]
    pub(crate) fn count_each(&mut self, uniforms: &[f64], counts: &mut [u64]) {
        let first: [f64; WINDOW] = self.cdf[..WINDOW].try_into().expect("built by reset");
        count_in_window(&first, uniforms, counts, |u| self.count(u));
    }

    /// The count for uniform `u` in `[0, 1)`: the smallest `k` with
    /// `u < P(N <= k)`, or the limit if that is smaller.
    ///
    /// The CDF does not decrease, so within a window of entries the first
    /// one above `u` is the number at or below it: counted without a branch
    /// for each step, a window at a time.
    #[inline]
    pub(crate) fn count(&mut self, u: f64) -> u64 {
        let mut k = 0;
        loop {
            while self.cdf.len() < k + WINDOW {
                self.extend();
            }
            let window = &self.cdf[k..k + WINDOW];
            let below = window.iter().map(|&p| usize::from(p <= u)).sum::<usize>();
            k += below;
            if below < WINDOW || k as u64 >= self.limit {
                return (k as u64).min(self.limit);
            }
        }
    }

    /// Adds the next eight entries (a window's worth).
    #[cold]
    fn extend(&mut self) {
        let (mut term, lambda) = (self.term, self.lambda);
        let k = self.cdf.len();
        let mut cdf = self.cdf[k - 1];
        for k in k..k + WINDOW {
            term *= lambda / k as f64;
            cdf += term;
            self.cdf.push(cdf);
        }
        self.term = term;
    }
}

/// Counts by the first window of a CDF, and by `beyond` for a uniform at or
/// past its last entry.
#[inline(always)]
fn count_in_window(
    first: &[f64; WINDOW],
    uniforms: &[f64],
    counts: &mut [u64],
    mut beyond: impl FnMut(f64) -> u64,
) {
    for (k, &u) in counts.iter_mut().zip(uniforms) {
        let below = first.iter().fold(0, |n, &p| n + u64::from(p <= u));
        *k = if below < WINDOW as u64 {
            below
        } else {
            beyond(u)
        };
    }
}

/// The first windows of the Poisson CDFs of many means, one a path, built
/// side by side: each table alone is a chain of dependent operations
/// (`e^-λ`, then the products and sums of the recurrence), too short to
/// fill the processor; across paths they are independent and vectorise.
/// The entries are the bits [`PoissonTable::reset`] gives.
pub(crate) struct PoissonWindows {
    exp_neg: Vec<f64>,
    term: Vec<f64>,
    /// `entries[t * means + i]`: `P(N <= t)` for the `i`-th mean.
    entries: Vec<f64>,
}

impl PoissonWindows {
    pub(crate) fn new() -> Self {
        PoissonWindows {
            exp_neg: Vec::new(),
            term: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Builds the windows of `lambdas`; those of means outside (0, 500]
    /// are meaningless and must not be counted with.
    pub(crate) fn build(&mut self, lambdas: &[f64]) {
        let n = lambdas.len();
        self.exp_neg.resize(n, 0.0);
        for (e, &lambda) in self.exp_neg.iter_mut().zip(lambdas) {
            *e = math::exp(-lambda);
        }
        self.term.clear();
        self.term.extend_from_slice(&self.exp_neg);
        self.entries.resize(WINDOW * n, 0.0);
        self.entries[..n].copy_from_slice(&self.exp_neg);
        for t in 1..WINDOW {
            let (previous, row) = self.entries[(t - 1) * n..(t + 1) * n].split_at_mut(n);
            let k = t as f64;
            for (((entry, &previous), term), &lambda) in row
                .iter_mut()
                .zip(&*previous)
                .zip(&mut self.term)
                .zip(lambdas)
            {
                *term *= lambda / k;
                *entry = previous + *term;
            }
        }
    }

    /// The counts of the `i`-th mean, `lambda`, as
    /// [`PoissonTable::count_each`] gives them; `table` settles the rare
    /// uniforms beyond the window.
    #[inline]
    pub(crate) fn count_each(
        &self,
        i: usize,
        lambda: f64,
        table: &mut PoissonTable,
        uniforms: &[f64],
        counts: &mut [u64],
    ) {
        let n = self.exp_neg.len();
        let first: [f64; WINDOW] = std::array::from_fn(|t| self.entries[t * n + i]);
        count_in_window(&first, uniforms, counts, |u| {
            if !table.is_for(lambda) {
                table.reset(lambda, self.exp_neg[i]);
            }
            table.count(u)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tables_match_the_published_ziggurat() {
        // rand_distr's ZIG_NORM_X[0], [2] and [255], computed elsewhere.
        let zig = &*ZIGGURAT;
        assert!((zig.x[0] - 3.910_757_959_537_09).abs() < 1e-12);
        assert!((zig.x[2] - 3.449_278_298_560_964).abs() < 1e-12);
        assert!((zig.x[255] - 0.215_241_895_913_274).abs() < 1e-12);
        assert!(zig.x.windows(2).all(|w| w[0] > w[1]));
    }

    fn block() -> Block<'static> {
        Block {
            seed: 1,
            index: 0,
            paths: 1024,
            horizon: 12,
            rekey: None,
            factors: crate::model::FactorSeeds {
                seed: 1,
                rekey: None,
            },
            correlated: None,
        }
    }

    #[test]
    fn normals_do_not_depend_on_how_many_are_drawn_at_once() {
        let mut whole = vec![0.0; 5000];
        Source::new(&block(), 7, "x").fill(&mut whole);
        let mut parts = Source::new(&block(), 7, "x");
        let mut pieces = Vec::new();
        for size in [1, 255, 256, 257, 1000, 3231] {
            let mut piece = vec![0.0; size];
            parts.fill(&mut piece);
            pieces.extend(piece);
        }
        assert_eq!(whole, pieces);
    }

    /// Mean, variance, fourth moment and both tails, with 5-SE bands.
    #[test]
    fn normals_have_the_standard_normal_law() {
        let n = 2_000_000;
        let mut z = vec![0.0; n];
        Source::new(&block(), 3, "normal test").fill(&mut z);
        let nf = n as f64;
        let mean = z.iter().sum::<f64>() / nf;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nf - 1.0);
        let m4 = z.iter().map(|x| x.powi(4)).sum::<f64>() / nf;
        assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
        assert!(
            (var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
            "variance {var}"
        );
        assert!((m4 - 3.0).abs() < 5.0 * (96.0 / nf).sqrt(), "m4 {m4}");
        // P(Z < x) for points in the body, at the layer edges and in the tail.
        for (x, p) in [
            (-3.7, 1.078_029_875_332_9e-4),
            (-1.959_963_984_540_054, 0.025),
            (-0.5, 0.308_537_538_725_986_9),
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (3.0, 0.998_650_101_968_369_9),
        ] {
            let below = z.iter().filter(|&&v| v < x).count() as f64 / nf;
            let se = (p * (1.0 - p) / nf).sqrt();
            assert!(
                (below - p).abs() < 5.0 * se,
                "P(Z < {x}) = {below}, not {p}"
            );
        }
    }

    #[test]
    fn uniforms_are_rands_f64() {
        use rand::RngExt;
        let mut a = Generator::seed_from_u64(4);
        let mut b = a.clone();
        let mut out = [0.0; 100];
        fill_uniforms(&mut a, &mut out);
        for o in out {
            assert_eq!(o, b.random::<f64>());
        }
    }

    /// Windows built side by side hold the bits of each mean's own table,
    /// and count as it does, beyond the window too.
    #[test]
    fn poisson_windows_count_like_the_table() {
        let lambdas = [0.01, 0.5, 1.75, 3.0, 7.9, 30.0, 499.0];
        let mut windows = PoissonWindows::new();
        windows.build(&lambdas);
        let uniforms: Vec<f64> = (0..2000)
            .map(|i| (i as f64 + 0.5) / 2000.0)
            .chain([1.0 - 1e-17])
            .collect();
        let mut shared = PoissonTable::new();
        for (i, &lambda) in lambdas.iter().enumerate() {
            let mut own = PoissonTable::new();
            own.reset(lambda, math::exp(-lambda));
            for t in 0..WINDOW {
                let entry = windows.entries[t * lambdas.len() + i];
                assert_eq!(entry.to_bits(), own.cdf[t].to_bits(), "λ={lambda} t={t}");
            }
            let mut counts = vec![0; uniforms.len()];
            windows.count_each(i, lambda, &mut shared, &uniforms, &mut counts);
            for (&k, &u) in counts.iter().zip(&uniforms) {
                assert_eq!(k, own.count(u), "λ={lambda} u={u}");
            }
        }
    }

    /// The table walk gives the counts of the plain recurrence.
    #[test]
    fn poisson_table_counts_like_the_recurrence() {
        let plain = |lambda: f64, u: f64| {
            let limit = (lambda + 40.0 * lambda.sqrt() + 40.0) as u64;
            let (mut k, mut term) = (0u64, (-lambda).exp());
            let mut cdf = term;
            while u >= cdf && k < limit {
                k += 1;
                term *= lambda / k as f64;
                cdf += term;
            }
            k
        };
        let mut table = PoissonTable::new();
        for lambda in [0.01, 0.5, 1.75, 3.0, 30.0, 499.0] {
            table.reset(lambda, (-lambda).exp());
            for i in 0..2000 {
                let u = (i as f64 + 0.5) / 2000.0;
                assert_eq!(table.count(u), plain(lambda, u), "λ={lambda} u={u}");
            }
            assert_eq!(table.count(1.0 - 1e-17), plain(lambda, 1.0 - 1e-17));
            // Counted in one pass, on a freshly built table.
            let uniforms: Vec<f64> = (0..2000).map(|i| (i as f64 + 0.5) / 2000.0).collect();
            let mut counts = vec![0; uniforms.len()];
            table.reset(lambda, (-lambda).exp());
            table.count_each(&uniforms, &mut counts);
            for (&k, &u) in counts.iter().zip(&uniforms) {
                assert_eq!(k, plain(lambda, u), "λ={lambda} u={u}");
            }
        }
    }
}
