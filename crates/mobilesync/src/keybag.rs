//! The backup keybag (`Manifest.plist` → `BackupKeyBag`): its TLV form, generating one for a
//! password on the device side, and unlocking it into class keys on the host side.

use std::collections::BTreeMap;

use crate::crypto::{
    pbkdf2_sha1, pbkdf2_sha256, random_bytes, Key, WrappedKey, KEY_LEN, WRAPPED_KEY_LEN,
};
use crate::error::{Error, Result};

/// Keybags seen are ~1.4 KB; anything this large is not one.
pub const MAX_KEYBAG_LEN: usize = 64 * 1024;

/// `WRAP` bit: the class key is wrapped with the password-derived key (the host can unwrap it).
pub const WRAP_PASSCODE: u32 = 2;
/// `WRAP` bit: the class key is also tied to the device's hardware UID.
pub const WRAP_DEVICE: u32 = 1;

/// `TYPE` value of a backup keybag.
pub const KEYBAG_TYPE_BACKUP: u32 = 1;

/// Key-derivation cost: `ITER` rounds of PBKDF2-SHA1 after `DPIC` rounds of PBKDF2-SHA256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// `ITER`: PBKDF2-HMAC-SHA1 rounds.
    pub iterations: u32,
    /// `DPIC`: PBKDF2-HMAC-SHA256 rounds (the iOS ≥ 10.2 "double protection").
    pub dp_iterations: u32,
}

impl KdfParams {
    /// What devices use. Unlocking costs about 1–3 s of CPU by design.
    pub const DEVICE: KdfParams = KdfParams {
        iterations: 10_000,
        dp_iterations: 10_000_000,
    };
    /// The highest counts third-party readers accept (iphone_backup_decrypt refuses more);
    /// generation stays within them so every reader can open what we write.
    pub const MAX_GENERATED: KdfParams = KdfParams {
        iterations: 1_000_000,
        dp_iterations: 20_000_000,
    };
    /// Reading refuses counts this high: a hostile keybag must not buy minutes of CPU.
    pub const MAX_READ: KdfParams = KdfParams {
        iterations: 10_000_000,
        dp_iterations: 200_000_000,
    };

    fn check(&self, max: &KdfParams) -> Result<()> {
        check_count("ITER", self.iterations, max.iterations)?;
        check_count("DPIC", self.dp_iterations, max.dp_iterations)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEVICE
    }
}

fn check_count(what: &'static str, count: u32, max: u32) -> Result<()> {
    if (1..=max).contains(&count) {
        Ok(())
    } else {
        Err(Error::IterationCount { what, count, max })
    }
}

/// One class block of the keybag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassEntry {
    pub uuid: [u8; 16],
    /// `CLAS`: the protection class (1–4 files, 6–11 keychain).
    pub class: u32,
    /// `WRAP`: [`WRAP_PASSCODE`] and/or [`WRAP_DEVICE`].
    pub wrap: u32,
    /// `KTYP`: 0 AES, 1 Curve25519.
    pub key_type: Option<u32>,
    /// `WPKY`: the wrapped class key.
    pub wrapped_key: Option<Vec<u8>>,
    /// `PBKY`: public key of an asymmetric class.
    pub public_key: Option<Vec<u8>>,
    /// Tags this crate does not interpret, kept in order so a rewrite preserves them.
    pub other: Vec<([u8; 4], Vec<u8>)>,
}

/// A parsed keybag. Fields absent from the blob are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keybag {
    /// `VERS`.
    pub version: Option<u32>,
    /// `TYPE`: 1 for backups.
    pub kind: Option<u32>,
    /// The keybag's own `UUID` (the first one in the blob).
    pub uuid: Option<[u8; 16]>,
    /// `HMCK`: wrapped keybag-signing key, all zeros in backups; carried, never used.
    pub hmac_key: Option<Vec<u8>>,
    /// Header `WRAP`.
    pub wrap: Option<u32>,
    /// `SALT` for PBKDF2-SHA1.
    pub salt: Option<Vec<u8>>,
    /// `ITER`.
    pub iterations: Option<u32>,
    /// `DPWT`.
    pub dp_wrap_type: Option<u32>,
    /// `DPIC`.
    pub dp_iterations: Option<u32>,
    /// `DPSL` for PBKDF2-SHA256.
    pub dp_salt: Option<Vec<u8>>,
    /// Unknown header tags, in order.
    pub other: Vec<([u8; 4], Vec<u8>)>,
    /// Class blocks in blob order (real backups use both ascending and descending order).
    pub classes: Vec<ClassEntry>,
}

