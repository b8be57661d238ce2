//! A scenario file through parse and validation: any bytes are refused
//! with a message or accepted, never a panic. (`scenario_run` also runs
//! what is accepted, at a thousandth of the speed.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use revsim::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Scenario::parse(text, "fuzz.toml") {
        // Rendering the message walks the spans and snippets too.
        let _ = e.to_string();
    }
});
