//! A Finder backup folder's plists, binary or XML: Info.plist (the host's), Manifest.plist (the
//! device's, with its keybag and Manifest.db key) and Status.plist, read as an import or a
//! restore reads them.
//!
//! Invariants: each plist that parses writes binary bytes that parse again to the same plist,
//! and XML (when XML can hold it) that is a fixed point of reading and writing; Manifest.plist's
//! keybag and key parse or fail without a panic.

#![no_main]

use keepsake_mobilesync::{BackupPlist, InfoPlist, ManifestPlist, StatusPlist};
use libfuzzer_sys::fuzz_target;

fn round_trip<P: BackupPlist + std::fmt::Debug>(data: &[u8]) -> Option<P> {
    let plist = P::from_bytes(data).ok()?;
    let binary = plist.to_binary().expect("a parsed plist writes");
    let again = P::from_bytes(&binary).expect("a written plist parses");
    // Debug, not ==: a NaN among the keys kept as they are is equal to itself only when printed.
    assert_eq!(format!("{again:?}"), format!("{plist:?}"));
    // XML cannot hold everything binary can (a UID): then writing it is an error naming the file.
    let Ok(xml) = plist.to_xml() else {
        return Some(plist);
    };
    let from_xml = P::from_bytes(&xml).expect("a written XML plist parses");
    let rewritten = from_xml.to_xml().expect("it writes XML again");
    assert_eq!(
        String::from_utf8_lossy(&rewritten),
        String::from_utf8_lossy(&xml)
    );
    Some(plist)
}

fuzz_target!(|data: &[u8]| {
    let _ = round_trip::<InfoPlist>(data);
    if let Some(status) = round_trip::<StatusPlist>(data) {
        let _ = status.is_finished();
    }
    if let Some(manifest) = round_trip::<ManifestPlist>(data) {
        let _ = manifest.keybag();
        let _ = manifest.manifest_key();
    }
});
