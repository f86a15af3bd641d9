//! Apple devices on the USB bus, seen directly with libusb hot-plug. This is how Keepsake can
//! say "an iPhone is plugged in but usbmuxd does not see it" instead of showing nothing.

use serde::Serialize;

/// Apple's USB vendor id.
pub const APPLE_VENDOR_ID: u16 = 0x05ac;

/// Whether a USB product id is an iPhone, iPad or iPod touch in its normal (not recovery) mode.
pub fn is_ios_device(vendor_id: u16, product_id: u16) -> bool {
    vendor_id == APPLE_VENDOR_ID && (0x1290..=0x12af).contains(&product_id)
}

/// A device on the bus, with the serial number its descriptor carries (the UDID without its dash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsbSighting {
    pub bus: u8,
    pub address: u8,
    pub product_id: u16,
    pub serial: Option<String>,
}

impl UsbSighting {
    /// Whether this is the device usbmuxd calls `udid`.
    pub fn is(&self, udid: &str) -> bool {
        self.serial
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&udid.replace('-', "")))
    }
}

/// The iOS devices on the bus now. Serial numbers need read access to the device node; without
/// it (no udev rule) the device is still reported, with `serial: None`.
pub fn scan() -> Result<Vec<UsbSighting>, rusb::Error> {
    let mut found = Vec::new();
    for device in rusb::devices()?.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        if !is_ios_device(desc.vendor_id(), desc.product_id()) {
            continue;
        }
        let serial = device
            .open()
            .ok()
            .and_then(|handle| handle.read_serial_number_string_ascii(&desc).ok());
        found.push(UsbSighting {
            bus: device.bus_number(),
            address: device.address(),
            product_id: desc.product_id(),
            serial,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ios_devices_by_vendor_and_product() {
        assert!(is_ios_device(0x05ac, 0x12a8)); // iPhone
        assert!(is_ios_device(0x05ac, 0x12ab)); // iPad
        assert!(!is_ios_device(0x05ac, 0x1281)); // recovery mode
        assert!(!is_ios_device(0x05ac, 0x8406)); // a card reader
        assert!(!is_ios_device(0x18d1, 0x12a8));
    }

    #[test]
    fn usb_serial_matches_the_udid_with_or_without_dash() {
        let s = UsbSighting {
            bus: 1,
            address: 4,
            product_id: 0x12a8,
            serial: Some("00008110000A1B2C3D4E5F60".into()),
        };
        assert!(s.is("00008110-000A1B2C3D4E5F60"));
        assert!(s.is("00008110000a1b2c3d4e5f60"));
        assert!(!s.is("00008110-000A1B2C3D4E5F61"));
        assert!(!UsbSighting { serial: None, ..s }.is("00008110-000A1B2C3D4E5F60"));
    }

    #[test]
    fn scanning_the_bus_works_without_devices() {
        // This machine has no iPhone: the scan must succeed and find none, not fail.
        let found = scan().expect("libusb can enumerate the bus");
        assert!(found
            .iter()
            .all(|d| is_ios_device(APPLE_VENDOR_ID, d.product_id)));
    }
}
