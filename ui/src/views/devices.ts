// The Devices view: every device in sight, its last backup, "Back up now" with live progress,
// the prompts the device is waiting on, and a pending cleaning question.
import type { AllBackups, DeviceRow, MassDeletionWarning, Overview, ProgressEvent } from "../api";
import { button, bytes, duration, el, when } from "../dom";

/** A device as the timeline needs it: in sight, or known only by its backups. */
export interface DeviceRef {
  udid: string;
  name: string;
}

export interface DeviceActions {
  backUp(d: DeviceRow): void;
  cancel(d: DeviceRow): void;
  settings(d: DeviceRow): void;
  timeline(d: DeviceRef): void;
  answerCleaning(d: DeviceRow, remove: boolean): void;
  /** The person says what a backup let go may go: the snapshot kept for it is kept no more. */
  letGo(d: DeviceRow, kept: number): void;
}

const CONNECTION_LABEL = { usb: "USB", wifi: "Wi-Fi" } as const;

function lastBackup(d: DeviceRow): HTMLElement {
  const text = d.last_success ? `Last backup: ${when(d.last_success)}` : "Never backed up";
  return el(
    "p",
    { class: "last-backup" },
    text,
    d.last_error ? el("span", { class: "last-error" }, ` · The last attempt failed: ${d.last_error}`) : null,
  );
}

/** When its snapshots were last read back, and what was found: quiet when intact, a warning
 * naming what cannot be restored when not. */
export function verificationLine(d: DeviceRow): HTMLElement | null {
  const v = d.last_verification;
  if (!v) return null;
  if (!v.ok) return el("p", { class: "verification damaged", role: "alert" }, `Damage found (${when(v.at)}): ${v.summary}`);
  const what = v.sampled ? "Last backup read back intact" : "All snapshots read back intact";
  return el("p", { class: "verification hint", title: v.summary }, `${what}: ${when(v.at)}`);
}

/** When the agent backs the device up next: nothing before the wizard ran (its first backup is
 * the person's), "off" when automatic backups are off. */
export function nextBackupText(d: DeviceRow, nowSeconds: number = Date.now() / 1000): string | null {
  if (!d.confirmed || d.backing_up) return null;
  if (d.next_backup === null) return "Automatic backups are off";
  if (d.location_missing) return `Backups wait for ${d.location_missing}: connect that disk, or choose another location in Settings`;
  if (d.next_backup <= nowSeconds) return "Next automatic backup: now, while it is connected";
  return `Next automatic backup: ${when(d.next_backup)} or later, when it is connected`;
}

/** What went, in words: "64 of 80 photos and videos (80 %, 190 MB)". */
export function massDeletionText(w: MassDeletionWarning): string {
  const what = { photos: "photos and videos", message_attachments: "message attachments" } as const;
  return w.found
    .map((m) => {
      const percent = m.before.files ? Math.floor((m.removed.files * 100) / m.before.files) : 0;
      return `${m.removed.files} of ${m.before.files} ${what[m.kind]} (${percent} %, ${bytes(m.removed.bytes)})`;
    })
    .join(" and ");
}

function massDeletionWarning(d: DeviceRow, actions?: DeviceActions): HTMLElement | null {
  const w = d.mass_deletion;
  if (!w) return null;
  const id = `mass-deletion-${d.udid}`;
  return el(
    "div",
    { class: "mass-deletion", role: "group", "aria-labelledby": id },
    el("p", { id }, `The last backup of ${d.name} no longer has ${massDeletionText(w)} that the backup before had. Were they deleted on purpose? The snapshot before still holds them and is kept forever until you say they may go.`),
    el("div", { class: "actions" },
      button("Show the snapshots", { class: "mass-deletion-show" }, () => actions?.timeline(d)),
      button("They may go", { class: "mass-deletion-fine" }, () => actions?.letGo(d, w.kept)),
    ),
  );
}

function cleaningQuestion(d: DeviceRow, actions?: DeviceActions): HTMLElement | null {
  if (!d.cleaning) return null;
  const r = d.cleaning.request;
  const id = `cleaning-${d.udid}`;
  return el(
    "div",
    { class: "cleaning", role: "group", "aria-labelledby": id },
    el("p", { id }, `Older snapshots of ${d.name} take more space than allowed. Delete ${r.snapshots.length} of them to free ${bytes(r.frees_bytes)}?`),
    el("ul", { class: "cleaning-list" }, ...r.snapshots.map((s) => el("li", {}, `${when(s.time)} · ${bytes(s.frees_bytes)}`))),
    button("Delete them", { class: "danger cleaning-approve" }, () => actions?.answerCleaning(d, true)),
    button("Keep them", { class: "cleaning-decline" }, () => actions?.answerCleaning(d, false)),
  );
}

