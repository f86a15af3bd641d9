// The Timeline (a device's snapshots along time) and the snapshot Browser (domains → folders →
// files, with sizes and extraction; an encrypted snapshot first asks for its password).
import { errorKind, errorMessage, type DeviceSpace, type HistoryEvent, type HistoryReason, type BrowseEntry, type Converted, type DomainDiff, type DomainSummary, type Exported, type ExtractSummary, type RestoredToDevice, type SnapshotInfo, type TimelineEntry } from "../api";
import { button, bytes, el, field, snapshotTimes, when } from "../dom";
import { renderSpaceChart, timelineFigure } from "./charts";

export function renderTimeline(
  root: HTMLElement,
  deviceName: string,
  snapshots: (SnapshotInfo | TimelineEntry)[],
  handlers: {
    open(s: SnapshotInfo): void;
    back(): void;
    compare?(older: SnapshotInfo, newer: SnapshotInfo): void;
    /** Keeps a snapshot forever (or no longer); resolves to whether it is now kept. */
    pin?(s: SnapshotInfo, pinned: boolean): Promise<boolean>;
    /** Converts the snapshots kept as sent; `progress` hears bytes converted. */
    convert?(password: string | null, progress: (bytes: number) => void): Promise<Converted>;
    /** The device's space at its location, for the space chart (asked again after a pin
     * changes what the next cleaning deletes); when it fails, no chart shows. */
    space?(): Promise<DeviceSpace | null>;
    /** A stretch without a backup longer than this is a gap in the drawing (default 2 days). */
    gapSeconds?: number;
  },
  history: HistoryEvent[] = [],
): void {
  const newestFirst = [...snapshots].sort((a, b) => b.time - a.time);
  const time = snapshotTimes(snapshots);
  const compare = (s: SnapshotInfo, i: number) => {
    const previous = newestFirst[i + 1];
    return previous && handlers.compare
      ? button("What changed", { class: "snapshot-compare", "aria-label": `What changed: ${time(previous)} to ${time(s)}` }, () => handlers.compare!(previous, s))
      : null;
  };
  // The pictures above the list: the space (filled in when Rust answers) and the timeline.
  const pins = new Map(snapshots.map((s) => [s.id, "pinned" in s && s.pinned]));
  const space = el("div", { id: "space-chart" });
  const showSpace = () => {
    if (!handlers.space || snapshots.length === 0) return;
    handlers.space().then((s) => space.replaceChildren(...(s ? [renderSpaceChart(s)] : [])), () => space.replaceChildren());
  };
  const drawing = el("div", { id: "timeline-drawing" });
  const draw = () => {
    if (snapshots.length === 0) return;
    drawing.replaceChildren(timelineFigure(snapshots.map((s) => ({ id: s.id, time: s.time, added_bytes: s.added_bytes, pinned: pins.get(s.id) === true })), { onSelect: choose, gapSeconds: handlers.gapSeconds }));
  };
  /** A mark chosen in the drawing: its row in the list is scrolled to, marked and focused. */
  const choose = (id: number) => {
    const row = root.querySelector<HTMLElement>(`.snapshot[data-id="${id}"]`);
    if (!row) return;
    for (const other of Array.from(root.querySelectorAll(".snapshot.chosen, .timeline-mark.chosen"))) other.classList.remove("chosen");
    row.classList.add("chosen");
    root.querySelector(`.timeline-mark[data-id="${id}"]`)?.classList.add("chosen");
    const still = typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    row.scrollIntoView?.({ block: "center", behavior: still ? "auto" : "smooth" });
    row.querySelector<HTMLElement>(".snapshot-open")?.focus({ preventScroll: true });
  };
  const status = el("p", { id: "timeline-status", role: "status" });
  const pinButton = (s: SnapshotInfo | TimelineEntry) => {
    if (!handlers.pin || !("pinned" in s)) return null;
    let pinned = s.pinned;
    const b = button("", { class: "snapshot-pin" }, async () => {
      b.disabled = true;
      try {
        const was = pinned;
        pinned = await handlers.pin!(s, !pinned);
        status.textContent = "";
        if (pinned !== was) {
          pins.set(s.id, pinned);
          draw();
          showSpace();
        }
      } catch (e) {
        status.textContent = errorMessage(e);
        status.classList.add("error-text");
      } finally {
        b.disabled = false;
        show();
      }
    });
    const show = () => {
      b.textContent = pinned ? "Kept forever" : "Keep forever";
      b.setAttribute("aria-pressed", String(pinned));
      b.setAttribute("aria-label", `${b.textContent}: the snapshot of ${time(s)}`);
      b.title = pinned
        ? "Automatic deletion never removes this snapshot. Click to let it go when it is old."
        : `Never delete this snapshot automatically (deleting it would free ${bytes(s.frees_bytes)})`;
    };
    show();
    return b;
  };
  const list = snapshots.length === 0
    ? el("p", { id: "no-snapshots", class: "empty" }, `No snapshots of ${deviceName} yet. Back it up to make the first one.`)
    : el("ol", { id: "timeline", class: "timeline", "aria-label": `Snapshots of ${deviceName}, newest first` },
        ...newestFirst.map((s, i) =>
          el("li", { class: "snapshot", "data-id": String(s.id) },
            button("", { class: "snapshot-open" }, () => handlers.open(s)),
            el("span", { class: "snapshot-time" }, time(s)),
            el("span", { class: "snapshot-size" }, `${bytes(s.bytes)} in ${s.files} files`),
            el("span", { class: "snapshot-added" }, s.seq === 1 ? `First backup: ${bytes(s.added_bytes)}` : `Added ${bytes(s.added_bytes)}`),
            "note" in s && s.note ? el("span", { class: "snapshot-note" }, `“${s.note}”`) : null,
            pinButton(s),
            compare(s, i),
          )));
  // The whole row is the button's target; its text sits in the row for layout, and names it.
  for (const li of Array.from(list.querySelectorAll("li"))) {
    const b = li.querySelector("button")!;
    b.append(el("span", { class: "sr-only" }, "Browse the snapshot of "), ...Array.from(li.querySelectorAll("span")));
  }
  root.replaceChildren(
    el("section", { id: "timeline-view", "aria-labelledby": "timeline-title" },
      el("div", { class: "view-head" }, button("← Devices", { id: "back-to-devices" }, handlers.back), el("h2", { id: "timeline-title" }, `Snapshots of ${deviceName}`)),
      space,
      convertNotice(deviceName, snapshots, handlers),
      drawing,
      list,
      status,
      renderHistory(deviceName, history)),
  );
  draw();
  showSpace();
}

