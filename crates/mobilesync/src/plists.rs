//! The three plists at the top of a backup folder, as typed structs: `Info.plist` (written by
//! the host), `Status.plist` and `Manifest.plist` (written by the device). Keys this crate does
//! not model are kept in `other`, so reading and rewriting a plist loses nothing.

use std::io::Cursor;
use std::time::{Duration, SystemTime};

use plist::{Data, Date, Dictionary, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::crypto::WrappedKey;
use crate::error::{Error, Result};
use crate::keybag::Keybag;

/// A plist this large at the top of a backup is not believable (Info.plist with app icons is
/// a few MB).
pub const MAX_PLIST_LEN: usize = 64 << 20;

/// `SnapshotState` of a complete backup; anything else was interrupted.
pub const SNAPSHOT_FINISHED: &str = "finished";

fn plist_error(what: &'static str) -> impl FnOnce(plist::Error) -> Error {
    move |source| Error::Plist { what, source }
}

/// The entries of `dict` that serializing `known` does not produce: the keys a struct does
/// not model. (serde's `flatten` would do this but turns dates into strings.)
fn unknown_entries<T: Serialize>(
    known: &T,
    dict: &Dictionary,
    what: &'static str,
) -> Result<Dictionary> {
    let known = plist::to_value(known).map_err(plist_error(what))?;
    let known = known.as_dictionary();
    Ok(dict
        .iter()
        .filter(|(key, _)| !known.is_some_and(|k| k.contains_key(key)))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect())
}

/// Adds `other`'s entries to `value` where it has no such key.
fn merge_entries(value: &mut Value, other: &Dictionary) {
    if let Some(dict) = value.as_dictionary_mut() {
        for (key, entry) in other {
            if !dict.contains_key(key) {
                dict.insert(key.clone(), entry.clone());
            }
        }
    }
}

/// Now, to the second: the precision plists written by Apple's tools have.
fn now() -> Date {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Date::from(SystemTime::UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs()))
}

/// Whether every date in `value` lies in the years 0 to 9999, the only ones plist can write as
/// text: its deserializer turns an ignored date into text and panics on any other (as the
/// finder_plists fuzz target found), and so does writing XML.
fn dates_writable(value: &Value) -> bool {
    // 0000-01-01 and 10000-01-01, in seconds from the Unix epoch.
    const FIRST: i64 = -62_167_219_200;
    const END: i64 = 253_402_300_800;
    match value {
        Value::Date(date) => {
            let secs = match SystemTime::from(*date).duration_since(SystemTime::UNIX_EPOCH) {
                Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| {
                    -s - i64::from(before.duration().subsec_nanos() > 0)
                }),
            };
            (FIRST..END).contains(&secs)
        }
        Value::Array(items) => items.iter().all(dates_writable),
        Value::Dictionary(dict) => dict.values().all(dates_writable),
        _ => true,
    }
}

