// Pictures for the timeline screen: the snapshots drawn along time, and the space they take.
// Drawn by hand as inline SVG and plain elements; every colour comes from the stylesheet's
// variables, so both follow the light and the dark scheme. Text goes in as text nodes.
import type { DeviceSpace, TimelineEntry } from "../api";
import { bytes, el, snapshotTimes } from "../dom";
import { locale, t } from "../i18n";

const DAY = 86_400;
const SVG_NS = "http://www.w3.org/2000/svg";

/** Numbers as SVG attributes: two decimals are finer than any screen. */
const num = (v: number) => String(Math.round(v * 100) / 100);

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string | null)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, typeof v === "number" ? num(v) : v);
  for (const c of children) if (c !== null) node.append(c);
  return node;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A stretch of time in words: "45 minutes", "20 hours", "5 days". */
export function spanWords(seconds: number): string {
  if (seconds < 3600) return t("span-minutes", { count: Math.max(1, Math.round(seconds / 60)) });
  const hours = Math.round(seconds / 3600);
  return hours < 48 ? t("span-hours", { count: hours }) : t("span-days", { count: Math.round(seconds / DAY) });
}

/** A local date, short: "3 Nov", with the year when asked ("3 Nov 2025"), in the interface's
 * language ("3 nov."). */
const day = (time: number, year = false) =>
  new Date(time * 1000).toLocaleDateString(locale(), year ? { day: "numeric", month: "short", year: "numeric" } : { day: "numeric", month: "short" });
const yearOf = (t: number) => new Date(t * 1000).getFullYear();

// ---------------------------------------------------------------------------------------------
// The timeline drawn along time

/** What the drawn timeline needs of a snapshot (a `TimelineEntry` has it all). */
export type ChartEntry = Pick<TimelineEntry, "id" | "time" | "added_bytes"> & { pinned?: boolean };

export interface TimelineChartOptions {
  /** A snapshot's mark was clicked, or chosen with Enter or Space. */
  onSelect(id: number): void;
  /** A longer stretch between two snapshots is drawn as a gap; 2 days unless told. */
  gapSeconds?: number;
}

/** The drawing's own units: the SVG scales them to its container's width. */
const W = 800;
const H = 116;
const PAD_X = 28;
const X0 = PAD_X;
const X1 = W - PAD_X;
const TRACK_Y = 52;
/** How far stacked marks (taken at the same moment, at the same x) go above and below the track. */
const STACK = 26;
const AXIS_Y = 90;
const LABEL_Y = 108;
const GAP_LABEL_Y = 16;
export const MIN_R = 4;
export const MAX_R = 18;
/** The area a click or tap on a small mark still counts in. */
const HIT_R = 10;
const TICK_FONT = 13;
const GAP_FONT = 12;
/** Roughly how wide a character of the labels is, in font sizes: enough to keep text in its box. */
const CHAR_W = 0.6;
/** The least time the drawing covers, so one snapshot (or a few in a moment) sits in the middle
 * of its days rather than on a line of zero width. */
const MIN_SPAN = 2 * DAY;
const MAX_TICKS = 8;

let drawings = 0;

/** A mark's radius: its area grows with what the snapshot added (a square-root scale), from
 * `MIN_R` for nothing added to `maxR` for the most any snapshot here added. */
export function markRadius(added: number, most: number, maxR = MAX_R): number {
  if (!(most > 0) || !(added > 0)) return MIN_R;
  return MIN_R + (maxR - MIN_R) * Math.sqrt(Math.min(1, added / most));
}

interface Tick {
  t: number;
  label: string;
}

type Unit = "day" | "month" | "year";
const STEPS: { unit: Unit; n: number; seconds: number }[] = [
  ...[1, 2, 7, 14].map((n) => ({ unit: "day" as const, n, seconds: n * DAY })),
  ...[1, 2, 3, 6].map((n) => ({ unit: "month" as const, n, seconds: n * 30.44 * DAY })),
  ...[1, 2, 5, 10, 20, 50].map((n) => ({ unit: "year" as const, n, seconds: n * 365.25 * DAY })),
];

/** Local dates to label the time axis with: days for a week, weeks for a month, months for a
 * year, years beyond; at most about `MAX_TICKS`, so their labels never run into each other. */