/** How many of a device's events the timeline shows. */
const HISTORY_SHOWN = 30;

const REASONS: Record<HistoryReason, string> = {
  not_connected: "it was not connected (neither on the cable nor on Wi-Fi)",
  passcode_not_entered: "it was locked, or its passcode was not entered",
  location_missing: "the backup disk was not there",
  no_location: "no backup location was chosen",
  not_enough_space: "there was not enough space",
  password: "the backup password was wrong or missing",
  connection_lost: "the connection to it was lost",
  error: "of an error",
};


/** One event in words, and whether it is bad news. */
export function historyText(e: HistoryEvent): { text: string; bad: boolean } {
  switch (e.kind) {
    case "backed_up":
      return { text: e.added_bytes === undefined ? "Backed up" : `Backed up: ${bytes(e.added_bytes)} added`, bad: false };
    case "failed":
      // The error already says why, in words, and what to do.
      return { text: `Failed: ${e.error}`, bad: true };
    case "cancelled":
      return { text: "Cancelled: nothing of it was kept", bad: false };
    case "skipped":
      return { text: `Not backed up that day because ${REASONS[e.reason]}`, bad: true };
  }
}

/** The device's recent backups, failures and skipped days, newest first. */
export function renderHistory(deviceName: string, events: HistoryEvent[]): HTMLElement {
  const shown = events.slice(0, HISTORY_SHOWN);
  return el("section", { id: "history", "aria-labelledby": "history-title" },
    el("h3", { id: "history-title" }, "History"),
    shown.length === 0
      ? el("p", { class: "empty" }, `Nothing has happened to ${deviceName}'s backups yet.`)
      : el("ol", { class: "history", "aria-label": `What happened to ${deviceName}'s backups, newest first` },
          ...shown.map((e) => {
            const { text, bad } = historyText(e);
            return el("li", { class: bad ? "history-event bad" : "history-event", "data-kind": e.kind },
              el("span", { class: "history-time" }, when(e.at)),
              el("span", { class: "history-text" }, text));
          })),
    events.length > shown.length
      ? el("p", { class: "hint" }, `The ${shown.length} newest of ${events.length}; \`keepsake history\` lists them all.`)
      : null);
}

