// The only place the UI talks to Rust: typed wrappers over Tauri commands and events.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type Connection = "usb" | "wifi";

export type DeviceState = "ready" | "not_trusted" | "not_responding" | "no_usbmuxd" | "wifi_only";

export interface DeviceSummary {
  udid: string;
  name: string;
  model: string;
  ios_version: string;
  connections: Connection[];
  paired: boolean;
  state: DeviceState;
  /** What the person can do about the state, if anything. */
  advice: string | null;
}

export interface SnapshotFacts {
  id: number;
  time: number;
  bytes: number;
  frees_bytes: number;
  pinned: boolean;
}

export interface CleaningRequest {
  reason: string;
  snapshots: SnapshotFacts[];
  frees_bytes: number;
  overhead_bytes: number;
  budget_bytes: number;
}

export interface PendingCleaning {
  location: string;
  asked_at: number;
  request: CleaningRequest;
}

/** A backup that let a large share of photos or message attachments go. */
export interface MassDeletion {
  kind: "photos" | "message_attachments";
  before: { files: number; bytes: number };
  removed: { files: number; bytes: number };
}

/** The snapshot before such a backup is kept forever until the person says they may go. */
export interface MassDeletionWarning {
  at: number;
  repository: string;
  /** The new snapshot, without them. */
  snapshot: number;
  /** The snapshot before it, which still holds them. */
  kept: number;
  found: MassDeletion[];
}

export interface DeviceRow extends DeviceSummary {
  /** The wizard ran for this device; until then "Back up now" opens it. */
  confirmed: boolean;
  /** How often automatic backups run, once set up. */
  schedule?: Schedule | null;
  last_success: number | null;
  last_error: string | null;
  /** When the next automatic backup is due (at or before now: as soon as it is reachable);
   * null when automatic backups are off or the settings are not confirmed yet. */
  next_backup: number | null;
  /** Its backup location (a disk, say) is not connected: backups wait for it. */
  location_missing: string | null;
  cleaning: PendingCleaning | null;
  /** Its last backup let most photos go: the snapshot before is kept until the person says. */
  mass_deletion?: MassDeletionWarning | null;
  backing_up: boolean;
  /** The last time its snapshots were read back: after each backup (a sample), weekly whole. */
  last_verification: Verified | null;
  /** Its copy on an S3-compatible object store, when it has one. */
  offsite?: OffsiteRow | null;
}

/** Why an offsite copy waits. */
export type OffsiteReason = "unreachable" | "refused" | "full" | "diverged" | "no_secret" | "error";

/** A device's offsite copy: where, when last sent, and what it waits for. */
export interface OffsiteRow {
  /** `s3://host/bucket/prefix` (`s3+http://` without HTTPS). */
  remote: string;
  access_key: string;
  bandwidth_kb: number | null;
  last_copied: number | null;
  /** It does not hold the newest backup yet. */
  behind: boolean;
  waiting: { reason: OffsiteReason; error: string } | null;
  /** When the next try is, while behind (at or before now: at the agent's next look). */
  next_try: number | null;
}

/** An `offsite-progress` event. */
export interface OffsiteProgress {
  udid: string;
  remote: string;
  bytes_sent: number;
  bytes_total: number;
  bytes_per_second: number;
  eta_seconds: number | null;
}

/** An `offsite-done` event: a sentence for the device's page. */
export interface OffsiteDone {
  udid: string;
  failed: boolean;
  message: string;
}

/** What the offsite form sends. */
export interface OffsiteValues {
  address: string;
  accessKey: string;
  /** `null`: keep the one this computer remembers. */
  secret: string | null;
  bandwidthKb: number | null;
}

/** A verification as the device's history keeps it. */
export interface Verified {
  /** Unix seconds. */
  at: number;
  ok: boolean;
  summary: string;
  /** Only what the backup wrote and a share of the rest was read. */
  sampled: boolean;
}

export interface Overview {
  app: { name: string; version: string };
  devices: DeviceRow[];
  /** Set when usbmuxd cannot be reached, so USB devices cannot be listed. */
  usbmuxd_problem: string | null;
}

