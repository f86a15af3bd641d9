// The devices screen: beside the sidebar, the page of the device chosen (its model's picture,
// its last and next backups, "Back up now" with live progress, the prompts the device is
// waiting on, a pending cleaning question and the space its snapshots take), the page of a
// device known only by its backups, or the home pane to choose a device from.
import type { AllBackups, DeviceRow, DeviceSpace, MassDeletionWarning, OffsiteProgress, OffsiteReason, OffsiteRow, OffsiteValues, Overview, ProgressEvent } from "../api";
import { button, bytes, duration, el, field, when } from "../dom";
import { language, locale, t } from "../i18n";
import { renderSpaceChart } from "./charts";
import { modelName, modelPicture } from "./models";
import { lastBackupOf, renderShell, renderSidebar, shownDevice, sidebarEntries, stateLine, type SidebarEntry } from "./sidebar";

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
  /** Sets the offsite copy once the remote answers; resolves to what went wrong, or null. */
  saveOffsite?(d: DeviceRow, v: OffsiteValues): Promise<string | null>;
  removeOffsite?(d: DeviceRow): void;
  copyOffsite?(d: DeviceRow): void;
}

const CONNECTION_LABEL = { usb: "USB", wifi: "Wi-Fi" } as const;

function lastBackup(d: DeviceRow): HTMLElement {
  const text = d.last_success ? t("device-last-backup", { time: when(d.last_success) }) : t("device-never-backed-up");
  return el(
    "p",
    { class: "last-backup" },
    text,
    d.last_error ? el("span", { class: "last-error" }, ` · ${t("device-last-attempt-failed", { error: d.last_error })}`) : null,
  );
}

/** When its snapshots were last read back, and what was found: quiet when intact, a warning
 * naming what cannot be restored when not. */
export function verificationLine(d: DeviceRow): HTMLElement | null {
  const v = d.last_verification;
  if (!v) return null;
  if (!v.ok) return el("p", { class: "verification damaged", role: "alert" }, t("device-damage-found", { time: when(v.at), summary: v.summary }));
  const what = v.sampled ? "device-last-backup-intact" : "device-all-snapshots-intact";
  return el("p", { class: "verification hint", title: v.summary }, t(what, { time: when(v.at) }));
}

/** When the agent backs the device up next: nothing before the wizard ran (its first backup is
 * the person's), "off" when automatic backups are off. */
export function nextBackupText(d: DeviceRow, nowSeconds: number = Date.now() / 1000): string | null {
  if (!d.confirmed || d.backing_up) return null;
  if (d.next_backup === null) return t("device-automatic-off");
  if (d.location_missing) return t("device-waiting-for-location", { location: d.location_missing });
  if (d.next_backup <= nowSeconds) return t("device-next-backup-now");
  return t("device-next-backup", { time: when(d.next_backup) });
}

/** What went, in words: "64 of 80 photos and videos (80 %, 190 MB)". */
export function massDeletionText(w: MassDeletionWarning): string {
  const what = { photos: "mass-deletion-photos", message_attachments: "mass-deletion-attachments" } as const;
  const parts = w.found.map((m) => {
    const percent = m.before.files ? Math.floor((m.removed.files * 100) / m.before.files) : 0;
    return t(what[m.kind], { removed: m.removed.files, before: m.before.files, percent, size: bytes(m.removed.bytes) });
  });
  // "A and B", "A et B"; English's "A and B and C" for three (there are two kinds today)
  return language() === "en" ? parts.join(" and ") : new Intl.ListFormat(locale(), { type: "conjunction" }).format(parts);
}