/** The offer to convert an encrypted device's snapshots taken without its backup password:
 * they keep Apple's ciphertext, which neither deduplicates nor compresses. */
function convertNotice(
  deviceName: string,
  snapshots: (SnapshotInfo | TimelineEntry)[],
  handlers: { convert?(password: string | null, progress: (bytes: number) => void): Promise<Converted> },
): HTMLElement | null {
  const kept = snapshots.filter((s) => "kept_as_sent" in s && s.kept_as_sent === true);
  if (!handlers.convert || kept.length === 0) return null;
  const text = el("p", { id: "convert-text" },
    kept.length === 1
      ? `One snapshot of ${deviceName} was taken without its backup password: it keeps the phone's encrypted files as they came, which take more space. Keepsake can keep them decrypted in its own encrypted store instead; exports and restores stay exactly what the phone sent.`
      : `${kept.length} snapshots of ${deviceName} were taken without its backup password: they keep the phone's encrypted files as they came, which take more space. Keepsake can keep them decrypted in its own encrypted store instead; exports and restores stay exactly what the phone sent.`);
  const progress = el("progress", { id: "convert-progress", class: "backup-progress", max: "100", value: "0", hidden: true, "aria-label": "Saving space" });
  const said = el("p", { id: "convert-status", role: "status" });
  const form = el("div", { id: "convert-password" });
  const go = button("Save space", { id: "convert", class: "primary" }, () => void run(null));
  const actions = el("div", { class: "actions" }, go);
  const total = Math.max(1, kept.reduce((n, s) => n + s.bytes, 0));
  const run = async (password: string | null) => {
    go.disabled = true;
    form.replaceChildren();
    said.classList.remove("error-text");
    said.textContent = "Saving space…";
    progress.max = total;
    progress.value = 0;
    progress.hidden = false;
    try {
      const done = await handlers.convert!(password, (b) => (progress.value = Math.min(total, b)));
      said.textContent = `Done: ${plural(done.versions_converted, "file")} kept decrypted in ${plural(done.snapshots_opened, "snapshot")}; the snapshots take ${bytes(done.stored_after)} now, ${bytes(done.stored_before)} before.`;
      // what is left to say is the result: the offer and its button go
      actions.remove();
      text.hidden = true;
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        said.textContent = "";
        const input = el("input", { type: "password", id: "convert-password-input", autocomplete: "current-password" });
        const f = el("form", { class: "unlock" },
          el("p", {}, kind === "wrong_password" ? "That password is not right: try again." : `Enter the backup password of ${deviceName} to open these snapshots.`),
          field("Backup password", input),
          el("button", { type: "submit", id: "convert-unlock", class: "primary" }, "Save space"));
        f.addEventListener("submit", (ev) => {
          ev.preventDefault();
          void run(input.value);
        });
        form.replaceChildren(f);
        input.focus();
      } else {
        said.textContent = errorMessage(e);
        said.classList.add("error-text");
      }
    } finally {
      go.disabled = false;
      progress.hidden = true;
    }
  };
  return el("div", { id: "convert-notice", class: "notice", role: "region", "aria-label": "Save space" },
    text, form, actions, progress, said);
}

/** Asks for the backup password of an encrypted device's snapshots, in `into`. */
function passwordForm(into: HTMLElement, deviceName: string, wrong: boolean, submit: (password: string) => void): void {
  const input = el("input", { type: "password", id: "snapshot-password", autocomplete: "current-password" });
  const form = el("form", { id: "unlock-form", class: "unlock" },
    el("p", {}, wrong ? "That password is not right: try again." : `The backups of ${deviceName} are encrypted. Enter the backup password to open this snapshot.`),
    field("Backup password", input),
    el("button", { type: "submit", id: "unlock", class: "primary" }, "Open"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit(input.value);
  });
  into.replaceChildren(form);
  input.focus();
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** One domain's line in a comparison: counts and sizes, the paths behind a disclosure. */
export function diffSummary(d: DomainDiff): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(`${plural(d.added.length, "file")} added (${bytes(d.bytes_added)})`);
  if (d.changed.length) parts.push(`${d.changed.length} changed (${bytes(d.bytes_changed)})`);
  if (d.removed.length) parts.push(`${d.removed.length} removed (${bytes(d.bytes_removed)})`);
  return parts.join(", ");
}

export interface ComparisonHandlers {
  diff(older: number, newer: number, password: string | null): Promise<DomainDiff[]>;
  back(): void;
}

