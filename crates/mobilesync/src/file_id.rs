//! File IDs, the names of blobs in a backup folder: lowercase hex SHA-1 of
//! `"<domain>-<relativePath>"`, stored at `<first two hex digits>/<fileID>`.

use std::path::PathBuf;

use sha1::{Digest, Sha1};

use crate::error::{Error, Result};

/// The file ID of `relative_path` in `domain`. A domain root (empty path) hashes `"<domain>-"`.
pub fn file_id(domain: &str, relative_path: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(domain.as_bytes());
    hasher.update(b"-");
    hasher.update(relative_path.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a file's blob lives relative to the backup folder: `xx/<fileID>`.
///
/// File IDs read from a backup are untrusted; anything but 40 hex digits is refused so that a
/// hostile Manifest.db cannot name a path outside the folder.
pub fn blob_path(file_id: &str) -> Result<PathBuf> {
    if file_id.len() != 40 || !file_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidFileId(file_id.to_owned()));
    }
    let id = file_id.to_ascii_lowercase();
    Ok(PathBuf::from(&id[..2]).join(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_id_matches_real_backup_rows() {
        // Values from real backups (MOBILESYNC-NOTES §1).
        assert_eq!(
            file_id("HomeDomain", "Library/SMS/sms.db"),
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
        );
    }

    #[test]
    fn domain_root_hashes_with_trailing_hyphen() {
        assert_eq!(file_id("HomeDomain", ""), {
            let mut h = Sha1::new();
            h.update(b"HomeDomain-");
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
    }

    #[test]
    fn blob_path_uses_two_digit_folder_and_refuses_traversal() {
        let id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28";
        assert_eq!(blob_path(id).unwrap(), PathBuf::from("3d").join(id));
        assert_eq!(
            blob_path(&id.to_ascii_uppercase()).unwrap(),
            PathBuf::from("3d").join(id)
        );
        for bad in [
            "",
            "../../../../etc/passwd",
            "3d0d7e5fb2ce288813306e4d4636395e047a3d2",
            "3d0d7e5fb2ce288813306e4d4636395e047a3d2/",
        ] {
            assert!(
                matches!(blob_path(bad), Err(Error::InvalidFileId(_))),
                "{bad:?}"
            );
        }
    }
}
