//! Key slots: a repository's master key wrapped several ways at once (as LUKS does), so that any
//! one of the secrets opens it: a computer's random key in its OS credential store, the recovery
//! key shown when the location was set up, the Apple backup password of a device backed up
//! there, a password the person chose.
//!
//! Every slot is the master key sealed (XChaCha20-Poly1305) under a key stretched from its secret
//! by Argon2id, bound to the repository id; the config holds only those. Random secrets (a
//! computer's key, the recovery key: 160 bits or more) need no stretching and get a cheap cost;
//! secrets people choose get the recommended one. The recovery key is also kept sealed under the
//! master key itself, so a computer that can open the repository can show it again.
//!
//! Changing slots rewrites the config atomically (a temporary file, fsync, rename, fsync of the
//! folder) under its own lock, after reading it again: a kill at any point leaves the old config
//! or the new, and the last slot can never be removed, so no state exists in which no slot
//! opens the repository.

use std::path::Path;

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use keepsake_i18n::say;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::{EncryptionConfig, RepoConfig};
use crate::crypto::{random_hex, KdfParams, KeyStorage, MasterKey};
use crate::error::{Error, Result};
use crate::repository::Repository;

/// What unlocks a slot, in the person's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unlocked_by", rename_all = "snake_case")]
pub enum SlotKind {
    /// A password the person chose for the snapshots.
    Password,
    /// The recovery key made when the location was set up.
    RecoveryKey,
    /// The Apple backup password of the device with this UDID.
    BackupPassword { device: String },
    /// A random key one computer keeps in its OS credential store (named as devices know it).
    Computer { name: String },
}

impl std::fmt::Display for SlotKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlotKind::Password => f.write_str("the snapshots' password"),
            SlotKind::RecoveryKey => f.write_str("the recovery key"),
            SlotKind::BackupPassword { device } => write!(f, "the backup password of {device}"),
            SlotKind::Computer { name } => write!(f, "the computer {name}"),
        }
    }
}

/// One way to unlock the master key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySlot {
    /// Random, names the slot (to remove it).
    pub id: String,
    #[serde(flatten)]
    pub kind: SlotKind,
    pub kdf: KdfParams,
    /// Hex of nonce || the master key sealed under the stretched secret || tag.
    pub wrapped_key: String,
    /// For the recovery key: the key itself sealed under the master key (hex), so a computer
    /// that opens the repository can show it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_secret: Option<String>,
}

/// How the repository was unlocked: which slot opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocked {
    pub slot: Option<KeySlot>,
}

/// A new recovery key: 160 random bits as 32 letters and digits (Crockford's base 32: no I, L, O
/// or U), in eight groups of four, e.g. `7QKD-2M9X-…`.
pub fn new_recovery_key() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 20]);
    OsRng.fill_bytes(bytes.as_mut());
    let mut out = String::with_capacity(39);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut chars = 0;
    for b in bytes.iter() {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if chars > 0 && chars % 4 == 0 {
                out.push('-');
            }
            out.push(CROCKFORD[((acc >> bits) & 31) as usize] as char);
            chars += 1;
        }
        acc &= (1 << bits) - 1;
    }
    Zeroizing::new(out)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A recovery key as typed or pasted, in the one form that unlocks: dashes and blanks dropped,
/// upper case, the letters people confuse read as Crockford says (O as 0, I and L as 1). `None`
/// when it cannot be one (wrong length, other characters).
pub fn normalize_recovery_key(typed: &str) -> Option<Zeroizing<String>> {
    let mut plain = Zeroizing::new(String::with_capacity(32));
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\t' | '\n' | '\r' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if CROCKFORD.contains(&(c as u8)) && c.is_ascii() => c,
            _ => return None,
        };
        plain.push(c);
    }
    if plain.len() != 32 {
        return None;
    }
    let mut out = Zeroizing::new(String::with_capacity(39));
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

/// The stretching a slot of `kind` gets: random secrets need none worth the wait.
pub fn kdf_for(kind: &SlotKind) -> KdfParams {
    match kind {
        SlotKind::Computer { .. } | SlotKind::RecoveryKey => KdfParams::cheap(),
        SlotKind::Password | SlotKind::BackupPassword { .. } => KdfParams::recommended(),
    }
}

pub(crate) fn wrap_slot(
    master: &MasterKey,
    kind: SlotKind,
    secret: &str,
    kdf: KdfParams,
    repo_id: &str,
) -> Result<KeySlot> {
    let wrapped_key = master
        .wrap(secret, &kdf, repo_id)
        .map_err(Error::InvalidInput)?;
    let sealed_secret =
        (kind == SlotKind::RecoveryKey).then(|| master.seal_secret(secret, repo_id));
    Ok(KeySlot {
        id: random_hex(4),
        kind,
        kdf,
        wrapped_key,
        sealed_secret,
    })
}

