//! Who a device says it is: lockdownd's root GetValue dictionary (a plist, binary or XML, as it
//! arrives before any pairing) read by `DeviceIdentity::from_lockdown_values`, for a device known
//! by its UDID (USB) and for one known only by its Wi-Fi MAC.
//!
//! Invariants: an identity is only ever accepted for the device asked about (its UDID, or the MAC
//! it was found by); its required texts are non-empty and bounded; the MAC is lower case.

#![no_main]

use keepsake_device::DeviceIdentity;
use libfuzzer_sys::fuzz_target;
use plist::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = Value::from_reader(std::io::Cursor::new(data)) else {
        return;
    };
    let Some(values) = value.as_dictionary() else {
        return;
    };
    let said = |key: &str| values.get(key).and_then(Value::as_string);
    let asked = [
        said("UniqueDeviceID").unwrap_or("00008110-000A1B2C3D4E5F60"),
        said("WiFiAddress").unwrap_or("aa:bb:cc:dd:ee:ff"),
        "00008110-000A1B2C3D4E5F60",
    ];
    for device in asked {
        let Ok(id) = DeviceIdentity::from_lockdown_values(device, values) else {
            continue;
        };
        let by_mac = id
            .wifi_address
            .as_deref()
            .is_some_and(|mac| mac.eq_ignore_ascii_case(device));
        assert!(
            id.udid == device || by_mac,
            "{id:?} accepted for {device:?}"
        );
        for text in [&id.udid, &id.name, &id.product_type, &id.product_version] {
            assert!(!text.is_empty() && text.len() <= 256, "{text:?}");
        }
        if let Some(mac) = &id.wifi_address {
            assert_eq!(*mac, mac.to_ascii_lowercase());
        }
        let _ = id.asks_passcode_for_backups();
        serde_json::to_string(&id).expect("an identity serialises");
    }
});
