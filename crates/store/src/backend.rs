//! Where pack files live. A small trait so a local folder (today) and a network or cloud target
//! (later) look the same to the rest of the store; the catalog always stays local to the repository.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use keepsake_i18n::say;

use crate::durable;
use crate::error::{Error, Result};

/// Storage for immutable pack files, named by random hex ids.
pub trait Backend: Send + Sync {
    /// Starts a pack; nothing is visible under `name` until [`PackSink::commit`].
    fn create_pack(&self, name: &str) -> Result<Box<dyn PackSink>>;
    /// Reads `len` bytes at `offset`; a short file is `UnexpectedEof`, a missing one `NotFound`.
    fn read_at(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// The pack's size in bytes.
    fn pack_len(&self, name: &str) -> io::Result<u64>;
    /// Deletes a pack; a pack already gone is not an error.
    fn remove_pack(&self, name: &str) -> Result<()>;
    /// Every committed pack's name.
    fn list_packs(&self) -> Result<Vec<String>>;
    /// Deletes packs left half-written by an interrupted writer; returns how many.
    fn clean_partials(&self) -> Result<usize>;
    /// Drops cached handles, so the next reads see the storage as it is now (check, restore).
    fn refresh(&self) {}
    /// Records, durably and before any pack appears or vanishes without the catalog knowing,
    /// that packs may no longer match the catalog. Packs created here do it themselves.
    fn unsettle(&self) -> Result<()> {
        Ok(())
    }
    /// Records that the catalog knows every pack again (after a commit or a recovery).
    fn settle(&self) -> Result<()> {
        Ok(())
    }
    /// Whether packs may not match the catalog (an interrupted write): only then must a writer
    /// list every pack to find leftovers. When unsure, true.
    fn unsettled(&self) -> Result<bool> {
        Ok(true)
    }
}

/// A pack being written: durable and visible atomically on commit, discarded on drop.
pub trait PackSink: Write + Send {
    fn commit(self: Box<Self>) -> Result<()>;
}

/// How pack files are spread over folders: `<repo>/packs/<the name's first N hex digits>/`.
/// A folder costs a block (4 KiB) of disk even for one pack: a 1 GB backup in ~170 packs of
/// 4-32 MiB filled 127 of 256 two-digit folders (0.5 MB), where one digit makes at most 16.
/// A terabyte in 170,000 packs is ~10,600 a folder, which every file system we write to
/// looks up by name without a linear scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackLayout {
    digits: usize,
}

impl PackLayout {
    /// The layout repositories of this format `version` use.
    pub fn for_version(version: u32) -> PackLayout {
        PackLayout {
            digits: if version < 2 { 2 } else { 1 },
        }
    }
}

/// Packs as files under `<repo>/packs/<1 or 2 hex>/<name>.pack` (see [`PackLayout`]), staged
/// in `<repo>/tmp/`.
pub struct LocalBackend {
    root: PathBuf,
    layout: PackLayout,
    // Restore and check read many chunks from a few packs in turn: keep them open.
    open_packs: Mutex<HashMap<String, File>>,
}

const PACK_EXT: &str = "pack";

/// Whether `name` is a pack name as this store makes them: hex digits (32 of them since the
/// first version; at least two, so every layout has a folder for it).
fn is_pack_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `packs-settled`: present while the catalog knows every pack. Removed (durably) before a write
/// adds or deletes packs, put back after its commit; so a repository without it (an interrupted
/// write, or one made before the mark existed) is searched for leftovers, and one with it is not.
const SETTLED: &str = "packs-settled";
const PARTIAL_EXT: &str = "partial";
const MAX_OPEN_PACKS: usize = 32;

impl LocalBackend {
    /// The backend of a repository in the format this build writes.
    pub fn new(root: &Path) -> LocalBackend {
        LocalBackend::with_layout(root, PackLayout::for_version(crate::FORMAT_VERSION))
    }