export function deviceRow(d: DeviceRow, actions?: DeviceActions): HTMLElement {
  const via = d.connections.map((c) => CONNECTION_LABEL[c]).join(" + ") || "Not connected";
  const label = `${d.name}`;
  return el(
    "li",
    { class: "device", "data-udid": d.udid },
    el("div", { class: "device-head" },
      el("span", { class: "device-name" }, d.name),
      el("span", { class: "device-meta" }, `${d.model} · iOS ${d.ios_version} · ${via}`),
      d.paired ? null : el("span", { class: "badge warn" }, "Not trusted yet"),
    ),
    d.advice ? el("p", { class: "advice" }, d.advice) : null,
    lastBackup(d),
    verificationLine(d),
    ((next) => (next ? el("p", { class: "next-backup" }, next) : null))(nextBackupText(d)),
    el("div", { class: "actions" },
      button("Back up now", { class: "primary backup-now", "aria-label": `Back up now: ${label}`, disabled: d.backing_up }, () => actions?.backUp(d)),
      button("Snapshots", { class: "show-timeline", "aria-label": `Snapshots: ${label}` }, () => actions?.timeline(d)),
      d.confirmed ? button("Settings", { class: "show-settings", "aria-label": `Settings: ${label}` }, () => actions?.settings(d)) : null,
    ),
    el("div", { class: "backup-status", "aria-live": "polite" }),
    massDeletionWarning(d, actions),
    cleaningQuestion(d, actions),
  );
}

/** Devices with backups that are not in sight: a lost, sold or old phone's snapshots stay
 * browsable. Locked locations (from another computer) say how to open them. */
export function otherBackups(all: AllBackups, inSight: DeviceRow[], actions?: DeviceActions): HTMLElement | null {
  const away = all.devices.filter((b) => !inSight.some((d) => d.udid === b.udid));
  if (away.length === 0 && all.locked.length === 0) return null;
  return el(
    "section",
    { id: "other-backups", "aria-labelledby": "other-backups-title" },
    el("h2", { id: "other-backups-title" }, "Backups of devices not connected"),
    ...all.locked.map((l) =>
      el("p", { class: "notice locked-location" }, `The backups at ${l} are locked on this computer: open them in Preferences with the backup password of a device backed up there, or with their recovery key.`),
    ),
    away.length === 0
      ? null
      : el("ul", { class: "devices", id: "other-backup-list" },
          ...away.map((b) => {
            const name = b.name || b.udid;
            return el(
              "li",
              { class: "device other-device", "data-udid": b.udid },
              el("div", { class: "device-head" },
                el("span", { class: "device-name" }, name),
                el("span", { class: "device-meta" }, [b.model, "Not connected"].filter(Boolean).join(" · ")),
              ),
              el("p", { class: "last-backup" }, `${b.snapshots} snapshot${b.snapshots === 1 ? "" : "s"} · Last backup: ${when(b.last_backup)}`),
              el("p", { class: "hint backup-location" }, `At ${b.location}`),
              el("div", { class: "actions" },
                button("Snapshots", { class: "show-timeline", "aria-label": `Snapshots: ${name}` }, () => actions?.timeline({ udid: b.udid, name })),
              ),
            );
          })),
  );
}

/** The recovery key of a location the backup just set up, shown once in the device's row:
 * saved as a file or printed, and put away only once the person says it is kept. */
export function showRecoveryKey(
  row: HTMLElement,
  key: string,
  handlers: { save(): Promise<string | null>; print(): void; done(): void },
): void {
  row.querySelector(".recovery-key")?.remove();
  const status = el("p", { class: "recovery-status", role: "status" });
  const kept = el("input", { type: "checkbox", id: `recovery-kept-${row.dataset.udid}`, class: "recovery-kept" });
  const done = button("Done", { class: "primary recovery-done", disabled: true }, () => handlers.done());
  kept.addEventListener("change", () => (done.disabled = !kept.checked));
  const titleId = `recovery-title-${row.dataset.udid}`;
  row.append(
    el(
      "div",
      { class: "recovery-key", role: "group", "aria-labelledby": titleId },
      el("p", { id: titleId, class: "recovery-title" }, "Keep this recovery key"),
      el("p", { class: "hint" }, "It opens these snapshots on any computer — if this one is lost, or after a reinstall. Write it down, save it or print it, and keep it apart from the backup disk. Preferences shows it again, on a computer that can open the snapshots."),
      el("code", { class: "recovery-value" }, key),
      el("div", { class: "actions" },
        button("Save as file…", { class: "recovery-save" }, async () => {
          try {
            const saved = await handlers.save();
            if (saved) status.textContent = `Saved as ${saved}.`;
          } catch (e) {
            status.textContent = String((e as { message?: string }).message ?? e);
          }
        }),
        button("Print…", { class: "recovery-print" }, () => handlers.print()),
      ),
      el("div", { class: "check" }, kept, el("label", { for: kept.id }, "I have kept the recovery key somewhere safe")),
      done,
      status,
    ),
  );
}

