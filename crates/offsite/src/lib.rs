//! Offsite copies of a repository on an S3-compatible object store (see docs/offsite.md).
//!
//! Under the remote's prefix each repository has a folder named by its id, holding its config
//! (the key slots), its packs (the same encrypted bytes as on disk, never rewritten), one
//! catalog per commit, and HEAD, which names the current catalog. HEAD is written last with a
//! compare-and-swap on its ETag: conditional writes, no lease.

mod bucket;
mod error;
mod gc;
mod head;
mod open;
mod push;
mod remote;

pub use bucket::Bucket;
pub use error::{Error, Result};
pub use gc::{gc, Collected};
pub use head::Head;
pub use open::{fetch, open, packs, repositories, RemoteRepository};
pub use push::{push, Prepared, Progress, Pushed};
pub use remote::{Credentials, Limits, Remote};