/// Tries `secret` against every slot, cheapest first (a random key costs nothing to try, a
/// password tens of milliseconds): the master key and the slot that opened it, or `None`.
pub(crate) fn unlock(
    slots: &[KeySlot],
    secret: &str,
    repo_id: &str,
) -> std::result::Result<Option<(MasterKey, KeySlot)>, String> {
    let mut order: Vec<&KeySlot> = slots.iter().collect();
    order.sort_by_key(|s| u64::from(s.kdf.memory_kib) * u64::from(s.kdf.iterations));
    // A recovery key may be typed any way; the slot holds its one form.
    let recovery = normalize_recovery_key(secret);
    for slot in order {
        let tried = match (&slot.kind, &recovery) {
            (SlotKind::RecoveryKey, Some(r)) => r.as_str(),
            _ => secret,
        };
        if let Some(master) = MasterKey::unwrap(tried, &slot.kdf, &slot.wrapped_key, repo_id)? {
            return Ok(Some((master, slot.clone())));
        }
    }
    Ok(None)
}

/// The seal of `slots` (see `EncryptionConfig::slots_seal`).
pub(crate) fn slots_seal(master: &MasterKey, slots: &[KeySlot], repo_id: &str) -> String {
    let json = serde_json::to_vec(slots).expect("slots serialise");
    master.seal_slots(&json, repo_id)
}

/// Whether the config's slots are the ones sealed: `None` when there is no seal to compare.
pub(crate) fn slots_intact(
    master: &MasterKey,
    config: &EncryptionConfig,
    repo_id: &str,
) -> Option<bool> {
    let seal = config.slots_seal.as_ref()?;
    let KeyStorage::Slots { slots } = &config.key else {
        return None;
    };
    Some(&slots_seal(master, slots, repo_id) == seal)
}

/// The slots a key storage holds: a repository made before slots has its one password as a
/// slot (named `password`); a key held by the credential store alone has none.
pub(crate) fn slots_in(key: &KeyStorage) -> Vec<KeySlot> {
    match key {
        KeyStorage::Slots { slots } => slots.clone(),
        KeyStorage::Password { kdf, wrapped_key } => vec![KeySlot {
            id: "password".into(),
            kind: SlotKind::Password,
            kdf: kdf.clone(),
            wrapped_key: wrapped_key.clone(),
            sealed_secret: None,
        }],
        KeyStorage::Keyring { .. } => vec![],
    }
}

impl Repository {
    /// The repository's key slots (none for one stored in clear or keyed by the credential
    /// store alone; one, a password, for a repository made before slots).
    pub fn key_slots(&self) -> Vec<KeySlot> {
        self.config
            .encryption
            .as_ref()
            .map_or_else(Vec::new, |e| slots_in(&e.key))
    }

    /// The slot that opened this handle (`None` for a repository in clear, or keyed by the
    /// credential store).
    pub fn unlocked_by(&self) -> Option<&KeySlot> {
        self.unlocked.slot.as_ref()
    }

    /// Whether `secret` opens one of the slots `select` picks (for a caller that keeps a slot
    /// per device password current: it adds one only when none opens with the password now).
    pub fn any_slot_opens(&self, select: impl Fn(&SlotKind) -> bool, secret: &str) -> bool {
        let chosen: Vec<KeySlot> = self
            .key_slots()
            .into_iter()
            .filter(|s| select(&s.kind))
            .collect();
        matches!(unlock(&chosen, secret, &self.config.id), Ok(Some(_)))
    }

    /// Adds a slot: `secret` opens the repository from now on, as `kind`. Returns its id.
    pub fn add_key_slot(&mut self, kind: SlotKind, secret: &str, kdf: KdfParams) -> Result<String> {
        crate::probe::set_phase("key change: adding a slot");
        let master = self.master_key()?;
        let id = self.config.id.clone();
        let slot = wrap_slot(master, kind, secret, kdf, &id)?;
        let slot_id = slot.id.clone();
        self.change_slots(|slots| {
            slots.push(slot);
            Ok(())
        })?;
        tracing::info!(repo = %self.root.display(), slot = slot_id, "key slot added");
        Ok(slot_id)
    }

    /// Removes slot `id`. The last slot is never removed: something must open the repository.
    pub fn remove_key_slot(&mut self, id: &str) -> Result<()> {
        crate::probe::set_phase("key change: removing a slot");
        let repo = self.root.clone();
        self.change_slots(|slots| {
            let before = slots.len();
            slots.retain(|s| s.id != id);
            if slots.len() == before {
                return Err(Error::InvalidInput(say(
                    "store-invalid-no-key-slot",
                    &[("repo", &repo.display()), ("slot", &id)],
                )));
            }
            if slots.is_empty() {
                return Err(Error::InvalidInput(say(
                    "store-invalid-last-key-slot",
                    &[("repo", &repo.display()), ("slot", &id)],
                )));
            }
            Ok(())
        })?;
        tracing::info!(repo = %self.root.display(), slot = id, "key slot removed");
        Ok(())
    }

