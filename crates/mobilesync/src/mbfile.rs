//! `MBFile`: the NSKeyedArchiver blob in Manifest.db's `file` column that carries a file's
//! metadata and, in encrypted backups, its wrapped key. Encoded in exactly the shape real
//! readers (mvt, iOSbackup, iphone_backup_decrypt) accept: root at `$objects[1]`.

use std::io::Cursor;

use plist::{Dictionary, Uid, Value};

use crate::crypto::WrappedKey;
use crate::error::{Error, Result};

/// Readers in the wild refuse Manifest.db blobs over 100 KiB; real ones are 0.4–2 KB.
pub const MAX_MBFILE_LEN: usize = 100 * 1024;

/// `st_mode` of a regular file with permissions 0644, as devices record it.
pub const MODE_FILE: u32 = 0o100644;
/// `st_mode` of a directory with permissions 0755.
pub const MODE_DIRECTORY: u32 = 0o40755;
/// `st_mode` of a symbolic link.
pub const MODE_SYMLINK: u32 = 0o120755;

/// A file's metadata as the device records it. Times are Unix epoch seconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MbFile {
    pub relative_path: String,
    /// Plaintext size; `None` when the archive has no `Size` (never read that as 0). Writers
    /// always set it: 0 for directories and links (`ManifestEntry::new` does that).
    pub size: Option<u64>,
    /// Full `st_mode`, file type bits included.
    pub mode: u32,
    pub last_modified: i64,
    pub last_status_change: i64,
    pub birth: i64,
    pub inode: u64,
    pub user_id: u32,
    pub group_id: u32,
    /// Data-protection class 1–4 for files, 0 for directories and links.
    pub protection_class: u32,
    pub flags: u64,
    /// Files in encrypted backups: the per-file key wrapped with its class key.
    pub encryption_key: Option<WrappedKey>,
    /// Opaque 20 bytes some files carry; its input is unconfirmed, so it is never validated.
    pub digest: Option<Vec<u8>>,
    /// A nested binary plist of xattr name → data, kept as bytes.
    pub extended_attributes: Option<Vec<u8>>,
    /// Symlinks only: the link's target.
    pub target: Option<String>,
}

fn class_dict(name: &str, classes: &[&str]) -> Value {
    let mut dict = Dictionary::new();
    dict.insert("$classname".into(), Value::String(name.into()));
    dict.insert(
        "$classes".into(),
        Value::Array(classes.iter().map(|c| Value::String((*c).into())).collect()),
    );
    Value::Dictionary(dict)
}

/// Builds `$objects` for one archive, handing out UIDs as objects are appended.
struct Objects(Vec<Value>);

impl Objects {
    fn push(&mut self, value: Value) -> Value {
        self.0.push(value);
        Value::Uid(Uid::new(self.0.len() as u64 - 1))
    }
}

/// Follows a UID into `$objects`; any other value stands for itself.
fn resolve_uid<'a>(objects: &'a [Value], value: &'a Value, what: &str) -> Result<&'a Value> {
    match value {
        Value::Uid(uid) => usize::try_from(uid.get())
            .ok()
            .and_then(|i| objects.get(i))
            .ok_or_else(|| {
                Error::mbfile(format!(
                    "{what} refers to object {} of {}",
                    uid.get(),
                    objects.len()
                ))
            }),
        other => Ok(other),
    }
}

fn int(value: impl Into<plist::Integer>) -> Value {
    Value::Integer(value.into())
}