export function renderOverview(root: HTMLElement, o: Overview, actions?: DeviceActions, preferences?: () => void, others?: AllBackups): void {
  const problem = o.usbmuxd_problem
    ? el("div", { id: "usbmuxd-problem", role: "alert", class: "notice" }, "USB devices cannot be listed: ", o.usbmuxd_problem)
    : null;
  const list =
    o.devices.length === 0
      ? el("p", { id: "no-devices", class: "empty" }, "No iPhone or iPad found. Connect one with a cable, unlock it and tap Trust.")
      : el("ul", { id: "device-list", class: "devices" }, ...o.devices.map((d) => deviceRow(d, actions)));
  root.replaceChildren(
    el("header", { class: "topbar" },
      el("h1", {}, o.app.name),
      el("span", { id: "app-version", class: "version" }, `Version ${o.app.version}`),
      button("Preferences", { id: "show-preferences", class: "topbar-action" }, () => preferences?.()),
    ),
    el("main", { id: "view" },
      el("section", { "aria-labelledby": "devices-title" }, el("h2", { id: "devices-title" }, "Devices"), problem, list),
      others ? otherBackups(others, o.devices, actions) : null),
  );
}

/** The line under the progress bar: what arrived, how fast, and how long is left. */
export function progressText(e: ProgressEvent): string {
  switch (e.step) {
    case "waiting_for_trust":
      return `Unlock ${e.device} and tap Trust on it to let this computer back it up.`;
    case "waiting_for_unlock":
      return `${e.device} is locked: unlock it with its passcode.`;
    case "enter_passcode":
      return `Enter your passcode on ${e.device} to let the backup start.`;
    case "passcode_done":
    case "started":
      return "Backing up…";
    case "transferring": {
      const of = e.bytes_expected ? ` of about ${bytes(e.bytes_expected)}` : "";
      const left = e.eta_seconds !== null ? ` · ${duration(e.eta_seconds)} left` : "";
      return `${bytes(e.bytes_received)}${of} · ${e.files_received} files · ${bytes(e.bytes_per_second)}/s${left}`;
    }
    case "saving":
      return "Saving the snapshot…";
  }
}

/** Shows a backup's progress in its device row, updating the bar in place (focus stays put). */
export function showProgress(row: HTMLElement, e: ProgressEvent, onCancel: () => void): void {
  const status = row.querySelector<HTMLElement>(".backup-status")!;
  let bar = status.querySelector<HTMLProgressElement>("progress");
  if (!bar) {
    const textId = `progress-text-${e.udid}`;
    bar = el("progress", { class: "backup-progress", max: "100", value: "0", "aria-label": "Backup progress", "aria-describedby": textId });
    status.replaceChildren(
      el("div", { class: "progress-row" }, bar, button("Cancel", { class: "cancel-backup" }, onCancel)),
      el("p", { class: "progress-text", id: textId }),
      el("p", { class: "prompt", role: "alert", hidden: true }),
    );
    row.querySelector<HTMLButtonElement>(".backup-now")!.disabled = true;
  }
  const prompt = status.querySelector<HTMLElement>(".prompt")!;
  const text = status.querySelector<HTMLElement>(".progress-text")!;
  const waiting = e.step === "waiting_for_trust" || e.step === "waiting_for_unlock" || e.step === "enter_passcode";
  if (waiting) {
    prompt.textContent = progressText(e);
    prompt.hidden = false;
  } else {
    prompt.hidden = true;
    text.textContent = progressText(e);
  }
  if (e.step === "transferring") bar.value = Math.max(0, Math.min(100, e.percent));
  if (e.step === "saving") bar.value = 100;
}

/** Ends a backup's progress in its row with a result line. */
export function showBackupResult(row: HTMLElement, message: string, failed: boolean): void {
  const status = row.querySelector<HTMLElement>(".backup-status")!;
  status.replaceChildren(el("p", { class: failed ? "result error-text" : "result", role: failed ? "alert" : "status" }, message));
  row.querySelector<HTMLButtonElement>(".backup-now")!.disabled = false;
}

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(
    el("div", { id: "load-error", role: "alert", class: "error" }, "Keepsake could not start its engine: ", message,
      el("p", {}, "Restart Keepsake. If this keeps happening, run `keepsake info -vv` in a terminal and report what it prints.")),
  );
}