/** The core's backup progress steps, as `backup-progress` events carry them. */
export type BackupProgress =
  | { step: "waiting_for_trust"; device: string }
  | { step: "waiting_for_unlock"; device: string }
  | { step: "started"; device: string; udid: string }
  | { step: "enter_passcode"; device: string }
  | { step: "passcode_done"; device: string }
  | {
      step: "transferring";
      percent: number;
      bytes_received: number;
      files_received: number;
      bytes_expected: number | null;
      bytes_per_second: number;
      eta_seconds: number | null;
    }
  | { step: "saving" };

export type ProgressEvent = BackupProgress & { udid: string };

export interface SnapshotInfo {
  id: number;
  device: string;
  seq: number;
  time: number;
  files: number;
  /** Logical size: the sum of its files' sizes. */
  bytes: number;
  /** Stored bytes this snapshot added when it was written. */
  added_bytes: number;
}

/** A snapshot on the timeline: kept forever or not, and what deleting it alone would free. */
export interface TimelineEntry extends SnapshotInfo {
  pinned: boolean;
  frees_bytes: number;
  /** What the person wrote of it ("before the iOS update"). */
  note?: string;
  /** Taken without the encrypted device's backup password: Apple's ciphertext, kept as sent.
   * Only a device's own timeline looks (absent elsewhere). */
  kept_as_sent?: boolean;
}

/** Why a backup failed or did not happen. */
export type HistoryReason =
  | "not_connected" | "passcode_not_entered" | "location_missing" | "no_location"
  | "not_enough_space" | "password" | "connection_lost" | "error";

/** One thing that happened to a device's backups (`keepsake history`). */
export type HistoryEvent = { at: number } & (
  | { kind: "backed_up"; snapshot?: number; added_bytes?: number }
  | { kind: "failed"; reason: HistoryReason; error: string }
  | { kind: "cancelled" }
  | { kind: "skipped"; reason: HistoryReason }
);

/** What converting a device's snapshots kept as sent did. */
export interface Converted {
  device: string;
  snapshots: number;
  snapshots_opened: number;
  versions_converted: number;
  bytes_converted: number;
  /** Files still kept as sent, by reason. */
  left_as_sent: Record<string, number>;
  stored_before: number;
  stored_after: number;
}

export type CleaningOutcome =
  | { outcome: "kept" }
  | { outcome: "deleted"; snapshots: number[]; freed_bytes: number }
  | { outcome: "asked"; location: string; request: CleaningRequest };

export interface BackupDone {
  snapshot: SnapshotInfo;
  files_received: number;
  bytes_received: number;
  seconds: number;
  files_failed: string[];
  cleaning: CleaningOutcome | null;
  cleaning_error: string | null;
  /** When this backup set the location up: its recovery key, shown once. */
  recovery_key: string | null;
  repository: string;
  /** Why an encrypted device's files were kept as it sent them (about twice the space). */
  kept_as_sent: string | null;
}

/** A device with snapshots at a location, whether it is in sight or not. */
export interface DeviceBackups {
  udid: string;
  /** From its newest snapshot; empty when unknown. */
  name: string;
  model: string;
  snapshots: number;
  newest: number;
  last_backup: number;
}

export interface BackupsAt extends DeviceBackups {
  location: string;
}

export interface AllBackups {
  devices: BackupsAt[];
  /** Known locations this computer cannot open without a backup password or recovery key. */
  locked: string[];
}

export type RetentionAge = "1w" | "2w" | "1m" | "3m" | "6m" | "1y";
export type Schedule = "daily" | "weekly";

export interface DeviceSettings {
  udid: string;
  name: string;
  model: string;
  remember_password: boolean;
  location: string | null;
  snapshots: boolean;
  auto_delete: boolean;
  retention: RetentionAge;
  ask_first: boolean;
  auto_backup: boolean;
  schedule: Schedule;
  /** Automatic backups only within this local time of day, `HH:MM-HH:MM`; null: any time. */
  window: string | null;
  /** Back up over Wi-Fi too (the phone is told over the cable to show itself on the network). */
  wifi: boolean;
  confirmed: boolean;
}

export interface LocationStatus {
  path: string;
  is_default: boolean;
  present: boolean;
  free_bytes: number | null;
  total_bytes: number | null;
  has_backups: boolean;
  devices: string[];
}