/// The key-encryption key derived from the password. Keeping it lets a caller unlock again
/// without paying the key derivation (like mvt's `--key-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordKey(pub Key);

/// The unwrapped class keys: what every file key and the Manifest.db key are wrapped with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassKeys {
    keys: BTreeMap<u32, Key>,
}

impl ClassKeys {
    /// The keys as bytes (class as u32 big-endian, then its 32-byte key, for each), for a
    /// store that seals them. Wiped when dropped.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(self.keys.len() * 36));
        for (class, key) in &self.keys {
            out.extend_from_slice(&class.to_be_bytes());
            out.extend_from_slice(key.as_bytes());
        }
        out
    }

    /// Keys written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<ClassKeys> {
        if bytes.is_empty() || !bytes.len().is_multiple_of(36) || bytes.len() > 36 * 64 {
            return Err(Error::MalformedKeybag {
                offset: 0,
                reason: format!("{} bytes of class keys", bytes.len()),
            });
        }
        let mut keys = BTreeMap::new();
        for item in bytes.chunks_exact(36) {
            let class = u32::from_be_bytes(item[..4].try_into().expect("4 bytes"));
            let key: [u8; KEY_LEN] = item[4..].try_into().expect("32 bytes");
            keys.insert(class, Key::from_bytes(key));
        }
        Ok(ClassKeys { keys })
    }

    /// The key of `class`, if the keybag had one the password unlocks.
    pub fn get(&self, class: u32) -> Option<&Key> {
        self.keys.get(&class)
    }

    pub fn classes(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }

    /// Wraps `key` with the key of `class`, in the stored 44-byte form.
    pub fn wrap(&self, class: u32, key: &Key) -> Result<WrappedKey> {
        let class_key = self.get(class).ok_or(Error::MissingClassKey(class))?;
        Ok(WrappedKey {
            class,
            wrapped: class_key.wrap(key),
        })
    }

    /// Unwraps a stored key (`ManifestKey`, MBFile `EncryptionKey`).
    pub fn unwrap(&self, wrapped: &WrappedKey) -> Result<Key> {
        let class = wrapped.class;
        self.get(class)
            .ok_or(Error::MissingClassKey(class))?
            .unwrap(&wrapped.wrapped)
            .ok_or(Error::CorruptWrappedKey { class })
    }

    /// A fresh random key for one file (or Manifest.db), and its wrapped form.
    pub fn new_file_key(&self, class: u32) -> Result<(Key, WrappedKey)> {
        let key = Key::random();
        let wrapped = self.wrap(class, &key)?;
        Ok((key, wrapped))
    }
}

fn tag_str(tag: &[u8; 4]) -> String {
    tag.iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect()
}

fn value_u32(tag: &[u8; 4], value: &[u8], offset: usize) -> Result<u32> {
    let bytes: [u8; 4] = value.try_into().map_err(|_| {
        Error::keybag(
            offset,
            format!("{} must be 4 bytes, is {}", tag_str(tag), value.len()),
        )
    })?;
    Ok(u32::from_be_bytes(bytes))
}

fn value_uuid(value: &[u8], offset: usize) -> Result<[u8; 16]> {
    value
        .try_into()
        .map_err(|_| Error::keybag(offset, format!("UUID must be 16 bytes, is {}", value.len())))
}

/// One TLV record and where it starts, for error messages.
type Record<'a> = (usize, [u8; 4], &'a [u8]);

