//! One virtual iPhone: its identity (what lockdownd reports), its RSA key, the hosts it trusts,
//! the trust prompt, and the device ports a host can reach through usbmux.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicIsize, AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use plist::{Dictionary, Value};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::RsaPrivateKey;
use tokio::sync::broadcast;

use crate::backup_state::{BackupOptions, DeviceBackup};
use crate::error::{Error, Result};
use crate::lockdown::codec::HostPairRecord;
use crate::services::{PendingService, ServiceRegistry};
use crate::state_dir::{self, StateDir};

/// What the phone says about itself. `catalog(i)` gives distinct, plausible phones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProfile {
    pub udid: String,
    pub name: String,
    /// e.g. "iPhone15,2"
    pub product_type: String,
    pub product_version: String,
    pub build_version: String,
    /// e.g. "D73AP"
    pub hardware_model: String,
    pub hardware_platform: String,
    pub serial_number: String,
    pub unique_chip_id: u64,
    pub chip_id: u64,
    /// The Wi-Fi MAC, `aa:bb:cc:dd:ee:ff` (lockdown `WiFiAddress`).
    pub wifi_address: String,
    pub bluetooth_address: String,
    pub imei: String,
    pub phone_number: String,
    /// USB product id reported by usbmuxd (0x12a8 for every iPhone since the 5).
    pub usb_product_id: u16,
    /// Whether backups are encrypted on the device (`com.apple.mobile.backup` WillEncrypt).
    pub will_encrypt: bool,
    /// Offer TLS 1.3 besides 1.2. Off by default: devices have been seen negotiating TLS 1.2, and
    /// a host that only works over 1.3 must not pass against the emulator.
    pub tls13: bool,
    /// The content on the phone and how its backups behave (encryption cost, passcode prompt).
    pub backup: BackupOptions,
    /// An impostor: another machine posing as this phone (its UDID, its MAC, the certificate
    /// its hosts know, which is no secret) without its private key: it signs with a key of its
    /// own, made at each start, and accepts any host.
    pub impostor: bool,
    /// "Private Wi-Fi Address" (on by default since iOS 14): on the network the phone uses a
    /// random MAC of its own for each network (here: each start), not `wifi_address`, so a host
    /// cannot recognise its announcement by the MAC in the pair record.
    pub private_wifi_address: bool,
    /// Its Wi-Fi announcement carries `identifier` and an `authTag` per host that turned on
    /// Wi-Fi connections (current iOS); off, as older iOS, it carries no TXT records.
    pub auth_tags: bool,
}

impl DeviceProfile {
    /// A deterministic phone for index `i`: models and iOS versions cycle, identifiers differ.
    pub fn catalog(i: usize) -> Self {
        // (ProductType, HardwareModel, platform, ChipID, iOS, build, marketing name)
        const MODELS: [(&str, &str, &str, u64, &str, &str, &str); 4] = [
            (
                "iPhone15,2",
                "D73AP",
                "t8120",
                0x8120,
                "17.5.1",
                "21F90",
                "iPhone 14 Pro",
            ),
            (
                "iPhone14,5",
                "D17AP",
                "t8110",
                0x8110,
                "16.7.8",
                "20H343",
                "iPhone 13",
            ),
            (
                "iPhone16,1",
                "D83AP",
                "t8130",
                0x8130,
                "18.1",
                "22B83",
                "iPhone 15 Pro",
            ),
            (
                "iPhone12,1",
                "N104AP",
                "t8030",
                0x8030,
                "15.8.2",
                "19H384",
                "iPhone 11",
            ),
        ];
        const OWNERS: [&str; 6] = ["Alice", "Bob", "Chloé", "David", "Emma", "Farid"];
        let (product_type, model, platform, chip, version, build, marketing) =
            MODELS[i % MODELS.len()];
        let n = i as u64 + 1;
        let ecid = 0x001A_2B3C_0000_0000u64 | (n.wrapping_mul(0x9E37_79B9) & 0xFFFF_FFFF);
        let mac = |prefix: u8| {
            let b = n.wrapping_mul(0x0101_0101_0101) ^ 0x5A3C_1E00;
            format!(
                "{prefix:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                b >> 32 & 0xff,
                b >> 24 & 0xff,
                b >> 16 & 0xff,
                b >> 8 & 0xff,
                b & 0xff
            )
        };
        DeviceProfile {
            udid: format!("{chip:08X}-{ecid:016X}"),
            name: format!("{}’s {marketing}", OWNERS[i % OWNERS.len()]),
            product_type: product_type.into(),
            product_version: version.into(),
            build_version: build.into(),
            hardware_model: model.into(),
            hardware_platform: platform.into(),
            serial_number: format!("KS{:010}", n * 7_919),
            unique_chip_id: ecid,
            chip_id: chip,
            wifi_address: mac(0xa4),
            bluetooth_address: mac(0xa6),
            imei: format!("35{:013}", n * 104_729),
            phone_number: format!("+33 6 12 34 {:02} {:02}", n % 100, (n * 7) % 100),
            usb_product_id: 0x12a8,
            will_encrypt: false,
            tls13: false,
            backup: BackupOptions::catalog(i),
            impostor: false,
            private_wifi_address: true,
            auth_tags: true,
        }
    }
}