export interface EncryptionState {
  udid: string;
  device: string;
  encrypted: boolean;
  password_remembered: boolean;
}

export interface DomainSummary {
  domain: string;
  app: string | null;
  files: number;
  bytes: number;
}

export interface BrowseEntry {
  domain: string;
  path: string;
  is_dir: boolean;
  bytes: number;
  modified: number;
}

/** How one domain changed between two snapshots (paths relative to the domain). */
export interface DomainDiff {
  domain: string;
  app: string | null;
  added: string[];
  removed: string[];
  changed: string[];
  bytes_added: number;
  bytes_removed: number;
  /** Size of the changed files in the newer snapshot. */
  bytes_changed: number;
}

/** A device's space at its location, for the space chart. */
export interface DeviceSpace {
  /** What the newest snapshot takes whole (stored bytes). */
  newest_bytes: number;
  /** What the older snapshots take beyond the newest. */
  extra_bytes: number;
  /** The extra space allowed before the oldest snapshots are cleaned: half the newest. */
  allowance_bytes: number;
  /** What the next cleaning would delete, when the extra space is over the allowance. */
  next_cleaning: { snapshots: number[]; frees_bytes: number } | null;
  /** Free space on the location's disk, when known. */
  disk_free_bytes: number | null;
  /** Another device shares the location: its numbers are estimates. */
  estimated: boolean;
}

export interface ExtractSummary {
  files: number;
  bytes: number;
}

/** How Rust reports a failure: a sentence for people, and a code for the few the UI answers. */
export interface UiError {
  message: string;
  kind: "backup_locked" | "wrong_password" | "already_backing_up" | "cancelled" | "not_confirmed" | "no_location" | "store_locked" | "wrong_store_secret" | null;
}

/** What went wrong, as a sentence (the core's messages start in lower case, for the CLI's
 * "keepsake: …"). */
