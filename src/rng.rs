//! Where every random number comes from.
//!
//! A run is cut into fixed blocks of [`BLOCK_PATHS`] paths. Inside a block,
//! each revenue stream, and each purpose inside a stream (a parameter, the
//! growth shocks, the churn month...), draws from its own generator seeded
//! from `(seed, block, stream key, purpose)`. Three things follow:
//!
//! - the answer does not depend on which thread runs which block, so any
//!   thread count gives the same bits;
//! - blocks `a..b` of a run can be computed on another machine and merged;
//! - adding, removing, reordering or re-parameterising one stream leaves
//!   every other stream's draws untouched, which is what makes sweep points
//!   and edited scenarios comparable (common random numbers).
//!
//! The generator is named (`Xoshiro256PlusPlus`) rather than `StdRng`, whose
//! algorithm may change between `rand` releases, and the key derivation below
//! uses only integer arithmetic fixed in this file: changing either changes
//! every reported number and must be noted in the CHANGELOG.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The one generator of the engine.
pub type Generator = Xoshiro256PlusPlus;

/// Paths per block. Part of the reproducibility contract: results depend on
/// it, thread counts do not.
pub const BLOCK_PATHS: usize = 1024;

/// A stable 64-bit key for a name (FNV-1a). `std`'s hasher is not promised
/// to stay the same across releases, so it cannot be used for seeds.
pub const fn key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// SplitMix64's finaliser: a bijection on u64 that spreads every input bit.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for one purpose of one stream in one block.
///
/// `stream` is the key of the stream's kind and id (for example
/// `key("client.tiktok_bytedance")`), `purpose` the key of what is drawn
/// (for example `key("churn")`).
pub fn generator(seed: u64, block: u64, stream: u64, purpose: u64) -> Generator {
    let mut state = mix(seed ^ 0x5265_7653_696d_0001);
    state = mix(state ^ block);
    state = mix(state ^ stream);
    state = mix(state ^ purpose);
    Generator::seed_from_u64(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn key_is_fnv1a() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(key("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(key("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn generators_differ_by_every_coordinate() {
        let base = generator(1, 2, 3, 4).next_u64();
        assert_ne!(base, generator(0, 2, 3, 4).next_u64());
        assert_ne!(base, generator(1, 3, 3, 4).next_u64());
        assert_ne!(base, generator(1, 2, 4, 4).next_u64());
        assert_ne!(base, generator(1, 2, 3, 5).next_u64());
        assert_eq!(base, generator(1, 2, 3, 4).next_u64());
    }
}
