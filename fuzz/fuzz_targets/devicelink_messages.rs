//! DeviceLink messages as typed values: a plist (binary or XML, as a device or host sends it)
//! parsed as a device's message (what the host reads) and as a host's (what the virtual iPhone
//! reads).
//!
//! Invariants: a parsed message's own encoding parses back to the same message, and frames into
//! bytes that decode.

#![no_main]

use keepsake_devicelink::{self as dl, DeviceMessage, HostMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = plist::Value::from_reader(std::io::Cursor::new(data)) else {
        return;
    };
    if let Ok(message) = DeviceMessage::parse(&value) {
        let encoded = message.to_value();
        let again = DeviceMessage::parse(&encoded).expect("a device message's encoding parses");
        // Debug, not ==: a NaN inside a ProcessMessage is equal to itself only when printed.
        assert_eq!(format!("{again:?}"), format!("{message:?}"));
        assert_eq!(again.name(), message.name());
        if let DeviceMessage::ProcessMessage(dict) = &message {
            let _ = dl::outcome(dict);
        }
        if let Ok(framed) = dl::encode_message(&encoded) {
            dl::decode_message(&framed[4..]).expect("an encoded device message decodes");
        }
    }
    if let Ok(message) = HostMessage::parse(&value) {
        let encoded = message.to_value();
        let again = HostMessage::parse(&encoded).expect("a host message's encoding parses");
        assert_eq!(format!("{again:?}"), format!("{message:?}"));
        if let Ok(framed) = dl::encode_message(&encoded) {
            dl::decode_message(&framed[4..]).expect("an encoded host message decodes");
        }
    }
});
