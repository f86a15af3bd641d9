// Preferences: the backup locations (free space, present or not, which is the default), adding
// and forgetting them.
import { errorKind, errorMessage, type DeviceBackups, type FoundBackups, type Imported, type LocationStatus, type Verification } from "../api";
import { button, bytes, el, field } from "../dom";

export interface PreferencesHandlers {
  add(path: string): Promise<LocationStatus[]>;
  makeDefault(path: string): Promise<LocationStatus[]>;
  remove(path: string): Promise<LocationStatus[]>;
  /** Opens the backups at `path` (a disk from another computer) with `secret` (a backup
   * password or the recovery key) when this computer does not remember their key. */
  openBackups?(path: string, secret: string | null): Promise<DeviceBackups[]>;
  /** Folders on the disks in sight holding Keepsake backups this computer does not know yet. */
  found?: FoundBackups[];
  /** "Verify": reads every snapshot at `path` back; `progress` gets bytes read and the total. */
  verify?(path: string, progress: (bytes: number, total: number) => void): Promise<Verification>;
  /** The recovery key of the location at `path`; `null` when it has none. */
  recoveryKey?(path: string): Promise<string | null>;
  /** "Add a Finder backup": takes a Finder backup folder in as a snapshot at `location`. */
  importBackup?(folder: string, location: string): Promise<Imported>;
  /** The system's folder picker, where there is one. */
  pickFolder?(): Promise<string | null>;
  /** Turns starting at login on or off; resolves to whether it is on. */
  setAutostart?(on: boolean): Promise<boolean>;
  back(): void;
  /** Where `back` goes, when not to the devices (the wizard that opened the preferences). */
  backLabel?: string;
}

/** "200 GB free of 500 GB", or why it cannot be said. */
export function spaceText(l: LocationStatus): string {
  if (!l.present) return "Not connected";
  if (l.free_bytes === null) return "Free space unknown";
  return `${bytes(l.free_bytes)} free${l.total_bytes !== null ? ` of ${bytes(l.total_bytes)}` : ""}`;
}