fn truncate_dates(value: &mut Value) {
    match value {
        Value::Date(date) => {
            let time = SystemTime::from(*date);
            if let Ok(since_epoch) = time.duration_since(SystemTime::UNIX_EPOCH) {
                *date =
                    Date::from(SystemTime::UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs()));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(truncate_dates),
        Value::Dictionary(dict) => dict.values_mut().for_each(truncate_dates),
        _ => {}
    }
}

/// Parsing and writing shared by the three plists.
pub trait BackupPlist: Serialize + DeserializeOwned {
    /// File name in the backup folder.
    const FILE_NAME: &'static str;

    /// Top-level keys the struct does not model.
    fn other(&self) -> &Dictionary;
    fn other_mut(&mut self) -> &mut Dictionary;

    /// Keeps unknown keys of nested dictionaries too (Manifest.plist's `Lockdown`).
    #[doc(hidden)]
    fn absorb_nested(&mut self, _dict: &Dictionary) -> Result<()> {
        Ok(())
    }
    #[doc(hidden)]
    fn merge_nested(&self, _value: &mut Value) {}

    /// Parses XML or binary plist bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_PLIST_LEN {
            return Err(Error::TooLarge {
                what: Self::FILE_NAME,
                size: bytes.len() as u64,
                limit: MAX_PLIST_LEN as u64,
            });
        }
        let value = Value::from_reader(Cursor::new(bytes)).map_err(plist_error(Self::FILE_NAME))?;
        if !dates_writable(&value) {
            return Err(Error::PlistDate {
                what: Self::FILE_NAME,
            });
        }
        let mut parsed: Self = plist::from_value(&value).map_err(plist_error(Self::FILE_NAME))?;
        // A struct only deserializes from a dictionary, so this always matches.
        let Some(dict) = value.as_dictionary() else {
            return Ok(parsed);
        };
        *parsed.other_mut() = unknown_entries(&parsed, dict, Self::FILE_NAME)?;
        parsed.absorb_nested(dict)?;
        Ok(parsed)
    }

    /// The plist as a value, unknown keys included.
    fn to_value(&self) -> Result<Value> {
        let mut value = plist::to_value(self).map_err(plist_error(Self::FILE_NAME))?;
        merge_entries(&mut value, self.other());
        self.merge_nested(&mut value);
        Ok(value)
    }

    /// XML, the form hosts write `Info.plist` in. Dates are written to the second, as Apple's
    /// writer does: Python's plistlib (used by iOSbackup, mvt) rejects fractional seconds.
    fn to_xml(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut value = self.to_value()?;
        truncate_dates(&mut value);
        value
            .to_writer_xml(&mut out)
            .map_err(plist_error(Self::FILE_NAME))?;
        Ok(out)
    }

    /// Binary, the form devices send `Status.plist` and `Manifest.plist` in.
    fn to_binary(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.to_value()?
            .to_writer_binary(&mut out)
            .map_err(plist_error(Self::FILE_NAME))?;
        Ok(out)
    }
}

macro_rules! other_accessors {
    () => {
        fn other(&self) -> &Dictionary {
            &self.other
        }
        fn other_mut(&mut self) -> &mut Dictionary {
            &mut self.other
        }
    };
}

/// `Status.plist`: whether the snapshot is complete. Hosts must not trust a backup whose
/// `snapshot_state` is not [`SNAPSHOT_FINISHED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusPlist {
    #[serde(rename = "IsFullBackup", default)]
    pub is_full_backup: bool,
    #[serde(rename = "Version", default)]
    pub version: String,
    /// Uppercase dashed UUID, stable across the incrementals of one backup lineage.
    #[serde(rename = "UUID", default)]
    pub uuid: String,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(rename = "BackupState", default)]
    pub backup_state: String,
    #[serde(rename = "SnapshotState", default)]
    pub snapshot_state: String,
    #[serde(skip)]
    pub other: Dictionary,
}

impl BackupPlist for StatusPlist {
    const FILE_NAME: &'static str = "Status.plist";
    other_accessors!();
}

impl StatusPlist {
    /// The Status.plist of a completed snapshot made now.
    pub fn finished(uuid: impl Into<String>, is_full_backup: bool) -> StatusPlist {
        StatusPlist {
            is_full_backup,
            version: "3.3".into(),
            uuid: uuid.into(),
            date: Some(now()),
            backup_state: "new".into(),
            snapshot_state: SNAPSHOT_FINISHED.into(),
            other: Dictionary::new(),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.snapshot_state == SNAPSHOT_FINISHED
    }
}

/// `Manifest.plist` → `Lockdown`: the device's identity at backup time. iOSbackup fails when
/// any of the named keys is missing, so writers always fill them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Lockdown {
    #[serde(rename = "BuildVersion", default)]
    pub build_version: String,
    #[serde(rename = "DeviceName", default)]
    pub device_name: String,
    #[serde(rename = "ProductType", default)]
    pub product_type: String,
    #[serde(rename = "ProductVersion", default)]
    pub product_version: String,
    #[serde(rename = "SerialNumber", default)]
    pub serial_number: String,
    #[serde(rename = "UniqueDeviceID", default)]
    pub unique_device_id: String,
    /// The sub-dictionaries (`com.apple.international`, …) and anything else.
    #[serde(skip)]
    pub other: Dictionary,
}