/// Splits a keybag blob into records, checking every length.
fn records(blob: &[u8]) -> Result<Vec<Record<'_>>> {
    if blob.len() > MAX_KEYBAG_LEN {
        return Err(Error::TooLarge {
            what: "keybag",
            size: blob.len() as u64,
            limit: MAX_KEYBAG_LEN as u64,
        });
    }
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < blob.len() {
        let header = blob
            .get(offset..offset + 8)
            .ok_or_else(|| Error::keybag(offset, "truncated tag header"))?;
        let tag: [u8; 4] = header[..4].try_into().expect("4 bytes");
        let len = u32::from_be_bytes(header[4..].try_into().expect("4 bytes")) as usize;
        let start = offset + 8;
        let value = start
            .checked_add(len)
            .and_then(|end| blob.get(start..end))
            .ok_or_else(|| {
                Error::keybag(
                    offset,
                    format!(
                        "{} claims {len} bytes, {} remain",
                        tag_str(&tag),
                        blob.len() - start
                    ),
                )
            })?;
        out.push((offset, tag, value));
        offset = start + len;
    }
    Ok(out)
}

impl Keybag {
    /// Parses the TLV blob. Unknown tags are kept; the first `UUID` is the keybag's, each later
    /// one opens a class block (the rule every reader follows).
    pub fn parse(blob: &[u8]) -> Result<Keybag> {
        let mut bag = Keybag::default();
        for (offset, tag, value) in records(blob)? {
            if &tag == b"UUID" && bag.uuid.is_some() {
                bag.classes.push(ClassEntry {
                    uuid: value_uuid(value, offset)?,
                    class: 0,
                    wrap: 0,
                    key_type: None,
                    wrapped_key: None,
                    public_key: None,
                    other: Vec::new(),
                });
                continue;
            }
            if let Some(entry) = bag.classes.last_mut() {
                match &tag {
                    b"CLAS" => entry.class = value_u32(&tag, value, offset)?,
                    b"WRAP" => entry.wrap = value_u32(&tag, value, offset)?,
                    b"KTYP" => entry.key_type = Some(value_u32(&tag, value, offset)?),
                    b"WPKY" => entry.wrapped_key = Some(value.to_vec()),
                    b"PBKY" => entry.public_key = Some(value.to_vec()),
                    _ => entry.other.push((tag, value.to_vec())),
                }
                continue;
            }
            match &tag {
                b"VERS" => bag.version = Some(value_u32(&tag, value, offset)?),
                b"TYPE" => bag.kind = Some(value_u32(&tag, value, offset)?),
                b"UUID" => bag.uuid = Some(value_uuid(value, offset)?),
                b"HMCK" => bag.hmac_key = Some(value.to_vec()),
                b"WRAP" => bag.wrap = Some(value_u32(&tag, value, offset)?),
                b"SALT" => bag.salt = Some(value.to_vec()),
                b"ITER" => bag.iterations = Some(value_u32(&tag, value, offset)?),
                b"DPWT" => bag.dp_wrap_type = Some(value_u32(&tag, value, offset)?),
                b"DPIC" => bag.dp_iterations = Some(value_u32(&tag, value, offset)?),
                b"DPSL" => bag.dp_salt = Some(value.to_vec()),
                _ => bag.other.push((tag, value.to_vec())),
            }
        }
        Ok(bag)
    }