    /// The recovery key, read back from its slot with the master key: `None` when the
    /// repository has no recovery slot (or is not encrypted).
    pub fn recovery_key(&self) -> Result<Option<Zeroizing<String>>> {
        let Some(master) = self.master.as_ref() else {
            return Ok(None);
        };
        for slot in self.key_slots() {
            if let (SlotKind::RecoveryKey, Some(sealed)) = (&slot.kind, &slot.sealed_secret) {
                return master
                    .open_secret(sealed, &self.config.id)
                    .map(Some)
                    .ok_or_else(|| Error::BadConfig {
                        repo: self.root.clone(),
                        reason: say("store-reason-recovery-slot-closed", &[("slot", &slot.id)]),
                    });
            }
        }
        Ok(None)
    }

    fn master_key(&self) -> Result<&MasterKey> {
        self.master.as_ref().ok_or_else(|| {
            Error::InvalidInput(say(
                "store-invalid-no-wrapped-key",
                &[("repo", &self.root.display())],
            ))
        })
    }

    /// Reads the config again under the keys lock, changes its slots (a repository made before
    /// slots gets its password as the first one), and writes it back atomically.
    fn change_slots(&mut self, change: impl FnOnce(&mut Vec<KeySlot>) -> Result<()>) -> Result<()> {
        let _lock = crate::lock::keys(&self.root)?;
        let mut config = RepoConfig::load(&self.root)?;
        if config.id != self.config.id {
            return Err(Error::BadConfig {
                repo: self.root.clone(),
                reason: say("store-reason-id-changed", &[]),
            });
        }
        let fresh = Repository::slots_of(&self.root, &config)?;
        let mut slots = fresh;
        change(&mut slots)?;
        let cipher = config
            .encryption
            .as_ref()
            .map(|e| e.cipher.clone())
            .unwrap_or_default();
        let master = self.master_key()?;
        let slots_seal = Some(slots_seal(master, &slots, &config.id));
        config.encryption = Some(EncryptionConfig {
            cipher,
            key: KeyStorage::Slots { slots },
            slots_seal,
        });
        config.store(&self.root)?;
        self.config = config;
        Ok(())
    }

    fn slots_of(root: &Path, config: &RepoConfig) -> Result<Vec<KeySlot>> {
        match config.encryption.as_ref().map(|e| &e.key) {
            Some(key @ (KeyStorage::Slots { .. } | KeyStorage::Password { .. })) => {
                Ok(slots_in(key))
            }
            Some(KeyStorage::Keyring { .. }) => Err(Error::InvalidInput(say(
                "store-invalid-keyring-has-no-slots",
                &[("repo", &root.display())],
            ))),
            None => Err(Error::InvalidInput(say(
                "store-invalid-unencrypted",
                &[("repo", &root.display())],
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_key_is_160_bits_in_eight_groups_and_reads_back_however_typed() {
        let key = new_recovery_key();
        assert_eq!(key.len(), 39, "{}", key.as_str());
        assert_eq!(key.split('-').count(), 8);
        assert!(key
            .chars()
            .all(|c| c == '-' || CROCKFORD.contains(&(c as u8))));
        assert_ne!(new_recovery_key().as_str(), key.as_str());
        assert_eq!(normalize_recovery_key(&key).unwrap().as_str(), key.as_str());
        let sloppy = key.replace('-', " ").to_lowercase();
        assert_eq!(
            normalize_recovery_key(&sloppy).unwrap().as_str(),
            key.as_str()
        );
        let confused = "7QKD2M9XOOIILLAB7QKD2M9X0011AB12";
        assert_eq!(
            normalize_recovery_key(confused).unwrap().as_str(),
            "7QKD-2M9X-0011-11AB-7QKD-2M9X-0011-AB12"
        );
        for bad in [
            "",
            "7QKD-2M9X",
            "7QKD-2M9X-0011-11AB-7QKD-2M9X-0011-AB1U",
            "é",
        ] {
            assert!(normalize_recovery_key(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_slot_opens_with_its_secret_only_and_in_this_repository_only() {
        let master = MasterKey::random();
        let slots = vec![
            wrap_slot(
                &master,
                SlotKind::Computer { name: "a".into() },
                "computer secret",
                KdfParams::cheap(),
                "repo",
            )
            .unwrap(),
            wrap_slot(
                &master,
                SlotKind::Password,
                "hunter2",
                KdfParams::insecure_for_tests(),
                "repo",
            )
            .unwrap(),
        ];
        let (found, slot) = unlock(&slots, "hunter2", "repo").unwrap().unwrap();
        assert_eq!(found.bytes(), master.bytes());
        assert_eq!(slot.kind, SlotKind::Password);
        assert!(unlock(&slots, "hunter3", "repo").unwrap().is_none());
        assert!(unlock(&slots, "hunter2", "other repo").unwrap().is_none());
        assert!(
            slots[1].sealed_secret.is_none(),
            "only recovery keys are kept"
        );
    }
}
