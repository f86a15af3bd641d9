//! Encryption at rest: the master key, how it is unlocked, and the two things it does (keyed chunk
//! ids and AEAD sealing of blobs and catalog names).
//!
//! One random 32-byte master key per repository. Sub-keys are derived from it with BLAKE3's key
//! derivation, so one secret serves the cipher, the chunk-id MAC and the name-lookup MAC without
//! any of them revealing another. The master key is stored only wrapped (XChaCha20-Poly1305 under a
//! key stretched from the password by Argon2id), or, later, held by the OS credential store.
//!
//! Data (chunks, pack indexes, catalog names) is sealed with the repository's [`DataCipher`]:
//! AES-256-GCM since format 3, XChaCha20-Poly1305 before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chacha20::cipher::StreamCipher;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use keepsake_i18n::say;
use ring::aead;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes AEAD adds to every sealed blob (nonce + tag), whatever the cipher.
#[cfg(test)]
pub(crate) const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// How to unlock (or, for `init`, protect) a repository's master key.
///
/// An enum so the desktop app can keep a random key in the OS credential store instead of asking
/// for a password; the CLI and tests use passwords.
#[derive(Clone)]
pub enum KeySource {
    /// The repository is not encrypted (only valid for repositories created that way).
    None,
    /// A password, stretched with Argon2id to unwrap the master key.
    Password(Zeroizing<String>),
    /// At `init` only: a random master key wrapped in each of these slots (see [`crate::keys`]).
    /// At `open`, a repository with slots opens with [`KeySource::Password`] holding any one
    /// slot's secret.
    Slots(Vec<NewSlot>),
    /// A random master key held by the OS credential store. At `init`, stored under this
    /// service and account (never replacing an entry); at `open`, read from where the
    /// repository's config says it was stored (the fields are then not used).
    Keyring { service: String, account: String },
}

impl KeySource {
    /// A password key source.
    pub fn password(password: impl Into<String>) -> KeySource {
        KeySource::Password(Zeroizing::new(password.into()))
    }

    /// A key in the OS credential store, under `service` and `account`.
    pub fn keyring(service: impl Into<String>, account: impl Into<String>) -> KeySource {
        KeySource::Keyring {
            service: service.into(),
            account: account.into(),
        }
    }
}

impl std::fmt::Debug for KeySource {
    // Never print the password, even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::None => f.write_str("KeySource::None"),
            KeySource::Password(_) => f.write_str("KeySource::Password(<redacted>)"),
            KeySource::Slots(slots) => f
                .debug_list()
                .entries(slots.iter().map(|s| &s.kind))
                .finish(),
            KeySource::Keyring { service, account } => f
                .debug_struct("KeySource::Keyring")
                .field("service", service)
                .field("account", account)
                .finish(),
        }
    }
}

/// A slot to make at `init`: what unlocks it, its secret, and how much to stretch the secret.
#[derive(Clone)]
pub struct NewSlot {
    pub kind: crate::keys::SlotKind,
    pub secret: Zeroizing<String>,
    pub kdf: KdfParams,
}

impl NewSlot {
    /// A slot of `kind` opened by `secret`, stretched as that kind is ([`crate::keys::kdf_for`]).
    pub fn new(kind: crate::keys::SlotKind, secret: impl Into<String>) -> NewSlot {
        NewSlot {
            kdf: crate::keys::kdf_for(&kind),
            kind,
            secret: Zeroizing::new(secret.into()),
        }
    }
}

/// Argon2id cost, stored in the repository config so any machine derives the same key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KdfParams {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Random per repository, hex.
    pub salt: String,
}

impl KdfParams {
    /// OWASP's first recommended Argon2id setting (46 MiB, 1 pass, 1 lane; their other listed
    /// settings are deemed equally strong): under a tenth of a second, which every opening of the
    /// repository pays, an unchanged backup included. (Repositories keep the cost they were
    /// created with: it is recorded in their config.)
    pub fn recommended() -> KdfParams {
        KdfParams::with_cost(46 * 1024, 1)
    }

    /// For secrets that are random and long (a computer's 256-bit key, a 160-bit recovery key):
    /// stretching adds nothing to their strength, so opening does not wait for it.
    pub fn cheap() -> KdfParams {
        KdfParams::with_cost(256, 1)
    }

    /// A cheap setting for tests; never use it for real data.
    pub fn insecure_for_tests() -> KdfParams {
        KdfParams::with_cost(64, 1)
    }