    /// The backend of a repository whose packs are laid out as `layout` says.
    pub fn with_layout(root: &Path, layout: PackLayout) -> LocalBackend {
        LocalBackend {
            root: root.to_path_buf(),
            layout,
            open_packs: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn create_layout(root: &Path) -> Result<()> {
        for dir in ["packs", "tmp"] {
            let d = root.join(dir);
            durable::create_dir_all(&d)
                .map_err(Error::io(&d, "store-action-creating-the-folder"))?;
        }
        LocalBackend::new(root).settle()
    }

    fn settled_mark(&self) -> PathBuf {
        self.root.join(SETTLED)
    }

    /// Where pack `name` lies. Names come from the catalog, which may be damaged or made by
    /// someone else: only names as this store makes them (hex) are accepted, so none can lead
    /// out of the repository (`../../x` would have been opened, and deleted by gc).
    fn pack_path(&self, name: &str) -> io::Result<PathBuf> {
        if !is_pack_name(name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                say(
                    "store-reason-not-a-pack-name",
                    &[("name", &format!("{name:?}"))],
                ),
            ));
        }
        Ok(self
            .root
            .join("packs")
            .join(&name[..self.layout.digits])
            .join(format!("{name}.{PACK_EXT}")))
    }
}

impl Backend for LocalBackend {
    fn create_pack(&self, name: &str) -> Result<Box<dyn PackSink>> {
        self.unsettle()?;
        let tmp = self.root.join("tmp").join(format!("{name}.{PARTIAL_EXT}"));
        let file =
            durable::create_new(&tmp).map_err(Error::io(&tmp, "store-action-creating-pack"))?;
        Ok(Box::new(LocalPackSink {
            out: Some(BufWriter::with_capacity(
                1 << 20,
                durable::Reported::new(file, &tmp),
            )),
            tmp,
            dest: self
                .pack_path(name)
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
        }))
    }

    fn read_at(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut cache = self.open_packs.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.contains_key(name) {
            if cache.len() >= MAX_OPEN_PACKS {
                cache.clear();
            }
            cache.insert(name.to_string(), File::open(self.pack_path(name)?)?);
        }
        let file = &cache[name];
        let mut buf = vec![0u8; len];
        read_exact_at(file, &mut buf, offset)?;
        Ok(buf)
    }

    fn pack_len(&self, name: &str) -> io::Result<u64> {
        Ok(fs::metadata(self.pack_path(name)?)?.len())
    }

    fn remove_pack(&self, name: &str) -> Result<()> {
        let mut cache = self.open_packs.lock().unwrap_or_else(|p| p.into_inner());
        cache.remove(name);
        let path = self.pack_path(name).map_err(|e| Error::DamagedCatalog {
            repo: self.root.clone(),
            reason: say("store-reason-refusing-to-delete-pack", &[("error", &e)]),
        })?;
        match durable::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(Error::io(path, "store-action-deleting-pack")(e))
            }
            _ => Ok(()),
        }
    }

    fn list_packs(&self) -> Result<Vec<String>> {
        let packs = self.root.join("packs");
        let mut names = Vec::new();
        let dirs = fs::read_dir(&packs).map_err(Error::io(&packs, "store-action-listing-packs"))?;
        for dir in dirs {
            let dir = dir
                .map_err(Error::io(&packs, "store-action-listing-packs"))?
                .path();
            if !dir.is_dir() {
                continue;
            }
            for f in fs::read_dir(&dir).map_err(Error::io(&dir, "store-action-listing-packs"))? {
                let p = f
                    .map_err(Error::io(&dir, "store-action-listing-packs"))?
                    .path();
                if p.extension().and_then(|e| e.to_str()) == Some(PACK_EXT) {
                    // Only names this store makes: anything else there is not a pack of its
                    // own, and could not be read or deleted as one.
                    if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                        if is_pack_name(stem) {
                            names.push(stem.to_string());
                        }
                    }
                }
            }
        }
        Ok(names)
    }

    fn refresh(&self) {
        self.open_packs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn unsettle(&self) -> Result<()> {
        // Asked of the folder each time, not remembered: another process may have settled the
        // packs since this handle last wrote. Already gone, its removal was synced by whoever
        // removed it (one writer at a time).
        let mark = self.settled_mark();
        match durable::remove_file(&mark) {
            Ok(()) => sync_dir(&self.root),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(mark, "store-action-marking-write-in-progress")(e)),
        }
    }

    fn settle(&self) -> Result<()> {
        // Not synced: if the mark is lost, the next writer only lists the packs once more.
        let mark = self.settled_mark();
        // Nor is it an error when it cannot be made (a full disk): the write it follows is done.
        match durable::create_new(&mark) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                tracing::warn!(mark = %mark.display(), error = %e, "the packs could not be marked settled; the next write looks for leftovers");
            }
            _ => {}
        }
        Ok(())
    }

    fn unsettled(&self) -> Result<bool> {
        let mark = self.settled_mark();
        match fs::symlink_metadata(&mark) {
            Ok(_) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(Error::io(mark, "store-action-inspecting-packs")(e)),
        }
    }

    fn clean_partials(&self) -> Result<usize> {
        let tmp = self.root.join("tmp");
        let mut n = 0;
        for f in fs::read_dir(&tmp).map_err(Error::io(&tmp, "store-action-listing-staged-packs"))? {
            let p = f
                .map_err(Error::io(&tmp, "store-action-listing-staged-packs"))?
                .path();
            if p.extension().and_then(|e| e.to_str()) == Some(PARTIAL_EXT) {
                durable::remove_file(&p)
                    .map_err(Error::io(&p, "store-action-deleting-staged-pack"))?;
                n += 1;
            }
        }
        Ok(n)
    }
}

