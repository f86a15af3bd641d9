//! `keepsake-repo.json`: what makes a repository folder self-describing. Everything another machine
//! needs to open it (format version, chunking parameters, how the key is kept) and nothing secret.

use std::path::Path;

use keepsake_i18n::say;
use serde::{Deserialize, Serialize};

use crate::crypto::KeyStorage;
use crate::error::{Error, Result};

pub(crate) const CONFIG_FILE: &str = "keepsake-repo.json";
pub(crate) const FORMAT_NAME: &str = "keepsake-store";
/// Repository format this build writes and the newest it reads. Version 3 seals data with
/// AES-256-GCM ([`crate::DataCipher`]; the config names the cipher, so older repositories keep
/// XChaCha20-Poly1305); version 2 keeps packs in 16 folders by their name's first hex digit,
/// version 1 in 256 by its first two (see [`crate::backend::PackLayout`]).
pub const FORMAT_VERSION: u32 = 3;

/// The repository configuration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoConfig {
    pub format: String,
    pub version: u32,
    /// Random id: binds the wrapped key to this repository.
    pub id: String,
    pub chunking: ChunkingParams,
    /// `None` for a repository stored in clear.
    pub encryption: Option<EncryptionConfig>,
}

/// How the master key is protected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncryptionConfig {
    pub cipher: String,
    #[serde(flatten)]
    pub key: KeyStorage,
    /// Key slots only: a keyed hash of the slots under the master key, so `check` sees a slot
    /// changed on the disk even when nobody opens with it (absent in repositories whose slots
    /// have not changed since before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_seal: Option<String>,
}

/// How files are cut into chunks and chunks grouped into packs. Fixed at `init` and recorded, so
/// every machine writing to the repository cuts identically and deduplicates against the others.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChunkingParams {
    /// Files up to this size are one chunk: plists and small files change whole.
    pub small_file_limit: u32,
    /// SQLite files are cut into groups of pages of at least this many bytes, aligned to the page.
    pub sqlite_group: u32,
    pub cdc_min: u32,
    pub cdc_avg: u32,
    pub cdc_max: u32,
    /// A pack is closed once it holds this many bytes.
    pub pack_target: u64,
}

impl Default for ChunkingParams {
    fn default() -> Self {
        ChunkingParams {
            small_file_limit: 128 * 1024,
            // 16 KiB groups: 15 changed pages of a 4 KiB-page database cost ~240 KiB, not megabytes.
            sqlite_group: 16 * 1024,
            // Large media rarely changes in place: big chunks keep the catalog small.
            cdc_min: 256 * 1024,
            cdc_avg: 1024 * 1024,
            cdc_max: 4 * 1024 * 1024,
            pack_target: 32 * 1024 * 1024,
        }
    }
}

impl ChunkingParams {
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let pow2 = |v: u32| v.is_power_of_two();
        if !pow2(self.sqlite_group) || self.sqlite_group < 512 {
            return Err(say("store-reason-sqlite-group", &[]));
        }
        if !(64..=self.cdc_avg).contains(&self.cdc_min) || self.cdc_avg > self.cdc_max {
            return Err(say("store-reason-cdc-sizes", &[]));
        }
        if self.pack_target == 0 || self.small_file_limit == 0 {
            return Err(say("store-reason-pack-sizes", &[]));
        }
        Ok(())
    }
}

impl RepoConfig {
    /// Reads a repository's config without opening it (to learn its id, or whether it is encrypted).
    pub fn load(repo: &Path) -> Result<RepoConfig> {
        let path = repo.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotARepository {
                    repo: repo.to_path_buf(),
                })
            }
            Err(e) => return Err(Error::io(path, "store-action-reading-repository-config")(e)),
        };
        RepoConfig::parse(repo, &text)
    }

    /// A config file's text, as [`RepoConfig::load`] reads it; `repo` names it in errors.
    pub(crate) fn parse(repo: &Path, text: &str) -> Result<RepoConfig> {
        let bad = |reason: String| Error::BadConfig {
            repo: repo.to_path_buf(),
            reason,
        };
        // Read the version first, so a newer format says "update" instead of "damaged".
        let probe: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if probe.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(bad(say(
                "store-reason-not-a-config",
                &[("format", &FORMAT_NAME)],
            )));
        }
        let version = probe
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| bad(say("store-reason-no-version", &[])))?;
        if version > u64::from(FORMAT_VERSION) {
            return Err(Error::NewerFormat {
                repo: repo.to_path_buf(),
                what: "store-what-repository",
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: FORMAT_VERSION,
            });
        }
        let config: RepoConfig = serde_json::from_value(probe).map_err(|e| bad(e.to_string()))?;
        config.chunking.validate().map_err(bad)?;
        Ok(config)
    }

    /// Written to a temporary file, synced, then renamed: a crash leaves the old config or the new.
    pub(crate) fn store(&self, repo: &Path) -> Result<()> {
        let path = repo.join(CONFIG_FILE);
        let text = serde_json::to_vec_pretty(self).expect("the config always serialises");
        crate::durable::write_atomically(&path, &text)
            .map_err(Error::io(&path, "store-action-writing-config"))
    }
}