export function timeTicks(t0: number, t1: number): Tick[] {
  const step = STEPS.find((s) => (t1 - t0) / s.seconds <= MAX_TICKS) ?? STEPS[STEPS.length - 1];
  const d = new Date(t0 * 1000);
  d.setHours(0, 0, 0, 0);
  if (step.unit === "month") d.setDate(1);
  if (step.unit === "year") d.setMonth(0, 1);
  const advance = (n: number) => {
    if (step.unit === "day") d.setDate(d.getDate() + n);
    else if (step.unit === "month") d.setMonth(d.getMonth() + n);
    else d.setFullYear(d.getFullYear() + n);
  };
  while (d.getTime() / 1000 < t0) advance(1);
  // months and years on round numbers: quarters start in January, April…
  for (let i = 0; i < 12 && step.n > 1 && step.unit !== "day"; i++) {
    if ((step.unit === "month" ? d.getMonth() : d.getFullYear()) % step.n === 0) break;
    advance(1);
  }
  const ticks: Tick[] = [];
  const thisYear = new Date().getFullYear();
  for (let i = 0; i < 60 && d.getTime() / 1000 <= t1; i++) {
    const t = d.getTime() / 1000;
    // the year where it changes, and on the first date when the drawing spans two years
    const before = ticks.length ? yearOf(ticks[ticks.length - 1].t) : yearOf(t0) !== yearOf(t1) ? -1 : thisYear;
    const withYear = yearOf(t) !== before;
    const label = step.unit === "year"
      ? String(d.getFullYear())
      : step.unit === "month"
        ? d.toLocaleDateString(locale(), withYear ? { month: "short", year: "numeric" } : { month: "short" })
        : day(t, withYear);
    ticks.push({ t, label });
    advance(step.n);
  }
  return ticks;
}

/** Stacks marks drawn at the same x across the track, oldest on top: touching, not overlapping,
 * unless there are too many for the band, which they then share evenly. */
function stack(group: { y: number; r: number }[]): void {
  const m = group.length;
  if (m < 2) return;
  const at = [0];
  for (let k = 1; k < m; k++) at.push(at[k - 1] + group[k - 1].r + group[k].r + 2);
  const [first, last] = [group[0].r, group[m - 1].r];
  const band = 2 * (STACK + MIN_R);
  // the centres squeezed, if need be, so the first and last circles end at the band's edges
  const fit = Math.min(1, (band - first - last) / at[m - 1]);
  const height = at[m - 1] * fit;
  for (let k = 0; k < m; k++) group[k].y = TRACK_Y + at[k] * fit - (height + last - first) / 2;
}

/** The stretches without a backup longer than `gapSeconds`, between consecutive snapshots. */
export function timelineGaps<E extends ChartEntry>(byTime: readonly E[], gapSeconds: number): { from: E; to: E; seconds: number }[] {
  const gaps: { from: E; to: E; seconds: number }[] = [];
  for (let i = 1; i < byTime.length; i++) {
    const seconds = byTime[i].time - byTime[i - 1].time;
    if (seconds > gapSeconds) gaps.push({ from: byTime[i - 1], to: byTime[i], seconds });
  }
  return gaps;
}

/** What the drawn timeline shows, in words: "12 snapshots from 3 Nov to 1 Dec; 2 kept forever". */
export function timelineSummary(entries: readonly ChartEntry[], gapSeconds = 2 * DAY): string {
  if (entries.length === 0) return t("chart-no-snapshots");
  const byTime = [...entries].sort((a, b) => a.time - b.time);
  const [first, last] = [byTime[0].time, byTime[byTime.length - 1].time];
  const year = yearOf(first) !== yearOf(last) || yearOf(last) !== new Date().getFullYear();
  const parts = [
    day(first, year) === day(last, year)
      ? t("chart-summary-one-day", { count: entries.length, day: day(first, year) })
      : t("chart-summary", { count: entries.length, from: day(first, year), to: day(last, year) }),
  ];
  const kept = entries.filter((e) => e.pinned === true).length;
  if (kept) parts.push(t("chart-summary-kept", { count: kept }));
  const gaps = timelineGaps(byTime, gapSeconds);
  if (gaps.length === 1) parts.push(t("chart-summary-gap", { span: spanWords(gaps[0].seconds), from: day(gaps[0].from.time, year) }));
  if (gaps.length > 1) {
    const longest = Math.max(...gaps.map((g) => g.seconds));
    parts.push(t("chart-summary-gaps", { count: gaps.length, span: spanWords(gapSeconds), longest: spanWords(longest) }));
  }
  return parts.join(t("clause-separator"));
}

