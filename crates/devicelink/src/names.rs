//! The names DeviceLink messages start with (item 0 of their array), in one place for both
//! directions.

pub const VERSION_EXCHANGE: &str = "DLMessageVersionExchange";
/// Item 1 of the host's answer to the version exchange.
pub const VERSIONS_OK: &str = "DLVersionsOk";
pub const DEVICE_READY: &str = "DLMessageDeviceReady";
pub const PROCESS_MESSAGE: &str = "DLMessageProcessMessage";
pub const STATUS_RESPONSE: &str = "DLMessageStatusResponse";
pub const PING: &str = "DLMessagePing";
pub const DISCONNECT: &str = "DLMessageDisconnect";
pub const DOWNLOAD_FILES: &str = "DLMessageDownloadFiles";
pub const UPLOAD_FILES: &str = "DLMessageUploadFiles";
pub const GET_FREE_DISK_SPACE: &str = "DLMessageGetFreeDiskSpace";
pub const PURGE_DISK_SPACE: &str = "DLMessagePurgeDiskSpace";
/// The only DL message whose name lacks `Message`.
pub const CONTENTS_OF_DIRECTORY: &str = "DLContentsOfDirectory";
pub const CREATE_DIRECTORY: &str = "DLMessageCreateDirectory";
pub const MOVE_ITEMS: &str = "DLMessageMoveItems";
/// What older devices call MoveItems.
pub const MOVE_FILES: &str = "DLMessageMoveFiles";
pub const REMOVE_ITEMS: &str = "DLMessageRemoveItems";
/// What older devices call RemoveItems.
pub const REMOVE_FILES: &str = "DLMessageRemoveFiles";
pub const COPY_ITEM: &str = "DLMessageCopyItem";