    fn with_cost(memory_kib: u32, iterations: u32) -> KdfParams {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        KdfParams {
            algorithm: "argon2id".into(),
            memory_kib,
            iterations,
            parallelism: 1,
            salt: hex(&salt),
        }
    }

    fn derive(&self, password: &str) -> Result<Zeroizing<[u8; 32]>, String> {
        if self.algorithm != "argon2id" {
            return Err(say(
                "store-reason-unknown-kdf",
                &[("kdf", &format!("{:?}", self.algorithm))],
            ));
        }
        let salt = unhex(&self.salt).ok_or_else(|| say("store-reason-salt-not-hex", &[]))?;
        // The cost comes from the repository's config, which may be damaged or made by someone
        // else: unbounded, it could ask for terabytes of memory or hours of work at every open.
        if self.memory_kib > MAX_KDF_MEMORY_KIB
            || self.iterations > MAX_KDF_ITERATIONS
            || self.parallelism > MAX_KDF_LANES
        {
            return Err(say(
                "store-reason-kdf-too-costly",
                &[
                    ("memory", &self.memory_kib),
                    ("passes", &self.iterations),
                    ("lanes", &self.parallelism),
                    ("max-memory", &MAX_KDF_MEMORY_KIB),
                    ("max-passes", &MAX_KDF_ITERATIONS),
                    ("max-lanes", &MAX_KDF_LANES),
                ],
            ));
        }
        let params =
            argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
                .map_err(|e| say("store-reason-bad-argon2", &[("error", &e)]))?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params.clone(),
        );
        let mut out = Zeroizing::new([0u8; 32]);
        let derived = match KdfMemory::map(params.block_count()) {
            Some(mut memory) => argon.hash_password_into_with_memory(
                password.as_bytes(),
                &salt,
                out.as_mut(),
                memory.blocks(),
            ),
            None => argon.hash_password_into(password.as_bytes(), &salt, out.as_mut()),
        };
        derived.map_err(|e| format!("key derivation failed: {e}"))?;
        Ok(out)
    }
}

/// Argon2 costs a repository's config may ask for: far above the recommended ones (46 MiB, one
/// pass, one lane), far below what would exhaust a machine.
const MAX_KDF_MEMORY_KIB: u32 = 4 << 20;
const MAX_KDF_ITERATIONS: u32 = 64;
const MAX_KDF_LANES: u32 = 64;

/// Argon2's working memory (46 MiB by default) mapped in 2 MiB pages where the kernel has them:
/// as ordinary 4 KiB pages, faulting in and zeroing 11,776 of them was half of the derivation's
/// 90 ms, paid by every opening of a repository. The mapping comes zeroed (as Argon2's own
/// allocation is) and goes back to the kernel, which clears it, when dropped.
#[cfg(target_os = "linux")]
struct KdfMemory {
    mapping: *mut libc::c_void,
    mapped_len: usize,
    blocks: *mut argon2::Block,
    count: usize,
}

#[cfg(target_os = "linux")]
impl KdfMemory {
    const HUGE_PAGE: usize = 2 << 20;

    /// `count` blocks, or `None` when the mapping fails (the caller lets Argon2 allocate).
    fn map(count: usize) -> Option<KdfMemory> {
        let len = count.checked_mul(std::mem::size_of::<argon2::Block>())?;
        let mapped_len = len.checked_add(Self::HUGE_PAGE)?;
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let mapping = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return None;
        }
        let start = (mapping as usize).next_multiple_of(Self::HUGE_PAGE);
        let blocks = start as *mut argon2::Block;
        // SAFETY: [start, start + len) lies inside the mapping. The advice is only a hint: when
        // it is refused the pages are ordinary ones.
        unsafe { libc::madvise(blocks.cast(), len, libc::MADV_HUGEPAGE) };
        Some(KdfMemory {
            mapping,
            mapped_len,
            blocks,
            count,
        })
    }

    fn blocks(&mut self) -> &mut [argon2::Block] {
        // SAFETY: the mapping is readable and writable, 2 MiB-aligned (more than a block's 64),
        // zero-filled (all zeroes is a valid block: 128 u64s), lives as long as `self`, and is
        // only reachable through this `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.blocks, self.count) }
    }
}

#[cfg(target_os = "linux")]
impl Drop for KdfMemory {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once; no slice of it outlives `self`.
        unsafe { libc::munmap(self.mapping, self.mapped_len) };
    }
}

/// Elsewhere Argon2 allocates its own memory.
#[cfg(not(target_os = "linux"))]
struct KdfMemory;

#[cfg(not(target_os = "linux"))]
impl KdfMemory {
    fn map(_count: usize) -> Option<KdfMemory> {
        None
    }