impl MbFile {
    /// The binary-plist NSKeyedArchiver blob for Manifest.db's `file` column.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut objects = Objects(vec![Value::String("$null".into())]);
        // Index 1 is reserved for the root: readers hard-code it.
        objects.0.push(Value::Boolean(false));
        let mut root = Dictionary::new();
        root.insert(
            "RelativePath".into(),
            objects.push(Value::String(self.relative_path.clone())),
        );
        if let Some(key) = &self.encryption_key {
            let data_index = objects.0.len();
            let mut data = Dictionary::new();
            data.insert("NS.data".into(), Value::Data(key.to_bytes().to_vec()));
            data.insert("$class".into(), Value::Uid(Uid::new(data_index as u64 + 1)));
            let uid = objects.push(Value::Dictionary(data));
            objects.push(class_dict(
                "NSMutableData",
                &["NSMutableData", "NSData", "NSObject"],
            ));
            root.insert("EncryptionKey".into(), uid);
        }
        if let Some(target) = &self.target {
            root.insert("Target".into(), objects.push(Value::String(target.clone())));
        }
        if let Some(digest) = &self.digest {
            root.insert("Digest".into(), objects.push(Value::Data(digest.clone())));
        }
        if let Some(xattrs) = &self.extended_attributes {
            root.insert(
                "ExtendedAttributes".into(),
                objects.push(Value::Data(xattrs.clone())),
            );
        }
        if let Some(size) = self.size {
            root.insert("Size".into(), int(size));
        }
        root.insert("Mode".into(), int(self.mode));
        root.insert("LastModified".into(), int(self.last_modified));
        root.insert("LastStatusChange".into(), int(self.last_status_change));
        root.insert("Birth".into(), int(self.birth));
        root.insert("InodeNumber".into(), int(self.inode));
        root.insert("UserID".into(), int(self.user_id));
        root.insert("GroupID".into(), int(self.group_id));
        root.insert("ProtectionClass".into(), int(self.protection_class));
        root.insert("Flags".into(), int(self.flags));
        let class = objects.push(class_dict("MBFile", &["MBFile", "NSObject"]));
        root.insert("$class".into(), class);
        objects.0[1] = Value::Dictionary(root);

        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut archive = Dictionary::new();
        archive.insert("$version".into(), int(100_000));
        archive.insert("$archiver".into(), Value::String("NSKeyedArchiver".into()));
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert("$objects".into(), Value::Array(objects.0));

