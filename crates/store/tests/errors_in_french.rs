//! The store's errors speak the process's language (English until it is set): a test binary of
//! its own, since the language is the process's.

use std::path::PathBuf;

use keepsake_i18n::Language;
use keepsake_store::{ChunkFault, Error, InitOptions, KeySource, Repository};

#[test]
fn errors_are_told_in_the_process_language_english_until_it_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("depot");
    let missing = || match Repository::open(&repo, &KeySource::None) {
        Err(e @ Error::NotARepository { .. }) => e,
        other => panic!("expected NotARepository, got {:?}", other.map(|_| ())),
    };
    let bad_id = || match Repository::init_with_id(&repo, &InitOptions::unencrypted(), "nope") {
        Err(e @ Error::InvalidInput(_)) => e,
        other => panic!("expected InvalidInput, got {:?}", other.map(|_| ())),
    };
    let io = Error::Io {
        path: PathBuf::from("/media/ada/Disque/packs/3"),
        action: "store-action-creating-pack",
        source: std::io::Error::other("boom"),
    };
    let key = Error::KeyRequired {
        repo: PathBuf::from("/media/ada/Disque"),
        expected: "store-expected-password-or-recovery-key",
    };
    let locked = Error::Locked {
        repo: PathBuf::from("/media/ada/Disque"),
        what: "store-lock-gc",
    };
    let newer = Error::NewerFormat {
        repo: PathBuf::from("/media/ada/Disque"),
        what: "store-what-catalog",
        found: 9,
        supported: 7,
    };
    let damaged = Error::DamagedChunk {
        repo: PathBuf::from("/media/ada/Disque"),
        snapshot: 12,
        path: "Media/DCIM/IMG_0001.HEIC".into(),
        chunk: "3fa9c2".into(),
        fault: ChunkFault::Truncated("3fa9c2d1".into()),
    };
    let pinned = Error::SnapshotPinned {
        repo: PathBuf::from("/media/ada/Disque"),
        snapshot: 12,
    };

    let english = |e: &Error| e.to_string();
    assert_eq!(
        english(&missing()),
        format!(
            "{} is not a Keepsake repository (no keepsake-repo.json); create one with `keepsake store init`",
            repo.display()
        )
    );
    assert_eq!(english(&bad_id()), "\"nope\" is not a repository id");
    assert_eq!(
        english(&io),
        "/media/ada/Disque/packs/3: creating a pack: boom"
    );
    assert_eq!(
        english(&key),
        "/media/ada/Disque is encrypted with a password or recovery key; unlock it with that"
    );
    assert_eq!(
        english(&locked),
        "/media/ada/Disque is in use by another Keepsake process (gc is deleting packs); wait for it to finish, then try again"
    );
    assert_eq!(
        english(&newer),
        "/media/ada/Disque: the catalog has format version 9, this Keepsake reads up to 7; update Keepsake to open it"
    );
    assert_eq!(
        english(&damaged),
        "/media/ada/Disque: \"Media/DCIM/IMG_0001.HEIC\" in snapshot 12 cannot be read: chunk 3fa9c2 is damaged (its pack file 3fa9c2d1 is truncated); run `keepsake store check` to see everything it affects"
    );
    assert_eq!(
        english(&pinned),
        "/media/ada/Disque: snapshot 12 is pinned; unpin it (`keepsake unpin 12`) to delete it"
    );

    keepsake_i18n::set_process_language(Language::French);
    assert_eq!(
        missing().to_string(),
        format!(
            "{} n'est pas un dépôt Keepsake (pas de keepsake-repo.json) ; créez-en un avec `keepsake store init`",
            repo.display()
        )
    );
    // made after the language was set, so told in it
    assert_eq!(
        bad_id().to_string(),
        "\"nope\" n'est pas un identifiant de dépôt"
    );
    assert_eq!(
        io.to_string(),
        "/media/ada/Disque/packs/3 : création d'un paquet : boom"
    );
    assert_eq!(
        key.to_string(),
        "/media/ada/Disque est chiffré avec un mot de passe ou une clé de récupération ; déverrouillez-le ainsi"
    );
    assert_eq!(
        locked.to_string(),
        "/media/ada/Disque est utilisé par un autre processus Keepsake (un gc supprime des paquets) ; attendez qu'il ait fini, puis réessayez"
    );
    assert_eq!(
        newer.to_string(),
        "/media/ada/Disque : le catalogue est au format 9, ce Keepsake ne lit que jusqu'au format 7 ; mettez Keepsake à jour pour l'ouvrir"
    );
    assert_eq!(
        damaged.to_string(),
        "/media/ada/Disque : \"Media/DCIM/IMG_0001.HEIC\" ne peut pas être lu dans l'instantané 12 : le bloc 3fa9c2 est endommagé (son fichier de paquet 3fa9c2d1 est tronqué) ; lancez `keepsake store check` pour voir tout ce qu'il touche"
    );
    assert_eq!(
        pinned.to_string(),
        "/media/ada/Disque : l'instantané 12 est épinglé ; désépinglez-le (`keepsake unpin 12`) pour le supprimer"
    );
    assert_eq!(
        ChunkFault::Authentication.to_string(),
        "il échoue à l'authentification : modifié, ou chiffré avec une autre clé"
    );
    // a path with Fluent's own syntax in it is text, not a message
    let odd = Error::WrongPassword {
        repo: PathBuf::from("/media/{ $repo }"),
    };
    assert_eq!(
        odd.to_string(),
        "mot de passe incorrect pour le dépôt /media/{ $repo }"
    );
}