/// How the "Trust This Computer?" dialog answers a `Pair` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustPrompt {
    /// The user taps Trust at once.
    #[default]
    Accept,
    /// The user taps Don't Trust: `UserDeniedPairing`.
    Refuse,
    /// The dialog stays on screen: `PairingDialogResponsePending` until changed.
    Wait,
}

/// A host the device has paired with, as the device remembers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    pub record: HostPairRecord,
    pub escrow_bag: Vec<u8>,
    /// The host turned on Wi-Fi connections (`com.apple.mobile.wireless_lockdown`
    /// `EnableWifiConnections`, Finder's "Show this iPhone when on Wi-Fi"): the phone announces
    /// itself on the network for it.
    pub wifi_connections: bool,
}

pub struct VirtualDevice {
    pub profile: DeviceProfile,
    /// usbmuxd's handle for the device; nonzero (libusbmuxd ends its list at handle 0).
    pub device_id: u32,
    key: RsaPrivateKey,
    public_key_pem: String,
    pub(crate) services: Arc<ServiceRegistry>,
    pairings: Mutex<BTreeMap<String, Pairing>>,
    trust: Mutex<TrustPrompt>,
    /// Values hosts set with SetValue, by domain ("" for the root).
    values: Mutex<BTreeMap<String, Dictionary>>,
    ports: Mutex<HashMap<u16, PendingService>>,
    next_port: AtomicU16,
    /// Darwin notifications posted on the device, by hosts or by the device itself.
    notifications: broadcast::Sender<String>,
    observers: AtomicIsize,
    state: StateDir,
    backup: DeviceBackup,
    /// Where lockdownd answers over Wi-Fi, once the device is on the network.
    wifi: OnceLock<SocketAddr>,
    /// The MAC it shows on the network: `profile.wifi_address`, or a private one.
    network_mac: String,
    /// The `identifier` of its Wi-Fi announcement, which the auth tags are computed over.
    network_identifier: String,
    /// Bumped whenever what the phone announces on Wi-Fi changes (a host turned Wi-Fi
    /// connections on or off, a pairing came or went).
    announcement: tokio::sync::watch::Sender<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not wedge the device; the data stays consistent per operation.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl VirtualDevice {
    pub fn open(
        profile: DeviceProfile,
        device_id: u32,
        state: &StateDir,
        services: Arc<ServiceRegistry>,
        trust: TrustPrompt,
    ) -> Result<Self> {
        let dir = state.device_dir(&profile.udid);
        let key_path = dir.join("device_key.pem");
        let key = match state_dir::read_optional(&key_path)? {
            // Not the phone's key, whatever it is (and nothing of the phone's is overwritten).
            _ if profile.impostor => RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
                .map_err(|e| Error::Key(e.to_string()))?,
            Some(pem) => {
                let pem = String::from_utf8(pem)
                    .map_err(|_| Error::Key("device key is not UTF-8".into()))?;
                RsaPrivateKey::from_pkcs1_pem(&pem).map_err(|e| Error::Key(e.to_string()))?
            }
            None => {
                // Generated once per phone and kept: the key is the phone's identity to its hosts.
                let key = RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
                    .map_err(|e| Error::Key(e.to_string()))?;
                let pem = key
                    .to_pkcs1_pem(LineEnding::LF)
                    .map_err(|e| Error::Key(e.to_string()))?;
                state_dir::write_atomic(&key_path, pem.as_bytes())?;
                key
            }
        };
        let public_key_pem = key
            .to_public_key()
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| Error::Key(e.to_string()))?;
        let pairings = match state_dir::read_optional(&dir.join("pairings.plist"))? {
            Some(bytes) => decode_pairings(&bytes)?,
            None => BTreeMap::new(),
        };
        // What hosts set with SetValue (a new DeviceName, Wi-Fi sync) survives a restart.
        let values = match state_dir::read_optional(&dir.join("values.plist"))? {
            Some(bytes) => decode_values(&bytes)?,
            None => BTreeMap::new(),
        };
        let backup = DeviceBackup::open(dir.join("backup"), profile.backup.clone())
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let profile_private_mac = profile.private_wifi_address;
        let profile_mac = profile.wifi_address.clone();
        Ok(VirtualDevice {
            backup,
            profile,
            device_id,
            key,
            public_key_pem,
            services,
            pairings: Mutex::new(pairings),
            trust: Mutex::new(trust),
            values: Mutex::new(values),
            ports: Mutex::new(HashMap::new()),
            notifications: broadcast::channel(64).0,
            observers: AtomicIsize::new(0),
            next_port: AtomicU16::new(49152 + (device_id as u16 % 64) * 100),
            state: state.clone(),
            wifi: OnceLock::new(),
            network_mac: if profile_private_mac {
                private_mac()
            } else {
                profile_mac
            },
            network_identifier: state_dir::random_uuid(),
            announcement: tokio::sync::watch::channel(0).0,
        })
    }

