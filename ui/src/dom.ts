// Small DOM and formatting helpers shared by the views. Text always goes in as text nodes,
// never as HTML, because names and paths come from devices and disks. Dates and sizes are
// written in the interface's language (`i18n`).
import { language, locale, t } from "./i18n";

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) node.setAttribute(k, "");
    else if (v !== false) node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

export function button(label: string, attrs: Record<string, string | boolean>, onClick: () => void): HTMLButtonElement {
  const b = el("button", { type: "button", ...attrs }, label);
  b.addEventListener("click", onClick);
  return b;
}

/** A labelled form control: `<label for>` plus the control, in one row. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id;
  return el("div", { class: "field" }, el("label", { for: id }, label), control, hint ? el("p", { class: "hint" }, hint) : null);
}

/** Bytes as people read them, in powers of 1000 like the OS's file managers: "4.2 MB" in
 * English, "4,2 Mo" in French. */
export function bytes(n: number): string {
  const units = ["size-kb", "size-mb", "size-gb", "size-tb"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length) {
    v /= 1000;
    i++;
  }
  if (i === 0) return t("size-b", { size: String(n) });
  const digits = v < 10 ? 1 : 0;
  // English as it always read (JavaScript's own decimal point); other languages as they write it
  const size = language() === "en" ? v.toFixed(digits) : new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  return t(units[i - 1], { size });
}

/** Seconds left as people say them: "45 s", "3 min 5 s", "2 h 1 min". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return t("duration-seconds", { seconds: s });
  if (s < 3600) return t("duration-minutes", { minutes: Math.floor(s / 60), seconds: s % 60 });
  return t("duration-hours", { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) });
}

/** A Unix time as a local date and time, in the interface's language: "Dec 3, 2026, 2:05 PM"
 * (as the system writes English), "3 déc. 2026, 14:05". */
export function when(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

/** Unix times as `when` prints them, but with seconds where two of them would print the same,
 * and numbered where even the seconds are the same: each can be told from the others. */
export function whenEach(times: readonly number[]): string[] {
  const seconds = (t: number) => new Date(t * 1000).toLocaleString(locale(), { dateStyle: "medium", timeStyle: "medium" });
  const counts = (texts: string[]) => texts.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
  const short = times.map(when);
  const shortCounts = counts(short);
  const long = times.map((t, i) => (shortCounts.get(short[i])! > 1 ? seconds(t) : short[i]));
  const longCounts = counts(long);
  const seen = new Map<string, number>();
  return long.map((s) => {
    if (longCounts.get(s)! === 1) return s;
    const n = (seen.get(s) ?? 0) + 1;
    seen.set(s, n);
    return `${s} (${n})`;
  });
}

/** Each snapshot's time as people read it, told apart from the others' (`whenEach`); the
 * same second is numbered oldest first. */
export function snapshotTimes<S extends { id: number; time: number }>(snapshots: readonly S[]): (s: S) => string {
  const byTime = [...snapshots].sort((a, b) => a.time - b.time || a.id - b.id);
  const texts = whenEach(byTime.map((s) => s.time));
  const byId = new Map(byTime.map((s, i) => [s.id, texts[i]]));
  return (s) => byId.get(s.id) ?? when(s.time);
}

/** A long path shortened for a narrow control (a drop-down list), its end kept, where the names
 * people recognise are: "…/media/ada/Backup Disk". The full path goes in the control's title. */
export function shortPath(path: string, max = 48): string {
  if (path.length <= max) return path;
  const parts = path.split("/");
  let tail = parts.pop() ?? "";
  while (parts.length && tail.length + parts[parts.length - 1].length + 1 <= max - 2) tail = `${parts.pop()}/${tail}`;
  return tail.length > max - 2 ? `…${tail.slice(tail.length - (max - 1))}` : `…/${tail}`;
}