struct LocalPackSink {
    out: Option<BufWriter<durable::Reported>>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl Write for LocalPackSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out
            .as_mut()
            .expect("sink used after commit")
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().expect("sink used after commit").flush()
    }
}

impl PackSink for LocalPackSink {
    fn commit(mut self: Box<Self>) -> Result<()> {
        let out = self.out.take().expect("committed once");
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, "store-action-writing-pack")(e.into_error()))?
            .file;
        // Data durable before the rename makes it visible, and the rename durable before the
        // catalog that will point at it.
        durable::sync_file(&file, &self.tmp)
            .map_err(Error::io(&self.tmp, "store-action-syncing-pack"))?;
        drop(file);
        let dir = self.dest.parent().expect("pack paths have a folder");
        // A new folder's own entry is made durable too, or the pack could vanish with it.
        durable::create_dir_all(dir)
            .map_err(Error::io(dir, "store-action-creating-pack-folder"))?;
        durable::rename(&self.tmp, &self.dest)
            .map_err(Error::io(&self.dest, "store-action-publishing-pack"))?;
        sync_dir(dir)?;
        Ok(())
    }
}

impl Drop for LocalPackSink {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            // Abandoned: the partial file is useless. If this fails, the next writer cleans it.
            let _ = durable::remove_file(&self.tmp);
        }
    }
}

/// Makes a rename or creation inside `dir` durable (a no-op where folders cannot be synced).
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    durable::sync_dir(dir).map_err(Error::io(dir, "store-action-syncing-folder"))
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Pack names present in `listed` but unknown to the catalog.
pub(crate) fn orphans(listed: Vec<String>, known: &HashSet<String>) -> Vec<String> {
    listed.into_iter().filter(|n| !known.contains(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_pack_unsettles_the_repository_until_settled_again() {
        let dir = tempfile::tempdir().unwrap();
        LocalBackend::create_layout(dir.path()).unwrap();
        let backend = LocalBackend::new(dir.path());
        assert!(!backend.unsettled().unwrap(), "a new repository is settled");
        let mut sink = backend.create_pack("00aa").unwrap();
        sink.write_all(b"pack").unwrap();
        sink.commit().unwrap();
        // Another handle (the next process) sees the write as possibly interrupted.
        assert!(LocalBackend::new(dir.path()).unsettled().unwrap());
        backend.settle().unwrap();
        assert!(!LocalBackend::new(dir.path()).unsettled().unwrap());
        assert_eq!(backend.list_packs().unwrap(), ["00aa"]);
        // A file of another name in the packs folders is not taken for a pack (recovery would
        // adopt or delete it).
        fs::write(dir.path().join("packs/0/notes.pack"), b"mine").unwrap();
        assert_eq!(backend.list_packs().unwrap(), ["00aa"]);
        // A second write after settling unsettles again.
        drop(backend.create_pack("00bb").unwrap());
        assert!(LocalBackend::new(dir.path()).unsettled().unwrap());
        // Settled meanwhile by another handle (another process recovering), this one's next
        // pack must unsettle the folder again, not trust what it did before.
        LocalBackend::new(dir.path()).settle().unwrap();
        drop(backend.create_pack("00cc").unwrap());
        assert!(LocalBackend::new(dir.path()).unsettled().unwrap());
    }
}
