//! A repository whose key is a random key in the OS credential store, against a real one: run
//! through `scripts/with-keyring.sh` (a private D-Bus session with an unlocked GNOME Keyring).

mod common;

use common::*;
use keepsake_store::commands::list;
use keepsake_store::{Error, InitOptions, KdfParams, KeySource, Repository};

const SERVICE: &str = "app.keepsake.store-test";

/// Deletes the test's credential however the test ends.
struct Credential(String);

impl Drop for Credential {
    fn drop(&mut self) {
        if let Ok(entry) = keyring::Entry::new(SERVICE, &self.0) {
            let _ = entry.delete_credential();
        }
    }
}

#[test]
fn a_repository_keyed_by_the_credential_store_opens_with_it_and_refuses_any_other_key() {
    keepsake_testkit::require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let account = Credential(format!(
        "store-key/{}",
        dir.path().file_name().unwrap().to_str().unwrap()
    ));
    let key = KeySource::keyring(SERVICE, &account.0);
    let options = InitOptions {
        key: key.clone(),
        kdf: KdfParams::insecure_for_tests(),
        chunking: small_chunking(),
        cipher: Default::default(),
    };
    let repo = Repository::init(dir.path(), &options).unwrap();
    assert!(repo.is_encrypted());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Library/SMS/sms.db", meta(1), &sqlite_db(4096, 20, 1)[..])
        .unwrap();
    let snap = w.commit().unwrap();
    drop(repo);

    // Another opening finds the key through the config alone; nothing secret is in the folder.
    let repo = Repository::open(dir.path(), &key).unwrap();
    assert_eq!(
        cat(&repo, snap.id, "Library/SMS/sms.db"),
        sqlite_db(4096, 20, 1)
    );
    drop(repo);
    let stored = keyring::Entry::new(SERVICE, &account.0)
        .unwrap()
        .get_password()
        .unwrap();
    assert_eq!(stored.len(), 64, "32 bytes, hex");
    let config = std::fs::read_to_string(dir.path().join("keepsake-repo.json")).unwrap();
    assert!(!config.contains(&stored), "the key is in the config");
    assert!(config.contains(&account.0), "{config}");

    // A password does not open it; a second init never replaces the key.
    assert!(matches!(
        Repository::open(dir.path(), &KeySource::password(PASSWORD)),
        Err(Error::KeyRequired { .. })
    ));
    let other = tempfile::tempdir().unwrap();
    match Repository::init(other.path(), &options) {
        Err(e @ Error::CredentialTaken { .. }) => {
            assert!(e.to_string().contains("never replaces"), "{e}")
        }
        other => panic!("expected CredentialTaken, got {other:?}"),
    }

    // Another key in the entry is a clear error, not a corrupted read.
    let entry = keyring::Entry::new(SERVICE, &account.0).unwrap();
    entry.set_password(&"ab".repeat(32)).unwrap();
    match Repository::open(dir.path(), &key) {
        Err(e @ Error::WrongKey { .. }) => assert!(e.to_string().contains("another key"), "{e}"),
        other => panic!("expected WrongKey, got {other:?}"),
    }
    entry.set_password(&stored).unwrap();
    assert_eq!(
        list::snapshots(&Repository::open(dir.path(), &key).unwrap())
            .unwrap()
            .len(),
        1
    );

    // No entry at all: the error names where the key was expected.
    entry.delete_credential().unwrap();
    match Repository::open(dir.path(), &key) {
        Err(e @ Error::KeyNotFound { .. }) => {
            assert!(e.to_string().contains(&account.0), "{e}")
        }
        other => panic!("expected KeyNotFound, got {other:?}"),
    }
}