    pub fn udid(&self) -> &str {
        &self.profile.udid
    }

    /// Where a host reaches lockdownd over Wi-Fi (plain TCP, then the same protocol as through
    /// usbmux); `None` when the emulator runs without Wi-Fi. Not the MAC, which is
    /// `profile.wifi_address`.
    pub fn wifi_address(&self) -> Option<SocketAddr> {
        self.wifi.get().copied()
    }

    pub(crate) fn set_wifi_address(&self, address: SocketAddr) {
        let _ = self.wifi.set(address);
    }

    /// Content, backup encryption and passcode prompt (the mobilebackup2 side of the phone).
    pub fn backup(&self) -> &DeviceBackup {
        &self.backup
    }

    pub fn trust_prompt(&self) -> TrustPrompt {
        *lock(&self.trust)
    }

    pub fn set_trust_prompt(&self, prompt: TrustPrompt) {
        *lock(&self.trust) = prompt;
    }

    /// The private key in PKCS#1 DER, for the TLS server.
    pub(crate) fn key_pkcs1_der(&self) -> Result<Vec<u8>> {
        Ok(self
            .key
            .to_pkcs1_der()
            .map_err(|e| Error::Key(e.to_string()))?
            .as_bytes()
            .to_vec())
    }

    pub fn pairing(&self, host_id: &str) -> Option<Pairing> {
        lock(&self.pairings).get(host_id).cloned()
    }

    pub fn paired_hosts(&self) -> Vec<String> {
        lock(&self.pairings).keys().cloned().collect()
    }

    /// Trusts a host (the user tapped Trust) and returns the escrow bag it gets.
    pub fn add_pairing(&self, record: HostPairRecord) -> Result<Vec<u8>> {
        let mut pairings = lock(&self.pairings);
        let escrow_bag = escrow_bag();
        pairings.insert(
            record.host_id.clone(),
            Pairing {
                record,
                escrow_bag: escrow_bag.clone(),
                wifi_connections: false,
            },
        );
        self.save_pairings(&pairings)?;
        self.announcement.send_modify(|n| *n += 1);
        Ok(escrow_bag)
    }

    pub fn remove_pairing(&self, host_id: &str) -> Result<bool> {
        let mut pairings = lock(&self.pairings);
        let removed = pairings.remove(host_id).is_some();
        self.save_pairings(&pairings)?;
        self.announcement.send_modify(|n| *n += 1);
        Ok(removed)
    }

    /// Turns Wi-Fi connections on or off for a paired host (SetValue in its session).
    /// `false`: no such pairing.
    pub fn set_wifi_connections(&self, host_id: &str, enabled: bool) -> Result<bool> {
        let mut pairings = lock(&self.pairings);
        let Some(pairing) = pairings.get_mut(host_id) else {
            return Ok(false);
        };
        pairing.wifi_connections = enabled;
        self.save_pairings(&pairings)?;
        self.announcement.send_modify(|n| *n += 1);
        Ok(true)
    }

    /// The hosts it announces itself to on Wi-Fi (they turned Wi-Fi connections on).
    pub fn wifi_hosts(&self) -> Vec<String> {
        lock(&self.pairings)
            .values()
            .filter(|p| p.wifi_connections)
            .map(|p| p.record.host_id.clone())
            .collect()
    }