/// `Manifest.plist`: the keybag, whether the backup is encrypted, and the device's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestPlist {
    /// The keybag TLV blob; present even in unencrypted backups.
    #[serde(
        rename = "BackupKeyBag",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub backup_key_bag: Option<Data>,
    /// A claim: also check Manifest.db's first bytes (see `BackupFolder::is_encrypted`).
    #[serde(rename = "IsEncrypted", default)]
    pub is_encrypted: bool,
    /// iOS ≥ 10.2 encrypted backups: Manifest.db's key, 44 bytes.
    #[serde(
        rename = "ManifestKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub manifest_key: Option<Data>,
    /// `"10.0"` for Manifest.db-era backups.
    #[serde(rename = "Version", default)]
    pub version: String,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(
        rename = "SystemDomainsVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub system_domains_version: Option<String>,
    #[serde(rename = "WasPasscodeSet", default)]
    pub was_passcode_set: bool,
    #[serde(rename = "Lockdown", default)]
    pub lockdown: Lockdown,
    /// bundle ID → {CFBundleIdentifier, CFBundleVersion, Path, ContainerContentClass, …}.
    #[serde(rename = "Applications", default)]
    pub applications: Dictionary,
    #[serde(skip)]
    pub other: Dictionary,
}

impl BackupPlist for ManifestPlist {
    const FILE_NAME: &'static str = "Manifest.plist";
    other_accessors!();

    fn absorb_nested(&mut self, dict: &Dictionary) -> Result<()> {
        if let Some(lockdown) = dict.get("Lockdown").and_then(Value::as_dictionary) {
            self.lockdown.other = unknown_entries(&self.lockdown, lockdown, Self::FILE_NAME)?;
        }
        Ok(())
    }

    fn merge_nested(&self, value: &mut Value) {
        if let Some(lockdown) = value
            .as_dictionary_mut()
            .and_then(|d| d.get_mut("Lockdown"))
        {
            merge_entries(lockdown, &self.lockdown.other);
        }
    }
}

impl ManifestPlist {
    /// A Manifest.db-era Manifest.plist made now, unencrypted until a writer sets the keys.
    pub fn new(lockdown: Lockdown) -> ManifestPlist {
        ManifestPlist {
            backup_key_bag: None,
            is_encrypted: false,
            manifest_key: None,
            version: "10.0".into(),
            date: Some(now()),
            system_domains_version: None,
            was_passcode_set: false,
            lockdown,
            applications: Dictionary::new(),
            other: Dictionary::new(),
        }
    }

    /// The parsed `BackupKeyBag`.
    pub fn keybag(&self) -> Result<Keybag> {
        let blob = self
            .backup_key_bag
            .as_ref()
            .ok_or(Error::MissingKeybagField(
                "BackupKeyBag (in Manifest.plist)",
            ))?;
        Keybag::parse(blob.as_ref())
    }

    /// The parsed `ManifestKey`, when present.
    pub fn manifest_key(&self) -> Result<Option<WrappedKey>> {
        self.manifest_key
            .as_ref()
            .map(|data| WrappedKey::from_bytes(data.as_ref(), "ManifestKey"))
            .transpose()
    }
}