    /// The TLV blob: header in the order devices write it (`UUID` and `WRAP` before any class
    /// block, or readers mistake a class's fields for the keybag's), then the class blocks.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn put(out: &mut Vec<u8>, tag: &[u8; 4], value: &[u8]) {
            out.extend_from_slice(tag);
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        fn put_u32(out: &mut Vec<u8>, tag: &[u8; 4], value: Option<u32>) {
            if let Some(v) = value {
                put(out, tag, &v.to_be_bytes());
            }
        }
        fn put_bytes(out: &mut Vec<u8>, tag: &[u8; 4], value: Option<&[u8]>) {
            if let Some(v) = value {
                put(out, tag, v);
            }
        }
        let mut out = Vec::with_capacity(1400);
        put_u32(&mut out, b"VERS", self.version);
        put_u32(&mut out, b"TYPE", self.kind);
        put_bytes(&mut out, b"UUID", self.uuid.as_ref().map(|u| u.as_slice()));
        put_bytes(&mut out, b"HMCK", self.hmac_key.as_deref());
        put_u32(&mut out, b"WRAP", self.wrap);
        put_bytes(&mut out, b"SALT", self.salt.as_deref());
        put_u32(&mut out, b"ITER", self.iterations);
        put_u32(&mut out, b"DPWT", self.dp_wrap_type);
        put_u32(&mut out, b"DPIC", self.dp_iterations);
        put_bytes(&mut out, b"DPSL", self.dp_salt.as_deref());
        for (tag, value) in &self.other {
            put(&mut out, tag, value);
        }
        for class in &self.classes {
            put(&mut out, b"UUID", &class.uuid);
            put(&mut out, b"CLAS", &class.class.to_be_bytes());
            put(&mut out, b"WRAP", &class.wrap.to_be_bytes());
            put_u32(&mut out, b"KTYP", class.key_type);
            put_bytes(&mut out, b"WPKY", class.wrapped_key.as_deref());
            put_bytes(&mut out, b"PBKY", class.public_key.as_deref());
            for (tag, value) in &class.other {
                put(&mut out, tag, value);
            }
        }
        out
    }

    /// Device side: a new backup keybag with random class keys 1–11, wrapped for `password`.
    /// Returns the keybag to store and the class keys to encrypt with.
    pub fn generate(password: &str, params: KdfParams) -> Result<(Keybag, ClassKeys)> {
        let keys = ClassKeys {
            keys: (1..=11).map(|class| (class, Key::random())).collect(),
        };
        let mut bag = Keybag {
            version: Some(5),
            kind: Some(KEYBAG_TYPE_BACKUP),
            uuid: Some(random_bytes()),
            hmac_key: Some(vec![0; WRAPPED_KEY_LEN]),
            wrap: Some(0),
            classes: keys
                .classes()
                .map(|class| ClassEntry {
                    uuid: random_bytes(),
                    class,
                    // Files' classes are passcode-only; keychain classes are also device-bound.
                    wrap: if class <= 4 {
                        WRAP_PASSCODE
                    } else {
                        WRAP_PASSCODE | WRAP_DEVICE
                    },
                    key_type: Some(0),
                    wrapped_key: None,
                    public_key: None,
                    other: Vec::new(),
                })
                .collect(),
            ..Keybag::default()
        };
        bag.set_password(&keys, password, params)?;
        Ok((bag, keys))
    }

    /// Re-wraps `keys` under a new password with fresh salts (ChangePassword): the class keys,
    /// and so every file already encrypted, stay valid.
    pub fn set_password(
        &mut self,
        keys: &ClassKeys,
        password: &str,
        params: KdfParams,
    ) -> Result<()> {
        params.check(&KdfParams::MAX_GENERATED)?;
        self.salt = Some(random_bytes::<20>().to_vec());
        self.iterations = Some(params.iterations);
        self.dp_wrap_type = Some(1);
        self.dp_iterations = Some(params.dp_iterations);
        self.dp_salt = Some(random_bytes::<20>().to_vec());
        let kek = self.derive_password_key(password)?;
        for entry in &mut self.classes {
            let key = keys
                .get(entry.class)
                .ok_or(Error::MissingClassKey(entry.class))?;
            entry.wrapped_key = Some(kek.0.wrap(key).to_vec());
        }
        Ok(())
    }

    /// Host side, slow part: PBKDF2-SHA256 over `DPSL`/`DPIC` (when present, iOS ≥ 10.2), then
    /// PBKDF2-SHA1 over `SALT`/`ITER`.
    pub fn derive_password_key(&self, password: &str) -> Result<PasswordKey> {
        let salt = self
            .salt
            .as_deref()
            .ok_or(Error::MissingKeybagField("SALT"))?;
        let iterations = self.iterations.ok_or(Error::MissingKeybagField("ITER"))?;
        check_count("ITER", iterations, KdfParams::MAX_READ.iterations)?;
        let first = match (self.dp_salt.as_deref(), self.dp_iterations) {
            (Some(dp_salt), Some(dp_iterations)) => {
                check_count("DPIC", dp_iterations, KdfParams::MAX_READ.dp_iterations)?;
                tracing::debug!(dp_iterations, "deriving the double-protection key");
                pbkdf2_sha256(password.as_bytes(), dp_salt, dp_iterations)
                    .as_bytes()
                    .to_vec()
            }
            (None, None) => password.as_bytes().to_vec(),
            (None, Some(_)) => return Err(Error::MissingKeybagField("DPSL")),
            (Some(_), None) => return Err(Error::MissingKeybagField("DPIC")),
        };
        Ok(PasswordKey(pbkdf2_sha1(&first, salt, iterations)))
    }

    /// Host side, fast part: unwraps every passcode-wrapped AES class key.
    /// A key that fails the RFC 3394 integrity check means the password is wrong.
    pub fn unlock_with_key(&self, kek: &PasswordKey) -> Result<ClassKeys> {
        let mut keys = BTreeMap::new();
        for entry in &self.classes {
            if entry.wrap & WRAP_PASSCODE == 0 || entry.key_type.unwrap_or(0) != 0 {
                tracing::debug!(class = entry.class, "class key not unwrappable on the host");
                continue;
            }
            let wrapped = entry
                .wrapped_key
                .as_deref()
                .ok_or(Error::MissingKeybagField("WPKY"))?;
            let wrapped: &[u8; WRAPPED_KEY_LEN] = wrapped.try_into().map_err(|_| {
                Error::keybag(
                    0,
                    format!(
                        "class {} WPKY must be {WRAPPED_KEY_LEN} bytes, is {}",
                        entry.class,
                        wrapped.len()
                    ),
                )
            })?;
            let key = kek.0.unwrap(wrapped).ok_or(Error::WrongPassword)?;
            keys.insert(entry.class, key);
        }
        if keys.is_empty() {
            return Err(Error::MissingKeybagField("passcode-wrapped class key"));
        }
        Ok(ClassKeys { keys })
    }

    /// `derive_password_key` then `unlock_with_key`.
    pub fn unlock(&self, password: &str) -> Result<ClassKeys> {
        self.unlock_with_key(&self.derive_password_key(password)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;
    use rand::{Rng, SeedableRng};

    const FAST: KdfParams = KdfParams {
        iterations: 3,
        dp_iterations: 5,
    };

    #[test]
    fn class_keys_read_back_and_damaged_ones_are_refused() {
        let (_, keys) = Keybag::generate("hunter2", FAST).unwrap();
        let bytes = keys.to_bytes();
        assert_eq!(ClassKeys::from_bytes(&bytes).unwrap(), keys);
        assert!(ClassKeys::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(ClassKeys::from_bytes(&[]).is_err());
    }

    #[test]
    fn generated_keybag_round_trips_and_unlocks_with_its_password() {
        let (bag, keys) = Keybag::generate("hunter2", FAST).unwrap();
        let blob = bag.to_bytes();
        let parsed = Keybag::parse(&blob).unwrap();
        assert_eq!(parsed, bag);
        assert_eq!(parsed.to_bytes(), blob);
        assert_eq!(parsed.classes.len(), 11);
        assert_eq!(parsed.unlock("hunter2").unwrap(), keys);
        assert_eq!(
            keys.classes().collect::<Vec<_>>(),
            (1..=11).collect::<Vec<_>>()
        );
    }

    #[test]
    fn generated_keybag_header_is_in_device_order() {
        let (bag, _) = Keybag::generate("pw", FAST).unwrap();
        let blob = bag.to_bytes();
        let tags: Vec<String> = records(&blob)
            .unwrap()
            .iter()
            .map(|(_, tag, _)| tag_str(tag))
            .collect();
        assert_eq!(
            tags[..15],
            [
                "VERS", "TYPE", "UUID", "HMCK", "WRAP", "SALT", "ITER", "DPWT", "DPIC", "DPSL",
                "UUID", "CLAS", "WRAP", "KTYP", "WPKY"
            ]
        );
        assert_eq!(bag.iterations, Some(3));
        assert_eq!(bag.dp_iterations, Some(5));
        assert_eq!(bag.salt.as_ref().map(Vec::len), Some(20));
        assert_eq!(bag.dp_salt.as_ref().map(Vec::len), Some(20));
    }

    // Expected values computed independently with Python's hashlib.pbkdf2_hmac:
    // sha1(sha256("pässword", DPSL, 1000), SALT, 100), and sha1("pässword", SALT, 100) pre-10.2.
    #[test]
    fn password_key_chains_sha256_then_sha1_as_python_computes_it() {
        let mut bag = Keybag {
            salt: Some((100..120).collect()),
            iterations: Some(100),
            dp_salt: Some((0..20).collect()),
            dp_iterations: Some(1000),
            ..Keybag::default()
        };
        assert_eq!(
            bag.derive_password_key("pässword")
                .unwrap()
                .0
                .as_bytes()
                .to_vec(),
            hex("89349074003348d217164fabf8dffa111c11c87f484f00d85010024a57b85d62")
        );
        bag.dp_salt = None;
        bag.dp_iterations = None;
        assert_eq!(
            bag.derive_password_key("pässword")
                .unwrap()
                .0
                .as_bytes()
                .to_vec(),
            hex("ebc169af51cf3f0da92ae3674d32d9d65887de1fc28302fdbc9918eba0e87b16")
        );
        bag.dp_salt = Some(vec![1]);
        assert!(matches!(
            bag.derive_password_key("x"),
            Err(Error::MissingKeybagField("DPIC"))
        ));
    }

    #[test]
    fn a_saved_password_key_unlocks_without_the_password() {
        let (bag, keys) = Keybag::generate("pw", FAST).unwrap();
        let saved = *bag.derive_password_key("pw").unwrap().0.as_bytes();
        let restored = PasswordKey(Key::from_bytes(saved));
        assert_eq!(bag.unlock_with_key(&restored).unwrap(), keys);
    }

    /// A backup keybag made by a real device (pre-10.2: no DPSL/DPIC), published as the
    /// placeholder keybag in TrollRestore's sparserestore and reused by many restore tools.
    const DEVICE_KEYBAG: &[u8] = include_bytes!("../testdata/device-backup-keybag.bin");

    #[test]
    fn real_device_keybag_parses_and_serializes_byte_for_byte() {
        let bag = Keybag::parse(DEVICE_KEYBAG).unwrap();
        assert_eq!(bag.version, Some(5));
        assert_eq!(bag.kind, Some(KEYBAG_TYPE_BACKUP));
        assert_eq!(bag.wrap, Some(0));
        assert_eq!(bag.iterations, Some(10_000));
        assert_eq!(bag.salt.as_ref().map(Vec::len), Some(20));
        assert_eq!(bag.hmac_key, Some(vec![0; 40]));
        assert_eq!((bag.dp_salt.as_ref(), bag.dp_iterations), (None, None));
        assert_eq!(
            bag.uuid.map(|u| u[..4].to_vec()),
            Some(vec![0xee, 0x77, 0x8d, 0x5d])
        );
        let classes: Vec<(u32, u32)> = bag.classes.iter().map(|c| (c.class, c.wrap)).collect();
        let expected: Vec<(u32, u32)> = (1..=11).map(|c| (c, if c <= 4 { 2 } else { 3 })).collect();
        assert_eq!(classes, expected);
        assert!(bag
            .classes
            .iter()
            .all(|c| c.key_type == Some(0) && c.wrapped_key.as_ref().map(Vec::len) == Some(40)));
        // Our serializer writes the same order devices do, so a real keybag survives unchanged.
        assert_eq!(bag.to_bytes(), DEVICE_KEYBAG);
        // Its password is unknown: any guess must fail the integrity check, not yield keys.
        assert!(matches!(bag.unlock("alpine"), Err(Error::WrongPassword)));
    }

    #[test]
    fn wrong_password_is_a_typed_error() {
        let (bag, _) = Keybag::generate("right", FAST).unwrap();
        assert!(matches!(bag.unlock("wrong"), Err(Error::WrongPassword)));
    }

    #[test]
    fn changing_the_password_keeps_class_keys() {
        let (mut bag, keys) = Keybag::generate("old", FAST).unwrap();
        let uuid = bag.uuid;
        bag.set_password(&keys, "new", FAST).unwrap();
        assert_eq!(bag.uuid, uuid);
        assert_eq!(bag.unlock("new").unwrap(), keys);
        assert!(matches!(bag.unlock("old"), Err(Error::WrongPassword)));
    }

    #[test]
    fn pre_10_2_keybag_without_dp_fields_uses_sha1_only() {
        let (mut bag, keys) = Keybag::generate("pw", FAST).unwrap();
        bag.dp_salt = None;
        bag.dp_iterations = None;
        bag.dp_wrap_type = None;
        let kek = pbkdf2_sha1(b"pw", bag.salt.as_deref().unwrap(), 3);
        for entry in &mut bag.classes {
            entry.wrapped_key = Some(kek.wrap(keys.get(entry.class).unwrap()).to_vec());
        }
        let reparsed = Keybag::parse(&bag.to_bytes()).unwrap();
        assert_eq!(reparsed.unlock("pw").unwrap(), keys);
    }

    #[test]
    fn class_keys_wrap_and_unwrap_file_keys() {
        let (_, keys) = Keybag::generate("pw", FAST).unwrap();
        let (key, wrapped) = keys.new_file_key(3).unwrap();
        assert_eq!(wrapped.class, 3);
        assert_eq!(keys.unwrap(&wrapped).unwrap(), key);
        let mut damaged = wrapped.clone();
        damaged.wrapped[0] ^= 0x80;
        assert!(matches!(
            keys.unwrap(&damaged),
            Err(Error::CorruptWrappedKey { class: 3 })
        ));
        let foreign = WrappedKey {
            class: 42,
            ..wrapped
        };
        assert!(matches!(
            keys.unwrap(&foreign),
            Err(Error::MissingClassKey(42))
        ));
    }

    #[test]
    fn classes_are_found_by_number_in_descending_order_too() {
        let (mut bag, keys) = Keybag::generate("pw", FAST).unwrap();
        bag.classes.reverse();
        let reparsed = Keybag::parse(&bag.to_bytes()).unwrap();
        assert_eq!(reparsed.classes[0].class, 11);
        assert_eq!(reparsed.unlock("pw").unwrap(), keys);
    }

    #[test]
    fn generation_refuses_counts_readers_reject() {
        let too_many = KdfParams {
            iterations: 10,
            dp_iterations: 20_000_001,
        };
        assert!(matches!(
            Keybag::generate("pw", too_many),
            Err(Error::IterationCount { what: "DPIC", .. })
        ));
        let zero = KdfParams {
            iterations: 0,
            dp_iterations: 1,
        };
        assert!(matches!(
            Keybag::generate("pw", zero),
            Err(Error::IterationCount { what: "ITER", .. })
        ));
    }

    #[test]
    fn reading_refuses_absurd_iteration_counts_before_deriving() {
        let (mut bag, _) = Keybag::generate("pw", FAST).unwrap();
        bag.dp_iterations = Some(u32::MAX);
        assert!(matches!(
            bag.derive_password_key("pw"),
            Err(Error::IterationCount { what: "DPIC", .. })
        ));
    }

    #[test]
    fn malformed_blobs_name_the_problem() {
        let cases: [(&[u8], &str); 4] = [
            (b"VERS\0\0\0", "truncated tag header"),
            (b"VERS\0\0\0\x04\0\0", "claims 4 bytes, 2 remain"),
            (b"VERS\0\0\0\x02\0\x05", "VERS must be 4 bytes"),
            (b"UUID\0\0\0\x03abc", "UUID must be 16 bytes"),
        ];
        for (blob, expected) in cases {
            let err = Keybag::parse(blob).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        let huge = vec![0u8; MAX_KEYBAG_LEN + 1];
        assert!(matches!(Keybag::parse(&huge), Err(Error::TooLarge { .. })));
        // A length that would overflow the offset arithmetic on 32-bit targets.
        assert!(Keybag::parse(b"SALT\xff\xff\xff\xff").is_err());
    }

    #[test]
    fn random_and_mutated_blobs_never_panic() {
        let (bag, _) = Keybag::generate("pw", FAST).unwrap();
        let valid = bag.to_bytes();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b657962);
        for round in 0..20_000 {
            let blob: Vec<u8> = if round % 2 == 0 {
                let len = rng.random_range(0..64);
                (0..len).map(|_| rng.random()).collect()
            } else {
                let mut b = if round % 4 == 1 {
                    valid.clone()
                } else {
                    DEVICE_KEYBAG.to_vec()
                };
                for _ in 0..rng.random_range(1..4) {
                    let i = rng.random_range(0..b.len());
                    b[i] = rng.random();
                }
                b.truncate(rng.random_range(0..=b.len()));
                b
            };
            if let Ok(parsed) = Keybag::parse(&blob) {
                // Whatever parses must unlock or fail cleanly, never panic.
                let _ = parsed.unlock_with_key(&PasswordKey(Key::from_bytes([0; 32])));
            }
        }
    }
}