/** The snapshots drawn along time: oldest left, newest right, local dates under them. Each is a
 * circle whose area grows with what it added; kept-forever ones are ringed in their own colour;
 * stretches longer than `gapSeconds` without a backup are hatched and dashed, and say how long
 * when there is room. Every mark can be focused, and chosen with a click, Enter or Space. */
export function renderTimelineChart(entries: readonly ChartEntry[], opts: TimelineChartOptions): SVGSVGElement {
  const gapSeconds = opts.gapSeconds ?? 2 * DAY;
  const byTime = [...entries].sort((a, b) => a.time - b.time || a.id - b.id);
  const n = byTime.length;
  const times = snapshotTimes(byTime);
  const hatch = `timeline-hatch-${++drawings}`;
  const root = svg("svg", {
    class: "timeline-chart",
    viewBox: `0 0 ${W} ${H}`,
    width: "100%",
    preserveAspectRatio: "xMidYMid meet",
    // a group, not an image: its marks are controls, and an image's insides are not read out
    role: "group",
    "aria-label": t("chart-label", { summary: timelineSummary(byTime, gapSeconds) }),
  });
  root.append(svg("defs", {},
    svg("pattern", { id: hatch, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      svg("line", { class: "gap-hatch", x1: 0, y1: 0, x2: 0, y2: 6 }))));
  if (n === 0) return root;

  // Time to x; a short stretch is widened around its middle, so nothing divides by zero.
  let [t0, t1] = [byTime[0].time, byTime[n - 1].time];
  if (t1 - t0 < MIN_SPAN) {
    const middle = (t0 + t1) / 2;
    [t0, t1] = [middle - MIN_SPAN / 2, middle + MIN_SPAN / 2];
  }
  const x = (t: number) => X0 + ((t - t0) / (t1 - t0)) * (X1 - X0);

  // Radii: the most a snapshot added is the largest mark, smaller when many share the width.
  const most = Math.max(0, ...byTime.map((e) => e.added_bytes));
  const maxR = clamp((X1 - X0) / n, MIN_R + 5, MAX_R);
  const marks = byTime.map((e) => ({ e, x: x(e.time), y: TRACK_Y, r: markRadius(e.added_bytes, most, maxR) }));
  // Snapshots at the same x (the same minute, on a long timeline) are stacked across the track.
  for (let start = 0, i = 1; i <= n; i++) {
    if (i < n && marks[i].x - marks[start].x <= 2) continue;
    stack(marks.slice(start, i));
    start = i;
  }

  // The time axis and its dates.
  const axis = svg("g", { class: "chart-axis", "aria-hidden": "true" }, svg("line", { class: "axis-line", x1: X0, y1: AXIS_Y, x2: X1, y2: AXIS_Y }));
  for (const tick of timeTicks(t0, t1)) {
    const tx = x(tick.t);
    const half = (tick.label.length * CHAR_W * TICK_FONT) / 2;
    axis.append(
      svg("line", { class: "axis-tick", x1: tx, y1: AXIS_Y, x2: tx, y2: AXIS_Y + 5 }),
      svg("text", { class: "axis-label", x: clamp(tx, half + 2, W - half - 2), y: LABEL_Y, "text-anchor": "middle" }, tick.label),
    );
  }

  // The track between snapshots: solid where backups came regularly, dashed across a gap.
  const gaps = new Set(timelineGaps(byTime, gapSeconds).map((g) => g.to.id));
  const track = svg("g", { class: "timeline-tracks", "aria-hidden": "true" });
  const shaded = svg("g", { class: "timeline-gaps", "aria-hidden": "true" });
  for (let i = 1; i < n; i++) {
    const [a, b] = [marks[i - 1], marks[i]];
    const gap = gaps.has(b.e.id);
    track.append(svg("line", { class: gap ? "timeline-track gap" : "timeline-track", x1: a.x, y1: TRACK_Y, x2: b.x, y2: TRACK_Y }));
    if (!gap) continue;
    const span = spanWords(b.e.time - a.e.time);
    const [left, right] = [a.x + a.r + 3, b.x - b.r - 3];
    const g = svg("g", { class: "timeline-gap", "data-from": String(a.e.id), "data-to": String(b.e.id) }, svg("title", {}, t("chart-gap-title", { span, from: times(a.e), to: times(b.e) })));
    if (right - left > 1) g.append(svg("rect", { class: "gap-area", x: left, y: 4, width: right - left, height: AXIS_Y - 8, rx: 4, fill: `url(#${hatch})` }));
    // the label when it fits, else its shorter form, else only the hatching and the title: it
    // goes above the marks, so it has the room between the two snapshots' middles
    const label = [t("chart-gap-label", { span }), span].find((s) => s.length * CHAR_W * GAP_FONT + 8 <= b.x - a.x);
    if (label) {
      const half = (label.length * CHAR_W * GAP_FONT) / 2;
      g.append(svg("text", { class: "gap-label", x: clamp((left + right) / 2, half + 2, W - half - 2), y: GAP_LABEL_Y, "text-anchor": "middle" }, label));
    }
    shaded.append(g);
  }

  // Each mark is its circle (what a pointer, and WebDriver, finds at its middle); a larger,
  // invisible circle under every mark takes the clicks meant for a small one.
  const hits = svg("g", { class: "timeline-hits", "aria-hidden": "true" });
  const dots = svg("g", { class: "timeline-marks" });
  const rings = svg("g", { class: "timeline-rings", "aria-hidden": "true" });
  const focusable: SVGCircleElement[] = [];
  // One Tab stop for the whole drawing (the newest mark), arrows between the marks: a year of
  // daily snapshots would otherwise be hundreds of stops on the way to the list.
  for (const [index, { e, x: cx, y: cy, r }] of marks.entries()) {
    const words = t(e.pinned ? "chart-mark-kept" : "chart-mark", { time: times(e), size: bytes(e.added_bytes) });
    const mark = svg("circle", {
      class: e.pinned ? "timeline-mark pinned" : "timeline-mark",
      tabindex: index === marks.length - 1 ? "0" : "-1",
      role: "button",
      "data-id": String(e.id),
      "aria-label": words,
      cx, cy, r,
    }, svg("title", {}, words));
    const hit = svg("circle", { class: "mark-hit", "data-id": String(e.id), cx, cy, r: Math.max(HIT_R, r + 2) });
    mark.addEventListener("click", () => opts.onSelect(e.id));
    hit.addEventListener("click", () => opts.onSelect(e.id));
    mark.addEventListener("keydown", (ev) => {
      const i = focusable.indexOf(mark);
      const to = ev.key === "ArrowRight" ? i + 1 : ev.key === "ArrowLeft" ? i - 1 : ev.key === "Home" ? 0 : ev.key === "End" ? n - 1 : null;
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        opts.onSelect(e.id);
      } else if (to !== null && focusable[to]) {
        ev.preventDefault();
        focusable[to].focus();
      }
    });
    // the mark last focused is the drawing's Tab stop
    mark.addEventListener("focus", () => {
      for (const m of focusable) m.setAttribute("tabindex", m === mark ? "0" : "-1");
    });
    focusable.push(mark);
    hits.append(hit);
    dots.append(mark);
    // the ring of a snapshot kept forever goes over every mark, so crowded ones cannot hide it
    if (e.pinned) rings.append(svg("circle", { class: "mark-ring", "data-id": String(e.id), cx, cy, r: r + 3.5 }));
  }
  root.append(shaded, axis, track, hits, dots, rings);
  return root;
}

