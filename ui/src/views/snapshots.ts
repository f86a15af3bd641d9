// The Timeline (a device's snapshots along time) and the snapshot Browser (the phone's kinds of
// data, its apps by name and icon, and every domain → folders → files, with sizes, extraction
// and search; an encrypted snapshot first asks for its password).
import { errorKind, errorMessage, type DeviceSpace, type HistoryEvent, type HistoryReason, type BrowseEntry, type Converted, type DomainDiff, type DomainSummary, type Exported, type ExtractSummary, type AppSummary, type Kind, type KindPlace, type KindSummary, type SearchResult, type SnapshotContents, type RestoredToDevice, type SnapshotInfo, type TimelineEntry } from "../api";
import { button, bytes, el, field, snapshotTimes, when } from "../dom";
import { t } from "../i18n";
import { renderSpaceChart, timelineFigure } from "./charts";
import { pictogram } from "./pictograms";

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
      ? button(t("timeline-compare"), { class: "snapshot-compare", "aria-label": t("timeline-compare-label", { from: time(previous), to: time(s) }) }, () => handlers.compare!(previous, s))
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
      b.textContent = pinned ? t("timeline-kept-forever") : t("timeline-keep-forever");
      b.setAttribute("aria-pressed", String(pinned));
      b.setAttribute("aria-label", pinned ? t("timeline-kept-forever-label", { time: time(s) }) : t("timeline-keep-forever-label", { time: time(s) }));
      b.title = pinned ? t("timeline-kept-forever-title") : t("timeline-keep-forever-title", { size: bytes(s.frees_bytes) });
    };
    show();
    return b;
  };
  const list = snapshots.length === 0
    ? el("p", { id: "no-snapshots", class: "empty" }, t("timeline-empty", { device: deviceName }))
    : el("ol", { id: "timeline", class: "timeline", "aria-label": t("timeline-list-label", { device: deviceName }) },
        ...newestFirst.map((s, i) =>
          el("li", { class: "snapshot", "data-id": String(s.id) },
            button("", { class: "snapshot-open" }, () => handlers.open(s)),
            el("span", { class: "snapshot-time" }, time(s)),
            el("span", { class: "snapshot-size" }, t("timeline-snapshot-size", { size: bytes(s.bytes), files: s.files })),
            el("span", { class: "snapshot-added" }, s.seq === 1 ? t("timeline-first-backup", { size: bytes(s.added_bytes) }) : t("timeline-added", { size: bytes(s.added_bytes) })),
            "note" in s && s.note ? el("span", { class: "snapshot-note" }, t("timeline-note", { note: s.note })) : null,
            pinButton(s),
            compare(s, i),
          )));
  // The whole row is the button's target; its text sits in the row for layout, and names it.
  for (const li of Array.from(list.querySelectorAll("li"))) {
    const b = li.querySelector("button")!;
    // the words before the row's own ("Browse the snapshot of" its time, size…)
    b.append(el("span", { class: "sr-only" }, `${t("timeline-open")} `), ...Array.from(li.querySelectorAll("span")));
  }
  root.replaceChildren(
    el("section", { id: "timeline-view", "aria-labelledby": "timeline-title" },
      el("div", { class: "view-head" }, button(t("timeline-back"), { id: "back-to-devices" }, handlers.back), el("h2", { id: "timeline-title" }, t("timeline-title", { device: deviceName }))),
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

/** Why a day was skipped, each a whole sentence. */
const SKIPPED: Record<HistoryReason, string> = {
  not_connected: "history-skipped-not-connected",
  passcode_not_entered: "history-skipped-passcode",
  location_missing: "history-skipped-location-missing",
  no_location: "history-skipped-no-location",
  not_enough_space: "history-skipped-space",
  password: "history-skipped-password",
  connection_lost: "history-skipped-connection-lost",
  error: "history-skipped-error",
};


/** One event in words, and whether it is bad news. */
export function historyText(e: HistoryEvent): { text: string; bad: boolean } {
  switch (e.kind) {
    case "backed_up":
      return { text: e.added_bytes === undefined ? t("history-backed-up") : t("history-backed-up-added", { size: bytes(e.added_bytes) }), bad: false };
    case "failed":
      // The error already says why, in words, and what to do.
      return { text: t("history-failed", { error: e.error }), bad: true };
    case "cancelled":
      return { text: t("history-cancelled"), bad: false };
    case "skipped":
      return { text: t(SKIPPED[e.reason]), bad: true };
  }
}

/** The device's recent backups, failures and skipped days, newest first. */
export function renderHistory(deviceName: string, events: HistoryEvent[]): HTMLElement {
  const shown = events.slice(0, HISTORY_SHOWN);
  return el("section", { id: "history", "aria-labelledby": "history-title" },
    el("h3", { id: "history-title" }, t("history-title")),
    shown.length === 0
      ? el("p", { class: "empty" }, t("history-empty", { device: deviceName }))
      : el("ol", { class: "history", "aria-label": t("history-label", { device: deviceName }) },
          ...shown.map((e) => {
            const { text, bad } = historyText(e);
            return el("li", { class: bad ? "history-event bad" : "history-event", "data-kind": e.kind },
              el("span", { class: "history-time" }, when(e.at)),
              el("span", { class: "history-text" }, text));
          })),
    events.length > shown.length
      ? el("p", { class: "hint" }, t("history-more", { shown: shown.length, total: events.length }))
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
  const text = el("p", { id: "convert-text" }, t("convert-text", { count: kept.length, device: deviceName }));
  const progress = el("progress", { id: "convert-progress", class: "backup-progress", max: "100", value: "0", hidden: true, "aria-label": t("convert-saving-label") });
  const said = el("p", { id: "convert-status", role: "status" });
  const form = el("div", { id: "convert-password" });
  const go = button(t("convert-button"), { id: "convert", class: "primary" }, () => void run(null));
  const actions = el("div", { class: "actions" }, go);
  const total = Math.max(1, kept.reduce((n, s) => n + s.bytes, 0));
  const run = async (password: string | null) => {
    go.disabled = true;
    form.replaceChildren();
    said.classList.remove("error-text");
    said.textContent = t("convert-saving");
    progress.max = total;
    progress.value = 0;
    progress.hidden = false;
    try {
      const done = await handlers.convert!(password, (b) => (progress.value = Math.min(total, b)));
      said.textContent = t("convert-done", { files: done.versions_converted, snapshots: done.snapshots_opened, after: bytes(done.stored_after), before: bytes(done.stored_before) });
      // what is left to say is the result: the offer and its button go
      actions.remove();
      text.hidden = true;
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        said.textContent = "";
        const input = el("input", { type: "password", id: "convert-password-input", autocomplete: "current-password" });
        const f = el("form", { class: "unlock" },
          el("p", {}, kind === "wrong_password" ? t("password-wrong") : t("convert-password", { device: deviceName })),
          field(t("password-label"), input),
          el("button", { type: "submit", id: "convert-unlock", class: "primary" }, t("convert-button")));
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
  return el("div", { id: "convert-notice", class: "notice", role: "region", "aria-label": t("convert-button") },
    text, form, actions, progress, said);
}

/** Asks for the backup password of an encrypted device's snapshots, in `into`. */
function passwordForm(into: HTMLElement, deviceName: string, wrong: boolean, submit: (password: string) => void): void {
  const input = el("input", { type: "password", id: "snapshot-password", autocomplete: "current-password" });
  const form = el("form", { id: "unlock-form", class: "unlock" },
    el("p", {}, wrong ? t("password-wrong") : t("password-snapshot", { device: deviceName })),
    field(t("password-label"), input),
    el("button", { type: "submit", id: "unlock", class: "primary" }, t("password-open")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit(input.value);
  });
  into.replaceChildren(form);
  input.focus();
}

/** One domain's line in a comparison: counts and sizes, the paths behind a disclosure. */
export function diffSummary(d: DomainDiff): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(t("diff-added", { count: d.added.length, size: bytes(d.bytes_added) }));
  if (d.changed.length) parts.push(t("diff-changed", { count: d.changed.length, size: bytes(d.bytes_changed) }));
  if (d.removed.length) parts.push(t("diff-removed", { count: d.removed.length, size: bytes(d.bytes_removed) }));
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
      status.textContent = t("compare-same");
      content.replaceChildren();
      return;
    }
    status.textContent = t("compare-comparing");
    try {
      const domains = await h.diff(from, to, password);
      status.textContent = domains.length === 0 ? t("compare-nothing") : t("compare-changed", { count: domains.length, from: time(byId(from)), to: time(byId(to)) });
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
      el("div", { class: "view-head" }, button(t("compare-back"), { id: "back-to-timeline" }, h.back), el("h2", { id: "comparison-title" }, t("compare-title", { device: deviceName }))),
      el("div", { class: "compare-pick" }, field(t("compare-from"), olderPick), field(t("compare-to"), newerPick), button(t("compare-button"), { id: "compare", class: "primary" }, () => void run())),
      status,
      content),
  );
  return run();
}

export interface BrowserHandlers {
  /** Opens the snapshot (with the backup password of an encrypted one) and says what it holds:
   * its kinds of data, its apps and every domain. */
  contents(password: string | null): Promise<SnapshotContents>;
  folder(domain: string, folder: string): Promise<BrowseEntry[]>;
  /** Files of the open snapshot whose "Domain/path" or app's name contains `text`. */
  search(text: string): Promise<SearchResult>;
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
const dirname = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf("/")));

/** The messages naming the kinds of data as people call them (as the phone's own apps are
 * called), on their tiles and in the breadcrumb. */
const KIND_NAMES: Record<Kind, string> = {
  photos: "kind-photos",
  messages: "kind-messages",
  contacts: "kind-contacts",
  calls: "kind-calls",
  notes: "kind-notes",
  calendars: "kind-calendars",
  voice_memos: "kind-voice-memos",
  safari: "kind-safari",
  health: "kind-health",
  passwords: "kind-passwords",
  settings: "kind-settings",
};

/** A kind of data as people call it: "Photos". */
export const kindName = (k: Kind) => t(KIND_NAMES[k]);

/** The messages saying what the places iOS keeps each kind in hold, by "Domain/folder" (see
 * the core's `Kind::places`); a place not named here is called by its folder. */
const PLACE_NAMES: Record<string, string> = {
  "CameraRollDomain/Media/DCIM": "place-camera-roll",
  "HomeDomain/Library/SMS": "place-messages",
  "MediaDomain/Library/SMS/Attachments": "place-attachments",
  "HomeDomain/Library/AddressBook": "place-contacts",
  "HomeDomain/Library/CallHistoryDB": "place-call-history",
  "AppDomainGroup-group.com.apple.notes": "place-notes",
  "HomeDomain/Library/Notes": "place-old-notes",
  "HomeDomain/Library/Calendar": "place-calendars",
  "MediaDomain/Media/Recordings": "place-recordings",
  "AppDomainGroup-group.com.apple.VoiceMemos.shared": "place-shared-recordings",
  "HomeDomain/Library/Safari": "place-safari",
  "HealthDomain": "place-health",
  "KeychainDomain": "place-keychain",
  "HomeDomain/Library/Preferences": "place-preferences",
  "SystemPreferencesDomain": "place-system-preferences",
  "ManagedPreferencesDomain": "place-managed-preferences",
};

/** Where a kind's place is, as iOS names it: "HomeDomain/Library/SMS". */
const placePath = (p: { domain: string; folder: string }) => (p.folder ? `${p.domain}/${p.folder}` : p.domain);

/** A kind's place in words: "Attachments". */
export const placeName = (p: { domain: string; folder: string }) => {
  const id = PLACE_NAMES[placePath(p)];
  return id ? t(id) : p.folder ? basename(p.folder) : p.domain;
};

/** One of an app's domains in words: its own data, an extension's, or a group it shares. */
export function appDomainName(bundleId: string, domain: string): string {
  if (domain === `AppDomain-${bundleId}`) return t("app-domain-own");
  if (domain.startsWith("AppDomainPlugin-")) {
    const id = domain.slice("AppDomainPlugin-".length);
    return t("app-domain-extension", { name: id.startsWith(`${bundleId}.`) ? id.slice(bundleId.length + 1) : id });
  }
  if (domain.startsWith("AppDomainGroup-")) return t("app-domain-group", { name: domain.slice("AppDomainGroup-".length) });
  return domain;
}

/** An app's icon as the device sent it, only when it is a PNG data URL: anything else (a link
 * to the net, a script) is never used as an image's source. */
export function safeIcon(icon: string | null): string | null {
  return icon !== null && /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(icon) ? icon : null;
}

/** An app's picture: its own icon, or a neutral pictogram. Its name is written next to it, so
 * the picture says nothing more to assistive technology. */
function appIcon(a: AppSummary): Element {
  const src = safeIcon(a.icon);
  if (src === null) return el("span", { class: "app-icon placeholder" }, pictogram("app"));
  const img = el("img", { class: "app-icon", alt: "", width: "40", height: "40" });
  img.src = src;
  return img;
}

/** A button holding more than words: a pictogram or icon, and lines of text. */
function boxButton(attrs: Record<string, string | boolean>, onClick: () => void, ...children: (Node | null)[]): HTMLButtonElement {
  const b = button("", attrs, onClick);
  for (const c of children) if (c !== null) b.append(c);
  return b;
}

/** Words between a button's lines for assistive technology only ("Photos: 80 files, 190 MB"):
 * the lines are laid out apart, but read as one name. */
const between = (text: string) => el("span", { class: "sr-only" }, text);

/** A crumb of the breadcrumb: its words, and what clicking it shows. */
interface Crumb {
  label: string;
  open: () => void;
}

/** A way into a domain by name (a kind of data, an app): the crumbs that stand for it after
 * "Snapshot", and the folder of `domain` it starts at. Folders below it follow as their own
 * crumbs; a folder elsewhere is shown by its raw domain. */
interface Way {
  crumbs: Crumb[];
  domain: string;
  base: string;
}

/** Whether `folder` is `base` or inside it. */
const within = (folder: string, base: string) => base === "" || folder === base || folder.startsWith(`${base}/`);

/** How many files and their size, in words: "80 files, 190 MB". */
const filesAndSize = (files: number, size: number) => t("browser-files-and-size", { count: files, size: bytes(size) });

/** How long typing rests before the search runs. */
const SEARCH_DELAY_MS = 250;

export function renderBrowser(root: HTMLElement, deviceName: string, snapshot: SnapshotInfo, h: BrowserHandlers): Promise<void> {
  /** What the snapshot holds, once it is open. */
  let contents: SnapshotContents | null = null;
  /** Counts the screens shown, so a slow folder answer for a screen already left is dropped. */
  let screen = 0;
  const target = el("input", { type: "text", id: "extract-target", placeholder: t("browser-target-placeholder") });
  const status = el("p", { id: "browser-status", role: "status" });
  const content = el("div", { id: "browser-content" });
  const breadcrumb = el("nav", { id: "breadcrumb", "aria-label": t("browser-breadcrumb") });
  const searchInput = el("input", { type: "search", id: "snapshot-search", autocomplete: "off", spellcheck: "false", placeholder: t("browser-search-placeholder") });
  const searchBox = el("div", { class: "snapshot-search", role: "search", hidden: true }, field(t("browser-search"), searchInput));
  const searchStatus = el("p", { id: "search-status", role: "status" });
  const searchArea = el("div", { id: "search-area", hidden: true });
  const transfer = el("progress", { id: "transfer-progress", class: "backup-progress", max: "100", value: "0", hidden: true, "aria-label": t("browser-progress") });
  const confirm = el("div", { id: "restore-panel" });
  const snapshotActions = el("div", { class: "snapshot-actions" },
    h.exportTo ? button(t("browser-export"), { id: "export-snapshot", title: t("browser-export-title") }, () => void doExport()) : null,
    h.restore ? button(t("browser-restore"), { id: "restore-snapshot", class: "danger" }, () => askRestore(false, false)) : null);

  root.replaceChildren(
    el("section", { id: "browser", "aria-labelledby": "browser-title" },
      el("div", { class: "view-head" }, button(t("browser-back"), { id: "back-to-timeline" }, h.back), el("h2", { id: "browser-title" }, t("browser-title", { device: deviceName, time: when(snapshot.time) }))),
      el("div", { class: "extract-to" }, field(t("browser-target"), target),
        h.pickFolder ? button(t("browser-choose"), { id: "choose-extract-target" }, async () => {
          const path = await h.pickFolder!();
          if (path) target.value = path;
        }) : null),
      snapshotActions,
      confirm,
      transfer,
      searchBox,
      searchStatus,
      breadcrumb,
      content,
      searchArea,
      status),
  );

  /** The breadcrumb: "Snapshot", then `trail`; the last crumb is where the person is. The
   * first screen has none: it is the snapshot itself. */
  const crumbs = (trail: Crumb[]) => {
    if (trail.length === 0) return breadcrumb.replaceChildren();
    const parts = [button(t("browser-crumb-snapshot"), { class: "crumb" }, () => showTop()), ...trail.map((c) => button(c.label, { class: "crumb" }, c.open))];
    parts.at(-1)!.setAttribute("aria-current", "location");
    breadcrumb.replaceChildren(...parts);
  };

  const fail = (e: unknown) => {
    status.textContent = errorMessage(e);
    status.classList.add("error-text");
  };

  const askPassword = (wrong: boolean) => passwordForm(content, deviceName, wrong, (p) => void open(p));

  /** Opens the snapshot, asking for its password when it is encrypted, and shows what it holds. */
  const open = async (password: string | null) => {
    status.textContent = t("browser-opening");
    status.classList.remove("error-text");
    try {
      contents = await h.contents(password);
      status.textContent = "";
      searchBox.hidden = false;
      showTop();
    } catch (e) {
      const kind = errorKind(e);
      if (kind === "backup_locked" || kind === "wrong_password") {
        status.textContent = "";
        askPassword(kind === "wrong_password");
      } else fail(e);
    }
  };

  /** The first screen: the phone's kinds of data, its apps, and every domain as iOS names it. */
  const showTop = () => {
    if (!contents) return;
    screen++;
    const c = contents;
    crumbs([]);
    content.replaceChildren(el("div", { id: "contents" },
      el("section", { id: "kinds-section", class: "browser-part", "aria-labelledby": "kinds-title" },
        el("h3", { id: "kinds-title" }, t("browser-kinds")),
        c.kinds.length === 0
          ? el("p", { class: "hint" }, t("browser-no-kinds"))
          : el("ul", { id: "kinds", class: "kind-tiles" }, ...c.kinds.map(kindTile))),
      el("section", { id: "apps-section", class: "browser-part", "aria-labelledby": "apps-title" },
        el("h3", { id: "apps-title" }, t("browser-apps")),
        c.apps.length === 0
          ? el("p", { class: "hint" }, t("browser-no-apps"))
          : el("ul", { id: "apps", class: "app-list" }, ...c.apps.map(appEntry))),
      el("section", { id: "domains-section", class: "browser-part", "aria-labelledby": "domains-title" },
        el("h3", { id: "domains-title" }, t("browser-domains")),
        el("p", { class: "hint" }, t("browser-domains-hint")),
        domainTable(c.domains))));
    content.querySelector<HTMLElement>("button")?.focus();
  };

  /** A kind's tile: its pictogram, name, files and size, named "Photos: 80 files, 190 MB";
   * it opens the kind's place(s). */
  const kindTile = (k: KindSummary) =>
    el("li", { class: "kind", "data-kind": k.kind },
      boxButton({ class: "open-kind" }, () => showKind(k),
        pictogram(k.kind),
        el("span", { class: "kind-name" }, kindName(k.kind)),
        between(": "),
        el("span", { class: "kind-size" }, filesAndSize(k.files, k.bytes))));

  /** An app's entry: its icon, name, version and size; it opens the app's domain(s). */
  const appEntry = (a: AppSummary) =>
    el("li", { class: "app", "data-bundle-id": a.bundle_id },
      boxButton({ class: "open-app", title: a.bundle_id }, () => showApp(a),
        appIcon(a),
        el("span", { class: "app-name" }, a.name),
        el("span", { class: "app-meta" },
          between(": "),
          a.version ? el("span", { class: "app-version" }, t("browser-app-version", { version: a.version })) : null,
          a.version ? between(", ") : null,
          el("span", { class: "app-size" }, filesAndSize(a.files, a.bytes)))));

  /** Every domain of the snapshot, as iOS names it (the e2e suite opens HomeDomain here). */
  const domainTable = (domains: DomainSummary[]) =>
    el("table", { class: "entries", id: "domains" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("browser-column-domain")), el("th", { scope: "col" }, t("browser-column-files")), el("th", { scope: "col" }, t("browser-column-size")))),
      el("tbody", {}, ...domains.map((d) =>
        el("tr", { class: "domain", "data-domain": d.domain },
          el("td", {}, button(d.app ?? d.domain, { class: "open-domain", title: d.domain }, () => void showFolder(d.domain, "", null))),
          el("td", {}, String(d.files)),
          el("td", {}, bytes(d.bytes))))));

  /** The crumb of a kind: its name, opening it again. */
  const kindCrumb = (k: KindSummary): Crumb => ({ label: kindName(k.kind), open: () => showKind(k) });

  /** The way into one of a kind's places: through the kind, and the place's name when it has several. */
  const kindWay = (k: KindSummary, p: KindPlace): Way => {
    const way: Way = { crumbs: [kindCrumb(k)], domain: p.domain, base: p.folder };
    if (k.places.length > 1) way.crumbs.push({ label: placeName(p), open: () => void showFolder(p.domain, p.folder, way) });
    return way;
  };

  /** A kind: its one place's folder straight away, or the list of its places. */
  const showKind = (k: KindSummary) => {
    if (k.places.length === 1) return void showFolder(k.places[0].domain, k.places[0].folder, kindWay(k, k.places[0]));
    showPlaces("kind-places", [kindCrumb(k)], kindName(k.kind), k.places.map((p) => ({
      domain: p.domain, folder: p.folder, name: placeName(p), where: placePath(p), files: p.files, bytes: p.bytes,
      open: () => void showFolder(p.domain, p.folder, kindWay(k, p)),
    })));
  };

  /** The crumb of an app: its name, opening it again. */
  const appCrumb = (a: AppSummary): Crumb => ({ label: a.name, open: () => showApp(a) });

  /** The way into one of an app's domains: through the app, and the domain's name when it has several. */
  const appWay = (a: AppSummary, domain: string): Way => {
    const way: Way = { crumbs: [appCrumb(a)], domain, base: "" };
    if (a.domains.length > 1) way.crumbs.push({ label: appDomainName(a.bundle_id, domain), open: () => void showFolder(domain, "", way) });
    return way;
  };

  /** An app: its one domain's top folder straight away, or the list of its domains. */
  const showApp = (a: AppSummary) => {
    if (a.domains.length === 1) return void showFolder(a.domains[0], "", appWay(a, a.domains[0]));
    const sizes = new Map((contents?.domains ?? []).map((d) => [d.domain, d]));
    showPlaces("app-domains", [appCrumb(a)], a.name, a.domains.map((d) => ({
      domain: d, folder: "", name: appDomainName(a.bundle_id, d), where: d, files: sizes.get(d)?.files ?? null, bytes: sizes.get(d)?.bytes ?? null,
      open: () => void showFolder(d, "", appWay(a, d)),
    })));
  };

  /** A short list of places to open (a kind's folders, an app's domains), under its own heading. */
  const showPlaces = (id: string, trail: Crumb[], title: string, places: { domain: string; folder: string; name: string; where: string; files: number | null; bytes: number | null; open: () => void }[]) => {
    screen++;
    crumbs(trail);
    status.textContent = "";
    content.replaceChildren(el("section", { class: "browser-part", "aria-labelledby": `${id}-title` },
      el("h3", { id: `${id}-title` }, title),
      el("ul", { id, class: "places" }, ...places.map((p) =>
        el("li", { class: "place", "data-domain": p.domain, "data-folder": p.folder },
          boxButton({ class: "open-place" }, p.open,
            el("span", { class: "place-name" }, p.name),
            between(": "),
            el("span", { class: "place-path" }, p.where),
            p.files === null || p.bytes === null ? null : between(", "),
            p.files === null || p.bytes === null ? null : el("span", { class: "place-size" }, filesAndSize(p.files, p.bytes))))))));
    content.querySelector<HTMLElement>(".open-place")?.focus();
  };

  /** A folder of a domain (`""`: its top); `way` is how the person came to it, for the breadcrumb. */
  const showFolder = async (d: string, f: string, way: Way | null) => {
    const shown = ++screen;
    try {
      const entries = await h.folder(d, f);
      if (shown !== screen) return; // the person went elsewhere meanwhile
      const w = way && way.domain === d && within(f, way.base) ? way : null;
      const base = w ? w.base : "";
      const trail: Crumb[] = w ? [...w.crumbs] : [{ label: d, open: () => void showFolder(d, "", null) }];
      let path = base;
      for (const name of f === base ? [] : f.slice(base ? base.length + 1 : 0).split("/")) {
        path = path ? `${path}/${name}` : name;
        const p = path;
        trail.push({ label: name, open: () => void showFolder(d, p, w) });
      }
      crumbs(trail);
      status.textContent = "";
      content.replaceChildren(el("table", { class: "entries", id: "entries" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("browser-column-name")), el("th", { scope: "col" }, t("browser-column-size")), el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("browser-column-actions"))))),
        el("tbody", {}, ...entries.map((e) =>
          el("tr", { class: e.is_dir ? "entry folder" : "entry file", "data-path": e.path },
            el("td", {}, e.is_dir ? button(`${basename(e.path)}/`, { class: "open-folder" }, () => void showFolder(d, e.path, w)) : el("span", { class: "file-name" }, basename(e.path))),
            el("td", {}, bytes(e.bytes)),
            el("td", {}, button(t("browser-extract"), { class: "extract", "aria-label": t("browser-extract-label", { name: basename(e.path) }) }, () => void doExtract(d, e.path))))))));
      content.querySelector<HTMLElement>("tbody button")?.focus();
    } catch (e) {
      if (shown === screen) fail(e);
    }
  };

  /** A found file's place by what the person knows it as: the kind of data it is, else its
   * app, else its domain; with the way to open its folder through that name. */
  const whereIs = (domain: string, path: string): { name: string; way: Way | null } => {
    const c = contents!;
    for (const k of c.kinds) {
      const p = k.places.find((p) => p.domain === domain && (p.folder === "" || path === p.folder || path.startsWith(`${p.folder}/`)));
      if (p) return { name: k.places.length > 1 ? `${kindName(k.kind)} › ${placeName(p)}` : kindName(k.kind), way: kindWay(k, p) };
    }
    const app = c.apps.find((a) => a.domains.includes(domain));
    if (app) return { name: app.domains.length > 1 ? `${app.name} › ${appDomainName(app.bundle_id, domain)}` : app.name, way: appWay(app, domain) };
    return { name: domain, way: null };
  };

  // Search: typing waits for a pause, Enter searches at once; the found files replace the
  // screen until the field is cleared, which brings the screen back as it was.
  /** Counts the searches asked, so an older answer coming after a newer one is dropped. */
  let asked = 0;
  let typing: ReturnType<typeof setTimeout> | undefined;

  const endSearch = () => {
    asked++;
    clearTimeout(typing);
    searchStatus.textContent = "";
    searchStatus.classList.remove("error-text");
    searchArea.hidden = true;
    searchArea.replaceChildren();
    breadcrumb.hidden = false;
    content.hidden = false;
  };

  const search = async (text: string) => {
    clearTimeout(typing);
    if (text === "") return endSearch();
    const n = ++asked;
    searchStatus.classList.remove("error-text");
    searchStatus.textContent = t("browser-searching");
    breadcrumb.hidden = true;
    content.hidden = true;
    searchArea.hidden = false;
    try {
      const r = await h.search(text);
      if (n !== asked) return;
      showFound(text, r);
    } catch (e) {
      if (n !== asked) return;
      searchArea.replaceChildren();
      searchStatus.textContent = errorMessage(e);
      searchStatus.classList.add("error-text");
    }
  };

  /** The found files: name, where it is (opening its folder), size, and Extract. */
  const showFound = (text: string, r: SearchResult) => {
    searchStatus.textContent = r.total === 0
      ? t("browser-search-none", { text })
      : r.total > r.found.length
        ? t("browser-search-some", { count: r.total, shown: r.found.length })
        : t("browser-search-found", { count: r.total });
    if (r.found.length === 0) return searchArea.replaceChildren();
    searchArea.replaceChildren(el("table", { class: "entries", id: "search-results" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("browser-column-name")), el("th", { scope: "col" }, t("browser-column-where")), el("th", { scope: "col" }, t("browser-column-size")), el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("browser-column-actions"))))),
      el("tbody", {}, ...r.found.map(foundRow))));
  };

  const foundRow = (e: BrowseEntry) => {
    const { name, way } = whereIs(e.domain, e.path);
    const folder = dirname(e.path);
    const place = name === e.domain ? folder : folder ? `${e.domain}/${folder}` : e.domain;
    const openIt = boxButton({ class: "open-hit-folder", title: t("browser-open-hit-folder") }, () => {
      searchInput.value = "";
      endSearch();
      void showFolder(e.domain, folder, way);
    }, el("span", { class: "hit-where" }, name), place ? between(": ") : null, place ? el("span", { class: "hit-folder" }, place) : null);
    return el("tr", { class: "search-hit", "data-domain": e.domain, "data-path": e.path },
      el("td", {}, el("span", { class: "file-name", title: e.path }, basename(e.path))),
      el("td", {}, openIt),
      el("td", {}, bytes(e.bytes)),
      el("td", {}, button(t("browser-extract"), { class: "extract", "aria-label": t("browser-extract-label", { name: basename(e.path) }) }, () => void doExtract(e.domain, e.path))));
  };

  searchInput.addEventListener("input", () => {
    clearTimeout(typing);
    const text = searchInput.value.trim();
    if (text === "") return endSearch();
    typing = setTimeout(() => void search(text), SEARCH_DELAY_MS);
  });
  searchInput.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    void search(searchInput.value.trim());
  });

  const busy = (on: boolean) => {
    for (const b of Array.from(snapshotActions.querySelectorAll("button"))) b.disabled = on;
    transfer.hidden = !on;
  };

  /** The folder typed for extracting or exporting; null (and said) when there is none. */
  const targetFolder = (what: "export" | "extract"): string | null => {
    const to = target.value.trim();
    if (!to) {
      status.textContent = what === "export" ? t("browser-no-target-export") : t("browser-no-target-extract");
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
    status.textContent = t("browser-exporting");
    transfer.max = Math.max(1, snapshot.bytes);
    transfer.value = 0;
    busy(true);
    try {
      const done = await h.exportTo!(to, (b) => (transfer.value = b));
      status.textContent = t("browser-exported", { files: done.files, size: bytes(done.bytes), folder: done.folder });
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
    const go = button(t("restore-confirm"), { id: "restore-confirm", class: "danger" }, () => void doRestore(password ? password.value : null));
    const word = () => {
      const target = targets.devices.find((d) => d.udid === onto);
      go.disabled = !target;
      question.textContent = !target
        ? t("restore-connect", { device: deviceName })
        : target.udid === targets.own
          ? t("restore-replace", { device: target.name, time: when(snapshot.time) })
          : t("restore-onto-other", { device: deviceName, time: when(snapshot.time), target: target.name });
    };
    const select = el("select", { id: "restore-onto" }, ...targets.devices.map((d) => el("option", { value: d.udid, selected: d.udid === onto }, d.udid === targets.own ? d.name : t("restore-other-device", { device: d.name }))));
    select.addEventListener("change", () => {
      onto = select.value;
      word();
    });
    word();
    confirm.replaceChildren(
      el("div", { class: "notice", role: "alertdialog", "aria-labelledby": "restore-question" },
        targets.devices.length > 1 || (targets.devices.length === 1 && targets.devices[0].udid !== targets.own) ? field(t("restore-onto"), select) : null,
        question,
        password ? el("p", {}, wrong ? t("password-wrong") : t("restore-password-needed")) : null,
        password ? field(t("password-label"), password) : null,
        el("div", { class: "actions" }, go, button(t("restore-cancel"), { id: "restore-cancel" }, () => confirm.replaceChildren()))));
    (password ?? go).focus();
  };

  const doRestore = async (password: string | null) => {
    confirm.replaceChildren();
    status.classList.remove("error-text");
    status.textContent = t("restore-restoring", { device: deviceName });
    transfer.max = 100;
    transfer.value = 0;
    busy(true);
    try {
      const done = await h.restore!(password, onto ?? "", (p) => (transfer.value = Math.max(0, Math.min(100, p))));
      status.textContent = t("restore-done", { files: done.files, device: done.device });
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
    status.textContent = t("browser-extracting", { name: basename(path) });
    try {
      const done = await h.extract(d, path, to);
      status.textContent = t("browser-extracted", { count: done.files, size: bytes(done.bytes), folder: `${to}/${d}` });
    } catch (e) {
      fail(e);
    }
  };

  return open(null);
}
