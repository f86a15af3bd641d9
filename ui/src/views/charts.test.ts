import axe from "axe-core";
import { describe, expect, it } from "vitest";
import type { DeviceSpace, SnapshotInfo, TimelineEntry } from "../api";
import { MAX_R, MIN_R, markRadius, renderSpaceChart, renderTimelineChart, spanWords, timeTicks, timelineSummary } from "./charts";
import { renderComparison, renderTimeline } from "./snapshots";

const DAY = 86_400;
const start = Math.floor(new Date(2025, 10, 3, 9, 30).getTime() / 1000);
const entry = (id: number, time: number, added: number, pinned = false): TimelineEntry => ({
  id, device: "U1", seq: id, time, files: 100, bytes: 4_000_000, added_bytes: added, pinned, frees_bytes: added,
});
/** A month of daily snapshots, one of them kept forever, and five days without a backup. */
const month = [
  ...Array.from({ length: 10 }, (_, i) => entry(i + 1, start + i * DAY, (i + 1) * 1_000_000, i === 2)),
  ...Array.from({ length: 10 }, (_, i) => entry(i + 11, start + (14 + i) * DAY, 500_000)),
];
const radius = (chart: SVGSVGElement, id: number) => Number(chart.querySelector(`.timeline-mark[data-id="${id}"]`)!.getAttribute("r"));
const noNumbersGoneWrong = (node: Element) => expect(node.outerHTML).not.toMatch(/NaN|Infinity|undefined/);