/** The drawn timeline with its heading and legend, for the timeline screen. */
export function timelineFigure(entries: readonly ChartEntry[], opts: TimelineChartOptions): HTMLElement {
  const gapSeconds = opts.gapSeconds ?? 2 * DAY;
  const byTime = [...entries].sort((a, b) => a.time - b.time);
  const item = (swatch: string, text: string) => el("li", {}, el("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), text);
  return el("section", { id: "timeline-chart", class: "chart-card", "aria-labelledby": "timeline-chart-title" },
    el("h3", { id: "timeline-chart-title" }, t("chart-title")),
    renderTimelineChart(entries, opts),
    el("ul", { class: "chart-legend", "aria-label": t("chart-legend") },
      item("mark", t("chart-legend-mark")),
      entries.some((e) => e.pinned) ? item("kept", t("chart-legend-kept")) : null,
      timelineGaps(byTime, gapSeconds).length ? item("gap", t("chart-legend-gap", { span: spanWords(gapSeconds) })) : null));
}

// ---------------------------------------------------------------------------------------------
// The space chart

/** How the bar divides: each part's share of the bar's width, in percent. */
export function spaceShares(space: DeviceSpace): { newest: number; extra: number; over: number; frees: number; allowance: number } {
  const { newest_bytes: newest, extra_bytes: extra, allowance_bytes: allowance } = space;
  // the bar reaches the allowance's marker even when the extra space is under it
  const whole = Math.max(1, newest + extra, newest + allowance);
  const share = (v: number) => clamp((100 * v) / whole, 0, 100);
  const frees = space.next_cleaning ? Math.min(space.next_cleaning.frees_bytes, extra) : 0;
  return { newest: share(newest), extra: share(extra), over: share(Math.max(0, extra - allowance)), frees: share(frees), allowance: share(newest + allowance) };
}

/** A share of the bar as a CSS width; of a part of it as a share of that part. */
const pct = (v: number) => `${Math.round(v * 1000) / 1000}%`;
const within = (part: number, whole: number) => pct(whole > 0 ? clamp((100 * part) / whole, 0, 100) : 0);

/** The space chart: the newest backup and the older snapshots' extra space as one bar, a line
 * at the allowance (half the newest backup), the extra space over it in the warning colour,
 * and what the next cleaning would free hatched; with a legend and the numbers in sentences. */
export function renderSpaceChart(space: DeviceSpace): HTMLElement {
  const { newest_bytes: newest, extra_bytes: extra, allowance_bytes: allowance } = space;
  const over = Math.max(0, extra - allowance);
  const cleaning = space.next_cleaning && space.next_cleaning.snapshots.length > 0 ? space.next_cleaning : null;
  const shares = spaceShares(space);
  // an estimate says so: "about 4.2 MB"
  const b = (v: number) => (space.estimated ? t("space-about", { size: bytes(v) }) : bytes(v));

  const extraPart = el("div", { class: "space-extra", style: `width: ${pct(shares.extra)}` },
    over > 0 ? el("div", { class: "space-over", style: `width: ${within(over, extra)}` }) : null,
    cleaning ? el("div", { class: "space-frees", style: `width: ${within(Math.min(cleaning.frees_bytes, extra), extra)}` }) : null);
  const words = [
    t("space-bar-newest", { size: b(newest) }),
    t("space-bar-extra", { size: b(extra) }),
    t("space-bar-allowance", { size: b(allowance) }),
    over > 0 ? t("space-bar-over", { size: b(over) }) : t("space-bar-within"),
    cleaning ? t("space-bar-cleaning", { size: b(cleaning.frees_bytes) }) : null,
  ].filter((s) => s !== null).join(t("clause-separator"));
  const bar = el("div", { class: "space-track" },
    el("div", { class: "space-bar", role: "img", "aria-label": words },
      el("div", { class: "space-newest", style: `width: ${pct(shares.newest)}` }), extraPart),
    el("div", { class: "space-allowance", style: `left: clamp(0px, calc(${pct(shares.allowance)} - 1.5px), calc(100% - 3px))`, "aria-hidden": "true" }));

  const item = (swatch: string, text: string) => el("li", {}, el("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), text);
  const legend = el("ul", { class: "chart-legend", "aria-label": t("space-legend") },
    item("newest", t("space-legend-newest", { size: b(newest) })),
    item("extra", t("space-legend-extra", { size: b(extra) })),
    over > 0 ? item("over", t("space-legend-over", { size: b(over) })) : null,
    item("allowance", t("space-legend-allowance", { size: b(allowance) })),
    cleaning ? item("frees", t("space-legend-frees", { size: b(cleaning.frees_bytes) })) : null);

  const summary = extra === 0
    ? t("space-summary-newest-only", { newest: b(newest), allowance: b(allowance) })
    : over > 0
      ? t("space-summary-over", { extra: b(extra), newest: b(newest), over: b(over), allowance: b(allowance) })
      : t("space-summary-within", { extra: b(extra), newest: b(newest), allowance: b(allowance) });
  return el("section", { id: "space", class: over > 0 ? "chart-card space-chart over" : "chart-card space-chart", "aria-labelledby": "space-title" },
    el("h3", { id: "space-title" }, t("space-title")),
    bar,
    legend,
    el("p", { class: over > 0 ? "space-summary warning" : "space-summary" }, summary),
    cleaning
      ? el("p", { class: "space-cleaning" }, t("space-cleaning", { count: cleaning.snapshots.length, size: b(cleaning.frees_bytes) }))
      : null,
    space.disk_free_bytes !== null ? el("p", { class: "space-disk hint" }, t("space-disk-free", { size: bytes(space.disk_free_bytes) })) : null,
    space.estimated ? el("p", { class: "space-estimated hint" }, t("space-estimated")) : null);
}