/// `Info.plist`: written by the host (Finder, iTunes, idevicebackup2) from lockdown values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InfoPlist {
    #[serde(
        rename = "Applications",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub applications: Option<Dictionary>,
    #[serde(
        rename = "Build Version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub build_version: Option<String>,
    #[serde(
        rename = "Device Name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_name: Option<String>,
    #[serde(
        rename = "Display Name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    /// Random host-generated identifier.
    #[serde(rename = "GUID", default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(rename = "ICCID", default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    #[serde(rename = "IMEI", default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    #[serde(rename = "MEID", default, skip_serializing_if = "Option::is_none")]
    pub meid: Option<String>,
    #[serde(
        rename = "Phone Number",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<String>,
    #[serde(
        rename = "Installed Applications",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub installed_applications: Option<Vec<String>>,
    #[serde(
        rename = "Last Backup Date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_backup_date: Option<Date>,
    #[serde(
        rename = "Product Name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub product_name: Option<String>,
    #[serde(
        rename = "Product Type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub product_type: Option<String>,
    #[serde(
        rename = "Product Version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub product_version: Option<String>,
    #[serde(
        rename = "Serial Number",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub serial_number: Option<String>,
    #[serde(
        rename = "Target Identifier",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_identifier: Option<String>,
    /// `"Device"`.
    #[serde(
        rename = "Target Type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_type: Option<String>,
    /// The UDID, upper-cased.
    #[serde(
        rename = "Unique Identifier",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub unique_identifier: Option<String>,
    #[serde(
        rename = "iBooks Data 2",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ibooks_data_2: Option<Data>,
    #[serde(
        rename = "iTunes Files",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub itunes_files: Option<Dictionary>,
    #[serde(
        rename = "iTunes Settings",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub itunes_settings: Option<Dictionary>,
    #[serde(
        rename = "iTunes Version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub itunes_version: Option<String>,
    #[serde(skip)]
    pub other: Dictionary,
}

impl InfoPlist {
    /// The Info.plist a host writes for a device, from the identity the device reported (the
    /// keys idevicebackup2 fills from lockdown); `guid` identifies the host's backup.
    pub fn for_device(lockdown: &Lockdown, guid: impl Into<String>) -> InfoPlist {
        InfoPlist {
            build_version: Some(lockdown.build_version.clone()),
            device_name: Some(lockdown.device_name.clone()),
            display_name: Some(lockdown.device_name.clone()),
            guid: Some(guid.into()),
            last_backup_date: Some(now()),
            product_type: Some(lockdown.product_type.clone()),
            product_version: Some(lockdown.product_version.clone()),
            serial_number: Some(lockdown.serial_number.clone()),
            target_identifier: Some(lockdown.unique_device_id.clone()),
            target_type: Some("Device".into()),
            unique_identifier: Some(lockdown.unique_device_id.to_uppercase()),
            ..InfoPlist::default()
        }
    }
}

