//! A sweep file through parse and checks (its scenario paths are read
//! relative to the shipped sweeps' folder, so the shipped scenarios are
//! reachable as `../base.toml`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use revsim::sweep::Sweep;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folder = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/sweeps"));
    let _ = Sweep::parse(text, "fuzz.toml", folder);
});
