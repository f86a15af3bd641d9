//! Device errors speak the process's language, the steps they name included: a test binary of
//! its own, since the language is the process's.

use keepsake_device::{explain_backup_error, DeviceError, Step};
use keepsake_i18n::Language;

#[test]
fn device_errors_are_told_in_the_process_language_english_until_it_is_set() {
    let silent = DeviceError::Silent {
        device: "Ada's iPhone".into(),
        what: Step::ReceivingFile,
        seconds: 120,
    };
    let malformed = DeviceError::Malformed {
        device: "Ada's iPhone".into(),
        what: Step::Request("UploadFiles"),
        detail: "an empty file name".into(),
    };
    assert_eq!(
        silent.to_string(),
        "Ada's iPhone stopped answering while receiving a file: nothing came for 120 s. Keep it close to the computer (on Wi-Fi) or check its cable, unlock it, and try again."
    );
    assert_eq!(
        malformed.to_string(),
        "Ada's iPhone: the device answered UploadFiles with something Keepsake cannot read: an empty file name"
    );
    assert!(explain_backup_error(207, "wrong").starts_with("the backup password is wrong (wrong)."));

    keepsake_i18n::set_process_language(Language::French);
    assert_eq!(
        silent.to_string(),
        "Ada's iPhone ne répond plus (réception d'un fichier) : rien n'est venu depuis 120 s. Gardez-le près de l'ordinateur (en Wi-Fi) ou vérifiez son câble, déverrouillez-le, puis réessayez."
    );
    // a request keeps its protocol name; the detail is the device's own words
    assert_eq!(
        malformed.to_string(),
        "Ada's iPhone : l'appareil a répondu par quelque chose que Keepsake ne sait pas lire (UploadFiles) : an empty file name"
    );
    let failed = DeviceError::BackupFailed {
        device: "Ada's iPhone".into(),
        code: 208,
        detail: "locked".into(),
    };
    assert_eq!(
        failed.to_string(),
        "Ada's iPhone : la sauvegarde a échoué : l'appareil est verrouillé ou son code n'a pas été saisi à temps (locked). Déverrouillez-le, saisissez le code quand il le demande, puis réessayez."
    );
}
