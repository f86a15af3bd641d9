//! Keepsake's snapshot repository: every backup of a device becomes an immutable snapshot in a
//! folder that deduplicates, compresses and (by default) encrypts what it stores, survives crashes
//! at any point, and knows cheaply how much space each snapshot costs.
//!
//! It is not the backup protocol (that is `keepsake-device`) nor Apple's backup format
//! (`keepsake-mobilesync`): it stores files given as streams, by path, per device.
//!
//! Layout of a repository folder:
//! ```text
//! keepsake-repo.json   format version, chunking parameters, wrapped key (see `RepoConfig`)
//! catalog.db           SQLite (WAL): devices, snapshots, file versions, chunks, packs
//! packs/<hex>/<id>.pack    chunks appended into pack files (see `pack`), in folders by the
//!                      id's first hex digit (its first two in format version 1)
//! tmp/                 packs being written
//! packs-settled        present while the catalog knows every pack (no write was interrupted)
//! locks/               OS advisory locks (writer, readers)
//! ```
//! Encryption (on by default): a random master key, stored wrapped by an Argon2id-derived key in
//! the config, or held by the OS credential store (see `credential`); chunk ids are keyed
//! BLAKE3, every pack blob and pack index is sealed with the repository's [`DataCipher`]
//! (AES-256-GCM under a key per writer opening since format 3, XChaCha20-Poly1305 before; the
//! chunk id as associated data), and so are device names in the catalog; its paths are sealed deterministically (XChaCha20 with the path's keyed hash, kept
//! beside it for lookups, as the nonce; recomputing the hash authenticates them). Sizes, times
//! and modes stay in clear.
//!
//! Operations are plain functions (and a writer) over a [`Repository`], one file each under
//! [`commands`]. A [`Repository`] is not `Sync` (it owns a SQLite connection): open one per
//! thread, or share one behind a mutex.

mod backend;
mod catalog;
mod chunker;
pub mod commands;
mod config;
mod copies;
mod credential;
mod crypto;
pub mod durable;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
mod lock;
mod pack;
mod packer;
pub mod probe;
mod read;
mod repository;
pub mod secret;

pub use backend::{Backend, LocalBackend, PackSink};
pub use commands::backup::{BaseFile, FileMeta, SnapshotWriter, WriteStats};
pub use config::{ChunkingParams, EncryptionConfig, RepoConfig, FORMAT_VERSION};
pub use copies::{CatalogCopy, PackReader, SnapshotMark};
pub use crypto::{DataCipher, KdfParams, KeySource, KeyStorage, NewSlot};
pub use error::{ChunkFault, Error, Result};
pub use keys::{KeySlot, SlotKind};
pub use read::{FileInfo, SnapshotInfo};
pub use repository::{InitOptions, Repository};
pub use secret::Secret;
