//! The primitives Apple's backup encryption is built from: 256-bit keys, PBKDF2, RFC 3394 key
//! wrap, and the 44-byte "class + wrapped key" form in which backups store every key.

use std::fmt;

use aes_kw::KekAes256;
use rand::RngCore;
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Length of every key in a backup: AES-256.
pub const KEY_LEN: usize = 32;
/// A 32-byte key after RFC 3394 wrapping (one 8-byte integrity block more).
pub const WRAPPED_KEY_LEN: usize = KEY_LEN + 8;

/// A 256-bit secret key (class key, file key, Manifest.db key). Debug output never shows it,
/// and it is wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; KEY_LEN]);

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Key {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Key(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A fresh key from the operating system's CSPRNG (via `rand`'s thread RNG).
    pub fn random() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Key(bytes)
    }

    /// RFC 3394 wrap of `key` under `self` as the key-encryption key.
    pub(crate) fn wrap(&self, key: &Key) -> [u8; WRAPPED_KEY_LEN] {
        let mut out = [0u8; WRAPPED_KEY_LEN];
        KekAes256::new(&self.0.into())
            .wrap(&key.0, &mut out)
            // Wrapping 32 bytes into 40 cannot fail: both lengths are fixed and valid.
            .expect("RFC 3394 wrap of a 32-byte key into 40 bytes");
        out
    }

    /// RFC 3394 unwrap; `None` when the integrity check fails (wrong key or damaged data).
    pub(crate) fn unwrap(&self, wrapped: &[u8; WRAPPED_KEY_LEN]) -> Option<Key> {
        let mut out = [0u8; KEY_LEN];
        KekAes256::new(&self.0.into())
            .unwrap(wrapped, &mut out)
            .ok()
            .map(|()| Key(out))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

pub(crate) fn pbkdf2_sha1(password: &[u8], salt: &[u8], rounds: u32) -> Key {
    Key(pbkdf2::pbkdf2_hmac_array::<Sha1, KEY_LEN>(
        password, salt, rounds,
    ))
}

pub(crate) fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> Key {
    Key(pbkdf2::pbkdf2_hmac_array::<Sha256, KEY_LEN>(
        password, salt, rounds,
    ))
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A key as backups store it (`ManifestKey`, MBFile `EncryptionKey`): the protection class whose
/// key wraps it, then the RFC 3394-wrapped key.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub class: u32,
    pub wrapped: [u8; WRAPPED_KEY_LEN],
}

impl WrappedKey {
    /// Length of the stored form: `u32` little-endian class + 40 wrapped bytes.
    pub const LEN: usize = 4 + WRAPPED_KEY_LEN;

    /// Parses the stored form; `what` names the field in the error.
    pub fn from_bytes(bytes: &[u8], what: &'static str) -> Result<Self> {
        let malformed = || Error::MalformedWrappedKey {
            what,
            len: bytes.len(),
        };
        let (class, wrapped) = bytes.split_at_checked(4).ok_or_else(malformed)?;
        let wrapped: [u8; WRAPPED_KEY_LEN] = wrapped.try_into().map_err(|_| malformed())?;
        let class = u32::from_le_bytes(class.try_into().map_err(|_| malformed())?);
        Ok(WrappedKey { class, wrapped })
    }

    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..4].copy_from_slice(&self.class.to_le_bytes());
        out[4..].copy_from_slice(&self.wrapped);
        out
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("class", &self.class)
            .finish_non_exhaustive()
    }
}

/// Test vectors are written in hex.
#[cfg(test)]
pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6070 gives 20-byte outputs; PBKDF2's first block is the same whatever dkLen is, so the
    // first 20 of our 32 bytes must equal the published value.
    #[test]
    fn pbkdf2_sha1_matches_rfc6070_vectors() {
        let cases = [
            (1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
            (2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
            (4096, "4b007901b765489abead49d926f721d065a429c1"),
        ];
        for (rounds, expected) in cases {
            let key = pbkdf2_sha1(b"password", b"salt", rounds);
            assert_eq!(
                &key.as_bytes()[..20],
                hex(expected).as_slice(),
                "c={rounds}"
            );
        }
    }

    #[test]
    fn pbkdf2_sha1_matches_rfc6070_long_input_vector() {
        let key = pbkdf2_sha1(
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
        );
        // RFC 6070 lists 25 bytes for this case; the first 25 of ours must match.
        assert_eq!(
            &key.as_bytes()[..25],
            hex("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038").as_slice()
        );
    }

    // Published PBKDF2-HMAC-SHA256 vectors (RFC 7914 §11 and the widely used
    // "password"/"salt" set), at the 32-byte length backups use.
    #[test]
    fn pbkdf2_sha256_matches_published_vectors() {
        assert_eq!(
            pbkdf2_sha256(b"password", b"salt", 1).as_bytes().as_slice(),
            hex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
        );
        assert_eq!(
            pbkdf2_sha256(b"password", b"salt", 4096)
                .as_bytes()
                .as_slice(),
            hex("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        );
        // RFC 7914 gives 64 bytes; the first 32 are ours.
        assert_eq!(
            pbkdf2_sha256(b"passwd", b"salt", 1).as_bytes().as_slice(),
            hex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
        );
    }

    // RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK.
    #[test]
    fn key_wrap_matches_rfc3394_vector_4_6() {
        let kek: [u8; 32] = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
            .try_into()
            .unwrap();
        let data: [u8; 32] =
            hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
                .try_into()
                .unwrap();
        let expected =
            hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
        let kek = Key::from_bytes(kek);
        let wrapped = kek.wrap(&Key::from_bytes(data));
        assert_eq!(wrapped.as_slice(), expected.as_slice());
        assert_eq!(kek.unwrap(&wrapped), Some(Key::from_bytes(data)));
    }

    #[test]
    fn key_unwrap_with_wrong_kek_or_flipped_bit_fails_integrity_check() {
        let kek = Key::from_bytes([7; 32]);
        let wrapped = kek.wrap(&Key::from_bytes([9; 32]));
        assert_eq!(Key::from_bytes([8; 32]).unwrap(&wrapped), None);
        let mut damaged = wrapped;
        damaged[17] ^= 1;
        assert_eq!(kek.unwrap(&damaged), None);
    }

    #[test]
    fn wrapped_key_round_trips_and_rejects_wrong_lengths() {
        let key = WrappedKey {
            class: 3,
            wrapped: [0xab; WRAPPED_KEY_LEN],
        };
        let bytes = key.to_bytes();
        assert_eq!(&bytes[..4], &[3, 0, 0, 0]);
        assert_eq!(WrappedKey::from_bytes(&bytes, "k").unwrap(), key);
        for len in [0, 3, 4, 43, 45] {
            let err = WrappedKey::from_bytes(&vec![0; len], "ManifestKey").unwrap_err();
            assert!(
                matches!(err, Error::MalformedWrappedKey { what: "ManifestKey", len: l } if l == len)
            );
        }
    }
}