    fn blocks(&mut self) -> &mut [argon2::Block] {
        &mut []
    }
}

/// How the master key is kept, as recorded in the repository config.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyStorage {
    /// The master key wrapped by a password-derived key: hex of nonce || ciphertext || tag.
    Password { kdf: KdfParams, wrapped_key: String },
    /// The master key wrapped several ways at once; any slot opens it (see [`crate::keys`]).
    Slots { slots: Vec<crate::keys::KeySlot> },
    /// The master key lives in the OS credential store under this service and account.
    Keyring {
        service: String,
        account: String,
        /// Hex of a value derived from the key and the repository id: tells the right key from
        /// another one without revealing anything about it.
        key_check: String,
    },
}

/// The random secret everything else is derived from. Wiped from memory on drop.
pub(crate) struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub(crate) fn random() -> MasterKey {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        MasterKey(key)
    }

    /// The raw key, for the OS credential store.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// A key read back from the OS credential store; `None` unless it is 32 bytes.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<MasterKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(MasterKey(key))
    }

    /// The check value recorded beside a key kept outside the repository (see
    /// [`KeyStorage::Keyring`]); `context` is the repository id.
    pub(crate) fn check_value(&self, context: &str) -> String {
        let check_key = blake3::derive_key("keepsake-store 2026 key check", self.0.as_ref());
        hex(&blake3::keyed_hash(&check_key, context.as_bytes()).as_bytes()[..16])
    }

    /// Wraps the key under a password; `context` (the repository id) binds the wrap to one repository.
    pub(crate) fn wrap(
        &self,
        password: &str,
        kdf: &KdfParams,
        context: &str,
    ) -> Result<String, String> {
        let kek = kdf.derive(password)?;
        let sealed = seal_with(
            &XChaCha20Poly1305::new(kek.as_ref().into()),
            &wrap_ad(context),
            self.0.as_ref(),
        );
        Ok(hex(&sealed))
    }

    /// `secret` sealed under a key derived from this one, bound to the repository `context`
    /// (hex): what a recovery slot keeps so the key can be shown again.
    /// The seal of a repository's key slots (their JSON): see `EncryptionConfig::slots_seal`.
    pub(crate) fn seal_slots(&self, slots: &[u8], repo_id: &str) -> String {
        let key = Zeroizing::new(blake3::derive_key(
            "keepsake-store 2026 key slots seal",
            self.0.as_ref(),
        ));
        let mut h = blake3::Hasher::new_keyed(&key);
        h.update(repo_id.as_bytes()).update(&[0]).update(slots);
        hex(&h.finalize().as_bytes()[..16])
    }

    pub(crate) fn seal_secret(&self, secret: &str, context: &str) -> String {
        let key = Zeroizing::new(blake3::derive_key(
            "keepsake-store 2026 slot secrets",
            self.0.as_ref(),
        ));
        hex(&seal_with(
            &XChaCha20Poly1305::new(key.as_ref().into()),
            &wrap_ad(context),
            secret.as_bytes(),
        ))
    }

    /// What [`Self::seal_secret`] sealed; `None` when it does not open with this key.
    pub(crate) fn open_secret(&self, sealed: &str, context: &str) -> Option<Zeroizing<String>> {
        let key = Zeroizing::new(blake3::derive_key(
            "keepsake-store 2026 slot secrets",
            self.0.as_ref(),
        ));
        let plain = open_with(
            &XChaCha20Poly1305::new(key.as_ref().into()),
            &wrap_ad(context),
            &unhex(sealed)?,
        )?;
        String::from_utf8(plain).ok().map(Zeroizing::new)
    }

    /// `Ok(None)` means the password is wrong (authentication failed); `Err` a damaged record.
    pub(crate) fn unwrap(
        password: &str,
        kdf: &KdfParams,
        wrapped: &str,
        context: &str,
    ) -> Result<Option<MasterKey>, String> {
        let kek = kdf.derive(password)?;
        let sealed = unhex(wrapped).ok_or_else(|| say("store-reason-wrapped-key-not-hex", &[]))?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let Some(mut plain) = open_with(&cipher, &wrap_ad(context), &sealed) else {
            return Ok(None);
        };
        if plain.len() != 32 {
            plain.zeroize();
            return Err(say("store-reason-wrapped-key-length", &[]));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain);
        plain.zeroize();
        Ok(Some(MasterKey(key)))
    }
}

fn wrap_ad(context: &str) -> Vec<u8> {
    [b"keepsake master key v1 ".as_slice(), context.as_bytes()].concat()
}