describe("the drawn timeline", () => {
  it("draws one focusable mark per snapshot, named by its date, time and size", () => {
    const chart = renderTimelineChart(month, { onSelect: () => {} });
    const marks = Array.from(chart.querySelectorAll<SVGCircleElement>(".timeline-mark"));
    expect(marks).toHaveLength(month.length);
    expect(marks.map((m) => m.dataset.id)).toEqual(month.map((e) => String(e.id)));
    // one Tab stop, the newest; the arrows reach the others
    expect(marks.map((m) => m.getAttribute("tabindex"))).toEqual(month.map((_, i) => (i === month.length - 1 ? "0" : "-1")));
    expect(marks[0].querySelector("title")?.textContent).toBe(`${new Date(start * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}: added 1.0 MB`);
    expect(chart.getAttribute("viewBox")).toBe("0 0 800 116");
    expect(chart.getAttribute("width")).toBe("100%");
    noNumbersGoneWrong(chart);
  });

  it("says what it shows in words", () => {
    const chart = renderTimelineChart(month, { onSelect: () => {} });
    const label = chart.getAttribute("aria-label")!;
    expect(label).toContain("20 snapshots from ");
    expect(label).toContain("1 kept forever");
    expect(label).toContain("no backup for 5 days");
    expect(timelineSummary([entry(1, start, 0)])).toMatch(/^1 snapshot on /);
  });

  it("places time from left to right, oldest first, whatever order it is given", () => {
    const chart = renderTimelineChart([...month].reverse(), { onSelect: () => {} });
    const xs = Array.from(chart.querySelectorAll(".timeline-mark")).map((c) => Number(c.getAttribute("cx")));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(xs[0]).toBeLessThan(xs[xs.length - 1]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(MAX_R);
    expect(Math.max(...xs)).toBeLessThanOrEqual(800 - MAX_R);
  });

  it("grows a mark's area with what the snapshot added, from a minimum to a maximum", () => {
    const chart = renderTimelineChart(month, { onSelect: () => {} });
    expect(radius(chart, 2)).toBeGreaterThan(radius(chart, 1));
    expect(radius(chart, 10)).toBeGreaterThan(radius(chart, 9));
    expect(radius(chart, 10)).toBeLessThanOrEqual(MAX_R);
    // area, not radius, in proportion: four times the bytes, twice the growth of the radius
    expect((markRadius(4, 16) - MIN_R) / (markRadius(1, 16) - MIN_R)).toBeCloseTo(2);
    const zero = renderTimelineChart([entry(1, start, 0), entry(2, start + DAY, 0)], { onSelect: () => {} });
    expect(radius(zero, 1)).toBe(MIN_R);
    expect(Number(zero.querySelector(".mark-hit")!.getAttribute("r"))).toBeGreaterThanOrEqual(10);
    noNumbersGoneWrong(zero);
  });

  it("marks the snapshots kept forever", () => {
    const chart = renderTimelineChart(month, { onSelect: () => {} });
    expect(Array.from(chart.querySelectorAll<SVGCircleElement>(".timeline-mark.pinned")).map((m) => m.dataset.id)).toEqual(["3"]);
    expect(Array.from(chart.querySelectorAll<SVGCircleElement>(".mark-ring")).map((r) => r.dataset.id)).toEqual(["3"]);
    expect(chart.querySelector('.timeline-mark[data-id="3"] title')?.textContent).toContain("kept forever");
  });

  it("draws a stretch longer than gapSeconds as a gap, and a shorter one not", () => {
    const chart = renderTimelineChart(month, { onSelect: () => {} });
    const gaps = Array.from(chart.querySelectorAll<SVGGElement>(".timeline-gap"));
    expect(gaps.map((g) => [g.dataset.from, g.dataset.to])).toEqual([["10", "11"]]);
    expect(gaps[0].querySelector(".gap-label")?.textContent).toBe("no backup for 5 days");
    expect(gaps[0].querySelector("rect")).not.toBeNull();
    expect(chart.querySelectorAll(".timeline-track.gap")).toHaveLength(1);
    // a day between backups is no gap; with a smaller threshold it is
    expect(renderTimelineChart(month, { onSelect: () => {}, gapSeconds: 6 * DAY }).querySelectorAll(".timeline-gap")).toHaveLength(0);
    expect(renderTimelineChart(month.slice(0, 3), { onSelect: () => {}, gapSeconds: DAY / 2 }).querySelectorAll(".timeline-gap")).toHaveLength(2);
  });

  it("leaves a gap's label out when it has no room, and keeps every text inside the drawing", () => {
    const days = Array.from({ length: 120 }, (_, i) => entry(i + 1, start + i * DAY, 1_000 * i));
    days.push(entry(500, start + 119 * DAY + 3 * DAY, 1_000)); // 3 days after the last: a narrow gap
    const chart = renderTimelineChart(days, { onSelect: () => {}, gapSeconds: 2 * DAY });
    const narrow = chart.querySelector<SVGGElement>('.timeline-gap[data-to="500"]')!;
    expect(narrow.querySelector(".gap-label")).toBeNull();
    expect(narrow.querySelector("title")?.textContent).toMatch(/^No backup for 3 days/);
    for (const t of Array.from(chart.querySelectorAll("text"))) {
      const x = Number(t.getAttribute("x"));
      const half = (t.textContent!.length * 0.6 * 13) / 2;
      expect(x - half).toBeGreaterThanOrEqual(0);
      expect(x + half).toBeLessThanOrEqual(800);
    }
  });

  it("draws one snapshot, and several in the same minute, without dividing by zero", () => {
    const one = renderTimelineChart([entry(1, start, 2_000_000)], { onSelect: () => {} });
    expect(one.querySelectorAll(".timeline-mark")).toHaveLength(1);
    expect(Number(one.querySelector(".timeline-mark")!.getAttribute("cx"))).toBeCloseTo(400);
    expect(one.querySelectorAll(".axis-label").length).toBeGreaterThan(0);
    noNumbersGoneWrong(one);

    const minute = [entry(1, start, 1_000), entry(2, start + 20, 5_000), entry(3, start + 40, 0), entry(4, start + 40, 9_000)];
    const chart = renderTimelineChart(minute, { onSelect: () => {} });
    noNumbersGoneWrong(chart);
    const dots = Array.from(chart.querySelectorAll(".timeline-mark"));
    expect(dots).toHaveLength(4);
    // stacked across the track, oldest on top: none on the same spot
    const circles = (c: SVGSVGElement) => Array.from(c.querySelectorAll(".timeline-mark")).map((d) => ({ x: Number(d.getAttribute("cx")), y: Number(d.getAttribute("cy")), r: Number(d.getAttribute("r")) }));
    const stacked = circles(chart);
    expect(Math.max(...stacked.map((c) => c.x)) - Math.min(...stacked.map((c) => c.x))).toBeLessThan(1);
    for (let i = 1; i < stacked.length; i++) expect(stacked[i].y).toBeGreaterThan(stacked[i - 1].y);
    // two small ones side by side across the track, touching rather than overlapping
    const pair = circles(renderTimelineChart([entry(1, start, 0), entry(2, start + 30, 0)], { onSelect: () => {} }));
    expect(pair[1].y - pair[0].y).toBeGreaterThanOrEqual(pair[0].r + pair[1].r);
    for (const d of dots) {
      const [cy, r] = [Number(d.getAttribute("cy")), Number(d.getAttribute("r"))];
      expect(cy - r).toBeGreaterThanOrEqual(0);
      expect(cy + r).toBeLessThanOrEqual(116);
    }
    // their titles tell them apart, to the second
    const titles = Array.from(chart.querySelectorAll(".timeline-mark > title")).map((t) => t.textContent);
    expect(new Set(titles).size).toBe(4);
  });

  it("chooses a snapshot with a click, Enter or Space, and moves between marks with the arrows", () => {
    const chosen: number[] = [];
    const chart = renderTimelineChart(month.slice(0, 3), { onSelect: (id) => chosen.push(id) });
    document.body.append(chart);
    const marks = Array.from(chart.querySelectorAll<SVGCircleElement>(".timeline-mark"));
    marks[0].dispatchEvent(new MouseEvent("click", { bubbles: true }));
    marks[1].dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    marks[2].dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    // a small mark's larger, invisible target
    chart.querySelector('.mark-hit[data-id="1"]')!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(chosen).toEqual([1, 2, 3, 1]);
    marks[0].focus();
    marks[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(document.activeElement).toBe(marks[1]);
    expect(marks.map((m) => m.getAttribute("tabindex"))).toEqual(["-1", "0", "-1"]);
    marks[1].dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
    expect(document.activeElement).toBe(marks[2]);
    chart.remove();
  });

  it("labels a week by days, a month by weeks and a year by months, in a handful of ticks", () => {
    const week = timeTicks(start, start + 7 * DAY);
    expect(week.length).toBeGreaterThanOrEqual(6);
    expect(week.length).toBeLessThanOrEqual(9);
    expect(week[1].t - week[0].t).toBeGreaterThanOrEqual(DAY - 3600);
    expect(week[1].t - week[0].t).toBeLessThanOrEqual(DAY + 3600);
    const monthTicks = timeTicks(start, start + 30 * DAY);
    expect(monthTicks.length).toBeGreaterThanOrEqual(3);
    expect(monthTicks.length).toBeLessThanOrEqual(9);
    const year = timeTicks(start, start + 365 * DAY);
    expect(year.length).toBeGreaterThanOrEqual(4);
    expect(year.length).toBeLessThanOrEqual(9);
    expect(year.every((t) => new Date(t.t * 1000).getDate() === 1)).toBe(true);
    expect(spanWords(5 * DAY)).toBe("5 days");
    expect(spanWords(30 * 3600)).toBe("30 hours");
  });
});

describe("the space chart", () => {
  const space: DeviceSpace = {
    newest_bytes: 4_000_000_000,
    extra_bytes: 1_000_000_000,
    allowance_bytes: 2_000_000_000,
    next_cleaning: null,
    disk_free_bytes: 120_000_000_000,
    estimated: false,
  };
  const width = (node: Element | null) => parseFloat((node as HTMLElement).style.width);

  it("divides the bar in proportion to the numbers, the allowance marked", () => {
    const chart = renderSpaceChart(space);
    const [newest, extra] = [width(chart.querySelector(".space-newest")), width(chart.querySelector(".space-extra"))];
    expect(newest / extra).toBeCloseTo(4);
    // under the allowance the bar reaches the allowance's line: newest + allowance is its whole
    expect(newest).toBeCloseTo((100 * 4) / 6, 2);
    expect(chart.querySelector(".space-allowance")?.getAttribute("style")).toContain(`${Math.round((1000 * 100 * 6) / 6) / 1000}%`);
    expect(chart.classList.contains("over")).toBe(false);
    expect(chart.querySelector(".space-over")).toBeNull();
    expect(chart.querySelector(".space-summary")?.textContent).toBe(
      "The older snapshots take 1.0 GB beyond the newest backup, which takes 4.0 GB: within what they are allowed (2.0 GB, half the newest backup).");
    expect(chart.querySelector(".space-bar")?.getAttribute("aria-label")).toContain("Newest backup 4.0 GB; older snapshots 1.0 GB more; allowance 2.0 GB");
    expect(chart.querySelector(".space-disk")?.textContent).toBe("The disk has 120 GB free.");
    expect(chart.querySelector(".space-cleaning")).toBeNull();
  });

  it("shows the extra space over the allowance in the warning colour, and what the next cleaning frees", () => {
    const over: DeviceSpace = { ...space, extra_bytes: 3_000_000_000, next_cleaning: { snapshots: [1, 2], frees_bytes: 1_200_000_000 }, estimated: true };
    const chart = renderSpaceChart(over);
    expect(chart.classList.contains("over")).toBe(true);
    const [newest, extra] = [width(chart.querySelector(".space-newest")), width(chart.querySelector(".space-extra"))];
    expect(extra / newest).toBeCloseTo(0.75);
    expect(newest + extra).toBeCloseTo(100);
    // the over part and the freed part are shares of the extra space
    expect(width(chart.querySelector(".space-over"))).toBeCloseTo(100 / 3, 2);
    expect(width(chart.querySelector(".space-frees"))).toBeCloseTo(40, 2);
    expect(chart.querySelector(".space-summary")?.classList.contains("warning")).toBe(true);
    expect(chart.querySelector(".space-summary")?.textContent).toContain("about 1.0 GB more than they are allowed (about 2.0 GB, half the newest backup)");
    expect(chart.querySelector(".space-cleaning")?.textContent).toBe("The next cleaning would delete 2 snapshots and free about 1.2 GB.");
    expect(chart.querySelector(".space-estimated")).not.toBeNull();
    expect(Array.from(chart.querySelectorAll(".chart-legend li")).map((li) => li.textContent)).toContain("Over the allowance: about 1.0 GB");
  });

  it("draws nothing wrong for an empty location", () => {
    const chart = renderSpaceChart({ ...space, newest_bytes: 0, extra_bytes: 0, allowance_bytes: 0, disk_free_bytes: null });
    noNumbersGoneWrong(chart);
    expect(width(chart.querySelector(".space-newest"))).toBe(0);
    expect(chart.querySelector(".space-disk")).toBeNull();
    const one = renderSpaceChart({ ...space, next_cleaning: { snapshots: [4], frees_bytes: 1_000 } });
    expect(one.querySelector(".space-cleaning")?.textContent).toBe("The next cleaning would delete 1 snapshot and free 1.0 kB.");
  });
});

describe("the pictures on the timeline screen", () => {
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const space: DeviceSpace = { newest_bytes: 10, extra_bytes: 8, allowance_bytes: 5, next_cleaning: null, disk_free_bytes: null, estimated: false };

  it("shows the space, then the drawn timeline above the list, and a chosen mark finds its row", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    renderTimeline(root, "Ada's iPhone", month, { open: () => {}, back: () => {}, space: async () => space });
    await flush();
    const order = Array.from(root.querySelectorAll("#space, #timeline-chart, #timeline")).map((e) => e.id);
    expect(order).toEqual(["space", "timeline-chart", "timeline"]);
    expect(root.querySelectorAll(".timeline-mark")).toHaveLength(root.querySelectorAll(".snapshot").length);
    root.querySelector<SVGCircleElement>('.timeline-mark[data-id="4"]')!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    const row = root.querySelector<HTMLElement>('.snapshot[data-id="4"]')!;
    expect(row.classList.contains("chosen")).toBe(true);
    expect(document.activeElement).toBe(row.querySelector(".snapshot-open"));
    expect(root.querySelectorAll(".snapshot.chosen")).toHaveLength(1);
    root.remove();
  });

  it("shows no space chart when asking for it fails, and redraws a mark kept forever", async () => {
    const root = document.createElement("div");
    let asked = 0;
    const pin = async () => true;
    renderTimeline(root, "Ada's iPhone", month.slice(0, 2), {
      open: () => {},
      back: () => {},
      pin,
      space: async () => {
        asked++;
        throw { message: "no such command", kind: null };
      },
    });
    await flush();
    expect(root.querySelector("#space")).toBeNull();
    expect(root.querySelector(".error-text")).toBeNull();
    expect(root.querySelector('.timeline-mark[data-id="1"]')?.classList.contains("pinned")).toBe(false);
    root.querySelector<HTMLButtonElement>('.snapshot[data-id="1"] .snapshot-pin')!.click();
    await flush();
    expect(root.querySelector('.timeline-mark[data-id="1"]')?.classList.contains("pinned")).toBe(true);
    expect(asked).toBe(2);
  });

  it("has no accessibility problem axe-core can find", async () => {
    const root = document.createElement("main");
    document.body.append(root);
    renderTimeline(root, "Ada's iPhone", month, { open: () => {}, back: () => {}, space: async () => ({ ...space, next_cleaning: { snapshots: [1], frees_bytes: 4 } }) });
    await flush();
    const results = await axe.run(root, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, rules: { "color-contrast": { enabled: false } } });
    expect(results.violations.map((v) => v.id)).toEqual([]);
    root.remove();
  });
});