impl BackupPlist for InfoPlist {
    const FILE_NAME: &'static str = "Info.plist";
    other_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(secs: u64) -> Date {
        Date::from(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
    }

    fn manifest() -> ManifestPlist {
        let mut international = Dictionary::new();
        international.insert("Locale".into(), Value::String("en_US".into()));
        let mut lockdown_other = Dictionary::new();
        lockdown_other.insert(
            "com.apple.international".into(),
            Value::Dictionary(international),
        );
        lockdown_other.insert("ActivationDate".into(), Value::Date(date(1_500_000_000)));
        lockdown_other.insert("Blob".into(), Value::Data(vec![0, 1, 2]));
        let mut app = Dictionary::new();
        app.insert(
            "CFBundleIdentifier".into(),
            Value::String("com.example.notes".into()),
        );
        let mut applications = Dictionary::new();
        applications.insert("com.example.notes".into(), Value::Dictionary(app));
        let mut other = Dictionary::new();
        other.insert("SomethingNew".into(), Value::Date(date(1_600_000_000)));
        ManifestPlist {
            backup_key_bag: Some(Data::new(vec![1, 2, 3])),
            is_encrypted: true,
            manifest_key: Some(Data::new(vec![4; 44])),
            version: "10.0".into(),
            date: Some(date(1_700_000_000)),
            system_domains_version: Some("24.0".into()),
            was_passcode_set: true,
            lockdown: Lockdown {
                build_version: "21A329".into(),
                device_name: "Test iPhone".into(),
                product_type: "iPhone15,2".into(),
                product_version: "17.0".into(),
                serial_number: "F2LXXXXXXX".into(),
                unique_device_id: "00008030-001A2B3C4D5E6F70".into(),
                other: lockdown_other,
            },
            applications,
            other,
        }
    }

    #[test]
    fn manifest_plist_round_trips_binary_and_xml_keeping_unknown_keys() {
        let m = manifest();
        assert_eq!(
            ManifestPlist::from_bytes(&m.to_binary().unwrap()).unwrap(),
            m
        );
        let xml = m.to_xml().unwrap();
        assert_eq!(ManifestPlist::from_bytes(&xml).unwrap(), m);
        let text = String::from_utf8(xml).unwrap();
        for key in [
            "<key>BackupKeyBag</key>",
            "<key>UniqueDeviceID</key>",
            "<key>com.apple.international</key>",
            "<key>SomethingNew</key>",
        ] {
            assert!(text.contains(key), "{key}");
        }
        assert!(m.manifest_key().unwrap().is_some());
    }

    #[test]
    fn status_plist_round_trips_and_knows_when_it_is_finished() {
        let status = StatusPlist {
            is_full_backup: true,
            version: "3.3".into(),
            uuid: "01234567-89AB-CDEF-0123-456789ABCDEF".into(),
            date: Some(date(1_700_000_000)),
            backup_state: "new".into(),
            snapshot_state: SNAPSHOT_FINISHED.into(),
            other: Dictionary::new(),
        };
        let parsed = StatusPlist::from_bytes(&status.to_binary().unwrap()).unwrap();
        assert_eq!(parsed, status);
        assert!(parsed.is_finished());
        let interrupted = StatusPlist {
            snapshot_state: "uploading".into(),
            ..status
        };
        assert!(!interrupted.is_finished());
    }

    #[test]
    fn info_plist_uses_the_spaced_key_names_hosts_write() {
        let info = InfoPlist {
            device_name: Some("Test iPhone".into()),
            unique_identifier: Some("00008030-001A2B3C4D5E6F70".into()),
            target_type: Some("Device".into()),
            last_backup_date: Some(date(1_700_000_000)),
            installed_applications: Some(vec!["com.example.notes".into()]),
            ibooks_data_2: Some(Data::new(b"books".to_vec())),
            ..InfoPlist::default()
        };
        let xml = String::from_utf8(info.to_xml().unwrap()).unwrap();
        assert!(xml.contains("<key>Unique Identifier</key>"));
        assert!(xml.contains("<key>Last Backup Date</key>"));
        assert!(!xml.contains("IMEI"), "absent optional keys are omitted");
        assert_eq!(InfoPlist::from_bytes(xml.as_bytes()).unwrap(), info);
    }

    #[test]
    fn xml_dates_are_whole_seconds_as_apple_writes_them() {
        let precise = Date::from(SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_250));
        let mut other = Dictionary::new();
        other.insert("Nested".into(), Value::Array(vec![Value::Date(precise)]));
        let info = InfoPlist {
            last_backup_date: Some(precise),
            other,
            ..InfoPlist::default()
        };
        let xml = String::from_utf8(info.to_xml().unwrap()).unwrap();
        assert_eq!(
            xml.matches("<date>2023-11-14T22:13:20Z</date>").count(),
            2,
            "{xml}"
        );
        // Binary keeps full precision.
        let parsed = InfoPlist::from_bytes(&info.to_binary().unwrap()).unwrap();
        assert_eq!(parsed.last_backup_date, Some(precise));
    }

    #[test]
    fn info_plist_for_a_device_carries_its_identity() {
        let lockdown = manifest().lockdown;
        let info = InfoPlist::for_device(&lockdown, "GUID-1");
        assert_eq!(
            info.unique_identifier.as_deref(),
            Some("00008030-001A2B3C4D5E6F70")
        );
        assert_eq!(info.target_type.as_deref(), Some("Device"));
        assert_eq!(info.device_name.as_deref(), Some("Test iPhone"));
        assert!(info.last_backup_date.is_some());
    }