/// 32-byte content id of a chunk.
pub(crate) type ChunkId = [u8; 32];

/// The repository's cryptographic state: clear, or keyed by the master key. Cheap to clone, so
/// a snapshot writer's packing thread shares it.
#[derive(Clone)]
pub(crate) struct Crypto {
    keys: Option<Arc<Keys>>,
}

/// The AEAD a repository seals its data with, as its config's `encryption.cipher` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataCipher {
    /// AES-256-GCM (format 3 on): a key per writer opening, derived from the data key and the
    /// opening's random 128-bit prefix (the first 16 of every blob's 24 nonce bytes), and the
    /// opening's 64-bit counter (the other 8) as GCM's nonce. So a nonce never repeats under a
    /// key, however many blobs a repository holds (GCM's 96-bit random nonces would cap a key
    /// at 2^32 blobs). Four to five times XChaCha20-Poly1305's speed on CPUs with AES and
    /// carry-less multiply instructions (every x86-64 and ARM64 desktop of the last decade):
    /// sealing and the read-back after a backup were a quarter of a backup's CPU.
    #[default]
    Aes256Gcm,
    /// XChaCha20-Poly1305 with the 24-byte nonce as it is: repositories made before format 3.
    XChaCha20Poly1305,
}

impl DataCipher {
    /// Its name in the config.
    pub fn name(self) -> &'static str {
        match self {
            DataCipher::Aes256Gcm => "aes256gcm",
            DataCipher::XChaCha20Poly1305 => "xchacha20poly1305",
        }
    }

    /// The cipher a config names; `None` for one this build does not know.
    pub fn from_name(name: &str) -> Option<DataCipher> {
        [DataCipher::Aes256Gcm, DataCipher::XChaCha20Poly1305]
            .into_iter()
            .find(|c| c.name() == name)
    }
}

/// The data cipher with its keys.
enum DataKeys {
    XChaCha(XChaCha20Poly1305),
    Aes {
        /// What each opening's key is derived from, with its prefix.
        base: Zeroizing<[u8; 32]>,
        /// This opening's key (its prefix is `Keys::nonces`'); boxed, as it is large.
        own: Box<aead::LessSafeKey>,
        /// Keys of other openings' prefixes, as reading met them (most recent last). Bounded:
        /// a repository holds one prefix per backup that wrote data.
        seen: std::sync::Mutex<Vec<([u8; 16], Arc<aead::LessSafeKey>)>>,
    },
}

/// Prefix keys [`DataKeys::Aes`] remembers.
const SEEN_KEYS: usize = 64;

impl DataKeys {
    fn aes_key(base: &[u8; 32], prefix: &[u8]) -> aead::LessSafeKey {
        let key = Zeroizing::new(*blake3::keyed_hash(base, prefix).as_bytes());
        aead::LessSafeKey::new(
            aead::UnboundKey::new(&aead::AES_256_GCM, key.as_ref())
                .expect("AES-256-GCM takes a 32-byte key"),
        )
    }

    /// GCM's 96-bit nonce for a blob's 24 nonce bytes: its counter.
    fn gcm_nonce(nonce: &[u8]) -> aead::Nonce {
        let mut n = [0u8; aead::NONCE_LEN];
        n[4..].copy_from_slice(&nonce[16..NONCE_LEN]);
        aead::Nonce::assume_unique_for_key(n)
    }

    /// Opens `ct || tag` in place under the 24-byte `nonce`; `false` when it does not open.
    fn open(&self, own_prefix: &[u8; 16], nonce: &[u8], ad: &[u8], ct_tag: &mut [u8]) -> bool {
        match self {
            DataKeys::XChaCha(cipher) => {
                let (ct, tag) = ct_tag.split_at_mut(ct_tag.len() - TAG_LEN);
                cipher
                    .decrypt_in_place_detached(
                        XNonce::from_slice(nonce),
                        ad,
                        ct,
                        chacha20poly1305::Tag::from_slice(tag),
                    )
                    .is_ok()
            }
            DataKeys::Aes { base, own, seen } => {
                let open = |key: &aead::LessSafeKey, buf: &mut [u8]| {
                    key.open_in_place(Self::gcm_nonce(nonce), aead::Aad::from(ad), buf)
                        .is_ok()
                };
                let prefix = &nonce[..16];
                if prefix == own_prefix {
                    return open(own, ct_tag);
                }
                let known = {
                    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                    seen.iter()
                        .find(|(p, _)| p == prefix)
                        .map(|(_, k)| k.clone())
                };
                let key = known.unwrap_or_else(|| {
                    let key = Arc::new(Self::aes_key(base, prefix));
                    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                    if seen.len() >= SEEN_KEYS {
                        seen.remove(0);
                    }
                    let mut p = [0u8; 16];
                    p.copy_from_slice(prefix);
                    seen.push((p, key.clone()));
                    key
                });
                open(&key, ct_tag)
            }
        }
    }
}

