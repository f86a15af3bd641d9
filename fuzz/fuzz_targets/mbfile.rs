//! MBFile, one file's record in Manifest.db: an NSKeyedArchiver binary plist (`$objects`,
//! `$top`, UIDs), read from a backup's or an import's Manifest.db.
//!
//! Invariant: a decoded record encodes, and that encoding decodes to the same record.

#![no_main]

use keepsake_mobilesync::MbFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = MbFile::decode(data) else {
        return;
    };
    let encoded = file.encode().expect("a decoded MBFile encodes");
    let again = MbFile::decode(&encoded).expect("an encoded MBFile decodes");
    assert_eq!(again, file);
});
