// Preferences: the backup locations (free space, present or not, which is the default), adding
// and forgetting them.
import { errorKind, errorMessage, type DeviceBackups, type FoundBackups, type Imported, type LocationStatus, type Verification } from "../api";
import { button, bytes, el, field, shortPath } from "../dom";
import { t } from "../i18n";

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
  if (!l.present) return t("preferences-not-connected");
  if (l.free_bytes === null) return t("preferences-space-unknown");
  return l.total_bytes !== null
    ? t("preferences-space-free-of", { free: bytes(l.free_bytes), total: bytes(l.total_bytes) })
    : t("preferences-space-free", { free: bytes(l.free_bytes) });
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
    return el("div", { id: "automatic-group" }, el("h2", {}, t("preferences-automatic")),
      el("div", { class: "check" }, box, el("label", { for: "autostart" }, t("preferences-autostart"))));
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
        el("p", {}, t("verify-running", { location: verifying.path })),
        el("progress", { id: "verify-progress", max: String(Math.max(verifying.total, 1)), value: String(verifying.bytes), "aria-label": t("verify-progress") }));
    }
    if (!verified) return null;
    const r = verified.result;
    if (!r) return el("div", { id: "verify-status", class: "error-text", role: "alert", tabindex: "-1" }, verified.error);
    if (r.ok) {
      return el("div", { id: "verify-status", class: "recovery-key verify-ok", role: "status", tabindex: "-1" },
        el("p", { class: "recovery-title" }, t("verify-intact", { location: verified.path })),
        el("p", {}, t("verify-intact-text", { size: bytes(r.bytes_checked), pieces: r.chunks_checked })));
    }
    return el("div", { id: "verify-status", class: "notice verify-damaged", role: "alert", tabindex: "-1" },
      el("p", { class: "recovery-title" }, t("verify-damaged", { location: verified.path })),
      r.affected.length
        ? el("p", {}, t("verify-damaged-files", { count: r.affected.length }))
        : el("p", {}, t("verify-damaged-index")),
      el("ul", { class: "verify-problems" },
        ...r.affected.slice(0, 10).map((f) => el("li", {}, t("verify-damaged-file", { path: f.path, snapshots: f.snapshots.join(", ") }))),
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
  /** A field on a line of its own, as wide as the pane: a list of paths, often long. */
  const wide = (f: HTMLElement) => {
    f.classList.add("field-wide");
    return f;
  };
  const importGroup = (take: NonNullable<PreferencesHandlers["importBackup"]>) => {
    const folder = el("input", { type: "text", id: "import-folder", placeholder: t("import-folder-placeholder"), value: importFolder });
    const target = el("select", { id: "import-location" }, ...locations.map((l) => el("option", { value: l.path, selected: l.is_default, title: l.path }, shortPath(l.path))));
    const go = button(t("import-button"), { id: "import-backup", disabled: locations.length === 0 }, async () => {
      importFolder = folder.value.trim();
      if (!importFolder) return;
      importStatus = { text: t("import-adding", { folder: importFolder }), failed: false, key: null };
      draw();
      try {
        const done = await take(importFolder, target.value);
        importStatus = { text: t("import-added", { snapshot: String(done.snapshot.id), udid: done.udid, files: done.files, size: bytes(done.snapshot.added_bytes) }), failed: false, key: done.recovery_key };
      } catch (e) {
        importStatus = { text: errorMessage(e), failed: true, key: null };
      }
      draw();
    });
    return el(
      "div",
      { id: "import-group" },
      el("h2", {}, t("import-title")),
      el("p", { class: "hint" }, t("import-hint")),
      el("div", { class: "add-location" },
        field(t("import-folder"), folder),
        locations.length ? wide(field(t("import-into"), target)) : el("p", { class: "hint" }, t("import-no-location")),
        go),
      importStatus
        ? el("div", { id: "import-status", role: importStatus.failed ? "alert" : "status", class: importStatus.failed ? "error-text" : "" },
            importStatus.text,
            importStatus.key ? el("p", { class: "hint" }, t("import-recovery-key")) : null,
            importStatus.key ? el("code", { class: "recovery-value" }, importStatus.key) : null)
        : null,
    );
  };
  const showKey = async (path: string) => {
    try {
      const key = await h.recoveryKey!(path);
      shownKey = { path, text: key ?? t("recovery-key-none"), failed: false };
    } catch (e) {
      shownKey = { path, text: errorMessage(e), failed: true };
    }
    draw();
  };
  const openBackups = (open: NonNullable<PreferencesHandlers["openBackups"]>) => {
    const path = el("input", { type: "text", id: "open-backups-path", placeholder: t("open-backups-placeholder"), value: openPath });
    const secret = el("input", { type: "password", id: "open-backups-secret", autocomplete: "off" });
    const submit = async (given?: string) => {
      openPath = given ?? path.value.trim();
      if (!openPath) return;
      try {
        const devices = await open(openPath, needsSecret ? secret.value : null);
        const names = devices.map((d) => d.name || d.udid).join(", ");
        openStatus = devices.length ? t("open-backups-opened", { devices: names }) : t("open-backups-empty");
        openFailed = false;
        needsSecret = false;
        locations = await h.add(openPath);
      } catch (e) {
        const kind = errorKind(e);
        if (kind === "store_locked") {
          needsSecret = true;
          openStatus = t("open-backups-locked");
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
      el("h2", {}, t("open-backups-title")),
      el("p", { class: "hint" }, t("open-backups-hint")),
      found.length
        ? el("div", { id: "found-disks" },
            el("p", {}, t("open-backups-found")),
            el("ul", { class: "found-disks" }, ...found.map((d) =>
              el("li", {}, el("span", { class: "location-path" }, d.root), " ",
                button(t("open-backups-open-found"), { class: "open-found", "aria-label": t("open-backups-open-found-label", { location: d.root }) }, () => { path.value = d.root; void submit(d.root); })))))
        : null,
      el("div", { class: "add-location" },
        field(t("open-backups-path"), path),
        h.pickFolder
          ? button(t("preferences-choose"), { id: "open-backups-choose", "aria-label": t("open-backups-choose-label") }, async () => {
              const picked = await h.pickFolder!();
              if (picked) {
                path.value = picked;
                void submit(picked);
              }
            })
          : null,
        needsSecret ? field(t("open-backups-secret"), secret) : null,
        button(t("open-backups-button"), { id: "open-backups" }, () => void submit())),
      openStatus ? el("p", { id: "open-backups-status", role: openFailed ? "alert" : "status", class: openFailed ? "error-text" : "" }, openStatus) : null,
    );
  };
  const draw = () => {
    // a disk found and then added is no longer offered
    found = found.filter((d) => !locations.some((l) => l.path === d.root));
    const input = el("input", { type: "text", id: "preferences-new-location", placeholder: t("preferences-new-location-placeholder") });
    const rows = locations.map((l) =>
      el("tr", { class: "location", "data-path": l.path },
        el("td", {}, el("span", { class: "location-path" }, l.path), l.is_default ? el("span", { class: "badge" }, ` ${t("preferences-default")}`) : null),
        el("td", { class: "location-space" }, spaceText(l)),
        el("td", {}, l.devices.length ? t("preferences-devices", { count: l.devices.length }) : t("preferences-no-device")),
        el("td", {}, el("div", { class: "row-actions" },
          l.is_default ? null : button(t("preferences-make-default"), { class: "make-default", "aria-label": t("preferences-make-default-label", { location: l.path }) }, () => void act(() => h.makeDefault(l.path))),
          l.has_backups && h.recoveryKey
            ? button(t("preferences-recovery-key"), { class: "show-recovery-key", "aria-label": t("preferences-recovery-key-label", { location: l.path }) }, () => void showKey(l.path))
            : null,
          l.has_backups && l.present && h.verify
            ? button(t("preferences-verify"), { class: "verify-location", "aria-label": t("preferences-verify-label", { location: l.path }), disabled: verifying !== null }, () => void verify(l.path))
            : null,
          button(t("preferences-remove"), { class: "remove-location", "aria-label": t("preferences-remove-label", { location: l.path }) }, () => void act(() => h.remove(l.path)))))));
    root.replaceChildren(
      el("section", { id: "preferences", "aria-labelledby": "preferences-title" },
        el("div", { class: "view-head" }, (h.backLabel ? button(t("preferences-back-to", { label: h.backLabel }), { id: "back-to-wizard" }, h.back) : button(t("preferences-back"), { id: "back-to-devices" }, h.back)), el("h2", { id: "preferences-title" }, t("preferences-title"))),
        el("p", { class: "hint" }, t("preferences-hint")),
        locations.length === 0
          ? el("p", { id: "no-locations", class: "empty" }, t("preferences-no-locations"))
          : el("table", { class: "entries", id: "locations" },
              el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("preferences-column-location")), el("th", { scope: "col" }, t("preferences-column-space")), el("th", { scope: "col" }, t("preferences-column-used-by")), el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("preferences-column-actions"))))),
              el("tbody", {}, ...rows)),
        el("div", { class: "add-location" }, field(t("preferences-add-folder-or-disk"), input),
          button(t("preferences-add-location"), { id: "preferences-add" }, () => {
            const path = input.value.trim();
            if (path) void act(() => h.add(path));
          }),
          h.pickFolder
            ? button(t("preferences-choose"), { id: "preferences-choose" }, async () => {
                const path = await h.pickFolder!();
                if (path) void act(() => h.add(path));
              })
            : null),
        problem ? el("p", { id: "preferences-error", role: "alert", class: "error-text" }, problem) : null,
        verifyStatus(),
        shownKey
          ? el("div", { id: "recovery-key-shown", class: shownKey.failed ? "error-text" : "recovery-key", role: "status" },
              el("p", { class: "recovery-title" }, t("recovery-key-of", { location: shownKey.path })),
              shownKey.failed ? shownKey.text : el("code", { class: "recovery-value" }, shownKey.text),
              shownKey.failed ? null : el("p", { class: "hint" }, t("recovery-key-hint")))
          : null,
        h.openBackups ? openBackups(h.openBackups) : null,
        h.importBackup ? importGroup(h.importBackup) : null,
        h.setAutostart ? startAtLogin(h.setAutostart) : null),
    );
  };
  draw();
}