struct Keys {
    cipher: DataKeys,
    id_key: Zeroizing<[u8; 32]>,
    name_key: Zeroizing<[u8; 32]>,
    path_key: Zeroizing<[u8; 32]>,
    nonces: NonceSequence,
}

/// Data nonces: a random 128-bit prefix per opened repository and a 64-bit counter. Unique
/// without a system call per blob (a `getrandom` per chunk was a tenth of a backup's time);
/// two openings share a prefix with probability 2^-128 per pair.
struct NonceSequence {
    prefix: [u8; 16],
    counter: AtomicU64,
}

impl NonceSequence {
    fn new() -> NonceSequence {
        let mut prefix = [0u8; 16];
        OsRng.fill_bytes(&mut prefix);
        NonceSequence {
            prefix,
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> [u8; NONCE_LEN] {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..16].copy_from_slice(&self.prefix);
        nonce[16..].copy_from_slice(&n.to_le_bytes());
        nonce
    }
}

impl Crypto {
    pub(crate) fn clear() -> Crypto {
        Crypto { keys: None }
    }

    /// Keyed with the cipher new repositories use.
    pub(crate) fn keyed(master: &MasterKey) -> Crypto {
        Crypto::keyed_with(master, DataCipher::default())
    }

    pub(crate) fn keyed_with(master: &MasterKey, cipher: DataCipher) -> Crypto {
        let sub = |label: &str| Zeroizing::new(blake3::derive_key(label, master.0.as_ref()));
        let nonces = NonceSequence::new();
        let cipher = match cipher {
            DataCipher::XChaCha20Poly1305 => {
                let data_key = sub("keepsake-store 2026 data encryption");
                DataKeys::XChaCha(XChaCha20Poly1305::new(data_key.as_ref().into()))
            }
            DataCipher::Aes256Gcm => {
                let base = sub("keepsake-store 2026 data encryption aes-256-gcm");
                DataKeys::Aes {
                    own: Box::new(DataKeys::aes_key(&base, &nonces.prefix)),
                    base,
                    seen: std::sync::Mutex::default(),
                }
            }
        };
        Crypto {
            keys: Some(Arc::new(Keys {
                cipher,
                id_key: sub("keepsake-store 2026 chunk id"),
                name_key: sub("keepsake-store 2026 name lookup"),
                path_key: sub("keepsake-store 2026 path encryption"),
                nonces,
            })),
        }
    }

    pub(crate) fn is_encrypted(&self) -> bool {
        self.keys.is_some()
    }

    /// Keyed when encrypted: a plain hash would let anyone holding the repository test whether a
    /// known file is in it.
    pub(crate) fn chunk_id(&self, data: &[u8]) -> ChunkId {
        match &self.keys {
            Some(k) => *blake3::keyed_hash(&k.id_key, data).as_bytes(),
            None => *blake3::hash(data).as_bytes(),
        }
    }

    /// Lookup key for a name (path, device) so the catalog can find it without storing it in clear.
    pub(crate) fn name_key(&self, domain: &str, name: &str) -> Vec<u8> {
        let mut h = match &self.keys {
            Some(k) => blake3::Hasher::new_keyed(&k.name_key),
            None => blake3::Hasher::new(),
        };
        h.update(domain.as_bytes())
            .update(&[0])
            .update(name.as_bytes());
        h.finalize().as_bytes()[..16].to_vec()
    }

    /// A catalog row's seal: a keyed hash (BLAKE3 under the lookup key, a "row" domain) of the
    /// row's values that never change, so `check` sees a value changed on the disk (a date, a
    /// size, a list of chunks). Clear repositories get an unkeyed hash: it sees accidents only.
    pub(crate) fn row_seal(&self, table: &str, fields: &[RowField<'_>]) -> Vec<u8> {
        let mut h = match &self.keys {
            Some(k) => blake3::Hasher::new_keyed(&k.name_key),
            None => blake3::Hasher::new(),
        };
        h.update(b"row\0").update(table.as_bytes()).update(&[0]);
        for f in fields {
            match f {
                RowField::Int(v) => h.update(&[1]).update(&v.to_le_bytes()),
                RowField::Null => h.update(&[0]),
                RowField::Bytes(b) => h
                    .update(&[2])
                    .update(&(b.len() as u64).to_le_bytes())
                    .update(b),
            };
        }
        h.finalize().as_bytes()[..16].to_vec()
    }

    /// Seals `plain` (AEAD, unique nonce, `ad` bound in); clear repositories store it as is.
    pub(crate) fn seal(&self, ad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.headroom() + plain.len() + TAG_LEN);
        buf.resize(self.headroom(), 0);
        buf.extend_from_slice(plain);
        self.seal_in_place(ad, buf)
    }