/** Compares two snapshots of a device, per domain and app; any two can be chosen. */
export function renderComparison(
  root: HTMLElement,
  deviceName: string,
  snapshots: SnapshotInfo[],
  older: SnapshotInfo,
  newer: SnapshotInfo,
  h: ComparisonHandlers,
): Promise<void> {
  const newestFirst = [...snapshots].sort((a, b) => b.time - a.time);
  // two snapshots of the same minute are told apart by their seconds
  const time = snapshotTimes(snapshots);
  const picker = (id: string, chosen: SnapshotInfo) =>
    el("select", { id }, ...newestFirst.map((s) => el("option", { value: String(s.id), selected: s.id === chosen.id }, time(s))));
  const olderPick = picker("compare-older", older);
  const newerPick = picker("compare-newer", newer);
  const status = el("p", { id: "compare-status", role: "status" });
  const content = el("div", { id: "compare-content" });
  let password: string | null = null;

  const run = async (): Promise<void> => {
    const [a, b] = [Number(olderPick.value), Number(newerPick.value)];
    const byId = (id: number) => snapshots.find((s) => s.id === id)!;
    // "from" is always the earlier one, whichever way round they were picked
    const [from, to] = byId(a).time <= byId(b).time ? [a, b] : [b, a];
    status.classList.remove("error-text");
    if (from === to) {
      status.textContent = "Choose two different snapshots.";
      content.replaceChildren();
      return;
    }
    status.textContent = "Comparing…";
    try {
      const domains = await h.diff(from, to, password);
      status.textContent = domains.length === 0 ? "Nothing changed between these snapshots." : `${plural(domains.length, "domain")} changed from ${time(byId(from))} to ${time(byId(to))}.`;
      content.replaceChildren(el("ul", { id: "diff", class: "diff" }, ...domains.map((d) =>
        el("li", { class: "diff-domain", "data-domain": d.domain },
          el("details", {},
            el("summary", {}, el("span", { class: "diff-name", title: d.domain }, d.app ?? d.domain), " — ", diffSummary(d)),
            el("ul", { class: "diff-paths" },
              ...d.added.map((p) => el("li", { class: "added", "data-path": p }, `+ ${p}`)),
              ...d.changed.map((p) => el("li", { class: "changed", "data-path": p }, `~ ${p}`)),
              ...d.removed.map((p) => el("li", { class: "removed", "data-path": p }, `− ${p}`))))))));
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        status.textContent = "";
        passwordForm(content, deviceName, kind === "wrong_password", (p) => {
          password = p;
          void run();
        });
      } else {
        status.textContent = errorMessage(e);
        status.classList.add("error-text");
      }
    }
  };

  root.replaceChildren(
    el("section", { id: "comparison", "aria-labelledby": "comparison-title" },
      el("div", { class: "view-head" }, button("← Snapshots", { id: "back-to-timeline" }, h.back), el("h2", { id: "comparison-title" }, `What changed on ${deviceName}`)),
      el("div", { class: "compare-pick" }, field("From", olderPick), field("To", newerPick), button("Compare", { id: "compare", class: "primary" }, () => void run())),
      status,
      content),
  );
  return run();
}

export interface BrowserHandlers {
  domains(password: string | null): Promise<DomainSummary[]>;
  folder(domain: string, folder: string): Promise<BrowseEntry[]>;
  extract(domain: string, path: string, target: string): Promise<ExtractSummary>;
  /** The system's folder picker, where there is one. */
  pickFolder?(): Promise<string | null>;
  /** Writes the whole snapshot as a Finder backup folder; `progress` hears bytes written. */
  exportTo?(target: string, progress: (bytes: number) => void): Promise<Exported>;
  /** Restores the snapshot onto `onto` (a device in sight; its own device when that is the
   * one chosen); `progress` hears the device's percentage. */
  restore?(password: string | null, onto: string, progress: (percent: number) => void): Promise<RestoredToDevice>;
  /** The trusted devices in sight a restore can go onto, and the snapshot's own device's UDID. */
  targets?(): { own: string; devices: { udid: string; name: string }[] };
  back(): void;
}

const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);

