// The sidebar: the app's name, every device it knows (in sight, or known only by its backups
// on disk: a lost, sold or old phone) with a one-line state each, and Preferences at its foot.
// It stays on every screen; the main pane beside it (`main#view`) shows the screen itself.
import type { AllBackups, BackupsAt, DeviceRow, Overview, ProgressEvent } from "../api";
import { button, el } from "../dom";
import { language, locale, t } from "../i18n";
import { modelPicture } from "./models";

const SVG_NS = "http://www.w3.org/2000/svg";

/** A gear, drawn by hand, for the Preferences button (its word names it). */
function gearIcon(): SVGSVGElement {
  const teeth = 8;
  const points: string[] = [];
  for (let i = 0; i < teeth * 4; i++) {
    // each tooth: two points on the outer circle, then two on the inner one
    const r = i % 4 < 2 ? 7.6 : 5.6;
    const a = ((Math.floor(i / 2) + (i % 2) * 0.7 - 0.35) * Math.PI) / teeth;
    points.push(`${(10 + r * Math.cos(a)).toFixed(2)} ${(10 + r * Math.sin(a)).toFixed(2)}`);
  }
  const icon = document.createElementNS(SVG_NS, "svg");
  icon.setAttribute("viewBox", "0 0 20 20");
  icon.setAttribute("width", "18");
  icon.setAttribute("height", "18");
  icon.setAttribute("class", "gear");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", `M${points.join(" L")} Z M12.6 10 A2.6 2.6 0 1 0 7.4 10 A2.6 2.6 0 1 0 12.6 10 Z`);
  path.setAttribute("fill-rule", "evenodd");
  icon.append(path);
  return icon;
}

/** A device as the sidebar lists it: in sight (`device`), with backups at some locations, or
 * both. */
export interface SidebarEntry {
  udid: string;
  name: string;
  /** Its product type ("iPhone15,2"); empty when unknown. */
  model: string;
  device: DeviceRow | null;
  backups: BackupsAt[];
}

/** What the sidebar marks as the screen shown: a device (its page, snapshots or settings), or
 * the preferences. */
export type Marked = { udid: string } | "preferences" | null;

/** Whether `marked` is the device `udid`. */
const isDevice = (marked: Marked, udid: string | undefined) => typeof marked === "object" && marked !== null && marked.udid === udid;

export interface SidebarHandlers {
  select(udid: string): void;
  preferences(): void;
}

/** Every device to list: those in sight, then those known only by their backups, each once
 * (a device can have backups at two locations), in a stable order (by name) so entries do not
 * move under the pointer when a phone comes and goes. */
export function sidebarEntries(o: Overview, all: AllBackups): SidebarEntry[] {
  const byUdid = new Map<string, SidebarEntry>();
  for (const d of o.devices) byUdid.set(d.udid, { udid: d.udid, name: d.name, model: d.model, device: d, backups: [] });
  for (const b of all.devices) {
    const known = byUdid.get(b.udid);
    if (known) {
      known.backups.push(b);
      if (!known.model) known.model = b.model;
    } else {
      byUdid.set(b.udid, { udid: b.udid, name: b.name || b.udid, model: b.model, device: null, backups: [b] });
    }
  }
  // a device whose backups do not say its name (listed by its UDID) goes after the named ones
  const unnamed = (e: SidebarEntry) => (e.name === e.udid ? 1 : 0);
  return [...byUdid.values()].sort((a, b) => unnamed(a) - unnamed(b) || a.name.localeCompare(b.name) || a.udid.localeCompare(b.udid));
}

/** The device whose page shows: the one chosen, while it is listed; else the only device
 * listed, when there is nothing else to see (locked locations are told on the home pane). */
export function shownDevice(entries: readonly SidebarEntry[], selected: string | null, lockedLocations = 0): string | null {
  if (selected && entries.some((e) => e.udid === selected)) return selected;
  return entries.length === 1 && lockedLocations === 0 ? entries[0].udid : null;
}

/** Whether the device waits on the person: a cleaning question, a mass-deletion warning, a
 * failed last backup or damage found in its snapshots. */
