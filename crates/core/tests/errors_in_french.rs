//! The engine's errors speak the process's language (the OS's, set by `environment::context`):
//! a test binary of its own, since the language is the process's.

use std::path::PathBuf;

use keepsake_core::deletions::{Count, Kept, MassDeletion, MassDeletionWarning};
use keepsake_core::CoreError;
use keepsake_i18n::Language;

#[test]
fn errors_are_told_in_the_process_language_english_until_it_is_set() {
    let missing = CoreError::LocationMissing {
        location: PathBuf::from("/media/ada/Disque"),
    };
    let pinned = CoreError::SnapshotPinned { snapshot: 12 };
    assert_eq!(
        missing.to_string(),
        "the backup location /media/ada/Disque is not there (an unplugged disk?). Connect it, or choose another location."
    );
    assert_eq!(
        pinned.to_string(),
        "snapshot 12 is pinned: unpin it before deleting it"
    );

    let warning = MassDeletionWarning {
        at: 1_800_000_000,
        repository: "r".into(),
        snapshot: 8,
        kept: 7,
        found: vec![
            MassDeletion {
                kind: Kept::Photos,
                before: Count {
                    files: 1500,
                    bytes: 5 << 30,
                },
                removed: Count {
                    files: 1204,
                    bytes: 3 << 30,
                },
            },
            MassDeletion {
                kind: Kept::MessageAttachments,
                before: Count {
                    files: 10,
                    bytes: 1 << 20,
                },
                removed: Count {
                    files: 9,
                    bytes: 1 << 19,
                },
            },
        ],
    };
    assert_eq!(
        warning.summary(),
        "1204 of 1500 photos and videos (80 %, 3.0 GiB) and 9 of 10 message attachments (90 %, 512.0 KiB)"
    );

    keepsake_i18n::set_process_language(Language::French);
    assert_eq!(
        warning.summary(),
        "1204 sur 1500 photos et vidéos (80 %, 3,0\u{a0}Gio) et 9 sur 10 pièces jointes de messages (90 %, 512,0\u{a0}Kio)"
    );
    assert_eq!(
        missing.to_string(),
        "l'emplacement de sauvegarde /media/ada/Disque n'est pas là (un disque débranché ?). Branchez-le, ou choisissez un autre emplacement."
    );
    assert_eq!(
        pinned.to_string(),
        "l'instantané 12 est conservé pour toujours : désépinglez-le avant de le supprimer"
    );
    // a device name with Fluent's own syntax in it is text, not a message
    let odd = CoreError::NoLocation {
        device: "{ $device } iPhone".into(),
    };
    assert!(
        odd.to_string()
            .starts_with("{ $device } iPhone n'a pas d'emplacement"),
        "{odd}"
    );
}
