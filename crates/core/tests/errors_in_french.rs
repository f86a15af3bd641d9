//! The engine's errors speak the process's language (the OS's, set by `environment::context`):
//! a test binary of its own, since the language is the process's.

use std::path::PathBuf;

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

    keepsake_i18n::set_process_language(Language::French);
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