    /// Spare bytes [`Crypto::seal_in_place`] expects before the plain text (the nonce's place).
    pub(crate) fn headroom(&self) -> usize {
        if self.keys.is_some() {
            NONCE_LEN
        } else {
            0
        }
    }

    /// [`Crypto::seal`] without copying: `buf` is [`Crypto::headroom`] spare bytes, then the
    /// plain text; returns nonce || ciphertext || tag (in clear, the plain text as it is).
    pub(crate) fn seal_in_place(&self, ad: &[u8], mut buf: Vec<u8>) -> Vec<u8> {
        match &self.keys {
            Some(k) => {
                let nonce = k.nonces.next();
                match &k.cipher {
                    DataKeys::XChaCha(cipher) => {
                        let tag = cipher
                            .encrypt_in_place_detached(
                                XNonce::from_slice(&nonce),
                                ad,
                                &mut buf[NONCE_LEN..],
                            )
                            .expect("XChaCha20-Poly1305 cannot fail for in-memory buffers");
                        buf.extend_from_slice(&tag);
                    }
                    DataKeys::Aes { own, .. } => {
                        let tag = own
                            .seal_in_place_separate_tag(
                                DataKeys::gcm_nonce(&nonce),
                                aead::Aad::from(ad),
                                &mut buf[NONCE_LEN..],
                            )
                            .expect("AES-256-GCM cannot fail below 64 GiB a blob");
                        buf.extend_from_slice(tag.as_ref());
                    }
                }
                buf[..NONCE_LEN].copy_from_slice(&nonce);
                buf
            }
            None => buf,
        }
    }

    /// `None` when authentication fails: the data was altered or sealed with another key.
    pub(crate) fn open(&self, ad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if self.keys.is_none() {
            return Some(sealed.to_vec());
        }
        let mut buf = sealed.to_vec();
        let plain = self.open_in_place(ad, &mut buf)?;
        buf.truncate(plain.end);
        buf.drain(..plain.start);
        Some(buf)
    }

    /// [`Crypto::open`] without copying: decrypts `sealed` where it lies and returns where the
    /// plain text is in it; `None` when authentication fails.
    pub(crate) fn open_in_place(
        &self,
        ad: &[u8],
        sealed: &mut [u8],
    ) -> Option<std::ops::Range<usize>> {
        let Some(k) = &self.keys else {
            return Some(0..sealed.len());
        };
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let end = sealed.len() - TAG_LEN;
        let (nonce, ct_tag) = sealed.split_at_mut(NONCE_LEN);
        k.cipher
            .open(&k.nonces.prefix, nonce, ad, ct_tag)
            .then_some(NONCE_LEN..end)
    }

    pub(crate) fn seal_name(&self, domain: &str, name: &str) -> Vec<u8> {
        self.seal(domain.as_bytes(), name.as_bytes())
    }

    pub(crate) fn open_name(&self, domain: &str, sealed: &[u8]) -> Option<String> {
        String::from_utf8(self.open(domain.as_bytes(), sealed)?).ok()
    }

    /// A snapshot path sealed deterministically under its lookup key `key` (its
    /// [`Crypto::name_key`]), the SIV construction: that keyed hash of the path is the nonce,
    /// and recomputing it after decryption authenticates the path. Nothing but the ciphertext
    /// is stored: 40 bytes a file less than [`Crypto::seal_name`]'s nonce and tag. Equal paths
    /// give equal bytes, which `key` reveals already. Clear repositories keep the path as is.
    pub(crate) fn seal_path(&self, key: &[u8], path: &str) -> Vec<u8> {
        let mut out = path.as_bytes().to_vec();
        if let Some(k) = &self.keys {
            path_stream(&k.path_key, key).apply_keystream(&mut out);
        }
        out
    }