export function renderBrowser(root: HTMLElement, deviceName: string, snapshot: SnapshotInfo, h: BrowserHandlers): Promise<void> {
  let domain: string | null = null;
  let folder = "";
  const target = el("input", { type: "text", id: "extract-target", placeholder: "/home/me/Restored" });
  const status = el("p", { id: "browser-status", role: "status" });
  const content = el("div", { id: "browser-content" });
  const transfer = el("progress", { id: "transfer-progress", class: "backup-progress", max: "100", value: "0", hidden: true, "aria-label": "Progress" });
  const confirm = el("div", { id: "restore-panel" });
  const snapshotActions = el("div", { class: "snapshot-actions" },
    h.exportTo ? button("Export as Finder backup", { id: "export-snapshot", title: "Write the whole snapshot into the folder above as a backup Finder, iTunes and idevicebackup2 can restore" }, () => void doExport()) : null,
    h.restore ? button("Restore to device…", { id: "restore-snapshot", class: "danger" }, () => askRestore(false, false)) : null);

  root.replaceChildren(
    el("section", { id: "browser", "aria-labelledby": "browser-title" },
      el("div", { class: "view-head" }, button("← Snapshots", { id: "back-to-timeline" }, h.back), el("h2", { id: "browser-title" }, `${deviceName} on ${when(snapshot.time)}`)),
      el("div", { class: "extract-to" }, field("Folder on this computer", target),
        h.pickFolder ? button("Choose…", { id: "choose-extract-target" }, async () => {
          const path = await h.pickFolder!();
          if (path) target.value = path;
        }) : null),
      snapshotActions,
      confirm,
      transfer,
      el("nav", { id: "breadcrumb", "aria-label": "Where you are in the snapshot" }),
      content,
      status),
  );

  const crumbs = () => {
    const nav = root.querySelector("#breadcrumb")!;
    const parts: HTMLElement[] = [button("All domains", { class: "crumb" }, () => showDomains(null))];
    if (domain) {
      const d = domain;
      parts.push(button(d, { class: "crumb" }, () => showFolder(d, "")));
      let path = "";
      for (const name of folder ? folder.split("/") : []) {
        path = path ? `${path}/${name}` : name;
        const p = path;
        parts.push(button(name, { class: "crumb" }, () => showFolder(d, p)));
      }
    }
    nav.replaceChildren(...parts);
  };

  const fail = (e: unknown) => {
    status.textContent = errorMessage(e);
    status.classList.add("error-text");
  };

  const askPassword = (wrong: boolean) => passwordForm(content, deviceName, wrong, (p) => void showDomains(p));

  const showDomains = async (password: string | null) => {
    domain = null;
    folder = "";
    status.textContent = "Opening the snapshot…";
    status.classList.remove("error-text");
    try {
      const list = await h.domains(password);
      status.textContent = "";
      crumbs();
      content.replaceChildren(el("table", { class: "entries", id: "domains" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Domain"), el("th", { scope: "col" }, "Files"), el("th", { scope: "col" }, "Size"))),
        el("tbody", {}, ...list.map((d) =>
          el("tr", { class: "domain", "data-domain": d.domain },
            el("td", {}, button(d.app ?? d.domain, { class: "open-domain", title: d.domain }, () => void showFolder(d.domain, ""))),
            el("td", {}, String(d.files)),
            el("td", {}, bytes(d.bytes)))))));
      content.querySelector<HTMLElement>("button")?.focus();
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        status.textContent = "";
        askPassword(kind === "wrong_password");
      } else fail(e);
    }
  };

  const showFolder = async (d: string, f: string) => {
    try {
      const entries = await h.folder(d, f);
      domain = d;
      folder = f;
      crumbs();
      status.textContent = "";
      content.replaceChildren(el("table", { class: "entries", id: "entries" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Name"), el("th", { scope: "col" }, "Size"), el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Actions")))),
        el("tbody", {}, ...entries.map((e) =>
          el("tr", { class: e.is_dir ? "entry folder" : "entry file", "data-path": e.path },
            el("td", {}, e.is_dir ? button(`${basename(e.path)}/`, { class: "open-folder" }, () => void showFolder(d, e.path)) : el("span", { class: "file-name" }, basename(e.path))),
            el("td", {}, bytes(e.bytes)),
            el("td", {}, button("Extract", { class: "extract", "aria-label": `Extract: ${basename(e.path)}` }, () => void doExtract(d, e.path))))))));
      content.querySelector<HTMLElement>("tbody button")?.focus();
    } catch (e) {
      fail(e);
    }
  };

  const busy = (on: boolean) => {
    for (const b of Array.from(snapshotActions.querySelectorAll("button"))) b.disabled = on;
    transfer.hidden = !on;
  };

  /** The folder typed for extracting or exporting; null (and said) when there is none. */
  const targetFolder = (what: string): string | null => {
    const to = target.value.trim();
    if (!to) {
      status.textContent = `Type the folder to ${what} into first.`;
      status.classList.add("error-text");
      target.focus();
      return null;
    }
    status.classList.remove("error-text");
    return to;
  };

  const doExport = async () => {
    const to = targetFolder("export");
    if (to === null) return;
    status.textContent = "Exporting the snapshot…";
    transfer.max = Math.max(1, snapshot.bytes);
    transfer.value = 0;
    busy(true);
    try {
      const done = await h.exportTo!(to, (b) => (transfer.value = b));
      status.textContent = `Exported ${done.files} files (${bytes(done.bytes)}) into ${done.folder}: Finder, iTunes and idevicebackup2 can restore it.`;
    } catch (e) {
      fail(e);
    } finally {
      busy(false);
    }
  };

  /** Where a restore goes: chosen in the confirmation, the snapshot's own device by default. */
  let onto: string | null = null;
  /** The confirmation before a restore, naming the device it replaces; with `needsPassword`, it
   * asks for the backup password. Another device (a new phone) is named with both names. */
  const askRestore = (needsPassword: boolean, wrong: boolean) => {
    const targets = h.targets?.() ?? { own: "", devices: [] };
    if (onto === null || !targets.devices.some((d) => d.udid === onto)) {
      onto = targets.devices.some((d) => d.udid === targets.own) ? targets.own : (targets.devices[0]?.udid ?? null);
    }
    const password = needsPassword ? el("input", { type: "password", id: "restore-password", autocomplete: "current-password" }) : null;
    const question = el("p", { id: "restore-question" });
    const go = button("Restore", { id: "restore-confirm", class: "danger" }, () => void doRestore(password ? password.value : null));
    const word = () => {
      const target = targets.devices.find((d) => d.udid === onto);
      go.disabled = !target;
      question.textContent = !target
        ? `Connect the device to restore onto (${deviceName}, or a new phone), unlock it and tap Trust.`
        : target.udid === targets.own
          ? `Replace everything on ${target.name} with this snapshot of ${when(snapshot.time)}? What is on the device now and not in the snapshot is lost. Keep the device connected and unlocked; turn off Find My on it first.`
          : `Restore this snapshot of ${deviceName} (${when(snapshot.time)}) onto ${target.name}? Everything on ${target.name} is replaced with it — its apps, data and settings — and ${target.name} keeps its own identity. Keep it connected and unlocked; turn off Find My on it first.`;
    };
    const select = el("select", { id: "restore-onto" }, ...targets.devices.map((d) => el("option", { value: d.udid, selected: d.udid === onto }, d.udid === targets.own ? d.name : `${d.name} (another device)`)));
    select.addEventListener("change", () => {
      onto = select.value;
      word();
    });
    word();
    confirm.replaceChildren(
      el("div", { class: "notice", role: "alertdialog", "aria-labelledby": "restore-question" },
        targets.devices.length > 1 || (targets.devices.length === 1 && targets.devices[0].udid !== targets.own) ? field("Restore onto", select) : null,
        question,
        password ? el("p", {}, wrong ? "That password is not right: try again." : "This backup is encrypted: its password is needed.") : null,
        password ? field("Backup password", password) : null,
        el("div", { class: "actions" }, go, button("Cancel", { id: "restore-cancel" }, () => confirm.replaceChildren()))));
    (password ?? go).focus();
  };

  const doRestore = async (password: string | null) => {
    confirm.replaceChildren();
    status.classList.remove("error-text");
    status.textContent = `Restoring ${deviceName}…`;
    transfer.max = 100;
    transfer.value = 0;
    busy(true);
    try {
      const done = await h.restore!(password, onto ?? "", (p) => (transfer.value = Math.max(0, Math.min(100, p))));
      status.textContent = `Restored ${done.files} files to ${done.device}.`;
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        status.textContent = "";
        askRestore(true, password !== null);
      } else fail(e);
    } finally {
      busy(false);
    }
  };

  const doExtract = async (d: string, path: string) => {
    const to = targetFolder("extract");
    if (to === null) return;
    status.textContent = `Extracting ${basename(path)}…`;
    try {
      const done = await h.extract(d, path, to);
      status.textContent = `Extracted ${done.files} file${done.files === 1 ? "" : "s"} (${bytes(done.bytes)}) into ${to}/${d}.`;
    } catch (e) {
      fail(e);
    }
  };

  return showDomains(null);
}
