//! The backup keybag (Manifest.plist's `BackupKeyBag`): tag-length-value records, a header then
//! class blocks with wrapped class keys.
//!
//! Invariants: a parsed keybag writes bytes that parse to the same keybag; unlocking it with a
//! password key (the cheap path, no key derivation: its iteration counts come from the input)
//! either fails or gives class keys that every class can use.

#![no_main]

use keepsake_mobilesync::{Key, Keybag, PasswordKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(keybag) = Keybag::parse(data) else {
        return;
    };
    let bytes = keybag.to_bytes();
    let again = Keybag::parse(&bytes).expect("a written keybag parses");
    assert_eq!(again, keybag);
    let key = PasswordKey(Key::from_bytes([0x5a; 32]));
    if let Ok(keys) = keybag.unlock_with_key(&key) {
        for class in keys.classes().collect::<Vec<_>>() {
            let (file_key, wrapped) = keys.new_file_key(class).expect("a class key wraps");
            assert_eq!(
                keys.unwrap(&wrapped).expect("its own wrapping unwraps"),
                file_key
            );
        }
    }
});