export function errorMessage(e: unknown): string {
  const text = e && typeof e === "object" && "message" in e ? String((e as UiError).message) : String(e);
  // an address (s3://…) is written as it is
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function errorKind(e: unknown): UiError["kind"] {
  return e && typeof e === "object" && "kind" in e ? (e as UiError).kind : null;
}

export const fetchOverview = () => invoke<Overview>("overview");
export const backUp = (udid: string) => invoke<BackupDone>("back_up", { udid });
export const cancelBackup = (udid: string) => invoke<boolean>("cancel_backup", { udid });
/** While a first-backup wizard is open, the app's automatic backups leave its device alone. */
export const holdAutomaticBackups = (udid: string, hold: boolean) => invoke<void>("hold_automatic_backups", { udid, hold });
export const answerCleaning = (udid: string, del: boolean) =>
  invoke<CleaningOutcome | null>("answer_cleaning", { udid, delete: del });
export const deviceSettings = (d: DeviceSummary) =>
  invoke<DeviceSettings>("device_settings", { udid: d.udid, name: d.name, model: d.model });
export const saveDeviceSettings = (settings: DeviceSettings, confirm: boolean) =>
  invoke<DeviceSettings>("save_device_settings", { settings, confirm });
export const setOffsite = (udid: string, v: OffsiteValues) =>
  invoke<DeviceSettings>("set_offsite", { udid, address: v.address, accessKey: v.accessKey, secret: v.secret, bandwidthKb: v.bandwidthKb });
export const removeOffsite = (udid: string) => invoke<void>("remove_offsite", { udid });
export const copyOffsiteNow = (udid: string) => invoke<unknown>("copy_offsite_now", { udid });
export const onOffsiteProgress = (f: (e: OffsiteProgress) => void): Promise<UnlistenFn> =>
  listen<OffsiteProgress>("offsite-progress", (e) => f(e.payload));
export const onOffsiteDone = (f: (e: OffsiteDone) => void): Promise<UnlistenFn> => listen<OffsiteDone>("offsite-done", (e) => f(e.payload));
export const fetchLocations = () => invoke<LocationStatus[]>("locations");
export const addLocation = (path: string) => invoke<LocationStatus[]>("add_location", { path });
export const setDefaultLocation = (path: string) => invoke<LocationStatus[]>("set_default_location", { path });
export const removeLocation = (path: string) => invoke<LocationStatus[]>("remove_location", { path });
export const encryptionStatus = (udid: string) => invoke<EncryptionState>("encryption_status", { udid });
/** Turns the device's backup encryption on (`old` null), off (`new` null) or changes its
 * password; the device checks `old`. `remember` keeps the new password in the OS credential store. */
export const changeEncryption = (udid: string, old: string | null, password: string | null, remember: boolean) =>
  invoke<EncryptionState>("change_encryption", { udid, old, new: password, remember });
export const fetchTimeline = (udid: string) => invoke<TimelineEntry[]>("timeline", { udid });
export const fetchHistory = (udid: string) => invoke<HistoryEvent[]>("device_history", { udid });
/** `null` when the device has no snapshots this computer can open. */
export const fetchSpace = (udid: string) => invoke<DeviceSpace | null>("device_space", { udid });
export const setPinned = (udid: string, id: number, pinned: boolean) => invoke<boolean>("set_pinned", { udid, id, pinned });
export const snapshotDomains = (udid: string, snapshot: number, password: string | null) =>
  invoke<DomainSummary[]>("snapshot_domains", { udid, snapshot, password });
export const snapshotFolder = (udid: string, snapshot: number, domain: string, folder: string) =>
  invoke<BrowseEntry[]>("snapshot_folder", { udid, snapshot, domain, folder });
export const extract = (udid: string, snapshot: number, domain: string, path: string, target: string) =>
  invoke<ExtractSummary>("extract", { udid, snapshot, domain, path, target });
export const compareSnapshots = (udid: string, older: number, newer: number, password: string | null) =>
  invoke<DomainDiff[]>("compare_snapshots", { udid, older, newer, password });

/** The system's folder picker; `null` when the person cancels. */
export const pickFolder = (title: string) => invoke<string | null>("pick_folder", { title });
export const fetchAllBackups = () => invoke<AllBackups>("all_backups");
/** A folder on a disk in sight holding Keepsake backups this computer does not know. */
export interface FoundBackups {
  root: string;
  repository: string;
  known: boolean;
}
export const disksWithBackups = () => invoke<FoundBackups[]>("disks_with_backups");
/** What "Verify" found at a location. */
export interface Verification {
  location: string;
  at: number;
  ok: boolean;
  chunks_checked: number;
  bytes_checked: number;
  problems: string[];
  affected: { device: string; path: string; snapshots: number[] }[];
  devices: string[];
}
export interface VerifyProgress {
  location: string;
  bytes: number;
  total: number;
}
export const verifyLocation = (path: string) => invoke<Verification>("verify_location", { path });
export const onVerifyProgress = (f: (e: VerifyProgress) => void): Promise<UnlistenFn> =>
  listen<VerifyProgress>("verify-progress", (e) => f(e.payload));
/** Sets the wizard's location up before the first backup; its recovery key when it is new. */
export const setUpLocation = (path: string, password: string | null) => invoke<string | null>("set_up_location", { path, password });
export interface Imported {
  udid: string;
  snapshot: SnapshotInfo;
  files: number;
  recovery_key: string | null;
}
export const importBackup = (folder: string, location: string) => invoke<Imported>("import_backup", { folder, location });
export const locationRecoveryKey = (path: string) => invoke<string | null>("location_recovery_key", { path });
export const openBackups = (path: string, secret: string | null) => invoke<DeviceBackups[]>("open_backups", { path, secret });
export const saveRecoveryKey = (folder: string, location: string, key: string) =>
  invoke<string>("save_recovery_key", { folder, location, key });

export const autostartEnabled = () => invoke<boolean>("autostart_enabled");
export const setAutostart = (on: boolean) => invoke<boolean>("set_autostart", { on });

export const onDevicesChanged = (f: () => void): Promise<UnlistenFn> => listen("devices", () => f());
export const onBackupProgress = (f: (e: ProgressEvent) => void): Promise<UnlistenFn> =>
  listen<ProgressEvent>("backup-progress", (e) => f(e.payload));

/** An automatic backup (the agent's) ended. */
export interface AgentBackup {
  udid: string;
  failed: boolean;
  message: string;
}
export const onAgentBackup = (f: (e: AgentBackup) => void): Promise<UnlistenFn> =>
  listen<AgentBackup>("agent-backup", (e) => f(e.payload));

/** Export or restore progress: bytes written (export) or the device's percentage (restore). */
export interface TransferProgress {
  udid: string;
  snapshot: number;
  step: "export" | "import" | "restore" | "convert";
  bytes: number | null;
  percent: number | null;
}

export interface Exported {
  /** `<target>/<UDID>`: what Finder, iTunes and idevicebackup2 restore from. */
  folder: string;
  files: number;
  bytes: number;
}

export interface RestoredToDevice {
  udid: string;
  device: string;
  snapshot: number;
  files: number;
}

export const exportSnapshot = (udid: string, id: number, target: string) => invoke<Exported>("export_snapshot", { udid, id, target });
/** Restores snapshot `id` of `udid` onto `onto` (another device in sight), else onto `udid`. */
export const restoreSnapshot = (udid: string, id: number, password: string | null, onto: string | null = null) =>
  invoke<RestoredToDevice>("restore_snapshot", { udid, id, password, onto });
/** Keeps `udid`'s snapshots taken without its backup password decrypted, so they cost what
 * unencrypted ones do; `password` when this computer does not remember it. */
export const convertSnapshots = (udid: string, password: string | null) => invoke<Converted>("convert_snapshots", { udid, password });
export const onTransferProgress = (f: (e: TransferProgress) => void): Promise<UnlistenFn> =>
  listen<TransferProgress>("transfer-progress", (e) => f(e.payload));

/** An app as a snapshot knows it (`snapshot_contents`). */
export interface AppSummary {
  bundle_id: string;
  /** Its name on the phone; the bundle id when the snapshot does not say. */
  name: string;
  version: string | null;
  /** `data:image/png;base64,…` from the device, or null. */
  icon: string | null;
  /** Its own domain, its extensions' (`AppDomainPlugin-`) and its groups' (`AppDomainGroup-`). */
  domains: string[];
  files: number;
  bytes: number;
}

/** The phone's own kinds of data, as people name them. */
export type Kind = "photos" | "messages" | "contacts" | "calls" | "notes" | "calendars" | "voice_memos" | "safari" | "health" | "passwords" | "settings";

/** A place a kind lives in: a domain, and a folder inside it ("" for the whole domain). */
export interface KindPlace {
  domain: string;
  folder: string;
  files: number;
  bytes: number;
}

export interface KindSummary {
  kind: Kind;
  /** Only the places holding files, iOS's main one first. */
  places: KindPlace[];
  files: number;
  bytes: number;
}

/** What a snapshot holds, for the browser's first screen: apps largest first, kinds in a fixed
 * order (only those the snapshot holds). */
export interface SnapshotContents {
  domains: DomainSummary[];
  apps: AppSummary[];
  kinds: KindSummary[];
}

/** Files whose "Domain/relative/path" or app's name contains the text: the first 500, and how many in all. */
export interface SearchResult {
  found: BrowseEntry[];
  total: number;
}

/** Opens a snapshot (with its backup password when it is encrypted) and says what it holds. */
export const snapshotContents = (udid: string, snapshot: number, password: string | null) =>
  invoke<SnapshotContents>("snapshot_contents", { udid, snapshot, password });
/** Searches an open snapshot (`snapshotContents` opened it). */
export const searchSnapshot = (udid: string, snapshot: number, text: string) =>
  invoke<SearchResult>("search_snapshot", { udid, snapshot, text });

/** The screen a clicked desktop notification opens (Rust's `notices::Screen`). */
export type NoticeScreen =
  | { screen: "device"; udid: string }
  | { screen: "timeline"; udid: string }
  | { screen: "settings"; udid: string };
export const onOpenScreen = (f: (s: NoticeScreen) => void): Promise<UnlistenFn> =>
  listen<NoticeScreen>("open-screen", (e) => f(e.payload));

/** The OS's language as the interface speaks it: "en" or "fr". */
export const fetchLanguage = () => invoke<string>("language");
