//! Errors as the UI receives them: the core's sentence for people, plus a code for the few the UI
//! answers with a screen of its own (a password prompt, the settings wizard).

use keepsake_core::CoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    pub message: String,
    /// Set for errors the UI reacts to; the rest are shown as `message`.
    pub kind: Option<&'static str>,
}

impl UiError {
    /// A failure of the shell itself (a task that panicked), not of what the person asked.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        UiError {
            message: keepsake_i18n::say("app-internal-error", &[("what", &what)]),
            kind: None,
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        UiError::from(&e)
    }
}

impl From<&CoreError> for UiError {
    fn from(e: &CoreError) -> Self {
        let kind = match e {
            CoreError::BackupLocked { .. } => Some("backup_locked"),
            CoreError::WrongBackupPassword { .. } => Some("wrong_password"),
            CoreError::AlreadyBackingUp { .. } => Some("already_backing_up"),
            CoreError::Cancelled { .. } => Some("cancelled"),
            CoreError::SettingsNotConfirmed { .. } => Some("not_confirmed"),
            CoreError::NoLocation { .. } => Some("no_location"),
            CoreError::StoreLocked { .. } => Some("store_locked"),
            CoreError::WrongStoreSecret { .. } => Some("wrong_store_secret"),
            _ => None,
        };
        UiError {
            message: e.to_string(),
            kind,
        }
    }
}

pub type UiResult<T> = Result<T, UiError>;

/// Runs file and database work off the async workers, so neither the window nor other commands
/// wait for it.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> keepsake_core::Result<T> + Send + 'static,
) -> UiResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(UiError::internal)?
        .map_err(UiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_reach_the_ui_as_their_sentence_with_a_code_where_the_ui_acts() {
        let e = UiError::from(CoreError::BackupLocked {
            device: "Ada's iPhone".into(),
        });
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "backup_locked");
        assert!(v["message"]
            .as_str()
            .unwrap()
            .starts_with("the backups of Ada's iPhone are encrypted"));
        let v = serde_json::to_value(UiError::from(CoreError::NoDevice)).unwrap();
        assert!(v["kind"].is_null());
        assert!(
            !v["message"].as_str().unwrap().contains("NoDevice"),
            "no debug dumps"
        );
    }
}