    /// Opens [`Crypto::seal_path`]; `None` if the bytes or the key were tampered with.
    pub(crate) fn open_path(&self, key: &[u8], sealed: &[u8]) -> Option<String> {
        let mut plain = sealed.to_vec();
        if let Some(k) = &self.keys {
            path_stream(&k.path_key, key).apply_keystream(&mut plain);
        }
        let path = String::from_utf8(plain).ok()?;
        (self.name_key("path", &path) == key).then_some(path)
    }
}

/// The keystream a path is sealed with: XChaCha20 under the path key, its lookup key as nonce.
fn path_stream(path_key: &[u8; 32], lookup: &[u8]) -> chacha20::XChaCha20 {
    use chacha20::cipher::KeyIvInit;
    let mut nonce = [0u8; NONCE_LEN];
    let n = lookup.len().min(NONCE_LEN);
    nonce[..n].copy_from_slice(&lookup[..n]);
    chacha20::XChaCha20::new(path_key.into(), &nonce.into())
}

fn seal_with(cipher: &XChaCha20Poly1305, ad: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: ad,
            },
        )
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

fn open_with(cipher: &XChaCha20Poly1305, ad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: ad })
        .ok()
}

/// Random bytes as hex (repository and pack names).
pub(crate) fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_key_opens_only_with_its_password_and_repository() {
        let kdf = KdfParams::insecure_for_tests();
        let key = MasterKey::random();
        let wrapped = key.wrap("hunter2", &kdf, "repo-a").unwrap();
        let back = MasterKey::unwrap("hunter2", &kdf, &wrapped, "repo-a")
            .unwrap()
            .unwrap();
        assert_eq!(back.0.as_ref(), key.0.as_ref());
        assert!(MasterKey::unwrap("hunter3", &kdf, &wrapped, "repo-a")
            .unwrap()
            .is_none());
        assert!(MasterKey::unwrap("hunter2", &kdf, &wrapped, "repo-b")
            .unwrap()
            .is_none());
    }

    #[test]
    fn key_derivation_in_mapped_memory_matches_argon2s_own() {
        // A cost below, at and beyond a 2 MiB page, and one that is not a multiple of it.
        for memory_kib in [64, 2048, 3 * 1024 + 8] {
            let mut kdf = KdfParams::with_cost(memory_kib, 2);
            kdf.salt = "000102030405060708090a0b0c0d0e0f".into();
            let params = argon2::Params::new(memory_kib, 2, 1, Some(32)).unwrap();
            let mut reference = [0u8; 32];
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(b"hunter2", &unhex(&kdf.salt).unwrap(), &mut reference)
                .unwrap();
            assert_eq!(
                *kdf.derive("hunter2").unwrap(),
                reference,
                "{memory_kib} KiB"
            );
            assert_ne!(*kdf.derive("hunter3").unwrap(), reference);
        }
    }

    #[test]
    fn a_key_derivation_cost_beyond_any_keepsake_sets_is_refused_before_any_work() {
        let ok = KdfParams::insecure_for_tests();
        for bad in [
            KdfParams {
                memory_kib: u32::MAX,
                ..ok.clone()
            },
            KdfParams {
                iterations: 1_000_000,
                ..ok.clone()
            },
            KdfParams {
                parallelism: 1000,
                ..ok.clone()
            },
        ] {
            let err = bad.derive("hunter2").unwrap_err();
            assert!(err.contains("beyond what Keepsake sets"), "{err}");
        }
        assert!(ok.derive("hunter2").is_ok());
    }

    #[test]
    fn paths_seal_deterministically_without_nonce_or_tag_and_tampering_is_caught() {
        let c = Crypto::keyed(&MasterKey::random());
        let path = "Library/SMS/sms.db";
        let key = c.name_key("path", path);
        let sealed = c.seal_path(&key, path);
        assert_eq!(sealed.len(), path.len());
        assert_ne!(&sealed[..], path.as_bytes());
        assert_eq!(sealed, c.seal_path(&key, path));
        assert_eq!(c.open_path(&key, &sealed).as_deref(), Some(path));
        // Another path's key, a flipped bit, another repository's key: refused.
        let other = c.name_key("path", "Library/SMS/sms.db-wal");
        assert_eq!(c.open_path(&other, &sealed), None);
        let mut flipped = sealed.clone();
        flipped[3] ^= 1;
        assert_eq!(c.open_path(&key, &flipped), None);
        let d = Crypto::keyed(&MasterKey::random());
        assert_eq!(d.open_path(&key, &sealed), None);
        // Clear repositories keep the path, still checked against its key.
        let clear = Crypto::clear();
        let clear_key = clear.name_key("path", path);
        assert_eq!(clear.seal_path(&clear_key, path), path.as_bytes());
        assert_eq!(
            clear.open_path(&clear_key, path.as_bytes()).as_deref(),
            Some(path)
        );
        assert_eq!(clear.open_path(&clear_key, b"Library/SMS/sms.dc"), None);
    }

    #[test]
    fn chunk_ids_are_keyed_per_repository() {
        let a = Crypto::keyed(&MasterKey::random());
        let b = Crypto::keyed(&MasterKey::random());
        let data = b"the same photo";
        assert_ne!(a.chunk_id(data), b.chunk_id(data));
        assert_ne!(a.chunk_id(data), Crypto::clear().chunk_id(data));
        assert_eq!(a.chunk_id(data), a.chunk_id(data));
    }

    #[test]
    fn sealed_blob_rejects_tampering_and_wrong_context() {
        for cipher in [DataCipher::Aes256Gcm, DataCipher::XChaCha20Poly1305] {
            let c = Crypto::keyed_with(&MasterKey::random(), cipher);
            let mut sealed = c.seal(b"ctx", b"secret path");
            assert_eq!(sealed.len(), b"secret path".len() + SEAL_OVERHEAD);
            assert!(!sealed.windows(6).any(|w| w == b"secret"));
            assert_eq!(c.open(b"ctx", &sealed).unwrap(), b"secret path");
            assert!(c.open(b"other", &sealed).is_none(), "{cipher:?}");
            for at in [3, 20, 30, sealed.len() - 1] {
                sealed[at] ^= 1;
                assert!(c.open(b"ctx", &sealed).is_none(), "{cipher:?}: byte {at}");
                sealed[at] ^= 1;
            }
            assert!(c.open(b"ctx", &sealed[..SEAL_OVERHEAD - 1]).is_none());
        }
    }

    #[test]
    fn every_opening_reads_what_the_others_sealed_and_never_reuses_a_nonce() {
        let master = MasterKey::random();
        for cipher in [DataCipher::Aes256Gcm, DataCipher::XChaCha20Poly1305] {
            let openings: Vec<Crypto> = (0..3)
                .map(|_| Crypto::keyed_with(&master, cipher))
                .collect();
            let sealed: Vec<(usize, Vec<u8>)> = (0..SEEN_KEYS + 8)
                .map(|i| (i, openings[i % 3].seal(b"chunk", &i.to_le_bytes())))
                .collect();
            let nonces: std::collections::BTreeSet<&[u8]> =
                sealed.iter().map(|(_, s)| &s[..NONCE_LEN]).collect();
            assert_eq!(nonces.len(), sealed.len(), "{cipher:?}: a nonce repeated");
            let reader = Crypto::keyed_with(&master, cipher);
            for (i, s) in &sealed {
                assert_eq!(
                    reader.open(b"chunk", s).unwrap(),
                    i.to_le_bytes(),
                    "{cipher:?}"
                );
                let mut buf = s.clone();
                let range = reader.open_in_place(b"chunk", &mut buf).unwrap();
                assert_eq!(&buf[range], i.to_le_bytes());
            }
            // another repository's key, or the other cipher under the same key, opens nothing
            let stranger = Crypto::keyed_with(&MasterKey::random(), cipher);
            let other = match cipher {
                DataCipher::Aes256Gcm => DataCipher::XChaCha20Poly1305,
                DataCipher::XChaCha20Poly1305 => DataCipher::Aes256Gcm,
            };
            let confused = Crypto::keyed_with(&master, other);
            assert!(sealed
                .iter()
                .all(|(_, s)| stranger.open(b"chunk", s).is_none()));
            assert!(sealed
                .iter()
                .all(|(_, s)| confused.open(b"chunk", s).is_none()));
        }
    }

    #[test]
    fn ciphers_are_named_in_the_config_as_they_always_were() {
        assert_eq!(DataCipher::default(), DataCipher::Aes256Gcm);
        for c in [DataCipher::Aes256Gcm, DataCipher::XChaCha20Poly1305] {
            assert_eq!(DataCipher::from_name(c.name()), Some(c));
        }
        assert_eq!(DataCipher::XChaCha20Poly1305.name(), "xchacha20poly1305");
        assert_eq!(DataCipher::from_name("rot13"), None);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])).unwrap(),
            vec![0, 1, 0xab, 0xff]
        );
        assert!(unhex("zz").is_none());
        assert!(unhex("abc").is_none());
    }
}

/// One value of a catalog row, for [`Crypto::row_seal`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowField<'a> {
    Int(i64),
    Null,
    Bytes(&'a [u8]),
}