        let mut out = Vec::with_capacity(512);
        Value::Dictionary(archive)
            .to_writer_binary(&mut out)
            .map_err(|source| Error::Plist {
                what: "encoding MBFile",
                source,
            })?;
        if out.len() > MAX_MBFILE_LEN {
            // Readers would reject the whole Manifest.db, so refuse to write it.
            return Err(Error::TooLarge {
                what: "MBFile archive",
                size: out.len() as u64,
                limit: MAX_MBFILE_LEN as u64,
            });
        }
        Ok(out)
    }

    /// Decodes a `file` blob, following `$top.root` and resolving UIDs with bounds checks.
    pub fn decode(blob: &[u8]) -> Result<MbFile> {
        if blob.len() > MAX_MBFILE_LEN {
            return Err(Error::TooLarge {
                what: "MBFile archive",
                size: blob.len() as u64,
                limit: MAX_MBFILE_LEN as u64,
            });
        }
        let archive = Value::from_reader(Cursor::new(blob)).map_err(|source| Error::Plist {
            what: "MBFile archive",
            source,
        })?;
        let archive = archive
            .as_dictionary()
            .ok_or_else(|| Error::mbfile("top level is not a dictionary"))?;
        let objects = archive
            .get("$objects")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::mbfile("no $objects array"))?;
        let root_ref = archive
            .get("$top")
            .and_then(Value::as_dictionary)
            .and_then(|top| top.get("root"))
            .ok_or_else(|| Error::mbfile("no $top.root"))?;
        let root = resolve_uid(objects, root_ref, "$top.root")?
            .as_dictionary()
            .ok_or_else(|| Error::mbfile("root object is not a dictionary"))?;

        let field = |key: &str| -> Result<Option<&Value>> {
            root.get(key)
                .map(|v| resolve_uid(objects, v, key))
                .transpose()
        };
        let string = |key: &str| -> Result<Option<String>> {
            match field(key)? {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::mbfile(format!("{key} is not a string"))),
            }
        };
        // Raw data, or an NSData/NSMutableData object wrapping it in `NS.data`.
        let data = |key: &str| -> Result<Option<Vec<u8>>> {
            match field(key)? {
                None => Ok(None),
                Some(Value::Data(d)) => Ok(Some(d.clone())),
                Some(Value::Dictionary(d)) => {
                    match d.get("NS.data").map(|v| resolve_uid(objects, v, key)) {
                        Some(Ok(Value::Data(bytes))) => Ok(Some(bytes.clone())),
                        _ => Err(Error::mbfile(format!("{key} has no NS.data bytes"))),
                    }
                }
                Some(_) => Err(Error::mbfile(format!("{key} is not data"))),
            }
        };
        let integer = |key: &str| -> Result<Option<&plist::Integer>> {
            match field(key)? {
                None => Ok(None),
                Some(Value::Integer(i)) => Ok(Some(i)),
                Some(_) => Err(Error::mbfile(format!("{key} is not an integer"))),
            }
        };
        let unsigned = |key: &str| -> Result<Option<u64>> {
            integer(key)?
                .map(|i| {
                    i.as_unsigned()
                        .ok_or_else(|| Error::mbfile(format!("{key} is negative")))
                })
                .transpose()
        };
        let u32_field = |key: &str| -> Result<u32> {
            unsigned(key)?
                .map(|v| {
                    u32::try_from(v)
                        .map_err(|_| Error::mbfile(format!("{key} {v} is out of range")))
                })
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let signed = |key: &str| -> Result<i64> {
            integer(key)?
                .map(|i| {
                    i.as_signed()
                        .ok_or_else(|| Error::mbfile(format!("{key} is out of range")))
                })
                .transpose()
                .map(Option::unwrap_or_default)
        };

        Ok(MbFile {
            relative_path: string("RelativePath")?
                .ok_or_else(|| Error::mbfile("no RelativePath"))?,
            size: unsigned("Size")?,
            mode: u32_field("Mode")?,
            last_modified: signed("LastModified")?,
            last_status_change: signed("LastStatusChange")?,
            birth: signed("Birth")?,
            inode: unsigned("InodeNumber")?.unwrap_or_default(),
            user_id: u32_field("UserID")?,
            group_id: u32_field("GroupID")?,
            protection_class: u32_field("ProtectionClass")?,
            flags: unsigned("Flags")?.unwrap_or_default(),
            encryption_key: data("EncryptionKey")?
                .map(|bytes| WrappedKey::from_bytes(&bytes, "MBFile EncryptionKey"))
                .transpose()?,
            digest: data("Digest")?,
            extended_attributes: data("ExtendedAttributes")?,
            target: string("Target")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::WRAPPED_KEY_LEN;
    use rand::{Rng, SeedableRng};

    fn photo() -> MbFile {
        MbFile {
            relative_path: "Media/DCIM/100APPLE/IMG_0001.HEIC".into(),
            size: Some(2_345_678),
            mode: MODE_FILE,
            last_modified: 1_700_000_000,
            last_status_change: 1_700_000_001,
            birth: 1_699_999_999,
            inode: 123_456,
            user_id: 501,
            group_id: 501,
            protection_class: 3,
            flags: 0,
            encryption_key: Some(WrappedKey {
                class: 3,
                wrapped: [0x5a; WRAPPED_KEY_LEN],
            }),
            digest: Some(vec![1; 20]),
            extended_attributes: Some(b"bplist00-ish".to_vec()),
            target: None,
        }
    }

    #[test]
    fn round_trips_every_field() {
        let link = MbFile {
            relative_path: "Library/link".into(),
            size: Some(0),
            mode: MODE_SYMLINK,
            target: Some("/private/var/mobile/x".into()),
            ..MbFile::default()
        };
        for file in [photo(), link, MbFile::default()] {
            assert_eq!(MbFile::decode(&file.encode().unwrap()).unwrap(), file);
        }
    }

    #[test]
    fn archive_has_the_shape_real_readers_hard_code() {
        let blob = photo().encode().unwrap();
        assert!(blob.starts_with(b"bplist00"));
        let archive = Value::from_reader(Cursor::new(&blob)).unwrap();
        let archive = archive.as_dictionary().unwrap();
        assert_eq!(
            archive["$archiver"],
            Value::String("NSKeyedArchiver".into())
        );
        assert_eq!(archive["$version"], int(100_000));
        let top = archive["$top"].as_dictionary().unwrap();
        assert_eq!(top["root"], Value::Uid(Uid::new(1)));
        let objects = archive["$objects"].as_array().unwrap();
        assert_eq!(objects[0], Value::String("$null".into()));
        let root = objects[1].as_dictionary().unwrap();
        assert_eq!(root["RelativePath"], Value::Uid(Uid::new(2)));
        assert_eq!(objects[2], Value::String(photo().relative_path));
        // The key as NSMutableData at index 3 with its class dict at 4, as in real data.
        assert_eq!(root["EncryptionKey"], Value::Uid(Uid::new(3)));
        let data = objects[3].as_dictionary().unwrap();
        assert_eq!(data["$class"], Value::Uid(Uid::new(4)));
        assert_eq!(data["NS.data"].as_data().unwrap().len(), 44);
        assert_eq!(
            objects[4].as_dictionary().unwrap()["$classname"],
            Value::String("NSMutableData".into())
        );
        let class = resolve_uid(objects, &root["$class"]);
        assert_eq!(
            class.as_dictionary().unwrap()["$classes"],
            Value::Array(vec![
                Value::String("MBFile".into()),
                Value::String("NSObject".into())
            ])
        );
        assert!(
            !root.contains_key("Target"),
            "optional keys are omitted, not null"
        );
    }

    fn resolve_uid<'a>(objects: &'a [Value], uid: &Value) -> &'a Value {
        &objects[uid.as_uid().unwrap().get() as usize]
    }

    #[test]
    fn missing_size_stays_unknown() {
        let file = MbFile {
            size: None,
            ..photo()
        };
        assert_eq!(MbFile::decode(&file.encode().unwrap()).unwrap().size, None);
    }

    #[test]
    fn oversized_archives_are_refused_both_ways() {
        let fat = MbFile {
            extended_attributes: Some(vec![0; MAX_MBFILE_LEN]),
            ..photo()
        };
        assert!(matches!(fat.encode(), Err(Error::TooLarge { .. })));
        assert!(matches!(
            MbFile::decode(&vec![0; MAX_MBFILE_LEN + 1]),
            Err(Error::TooLarge { .. })
        ));
    }

    fn archive_with_root(root: Dictionary, objects_after: Vec<Value>) -> Vec<u8> {
        let mut objects = vec![Value::String("$null".into()), Value::Dictionary(root)];
        objects.extend(objects_after);
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut archive = Dictionary::new();
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert("$objects".into(), Value::Array(objects));
        let mut out = Vec::new();
        Value::Dictionary(archive)
            .to_writer_binary(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn malformed_archives_name_the_problem() {
        let mut dangling = Dictionary::new();
        dangling.insert("RelativePath".into(), Value::Uid(Uid::new(99)));
        let mut wrong_type = Dictionary::new();
        wrong_type.insert("RelativePath".into(), Value::String("a".into()));
        wrong_type.insert("Size".into(), Value::String("big".into()));
        let mut negative = Dictionary::new();
        negative.insert("RelativePath".into(), Value::String("a".into()));
        negative.insert("Size".into(), int(-1));
        let mut short_key = Dictionary::new();
        short_key.insert("RelativePath".into(), Value::String("a".into()));
        short_key.insert("EncryptionKey".into(), Value::Data(vec![0; 12]));
        let cases = [
            (b"not a plist".to_vec(), "MBFile archive"),
            (
                archive_with_root(dangling, vec![]),
                "refers to object 99 of 2",
            ),
            (
                archive_with_root(Dictionary::new(), vec![]),
                "no RelativePath",
            ),
            (
                archive_with_root(wrong_type, vec![]),
                "Size is not an integer",
            ),
            (archive_with_root(negative, vec![]), "Size is negative"),
            (archive_with_root(short_key, vec![]), "expected 44 bytes"),
        ];
        for (blob, expected) in cases {
            let err = MbFile::decode(&blob).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
    }

    #[test]
    fn random_and_mutated_archives_never_panic() {
        let valid = photo().encode().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6d6266);
        let mut decoded = 0;
        for round in 0..20_000 {
            let blob: Vec<u8> = if round % 4 == 0 {
                let len = rng.random_range(0..80);
                let mut b: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                if round % 8 == 0 {
                    b.splice(0..0, b"bplist00".iter().copied());
                }
                b
            } else {
                let mut b = valid.clone();
                for _ in 0..rng.random_range(1..4) {
                    let i = rng.random_range(0..b.len());
                    b[i] = rng.random();
                }
                b
            };
            decoded += usize::from(MbFile::decode(&blob).is_ok());
        }
        // Single-byte damage often lands in data bytes, so some mutants must still decode.
        assert!(decoded > 0);
    }
}