export function needsAttention(d: DeviceRow): boolean {
  return Boolean(d.cleaning || d.mass_deletion || d.last_error || (d.last_verification && !d.last_verification.ok));
}

/** How long ago a time was, in the words of a sidebar: "today", "yesterday", "3 days ago",
 * "2 weeks ago", "5 months ago", "2 years ago" (by local calendar days), in the interface's
 * language ("aujourd’hui", "hier", "il y a 3 jours"). */
export function agoText(unixSeconds: number, nowSeconds: number = Date.now() / 1000): string {
  const midnight = (t: number) => new Date(t * 1000).setHours(0, 0, 0, 0);
  const days = Math.round((midnight(nowSeconds) - midnight(unixSeconds)) / 86_400_000);
  const tag = language() === "en" ? "en" : locale();
  // "today" and "yesterday" for the last two days, numbers beyond ("1 month ago", not "last month")
  const words = new Intl.RelativeTimeFormat(tag, { numeric: "auto" });
  const counted = new Intl.RelativeTimeFormat(tag, { numeric: "always" });
  if (days <= 0) return words.format(0, "day");
  if (days < 14) return words.format(-days, "day");
  if (days < 60) return counted.format(-Math.floor(days / 7), "week");
  if (days < 365) return counted.format(-Math.floor(days / 30.44), "month");
  return counted.format(-Math.floor(days / 365.25), "year");
}

/** The newest backup among a device's locations; null when it has none. */
export function lastBackupOf(e: SidebarEntry): number | null {
  const times = [...e.backups.map((b) => b.last_backup), e.device?.last_success ?? 0].filter((t) => t > 0);
  return times.length ? Math.max(...times) : null;
}

export type StateKind = "connected" | "busy" | "waiting" | "attention" | "away";

const CONNECTION_LABEL = { usb: "USB", wifi: "Wi-Fi" } as const;

/** The entry's one-line state: what a running backup does, whether the device needs the person,
 * how it is connected, or when it was last backed up when it is not in sight. */
export function entryState(e: SidebarEntry, progress?: ProgressEvent | null, nowSeconds?: number): { text: string; kind: StateKind } {
  const d = e.device;
  if (!d) {
    const last = lastBackupOf(e);
    return { text: last ? t("state-away-last-backup", { ago: agoText(last, nowSeconds) }) : t("state-not-connected"), kind: "away" };
  }
  if (progress) {
    switch (progress.step) {
      case "waiting_for_trust":
        return { text: t("state-waiting-trust"), kind: "waiting" };
      case "waiting_for_unlock":
        return { text: t("state-waiting-unlock"), kind: "waiting" };
      case "enter_passcode":
        return { text: t("state-waiting-passcode"), kind: "waiting" };
      case "transferring":
        return { text: t("state-backing-up-percent", { percent: Math.floor(Math.max(0, Math.min(100, progress.percent))) }), kind: "busy" };
      case "saving":
        return { text: t("state-saving"), kind: "busy" };
      default:
        return { text: t("state-backing-up"), kind: "busy" };
    }
  }
  if (d.backing_up) return { text: t("state-backing-up"), kind: "busy" };
  if (needsAttention(d)) return { text: t("state-needs-attention"), kind: "attention" };
  const via = d.connections.map((c) => CONNECTION_LABEL[c]).join(" + ");
  return { text: via ? t("state-connected-via", { via }) : t("state-connected"), kind: "connected" };
}

/** The state line of an entry (sidebar or tile), with its kind as a class for its colour. */
export function stateLine(e: SidebarEntry, progress?: ProgressEvent | null, nowSeconds?: number): HTMLElement {
  const s = entryState(e, progress, nowSeconds);
  return el("span", { class: `entry-state state-${s.kind}` }, s.text);
}