    #[test]
    fn random_and_mutated_plists_never_panic() {
        use rand::{Rng, SeedableRng};
        let valid = manifest().to_binary().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x706c);
        for _ in 0..5_000 {
            let mut b = valid.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
            if let Ok(m) = ManifestPlist::from_bytes(&b) {
                let _ = m.keybag();
                let _ = m.manifest_key();
            }
            let _ = StatusPlist::from_bytes(&b);
            let _ = InfoPlist::from_bytes(&b);
        }
    }

    #[test]
    fn a_date_outside_the_years_0_to_9999_is_an_error_naming_the_file_not_a_panic() {
        // Found by fuzz/fuzz_targets/finder_plists: a binary plist with such a date under a key
        // the struct ignores; plist's deserializer turned it into text and panicked.
        const FOUND: &[u8] = &[
            0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd6, 0x01, 0x02, 0x03, 0x04, 0x05,
            0x06, 0x07, 0x08, 0x03, 0x09, 0x0a, 0x0b, 0x5c, 0x48, 0x73, 0x46, 0x75, 0x6c, 0x6c,
            0x42, 0x61, 0x63, 0x6b, 0x75, 0x70, 0x57, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e,
            0x54, 0x44, 0x61, 0x74, 0x65, 0x54, 0x45, 0x61, 0x74, 0x65, 0x5b, 0x42, 0x61, 0x63,
            0x6b, 0x75, 0x70, 0x57, 0x74, 0x61, 0x74, 0x65, 0x5d, 0x53, 0x6e, 0x61, 0x70, 0x73,
            0x68, 0x6f, 0x74, 0x53, 0x74, 0x61, 0x74, 0x65, 0x09, 0x53, 0x33, 0x2e, 0x33, 0x33,
            0xc2, 0x3c, 0x5f, 0xf7, 0x43, 0x80, 0x00, 0x00, 0x53, 0x6e, 0x65, 0x77, 0x58, 0x66,
            0x69, 0x6e, 0x69, 0x73, 0x68, 0x65, 0x64, 0x08, 0x15, 0x22, 0x2a, 0x2f, 0x34, 0x40,
            0x4e, 0x4f, 0x53, 0x5c, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x69,
        ];
        let far = SystemTime::UNIX_EPOCH - Duration::from_secs(70_000_000_000);
        let mut dict = Dictionary::new();
        dict.insert("SnapshotState".into(), "finished".into());
        dict.insert("Date".into(), Value::Date(far.into()));
        let mut built = Vec::new();
        Value::Dictionary(dict)
            .to_writer_binary(&mut built)
            .unwrap();
        for bytes in [FOUND, &built] {
            for refused in [
                InfoPlist::from_bytes(bytes).err().map(|e| e.to_string()),
                StatusPlist::from_bytes(bytes).err().map(|e| e.to_string()),
                ManifestPlist::from_bytes(bytes)
                    .err()
                    .map(|e| e.to_string()),
            ] {
                let refused = refused.expect("refused");
                assert!(
                    refused.ends_with(".plist: a date outside the years 0 to 9999"),
                    "{refused}"
                );
            }
        }
    }

    #[test]
    fn wrong_types_and_garbage_are_errors_naming_the_file() {
        let err = StatusPlist::from_bytes(b"not a plist").unwrap_err();
        assert!(err.to_string().starts_with("Status.plist"), "{err}");
        let mut d = Dictionary::new();
        d.insert("IsEncrypted".into(), Value::String("yes".into()));
        let mut bytes = Vec::new();
        Value::Dictionary(d).to_writer_binary(&mut bytes).unwrap();
        assert!(ManifestPlist::from_bytes(&bytes).is_err());
    }
}