    /// The MAC the phone shows on the network (a private one unless the profile says not).
    pub fn network_mac(&self) -> &str {
        &self.network_mac
    }

    /// The `identifier` TXT record of its Wi-Fi announcement.
    pub fn network_identifier(&self) -> &str {
        &self.network_identifier
    }

    /// Changes whenever what it announces on Wi-Fi may have changed.
    pub(crate) fn announcement_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.announcement.subscribe()
    }

    fn save_pairings(&self, pairings: &BTreeMap<String, Pairing>) -> Result<()> {
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &encode_pairings(pairings))?;
        state_dir::write_atomic(
            &self.state.device_dir(self.udid()).join("pairings.plist"),
            &out,
        )
    }

    /// The root lockdown dictionary: everything `GetValue` without a domain returns in a session.
    pub fn root_values(&self) -> Dictionary {
        let p = &self.profile;
        let mut d = Dictionary::new();
        let mut put = |k: &str, v: Value| {
            d.insert(k.to_owned(), v);
        };
        put("ActivationState", "Activated".into());
        put("BasebandVersion", "2.60.02".into());
        put("BluetoothAddress", p.bluetooth_address.as_str().into());
        put("BoardId", 12u64.into());
        put("BuildVersion", p.build_version.as_str().into());
        put("CPUArchitecture", "arm64e".into());
        put("ChipID", p.chip_id.into());
        put("DeviceClass", "iPhone".into());
        put("DeviceColor", "1".into());
        put("DeviceName", p.name.as_str().into());
        put(
            "DevicePublicKey",
            Value::Data(self.public_key_pem.as_bytes().to_vec()),
        );
        put("FirmwareVersion", "iBoot-10151.122.1".into());
        put("HardwareModel", p.hardware_model.as_str().into());
        put("HardwarePlatform", p.hardware_platform.as_str().into());
        put("HostAttached", true.into());
        put(
            "InternationalMobileEquipmentIdentity",
            p.imei.as_str().into(),
        );
        put("ModelNumber", "MQ0T3".into());
        put("PasswordProtected", true.into());
        put("PhoneNumber", p.phone_number.as_str().into());
        put("ProductName", "iPhone OS".into());
        put("ProductType", p.product_type.as_str().into());
        put("ProductVersion", p.product_version.as_str().into());
        put("ProtocolVersion", "2".into());
        put("RegionInfo", "ZD/A".into());
        put("SerialNumber", p.serial_number.as_str().into());
        put("TelephonyCapability", true.into());
        put("TimeZone", "Europe/Paris".into());
        put("TimeZoneOffsetFromUTC", Value::Real(3600.0));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        put("TimeIntervalSince1970", Value::Real(now.as_secs_f64()));
        put("UniqueChipID", p.unique_chip_id.into());
        put("UniqueDeviceID", p.udid.as_str().into());
        put("WiFiAddress", p.wifi_address.as_str().into());
        self.overlay("", d)
    }

    /// The root values a host may read before it has a session (and before pairing).
    pub fn public_values(&self) -> Dictionary {
        const PUBLIC: [&str; 22] = [
            "ActivationState",
            "BasebandVersion",
            "BluetoothAddress",
            "BoardId",
            "BuildVersion",
            "CPUArchitecture",
            "ChipID",
            "DeviceClass",
            "DeviceColor",
            "DeviceName",
            "DevicePublicKey",
            "FirmwareVersion",
            "HardwareModel",
            "HardwarePlatform",
            "PasswordProtected",
            "ProductName",
            "ProductType",
            "ProductVersion",
            "ProtocolVersion",
            "SerialNumber",
            "UniqueChipID",
            "UniqueDeviceID",
        ];
        let mut all = self.root_values();
        let mut d = Dictionary::new();
        for k in PUBLIC
            .iter()
            .chain(["TimeZone", "WiFiAddress", "TelephonyCapability"].iter())
        {
            if let Some(v) = all.remove(k) {
                d.insert((*k).to_owned(), v);
            }
        }
        d
    }

    /// A lockdown domain's values, `None` for a domain this phone does not have.
    pub fn domain_values(&self, domain: &str) -> Option<Dictionary> {
        let mut d = Dictionary::new();
        match domain {
            "com.apple.mobile.backup" => {
                d.insert("CloudBackupEnabled".into(), false.into());
                d.insert("RequiresEncrypt".into(), false.into());
                d.insert("WillEncrypt".into(), self.backup.will_encrypt().into());
            }
            "com.apple.mobile.iTunes" => {
                d.insert("MinITunesVersion".into(), "12.5.5".into());
                d.insert("MinMacOSVersion".into(), "10.12.0".into());
            }
            "com.apple.iTunes" => {}
            "com.apple.mobile.wireless_lockdown" => {
                d.insert("EnableWifiConnections".into(), false.into());
            }
            "com.apple.mobile.battery" => {
                d.insert("BatteryCurrentCapacity".into(), 87u64.into());
                d.insert("BatteryIsCharging".into(), true.into());
                d.insert("ExternalChargeCapable".into(), true.into());
                d.insert("ExternalConnected".into(), true.into());
                d.insert("FullyCharged".into(), false.into());
            }
            "com.apple.disk_usage" => {
                // The data in use is the generated content plus a quarter for the apps
                // themselves (which backups leave out), so hosts can estimate a first backup.
                const CAPACITY: u64 = 113_000_000_000;
                let used = self.backup().options().content.target_bytes / 4 * 5;
                let available = CAPACITY.saturating_sub(used);
                d.insert("TotalDiskCapacity".into(), 128_000_000_000u64.into());
                d.insert("TotalDataCapacity".into(), CAPACITY.into());
                d.insert("TotalDataAvailable".into(), available.into());
                d.insert("AmountDataAvailable".into(), available.into());
            }
            "com.apple.international" => {
                d.insert("Language".into(), "fr".into());
                d.insert("Locale".into(), "fr_FR".into());
            }
            _ if lock(&self.values).contains_key(domain) => {}
            _ => return None,
        }
        Some(self.overlay(domain, d))
    }

    fn overlay(&self, domain: &str, mut d: Dictionary) -> Dictionary {
        if let Some(set) = lock(&self.values).get(domain) {
            for (k, v) in set {
                d.insert(k.clone(), v.clone());
            }
        }
        d
    }

    pub fn set_value(&self, domain: Option<&str>, key: &str, value: Value) -> Result<()> {
        let mut values = lock(&self.values);
        values
            .entry(domain.unwrap_or_default().to_owned())
            .or_default()
            .insert(key.to_owned(), value);
        self.save_values(&values)
    }

    pub fn remove_value(&self, domain: Option<&str>, key: &str) -> Result<bool> {
        let mut values = lock(&self.values);
        let removed = values
            .get_mut(domain.unwrap_or_default())
            .is_some_and(|d| d.remove(key).is_some());
        self.save_values(&values)?;
        Ok(removed)
    }

    fn save_values(&self, values: &BTreeMap<String, Dictionary>) -> Result<()> {
        let all: Dictionary = values
            .iter()
            .map(|(k, v)| (k.clone(), Value::Dictionary(v.clone())))
            .collect();
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &Value::Dictionary(all))?;
        state_dir::write_atomic(
            &self.state.device_dir(self.udid()).join("values.plist"),
            &out,
        )
    }

    /// Posts a Darwin notification; notification_proxy relays it to hosts observing the name.
    pub fn post_notification(&self, name: &str) {
        // Nobody listening is normal.
        let _ = self.notifications.send(name.to_owned());
    }

    /// Every notification posted from now on.
    pub fn notifications(&self) -> broadcast::Receiver<String> {
        self.notifications.subscribe()
    }

    /// How many (connection, name) observations hosts hold right now.
    pub fn observer_count(&self) -> usize {
        self.observers.load(Ordering::SeqCst).max(0) as usize
    }

    pub(crate) fn count_observer(&self, delta: isize) {
        self.observers.fetch_add(delta, Ordering::SeqCst);
    }

    /// Opens a service port that the next usbmux `Connect` to it will reach.
    pub(crate) fn open_port(&self, pending: PendingService) -> u16 {
        let mut ports = lock(&self.ports);
        loop {
            let port = self.next_port.fetch_add(1, Ordering::Relaxed);
            if port >= 49152
                && port != crate::lockdown::codec::LOCKDOWN_PORT
                && !ports.contains_key(&port)
            {
                ports.insert(port, pending);
                return port;
            }
            if port < 49152 {
                self.next_port.store(49152, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn take_port(&self, port: u16) -> Option<PendingService> {
        lock(&self.ports).remove(&port)
    }
}

/// Real escrow bags are keybags of about a kilobyte; the host only stores and returns it.
fn escrow_bag() -> Vec<u8> {
    let mut bag = b"VERS\0\0\0\x04\0\0\0\x04TYPE\0\0\0\x04\0\0\0\x02UUID\0\0\0\x10".to_vec();
    bag.extend(state_dir::random_bytes(16));
    bag.extend_from_slice(b"HMCK\0\0\0\x28");
    bag.extend(state_dir::random_bytes(40));
    bag
}

fn decode_values(bytes: &[u8]) -> Result<BTreeMap<String, Dictionary>> {
    let value = Value::from_reader(std::io::Cursor::new(bytes))?;
    let dict = value
        .into_dictionary()
        .ok_or_else(|| Error::protocol("values.plist is not a dictionary"))?;
    Ok(dict
        .into_iter()
        .filter_map(|(k, v)| v.into_dictionary().map(|d| (k, d)))
        .collect())
}

/// A random MAC as iOS makes for "Private Wi-Fi Address": locally administered, unicast.
fn private_mac() -> String {
    let mut b = [0u8; 6];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b[0] = (b[0] | 0x02) & !0x01;
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn encode_pairings(pairings: &BTreeMap<String, Pairing>) -> Value {
    let mut out = Dictionary::new();
    for (host_id, p) in pairings {
        let mut d = Dictionary::new();
        d.insert("HostID".into(), p.record.host_id.as_str().into());
        d.insert("SystemBUID".into(), p.record.system_buid.as_str().into());
        d.insert(
            "DeviceCertificate".into(),
            Value::Data(p.record.device_certificate.clone()),
        );
        d.insert(
            "HostCertificate".into(),
            Value::Data(p.record.host_certificate.clone()),
        );
        d.insert(
            "RootCertificate".into(),
            Value::Data(p.record.root_certificate.clone()),
        );
        d.insert("EscrowBag".into(), Value::Data(p.escrow_bag.clone()));
        d.insert("EnableWifiConnections".into(), p.wifi_connections.into());
        out.insert(host_id.clone(), Value::Dictionary(d));
    }
    Value::Dictionary(out)
}

fn decode_pairings(bytes: &[u8]) -> Result<BTreeMap<String, Pairing>> {
    let value = Value::from_reader(std::io::Cursor::new(bytes))?;
    let dict = value
        .as_dictionary()
        .ok_or_else(|| Error::protocol("pairings.plist is not a dictionary"))?;
    let mut out = BTreeMap::new();
    for (host_id, v) in dict {
        let d = v
            .as_dictionary()
            .ok_or_else(|| Error::protocol("pairing is not a dictionary"))?;
        let data = |k: &str| {
            d.get(k)
                .and_then(Value::as_data)
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        };
        let text = |k: &str| {
            d.get(k)
                .and_then(Value::as_string)
                .unwrap_or_default()
                .to_owned()
        };
        let record = HostPairRecord {
            host_id: text("HostID"),
            system_buid: text("SystemBUID"),
            device_certificate: data("DeviceCertificate"),
            host_certificate: data("HostCertificate"),
            root_certificate: data("RootCertificate"),
        };
        out.insert(
            host_id.clone(),
            Pairing {
                record,
                escrow_bag: data("EscrowBag"),
                wifi_connections: d
                    .get("EnableWifiConnections")
                    .and_then(Value::as_boolean)
                    .unwrap_or(false),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_phones_are_distinct_and_udids_have_the_modern_shape() {
        let phones: Vec<_> = (0..6).map(DeviceProfile::catalog).collect();
        for (i, a) in phones.iter().enumerate() {
            assert_eq!(a.udid.len(), 25, "{}", a.udid);
            assert_eq!(&a.udid[8..9], "-");
            for b in &phones[i + 1..] {
                assert_ne!(a.udid, b.udid);
                assert_ne!(a.serial_number, b.serial_number);
                assert_ne!(a.wifi_address, b.wifi_address);
            }
        }
        assert_ne!(phones[0].product_type, phones[1].product_type);
        assert_ne!(phones[0].product_version, phones[1].product_version);
    }

    #[test]
    fn pairings_survive_a_round_trip_through_the_store_format() {
        let mut m = BTreeMap::new();
        let record = HostPairRecord {
            host_id: "ABCD".into(),
            system_buid: "BUID".into(),
            device_certificate: b"d".to_vec(),
            host_certificate: b"h".to_vec(),
            root_certificate: b"r".to_vec(),
        };
        m.insert(
            "ABCD".to_owned(),
            Pairing {
                record,
                escrow_bag: escrow_bag(),
                wifi_connections: true,
            },
        );
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &encode_pairings(&m)).unwrap();
        assert_eq!(decode_pairings(&out).unwrap(), m);
    }
}
