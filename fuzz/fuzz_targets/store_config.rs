//! A snapshot repository's config file, `keepsake-repo.json` (format, version, id, chunking, how the master key is
//! kept: key slots or the OS credential store), read as opening a location reads it.
//!
//! Invariant: a config that loads writes JSON that loads to the same config.

#![no_main]

use keepsake_store::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = fuzzing::config(text) else {
        return;
    };
    let written = serde_json::to_string_pretty(&config).expect("a config serialises");
    let again = fuzzing::config(&written).expect("a written config loads");
    assert_eq!(
        serde_json::to_value(&again).expect("it serialises"),
        serde_json::to_value(&config).expect("it serialises")
    );
});
