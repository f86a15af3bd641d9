//! Who a device says it is: the lockdownd values a host may read before pairing.

use crate::Step;
use plist::{Dictionary, Value};
use serde::Serialize;

use crate::error::{DeviceError, Result};

/// A device's identity as lockdownd reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceIdentity {
    pub udid: String,
    pub name: String,
    /// `iPhone`, `iPad` or `iPod`.
    pub device_class: String,
    /// Apple's model identifier, e.g. `iPhone14,5`.
    pub product_type: String,
    /// The iOS version, e.g. `17.5.1`.
    pub product_version: String,
    pub build_version: String,
    pub serial_number: Option<String>,
    /// Lower-case `aa:bb:cc:dd:ee:ff`; matches the device's Wi-Fi (mDNS) announcements.
    pub wifi_address: Option<String>,
    /// Whether a passcode is set (and so iOS 16.1+ asks for it on every backup).
    pub passcode_protected: bool,
}

impl DeviceIdentity {
    /// Reads the identity out of lockdownd's root `GetValue` dictionary. `device` names the
    /// device in errors: its UDID as usbmuxd reported it, or the Wi-Fi MAC it was found by on
    /// the network; the device must answer to it.
    pub fn from_lockdown_values(device: &str, values: &Dictionary) -> Result<Self> {
        let text = |key: &'static str| -> Result<String> {
            match values.get(key) {
                Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => Ok(s.clone()),
                other => Err(DeviceError::Malformed {
                    device: device.to_owned(),
                    what: Step::Request("GetValue"),
                    detail: format!(
                        "{key} is {}",
                        other.map_or_else(|| "missing".into(), keepsake_devicelink::describe)
                    ),
                }),
            }
        };
        let optional = |key: &str| match values.get(key) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => Some(s.clone()),
            _ => None,
        };
        let udid = text("UniqueDeviceID")?;
        // A device found on Wi-Fi is known by its MAC until it says its UDID.
        let found_by_mac =
            optional("WiFiAddress").is_some_and(|mac| mac.eq_ignore_ascii_case(device));
        if udid != device && !found_by_mac {
            return Err(DeviceError::Malformed {
                device: device.to_owned(),
                what: Step::Request("GetValue"),
                detail: format!("it calls itself {udid}"),
            });
        }
        Ok(DeviceIdentity {
            udid,
            name: text("DeviceName")?,
            device_class: optional("DeviceClass").unwrap_or_else(|| "iPhone".to_owned()),
            product_type: text("ProductType")?,
            product_version: text("ProductVersion")?,
            build_version: optional("BuildVersion").unwrap_or_default(),
            serial_number: optional("SerialNumber"),
            wifi_address: optional("WiFiAddress").map(|m| m.to_ascii_lowercase()),
            passcode_protected: matches!(
                values.get("PasswordProtected"),
                Some(Value::Boolean(true))
            ),
        })
    }

    /// iOS 16.1 and later ask for the passcode on the device at the start of every backup.
    pub fn asks_passcode_for_backups(&self) -> bool {
        let mut parts = self
            .product_version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major, minor) >= (16, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(version: &str) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("UniqueDeviceID".into(), "00008110-000A1B2C3D4E5F60".into());
        d.insert("DeviceName".into(), "Ada's iPhone".into());
        d.insert("DeviceClass".into(), "iPhone".into());
        d.insert("ProductType".into(), "iPhone14,5".into());
        d.insert("ProductVersion".into(), version.into());
        d.insert("WiFiAddress".into(), "AA:BB:CC:DD:EE:FF".into());
        d.insert("PasswordProtected".into(), true.into());
        d
    }

    #[test]
    fn identity_reads_the_values_and_normalises_the_mac() {
        let id =
            DeviceIdentity::from_lockdown_values("00008110-000A1B2C3D4E5F60", &values("17.5.1"))
                .unwrap();
        assert_eq!(id.name, "Ada's iPhone");
        assert_eq!(id.wifi_address.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
        assert!(id.passcode_protected);
        assert!(id.asks_passcode_for_backups());
    }

    #[test]
    fn a_date_where_a_text_belongs_is_refused_with_words_not_a_panic() {
        // A device answering GetValue with a date outside the years 0 to 9999: plist's `Debug`
        // of it panics (as the devicelink_messages fuzz target found), so it is described.
        let mut d = values("17.5.1");
        let far = std::time::UNIX_EPOCH - std::time::Duration::from_secs(70_000_000_000);
        d.insert("UniqueDeviceID".into(), Value::Date(far.into()));
        let refused = DeviceIdentity::from_lockdown_values("00008110-000A1B2C3D4E5F60", &d)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("UniqueDeviceID is the date"), "{refused}");
    }

    #[test]
    fn passcode_step_starts_at_ios_16_1() {
        for (v, asks) in [
            ("16.0", false),
            ("16.0.3", false),
            ("16.1", true),
            ("16.1.1", true),
            ("17", true),
            ("9.3.5", false),
        ] {
            let id = DeviceIdentity::from_lockdown_values("00008110-000A1B2C3D4E5F60", &values(v))
                .unwrap();
            assert_eq!(id.asks_passcode_for_backups(), asks, "{v}");
        }
    }

    #[test]
    fn a_device_that_lies_about_its_udid_or_omits_its_name_is_refused() {
        let err = DeviceIdentity::from_lockdown_values("OTHER", &values("17.0")).unwrap_err();
        assert!(err.to_string().contains("calls itself"), "{err}");
        let mut v = values("17.0");
        v.remove("DeviceName");
        let err =
            DeviceIdentity::from_lockdown_values("00008110-000A1B2C3D4E5F60", &v).unwrap_err();
        assert!(err.to_string().contains("DeviceName"), "{err}");
        let mut v = values("17.0");
        v.insert("DeviceName".into(), "x".repeat(10_000).into());
        assert!(DeviceIdentity::from_lockdown_values("00008110-000A1B2C3D4E5F60", &v).is_err());
    }
}