export function renderPreferences(root: HTMLElement, initial: LocationStatus[], h: PreferencesHandlers, autostart = false): void {
  let locations = initial;
  let problem = "";
  const act = async (work: () => Promise<LocationStatus[]>) => {
    try {
      locations = await work();
      problem = "";
    } catch (e) {
      problem = errorMessage(e);
    }
    draw();
  };
  const startAtLogin = (set: (on: boolean) => Promise<boolean>) => {
    const box = el("input", { type: "checkbox", id: "autostart", checked: autostart });
    box.addEventListener("change", async () => {
      try {
        autostart = await set(box.checked);
        problem = "";
      } catch (e) {
        problem = errorMessage(e);
      }
      draw();
    });
    return el("div", { id: "automatic-group" }, el("h2", {}, "Automatic backups"),
      el("div", { class: "check" }, box, el("label", { for: "autostart" }, "Start Keepsake when I log in (in the tray, without the window)")));
  };
  // "Verify": one location at a time, its progress, then what it found.
  let verifying: { path: string; bytes: number; total: number } | null = null;
  let verified: { path: string; result: Verification | null; error: string } | null = null;
  const verify = async (path: string) => {
    verifying = { path, bytes: 0, total: 0 };
    verified = null;
    draw();
    try {
      const result = await h.verify!(path, (bytes, total) => {
        if (!verifying) return;
        verifying = { path, bytes, total };
        const bar = root.querySelector<HTMLProgressElement>("#verify-progress");
        if (bar) {
          bar.max = Math.max(total, 1);
          bar.value = bytes;
        }
      });
      verified = { path, result, error: "" };
    } catch (e) {
      verified = { path, result: null, error: errorMessage(e) };
    }
    verifying = null;
    draw();
    document.getElementById("verify-status")?.focus();
  };
  const verifyStatus = () => {
    if (verifying) {
      return el("div", { id: "verify-status", class: "recovery-key", role: "status", tabindex: "-1" },
        el("p", {}, `Verifying ${verifying.path}: reading every snapshot back…`),
        el("progress", { id: "verify-progress", max: String(Math.max(verifying.total, 1)), value: String(verifying.bytes), "aria-label": "Verification progress" }));
    }
    if (!verified) return null;
    const r = verified.result;
    if (!r) return el("div", { id: "verify-status", class: "error-text", role: "alert", tabindex: "-1" }, verified.error);
    if (r.ok) {
      return el("div", { id: "verify-status", class: "recovery-key verify-ok", role: "status", tabindex: "-1" },
        el("p", { class: "recovery-title" }, `${verified.path} is intact`),
        el("p", {}, `Every snapshot was read back: ${bytes(r.bytes_checked)} in ${r.chunks_checked} pieces, all as they were written.`));
    }
    return el("div", { id: "verify-status", class: "notice verify-damaged", role: "alert", tabindex: "-1" },
      el("p", { class: "recovery-title" }, `Damage found at ${verified.path}`),
      r.affected.length
        ? el("p", {}, `${r.affected.length} file(s) cannot be restored whole. Back up again so the damaged data is stored anew; snapshots that hold them:`)
        : el("p", {}, "The snapshots' index has problems. Back up to another location too, and keep this disk for now."),
      el("ul", { class: "verify-problems" },
        ...r.affected.slice(0, 10).map((f) => el("li", {}, `${f.path} (snapshots ${f.snapshots.join(", ")})`)),
        ...r.problems.slice(0, r.affected.length ? 3 : 10).map((p) => el("li", {}, p))));
  };
  // "Open backups from another computer": asks for a secret only when the disk needs one.
  let openPath = "";
  let found = h.found ?? [];
  let needsSecret = false;
  let openStatus = "";
  let openFailed = false;
  let shownKey: { path: string; text: string; failed: boolean } | null = null;
  let importStatus: { text: string; failed: boolean; key: string | null } | null = null;
  let importFolder = "";
  const importGroup = (take: NonNullable<PreferencesHandlers["importBackup"]>) => {
    const folder = el("input", { type: "text", id: "import-folder", placeholder: "/media/me/Backup/00008110-…", value: importFolder });
    const target = el("select", { id: "import-location" }, ...locations.map((l) => el("option", { value: l.path, selected: l.is_default }, l.path)));
    const go = button("Add to the snapshots", { id: "import-backup", disabled: locations.length === 0 }, async () => {
      importFolder = folder.value.trim();
      if (!importFolder) return;
      importStatus = { text: `Adding ${importFolder}…`, failed: false, key: null };
      draw();
      try {
        const done = await take(importFolder, target.value);
        importStatus = { text: `Added as snapshot ${done.snapshot.id} of ${done.udid} (${done.files} files; it added ${bytes(done.snapshot.added_bytes)}).`, failed: false, key: done.recovery_key };
      } catch (e) {
        importStatus = { text: errorMessage(e), failed: true, key: null };
      }
      draw();
    });
    return el(
      "div",
      { id: "import-group" },
      el("h2", {}, "Add a Finder backup"),
      el("p", { class: "hint" }, "A backup folder Finder, iTunes or idevicebackup2 made (the folder named after the device's UDID) becomes a snapshot of its device. It must be complete: an unfinished backup is refused and nothing is added."),
      el("div", { class: "add-location" },
        field("Backup folder", folder),
        locations.length ? field("Into", target) : el("p", { class: "hint" }, "Add a location first."),
        go),
      importStatus
        ? el("div", { id: "import-status", role: importStatus.failed ? "alert" : "status", class: importStatus.failed ? "error-text" : "" },
            importStatus.text,
            importStatus.key ? el("p", { class: "hint" }, "This set the location up: its recovery key opens the snapshots on any computer. Keep it apart from the disk:") : null,
            importStatus.key ? el("code", { class: "recovery-value" }, importStatus.key) : null)
        : null,
    );
  };
  const showKey = async (path: string) => {
    try {
      const key = await h.recoveryKey!(path);
      shownKey = { path, text: key ?? "These snapshots are stored in clear: they need no recovery key.", failed: false };
    } catch (e) {
      shownKey = { path, text: errorMessage(e), failed: true };
    }
    draw();
  };
  const openBackups = (open: NonNullable<PreferencesHandlers["openBackups"]>) => {
    const path = el("input", { type: "text", id: "open-backups-path", placeholder: "/media/me/Old disk", value: openPath });
    const secret = el("input", { type: "password", id: "open-backups-secret", autocomplete: "off" });
    const submit = async (given?: string) => {
      openPath = given ?? path.value.trim();
      if (!openPath) return;
      try {
        const devices = await open(openPath, needsSecret ? secret.value : null);
        const names = devices.map((d) => d.name || d.udid).join(", ");
        openStatus = devices.length ? `Opened: backups of ${names}. They are listed with the devices.` : "Opened: there are no snapshots there yet.";
        openFailed = false;
        needsSecret = false;
        locations = await h.add(openPath);
      } catch (e) {
        const kind = errorKind(e);
        if (kind === "store_locked") {
          needsSecret = true;
          openStatus = "This computer does not know these backups' key yet: type the backup password of a device backed up there, or the recovery key.";
        } else {
          openStatus = errorMessage(e);
        }
        openFailed = kind !== "store_locked";
      }
      draw();
      document.getElementById(needsSecret ? "open-backups-secret" : "open-backups")?.focus();
    };
    return el(
      "div",
      { id: "open-backups-group" },
      el("h2", {}, "Backups from another computer"),
      el("p", { class: "hint" }, "A disk that holds Keepsake.Backups from another computer (or from before a reinstall) opens with the backup password of a phone backed up there, or with its recovery key."),
      found.length
        ? el("div", { id: "found-disks" },
            el("p", {}, "Found on the disks in sight:"),
            el("ul", { class: "found-disks" }, ...found.map((d) =>
              el("li", {}, el("span", { class: "location-path" }, d.root), " ",
                button("Open", { class: "open-found", "aria-label": `Open the backups on ${d.root}` }, () => { path.value = d.root; void submit(d.root); })))))
        : null,
      el("div", { class: "add-location" },
        field("Folder or disk", path),
        h.pickFolder
          ? button("Choose…", { id: "open-backups-choose", "aria-label": "Choose the folder or disk to open" }, async () => {
              const picked = await h.pickFolder!();
              if (picked) {
                path.value = picked;
                void submit(picked);
              }
            })
          : null,
        needsSecret ? field("Backup password or recovery key", secret) : null,
        button("Open backups", { id: "open-backups" }, () => void submit())),
      openStatus ? el("p", { id: "open-backups-status", role: openFailed ? "alert" : "status", class: openFailed ? "error-text" : "" }, openStatus) : null,
    );
  };
  const draw = () => {
    // a disk found and then added is no longer offered
    found = found.filter((d) => !locations.some((l) => l.path === d.root));
    const input = el("input", { type: "text", id: "preferences-new-location", placeholder: "/media/me/Backups" });
    const rows = locations.map((l) =>
      el("tr", { class: "location", "data-path": l.path },
        el("td", {}, el("span", { class: "location-path" }, l.path), l.is_default ? el("span", { class: "badge" }, " Default") : null),
        el("td", { class: "location-space" }, spaceText(l)),
        el("td", {}, l.devices.length ? `${l.devices.length} device${l.devices.length === 1 ? "" : "s"}` : "No device"),
        el("td", {}, el("div", { class: "row-actions" },
          l.is_default ? null : button("Make default", { class: "make-default", "aria-label": `Make default: ${l.path}` }, () => void act(() => h.makeDefault(l.path))),
          l.has_backups && h.recoveryKey
            ? button("Recovery key", { class: "show-recovery-key", "aria-label": `Recovery key: ${l.path}` }, () => void showKey(l.path))
            : null,
          l.has_backups && l.present && h.verify
            ? button("Verify", { class: "verify-location", "aria-label": `Verify: ${l.path}`, disabled: verifying !== null }, () => void verify(l.path))
            : null,
          button("Remove", { class: "remove-location", "aria-label": `Remove: ${l.path}` }, () => void act(() => h.remove(l.path)))))));
    root.replaceChildren(
      el("section", { id: "preferences", "aria-labelledby": "preferences-title" },
        el("div", { class: "view-head" }, (h.backLabel ? button(`← ${h.backLabel}`, { id: "back-to-wizard" }, h.back) : button("← Devices", { id: "back-to-devices" }, h.back)), el("h2", { id: "preferences-title" }, "Backup locations")),
        el("p", { class: "hint" }, "Snapshots are kept in a Keepsake.Backups folder at each location. Removing a location here leaves its snapshots on the disk."),
        locations.length === 0
          ? el("p", { id: "no-locations", class: "empty" }, "No backup location yet.")
          : el("table", { class: "entries", id: "locations" },
              el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Location"), el("th", { scope: "col" }, "Space"), el("th", { scope: "col" }, "Used by"), el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Actions")))),
              el("tbody", {}, ...rows)),
        el("div", { class: "add-location" }, field("Add a folder or disk", input),
          button("Add location", { id: "preferences-add" }, () => {
            const path = input.value.trim();
            if (path) void act(() => h.add(path));
          }),
          h.pickFolder
            ? button("Choose…", { id: "preferences-choose" }, async () => {
                const path = await h.pickFolder!();
                if (path) void act(() => h.add(path));
              })
            : null),
        problem ? el("p", { id: "preferences-error", role: "alert", class: "error-text" }, problem) : null,
        verifyStatus(),
        shownKey
          ? el("div", { id: "recovery-key-shown", class: shownKey.failed ? "error-text" : "recovery-key", role: "status" },
              el("p", { class: "recovery-title" }, `The recovery key of ${shownKey.path}`),
              shownKey.failed ? shownKey.text : el("code", { class: "recovery-value" }, shownKey.text),
              shownKey.failed ? null : el("p", { class: "hint" }, "It opens these snapshots on any computer. Keep it apart from the disk."))
          : null,
        h.openBackups ? openBackups(h.openBackups) : null,
        h.importBackup ? importGroup(h.importBackup) : null,
        h.setAutostart ? startAtLogin(h.setAutostart) : null),
    );
  };
  draw();
}