/** One device in the sidebar: a button with its model's picture, name and state. */
function sidebarItem(e: SidebarEntry, marked: boolean, handlers: SidebarHandlers, progress?: ProgressEvent | null, nowSeconds?: number): HTMLElement {
  const picture = modelPicture(e.model, 32, e.device !== null);
  picture.setAttribute("aria-hidden", "true");
  const b = button("", {
    class: e.device ? "sidebar-device in-sight" : "sidebar-device away",
    "data-udid": e.udid,
    "aria-current": marked ? "page" : false,
  }, () => handlers.select(e.udid));
  b.append(picture, el("span", { class: "entry-text" }, el("span", { class: "entry-name" }, e.name), stateLine(e, progress, nowSeconds)));
  return el("li", { class: "sidebar-item" }, b);
}

/** The app's frame, made once: the sidebar and the main pane, which the screens fill. */
export function renderShell(root: HTMLElement): { nav: HTMLElement; view: HTMLElement } {
  const nav = root.querySelector<HTMLElement>(":scope > #sidebar");
  const view = root.querySelector<HTMLElement>(":scope > #view");
  if (nav && view) return { nav, view };
  // Its states change with every percent of a backup: not read out each time (the app is a
  // live region, for the screens that replace one another in the main pane).
  const made = { nav: el("nav", { id: "sidebar", class: "sidebar", "aria-label": t("sidebar-label"), "aria-live": "off" }), view: el("main", { id: "view" }) };
  root.replaceChildren(made.nav, made.view);
  return made;
}

/** Draws the sidebar anew; the focus, when it was in the sidebar, stays on the same entry. */
export function renderSidebar(
  nav: HTMLElement,
  app: Overview["app"],
  entries: readonly SidebarEntry[],
  marked: Marked,
  handlers: SidebarHandlers,
  progress: ReadonlyMap<string, ProgressEvent> = new Map(),
  nowSeconds?: number,
): void {
  const active = document.activeElement instanceof HTMLElement && nav.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = active?.dataset.udid ?? active?.id ?? null;
  nav.replaceChildren(
    el("header", { class: "sidebar-head" },
      el("h1", {}, app.name),
      el("span", { id: "app-version", class: "version" }, t("sidebar-version", { version: app.version }))),
    el("h2", { id: "devices-title", class: "sidebar-title" }, t("sidebar-devices")),
    entries.length === 0
      ? el("p", { class: "sidebar-empty hint" }, t("sidebar-none-yet"))
      : el("ul", { class: "sidebar-devices", "aria-labelledby": "devices-title" },
          ...entries.map((e) => sidebarItem(e, isDevice(marked, e.udid), handlers, progress.get(e.udid), nowSeconds))),
    el("div", { class: "sidebar-foot" }, preferencesButton(marked === "preferences", handlers)),
  );
  if (!focusKey) return;
  const again = Array.from(nav.querySelectorAll<HTMLElement>("button")).find((b) => b.dataset.udid === focusKey || b.id === focusKey);
  again?.focus();
}

/** Preferences, at the sidebar's foot. */
function preferencesButton(marked: boolean, handlers: SidebarHandlers): HTMLElement {
  const b = button("", { id: "show-preferences", class: "sidebar-action", "aria-current": marked ? "page" : false }, () => handlers.preferences());
  b.append(gearIcon(), el("span", {}, t("sidebar-preferences")));
  return b;
}

/** Marks the screen shown in the sidebar, without drawing it anew (the focus stays put). */
export function markSidebar(nav: HTMLElement, marked: Marked): void {
  for (const b of Array.from(nav.querySelectorAll<HTMLElement>(".sidebar-device, #show-preferences"))) {
    const on = b.id === "show-preferences" ? marked === "preferences" : isDevice(marked, b.dataset.udid);
    if (on) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
}

/** Updates a device's state line in place as its backup moves (the entry keeps its focus). */
export function showSidebarProgress(nav: HTMLElement, entry: SidebarEntry, progress: ProgressEvent | null, nowSeconds?: number): void {
  const b = Array.from(nav.querySelectorAll<HTMLElement>(".sidebar-device")).find((x) => x.dataset.udid === entry.udid);
  b?.querySelector(".entry-state")?.replaceWith(stateLine(entry, progress, nowSeconds));
}