describe("comparing snapshots of the same minute", () => {
  it("tells their times apart", async () => {
    const a: SnapshotInfo = { id: 1, device: "U1", seq: 1, time: start, files: 1, bytes: 1, added_bytes: 1 };
    const b: SnapshotInfo = { ...a, id: 2, seq: 2, time: start + 30 };
    const root = document.createElement("div");
    await renderComparison(root, "Ada's iPhone", [a, b], a, b, { diff: async () => [{ domain: "HomeDomain", app: null, added: ["x"], removed: [], changed: [], bytes_added: 1, bytes_removed: 0, bytes_changed: 0 }], back: () => {} });
    const options = Array.from(root.querySelectorAll<HTMLOptionElement>("#compare-older option")).map((o) => o.textContent);
    expect(options).toHaveLength(2);
    expect(options[0]).not.toBe(options[1]);
    const status = root.querySelector("#compare-status")!.textContent!;
    const [, from, to] = status.match(/changed from (.*) to (.*)\.$/)!;
    expect(from).not.toBe(to);
    // a time far from the others keeps its short form
    const c: SnapshotInfo = { ...a, id: 3, seq: 3, time: start + DAY };
    await renderComparison(root, "Ada's iPhone", [a, b, c], a, c, { diff: async () => [], back: () => {} });
    const third = root.querySelector<HTMLOptionElement>('#compare-older option[value="3"]')!.textContent;
    expect(third).toBe(new Date(c.time * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
  });

  it("numbers two taken in the same second", () => {
    const a = entry(1, start, 1);
    const b = entry(2, start, 1);
    const root = document.createElement("div");
    renderTimeline(root, "Ada's iPhone", [a, b], { open: () => {}, back: () => {} });
    const times = Array.from(root.querySelectorAll(".snapshot-time")).map((t) => t.textContent);
    expect(times[0]).not.toBe(times[1]);
  });
});