function massDeletionWarning(d: DeviceRow, actions?: DeviceActions): HTMLElement | null {
  const w = d.mass_deletion;
  if (!w) return null;
  const id = `mass-deletion-${d.udid}`;
  return el(
    "div",
    { class: "mass-deletion", role: "group", "aria-labelledby": id },
    el("p", { id }, t("mass-deletion-question", { device: d.name, what: massDeletionText(w) })),
    el("div", { class: "actions" },
      button(t("mass-deletion-show"), { class: "mass-deletion-show" }, () => actions?.timeline(d)),
      button(t("mass-deletion-let-go"), { class: "mass-deletion-fine" }, () => actions?.letGo(d, w.kept)),
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
    el("p", { id }, t("cleaning-question", { device: d.name, count: r.snapshots.length, size: bytes(r.frees_bytes) })),
    el("ul", { class: "cleaning-list" }, ...r.snapshots.map((s) => el("li", {}, `${when(s.time)} · ${bytes(s.frees_bytes)}`))),
    button(t("cleaning-delete"), { class: "danger cleaning-approve" }, () => actions?.answerCleaning(d, true)),
    button(t("cleaning-keep"), { class: "cleaning-decline" }, () => actions?.answerCleaning(d, false)),
  );
}

/** The notice that USB devices cannot be listed: on the home pane and on each device's page. */
function usbmuxdNotice(o: Overview): HTMLElement | null {
  return o.usbmuxd_problem
    ? el("div", { id: "usbmuxd-problem", role: "alert", class: "notice" }, t("devices-usbmuxd-problem", { problem: o.usbmuxd_problem }))
    : null;
}

/** The top of a device's page: its model's picture, its name, and what it is. */
function pageHead(e: SidebarEntry, meta: string, ...more: (HTMLElement | null)[]): HTMLElement {
  return el("div", { class: "device-hero" },
    modelPicture(e.model, 112, e.device !== null),
    el("div", { class: "device-heading" },
      el("h2", { id: "device-title", class: "device-name" }, e.name),
      el("p", { class: "device-meta" }, meta),
      ...more));
}

/** Where the device's snapshots are, one line a location. */
function locationLines(e: SidebarEntry, inSight: boolean): HTMLElement[] {
  return e.backups.map((b) =>
    el("p", { class: "hint backup-location" }, inSight ? t("device-snapshots-at", { count: b.snapshots, location: b.location }) : t("device-at", { location: b.location })));
}

/** The page of a device in sight: what it is and how it is connected, its last and next
 * backups, its actions, a running backup's progress and the questions its backups wait on; the
 * space chart (`.device-space`) is filled in when Rust answers (`showSpace`). */
export function devicePage(e: SidebarEntry & { device: DeviceRow }, o: Overview, actions?: DeviceActions, nowSeconds?: number): HTMLElement {
  const d = e.device;
  const via = d.connections.map((c) => CONNECTION_LABEL[c]).join(" + ") || t("device-not-connected");
  const meta = [modelName(d.model || e.model), d.ios_version ? `iOS ${d.ios_version}` : null, via].filter(Boolean).join(" · ");
  const label = `${d.name}`;
  const next = nextBackupText(d, nowSeconds);
  return el(
    "section",
    { class: "device device-page", "data-udid": d.udid, "aria-labelledby": "device-title" },
    usbmuxdNotice(o),
    pageHead(e, meta, d.paired ? null : el("span", { class: "badge warn" }, t("device-not-trusted"))),
    d.advice ? el("p", { class: "advice" }, d.advice) : null,
    el("div", { class: "card device-card" },
      lastBackup(d),
      verificationLine(d),
      next ? el("p", { class: "next-backup" }, next) : null,
      ...locationLines(e, true),
      el("div", { class: "actions" },
        button(t("device-back-up-now"), { class: "primary backup-now", "aria-label": t("device-back-up-now-label", { device: label }), disabled: d.backing_up }, () => actions?.backUp(d)),
        button(t("device-snapshots"), { class: "show-timeline", "aria-label": t("device-snapshots-label", { device: label }) }, () => actions?.timeline(d)),
        d.confirmed ? button(t("device-settings"), { class: "show-settings", "aria-label": t("device-settings-label", { device: label }) }, () => actions?.settings(d)) : null,
      ),
      el("div", { class: "backup-status", "aria-live": "polite" })),
    el("div", { class: "device-notices" },
      massDeletionWarning(d, actions),
      cleaningQuestion(d, actions)),
    offsiteCard(d, actions, nowSeconds),
    el("div", { class: "device-space" }),
  );
}

const OFFSITE_REASON: Record<OffsiteReason, string> = {
  unreachable: "offsite-reason-unreachable",
  refused: "offsite-reason-refused",
  full: "offsite-reason-full",
  diverged: "offsite-reason-diverged",
  no_secret: "offsite-reason-no-secret",
  error: "offsite-reason-error",
};

/** What to do about each reason an offsite copy waits (another: its error says). */
const OFFSITE_ADVICE: Record<Exclude<OffsiteReason, "error">, string> = {
  unreachable: "offsite-advice-unreachable",
  refused: "offsite-advice-refused",
  full: "offsite-advice-full",
  diverged: "offsite-advice-diverged",
  no_secret: "offsite-advice-no-secret",
};

/** Where the offsite copy is at: copied, behind, or waiting for its remote and why. */
function offsiteState(o: OffsiteRow, nowSeconds: number): HTMLElement[] {
  if (o.waiting) {
    const next = o.next_try !== null && o.next_try > nowSeconds ? t("offsite-next-try", { time: when(o.next_try) }) : t("offsite-next-try-soon");
    // a known reason comes with what to do (the whole error in its tooltip); another, with it
    const reason = o.waiting.reason;
    return [
      el("p", { class: "offsite-state waiting", role: "status", title: o.waiting.error }, t("offsite-waiting", { remote: o.remote, why: t(OFFSITE_REASON[reason]) })),
      el("p", { class: "hint offsite-error-detail" }, reason === "error" ? o.waiting.error : t(OFFSITE_ADVICE[reason])),
      el("p", { class: "hint offsite-next" }, next),
    ];
  }
  const text = o.last_copied === null
    ? t("offsite-not-yet", { remote: o.remote })
    : o.behind
      ? t("offsite-behind", { remote: o.remote, time: when(o.last_copied) })
      : t("offsite-copied", { remote: o.remote, time: when(o.last_copied) });
  return [el("p", { class: "offsite-state" }, text)];
}

/** The device's offsite copy: its state and "Copy now", or what it is for and "Set up…"; the
 * form to set it up or change it takes the card's place. */
export function offsiteCard(d: DeviceRow, actions?: DeviceActions, nowSeconds: number = Date.now() / 1000): HTMLElement {
  const o = d.offsite ?? null;
  const card = el("section", { class: "card offsite-card", "aria-labelledby": "offsite-title" });
  const show = (): void => {
    card.replaceChildren(
      el("h3", { id: "offsite-title" }, t("offsite-title")),
      ...(o ? offsiteState(o, nowSeconds) : [el("p", { class: "hint" }, t("offsite-none-hint"))]),
      el("div", { class: "actions" },
        o ? button(t("offsite-copy-now"), { class: "offsite-copy-now", disabled: d.last_success === null }, () => actions?.copyOffsite?.(d)) : null,
        o
          ? button(t("offsite-change"), { class: "offsite-change", "aria-label": t("offsite-change-label", { device: d.name }) }, () => form())
          : button(t("offsite-set-up"), { class: "offsite-set-up", "aria-label": t("offsite-set-up-label", { device: d.name }) }, () => form())),
      el("div", { class: "offsite-status", "aria-live": "polite" }),
    );
  };
  const form = (): void => {
    card.replaceChildren(...offsiteForm(d, o, actions, show));
    card.querySelector<HTMLInputElement>("#offsite-address")?.focus();
  };
  show();
  return card;
}

/** The offsite copy's form: the bucket's address, the access key and its secret (kept in the
 * OS credential store), a bandwidth limit. Saved once the remote answers with those keys. */
function offsiteForm(d: DeviceRow, o: OffsiteRow | null, actions: DeviceActions | undefined, back: () => void): HTMLElement[] {
  const input = (id: string, type: string, value: string, extra: Record<string, string> = {}) =>
    el("input", { id, type, value, autocomplete: "off", spellcheck: "false", ...extra });
  const address = input("offsite-address", "text", o?.remote ?? "", { placeholder: "s3://s3.example.com/bucket/keepsake" });
  const key = input("offsite-access-key", "text", o?.access_key ?? "");
  const secret = input("offsite-secret", "password", "", o ? { placeholder: t("offsite-secret-unchanged") } : {});
  const bandwidth = input("offsite-bandwidth", "number", o?.bandwidth_kb ? String(o.bandwidth_kb) : "", { min: "0", step: "100", inputmode: "numeric" });
  const error = el("p", { class: "error-text offsite-form-error", role: "alert", hidden: true });
  const save = button(t("offsite-save"), { class: "primary offsite-save" }, () => void submit());
  const submit = async (): Promise<void> => {
    const kb = Number.parseInt(bandwidth.value, 10);
    const values: OffsiteValues = {
      address: address.value.trim(),
      accessKey: key.value.trim(),
      secret: secret.value === "" && o ? null : secret.value,
      bandwidthKb: Number.isFinite(kb) && kb > 0 ? kb : null,
    };
    save.disabled = true;
    save.textContent = t("offsite-checking");
    const problem = (await actions?.saveOffsite?.(d, values)) ?? null;
    save.disabled = false;
    save.textContent = t("offsite-save");
    error.hidden = problem === null;
    error.textContent = problem ?? "";
  };
  return [
    el("h3", { id: "offsite-title" }, t("offsite-form-title", { device: d.name })),
    el("p", { class: "hint" }, t("offsite-form-hint")),
    el("div", { class: "offsite-fields" },
      field(t("offsite-address"), address, t("offsite-address-hint")),
      field(t("offsite-access-key"), key),
      field(t("offsite-secret"), secret, t("offsite-secret-hint")),
      field(t("offsite-bandwidth"), bandwidth, t("offsite-bandwidth-hint"))),
    error,
    el("div", { class: "actions" },
      save,
      button(t("offsite-cancel"), { class: "offsite-cancel" }, back),
      o ? button(t("offsite-remove"), { class: "danger offsite-remove" }, () => actions?.removeOffsite?.(d)) : null),
  ];
}

/** A copy offsite on its way: a bar of bytes, the rate and the time left. */
export function showOffsiteProgress(page: HTMLElement, e: OffsiteProgress): void {
  const status = page.querySelector<HTMLElement>(".offsite-status");
  if (!status) return;
  let bar = status.querySelector<HTMLProgressElement>("progress");
  if (!bar) {
    bar = el("progress", { class: "offsite-progress", max: "1", value: "0", "aria-label": t("offsite-progress-label"), "aria-describedby": "offsite-progress-text" });
    status.replaceChildren(bar, el("p", { class: "progress-text", id: "offsite-progress-text" }));
    const now = page.querySelector<HTMLButtonElement>(".offsite-copy-now");
    if (now) now.disabled = true;
  }
  bar.max = Math.max(1, e.bytes_total);
  bar.value = Math.min(e.bytes_sent, bar.max);
  const parts = [t("offsite-sent", { sent: bytes(e.bytes_sent), total: bytes(e.bytes_total) })];
  if (e.bytes_per_second > 0) parts.push(t("progress-rate", { rate: bytes(e.bytes_per_second) }));
  if (e.eta_seconds !== null) parts.push(t("progress-time-left", { time: duration(e.eta_seconds) }));
  status.querySelector<HTMLElement>(".progress-text")!.textContent = parts.join(" · ");
}

/** A copy offsite ended: its sentence where its bar was. */
export function showOffsiteResult(page: HTMLElement, message: string, failed: boolean): void {
  page.querySelector<HTMLElement>(".offsite-status")?.replaceChildren(
    el("p", { class: failed ? "result error-text" : "result", role: failed ? "alert" : "status" }, message));
  const now = page.querySelector<HTMLButtonElement>(".offsite-copy-now");
  if (now) now.disabled = false;
}

/** The page of a device known only by its backups (a lost, sold or old phone): its snapshots
 * stay browsable. */
export function awayPage(e: SidebarEntry, o: Overview, actions?: DeviceActions): HTMLElement {
  const snapshots = e.backups.reduce((n, b) => n + b.snapshots, 0);
  const last = lastBackupOf(e);
  return el(
    "section",
    { class: "device device-page other-device", "data-udid": e.udid, "aria-labelledby": "device-title" },
    usbmuxdNotice(o),
    pageHead(e, `${modelName(e.model)} · ${t("device-not-connected")}`),
    el("div", { class: "card device-card" },
      el("p", { class: "last-backup" }, last ? t("device-away-snapshots-last", { count: snapshots, time: when(last) }) : t("device-away-snapshots", { count: snapshots })),
      ...locationLines(e, false),
      el("p", { class: "hint" }, t("device-away-hint")),
      el("div", { class: "actions" },
        button(t("device-snapshots"), { class: "show-timeline", "aria-label": t("device-snapshots-label", { device: e.name }) }, () => actions?.timeline({ udid: e.udid, name: e.name })))),
    el("div", { class: "device-space" }),
  );
}

/** Fills a device page's space chart in, or leaves it out (`null`: no snapshots it can open). */
export function showSpace(page: HTMLElement, space: DeviceSpace | null): void {
  page.querySelector(".device-space")?.replaceChildren(...(space ? [renderSpaceChart(space)] : []));
}

/** The home pane, when no device is chosen: what to do with none, else a tile a device to
 * choose from; the notices about USB and locked locations. */
export function homePane(o: Overview, all: AllBackups, entries: readonly SidebarEntry[], select: (udid: string) => void, progress: ReadonlyMap<string, ProgressEvent> = new Map(), nowSeconds?: number): HTMLElement {
  const locked = all.locked.map((l) =>
    el("p", { class: "notice locked-location" }, t("home-locked-location", { location: l })),
  );
  if (entries.length === 0) {
    const picture = modelPicture("", 120, false);
    picture.setAttribute("aria-hidden", "true");
    return el("section", { id: "home", class: "home", "aria-labelledby": "home-title" },
      usbmuxdNotice(o),
      ...locked,
      el("div", { id: "no-devices", class: "empty" },
        picture,
        el("h2", { id: "home-title" }, t("home-no-devices-title")),
        el("p", {}, t("home-no-devices"))));
  }
  return el("section", { id: "home", class: "home", "aria-labelledby": "home-title" },
    usbmuxdNotice(o),
    ...locked,
    el("h2", { id: "home-title" }, t("home-choose")),
    el("p", { class: "hint" }, t("home-hint")),
    el("ul", { class: "device-tiles" },
      ...entries.map((e) => {
        const picture = modelPicture(e.model, 72, e.device !== null);
        picture.setAttribute("aria-hidden", "true");
        const tile = button("", { class: "device-tile", "data-udid": e.udid }, () => select(e.udid));
        tile.append(picture,
          el("span", { class: "entry-name" }, e.name),
          el("span", { class: "entry-model" }, modelName(e.model)),
          stateLine(e, progress.get(e.udid), nowSeconds));
        return el("li", {}, tile);
      })));
}

/** The recovery key of a location the backup just set up, shown once on the device's page:
 * saved as a file or printed, and put away only once the person says it is kept. */
export function showRecoveryKey(
  row: HTMLElement,
  key: string,
  handlers: { save(): Promise<string | null>; print(): void; done(): void },
): void {
  row.querySelector(".recovery-key")?.remove();
  const status = el("p", { class: "recovery-status", role: "status" });
  const kept = el("input", { type: "checkbox", id: `recovery-kept-${row.dataset.udid}`, class: "recovery-kept" });
  const done = button(t("recovery-done"), { class: "primary recovery-done", disabled: true }, () => handlers.done());
  kept.addEventListener("change", () => (done.disabled = !kept.checked));
  const titleId = `recovery-title-${row.dataset.udid}`;
  (row.querySelector(".device-notices") ?? row).append(
    el(
      "div",
      { class: "recovery-key", role: "group", "aria-labelledby": titleId },
      el("p", { id: titleId, class: "recovery-title" }, t("recovery-title")),
      el("p", { class: "hint" }, t("recovery-hint")),
      el("code", { class: "recovery-value" }, key),
      el("div", { class: "actions" },
        button(t("recovery-save"), { class: "recovery-save" }, async () => {
          try {
            const saved = await handlers.save();
            if (saved) status.textContent = t("recovery-saved", { path: saved });
          } catch (e) {
            status.textContent = String((e as { message?: string }).message ?? e);
          }
        }),
        button(t("recovery-print"), { class: "recovery-print" }, () => handlers.print()),
      ),
      el("div", { class: "check" }, kept, el("label", { for: kept.id }, t("recovery-kept"))),
      done,
      status,
    ),
  );
}

export interface OverviewOptions {
  actions?: DeviceActions;
  /** Every device's backups on the known locations, in sight or not. */
  others?: AllBackups;
  /** The device the person chose, if any. */
  selected?: string | null;
  select?(udid: string): void;
  preferences?(): void;
  /** The running backups' last progress events, for the sidebar's state lines. */
  progress?: ReadonlyMap<string, ProgressEvent>;
  nowSeconds?: number;
}

/** The devices screen: the sidebar, and beside it the page of the device shown (the one chosen,
 * or the only one there is) or the home pane. Returns the device shown, if any. */
export function renderOverview(root: HTMLElement, o: Overview, opts: OverviewOptions = {}): string | null {
  const all = opts.others ?? { devices: [], locked: [] };
  const entries = sidebarEntries(o, all);
  const shown = shownDevice(entries, opts.selected ?? null, all.locked.length);
  const select = (udid: string) => opts.select?.(udid);
  const { nav, view } = renderShell(root);
  renderSidebar(nav, o.app, entries, shown ? { udid: shown } : null, { select, preferences: () => opts.preferences?.() }, opts.progress, opts.nowSeconds);
  const entry = entries.find((e) => e.udid === shown);
  view.replaceChildren(
    !entry
      ? homePane(o, all, entries, select, opts.progress, opts.nowSeconds)
      : entry.device
        ? devicePage({ ...entry, device: entry.device }, o, opts.actions, opts.nowSeconds)
        : awayPage(entry, o, opts.actions),
  );
  return shown;
}

/** The line under the progress bar: what arrived, how fast, and how long is left. */
export function progressText(e: ProgressEvent): string {
  switch (e.step) {
    case "waiting_for_trust":
      return t("progress-waiting-trust", { device: e.device });
    case "waiting_for_unlock":
      return t("progress-waiting-unlock", { device: e.device });
    case "enter_passcode":
      return t("progress-enter-passcode", { device: e.device });
    case "passcode_done":
    case "started":
      return t("progress-backing-up");
    case "transferring": {
      const received = e.bytes_expected
        ? t("progress-received-of", { received: bytes(e.bytes_received), expected: bytes(e.bytes_expected) })
        : t("progress-received", { received: bytes(e.bytes_received) });
      const parts = [received, t("progress-files", { count: e.files_received }), t("progress-rate", { rate: bytes(e.bytes_per_second) })];
      if (e.eta_seconds !== null) parts.push(t("progress-time-left", { time: duration(e.eta_seconds) }));
      return parts.join(" · ");
    }
    case "saving":
      return t("progress-saving");
  }
}

/** Shows a backup's progress in its device row, updating the bar in place (focus stays put). */
export function showProgress(row: HTMLElement, e: ProgressEvent, onCancel: () => void): void {
  const status = row.querySelector<HTMLElement>(".backup-status")!;
  let bar = status.querySelector<HTMLProgressElement>("progress");
  if (!bar) {
    const textId = `progress-text-${e.udid}`;
    bar = el("progress", { class: "backup-progress", max: "100", value: "0", "aria-label": t("progress-label"), "aria-describedby": textId });
    status.replaceChildren(
      el("div", { class: "progress-row" }, bar, button(t("progress-cancel"), { class: "cancel-backup" }, onCancel)),
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
    el("div", { id: "load-error", role: "alert", class: "error" }, t("load-error", { message }),
      el("p", {}, t("load-error-hint"))),
  );
}
