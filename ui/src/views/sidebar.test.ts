import { describe, expect, it } from "vitest";
import type { AllBackups, DeviceRow, Overview, ProgressEvent } from "../api";
import { agoText, entryState, markSidebar, renderShell, renderSidebar, shownDevice, showSidebarProgress, sidebarEntries, type SidebarEntry } from "./sidebar";

const now = Math.floor(new Date(2026, 2, 12, 15, 0).getTime() / 1000);
const DAY = 86_400;
const device = (over: Partial<DeviceRow> = {}): DeviceRow => ({
  udid: "U-ADA",
  name: "Ada's iPhone",
  model: "iPhone15,2",
  ios_version: "17.5",
  connections: ["usb"],
  paired: true,
  state: "ready",
  advice: null,
  confirmed: true,
  last_success: now - DAY,
  last_error: null,
  next_backup: null,
  location_missing: null,
  cleaning: null,
  backing_up: false,
  last_verification: null,
  ...over,
});
const backups = (udid: string, name: string, location: string, last_backup: number, snapshots = 2) => ({ udid, name, model: "iPhone12,1", snapshots, newest: 1, last_backup, location });
const overview = (...devices: DeviceRow[]): Overview => ({ app: { name: "Keepsake", version: "1.0" }, devices, usbmuxd_problem: null });
const entry = (over: Partial<SidebarEntry> = {}): SidebarEntry => ({ udid: "U-ADA", name: "Ada's iPhone", model: "iPhone15,2", device: device(), backups: [], ...over });

describe("the sidebar's devices", () => {
  it("lists those in sight and those known by their backups, each once, by name (the unnamed last)", () => {
    const all: AllBackups = {
      devices: [
        backups("U-OLD", "Zoé's old iPhone", "/media/a", now - 3 * DAY),
        backups("U-ADA", "Ada's iPhone", "/media/a", now - DAY),
        backups("U-OLD", "Zoé's old iPhone", "/media/b", now - 10 * DAY),
        backups("U-BOB", "", "/media/a", now - 5 * DAY),
      ],
      locked: [],
    };
    const entries = sidebarEntries(overview(device()), all);
    expect(entries.map((e) => [e.udid, e.name, e.device !== null, e.backups.length])).toEqual([
      ["U-ADA", "Ada's iPhone", true, 1],
      ["U-OLD", "Zoé's old iPhone", false, 2],
      ["U-BOB", "U-BOB", false, 1],
    ]);
  });

  it("says each one's state in a line", () => {
    expect(entryState(entry(), null, now)).toEqual({ text: "Connected · USB", kind: "connected" });
    expect(entryState(entry({ device: device({ connections: ["usb", "wifi"] }) }), null, now).text).toBe("Connected · USB + Wi-Fi");
    const transferring: ProgressEvent = { udid: "U-ADA", step: "transferring", percent: 42.7, bytes_received: 1, files_received: 1, bytes_expected: null, bytes_per_second: 1, eta_seconds: null };
    expect(entryState(entry(), transferring, now)).toEqual({ text: "Backing up 42 %", kind: "busy" });
    expect(entryState(entry(), { udid: "U-ADA", step: "enter_passcode", device: "Ada" }, now)).toEqual({ text: "Waiting: enter its passcode", kind: "waiting" });
    expect(entryState(entry({ device: device({ backing_up: true }) }), null, now).text).toBe("Backing up…");
    const away = entry({ device: null, backups: [backups("U-ADA", "Ada's iPhone", "/media/a", now - 3 * DAY), backups("U-ADA", "Ada's iPhone", "/media/b", now - 9 * DAY)] });
    expect(entryState(away, null, now)).toEqual({ text: "Not connected · last backup 3 days ago", kind: "away" });
  });

  it("needs attention with a cleaning question, a mass-deletion warning, a failed backup or damage", () => {
    const request = { reason: "", snapshots: [], frees_bytes: 1, overhead_bytes: 1, budget_bytes: 1 };
    const warning = { at: 1, repository: "r", snapshot: 2, kept: 1, found: [] };
    for (const over of [
      { cleaning: { location: "/media/a", asked_at: 1, request } },
      { mass_deletion: warning },
      { last_error: "the cable was pulled" },
      { last_verification: { at: 1, ok: false, summary: "damaged", sampled: false } },
    ]) {
      expect(entryState(entry({ device: device(over) }), null, now)).toEqual({ text: "Needs attention", kind: "attention" });
    }
    expect(entryState(entry({ device: device({ last_verification: { at: 1, ok: true, summary: "", sampled: true } }) }), null, now).kind).toBe("connected");
  });

  it("says how long ago in days, weeks, months and years", () => {
    expect(agoText(now - 60, now)).toBe("today");
    expect(agoText(now - DAY, now)).toBe("yesterday");
    expect(agoText(now - 3 * DAY, now)).toBe("3 days ago");
    expect(agoText(now - 20 * DAY, now)).toBe("2 weeks ago");
    expect(agoText(now - 100 * DAY, now)).toBe("3 months ago");
    expect(agoText(now - 400 * DAY, now)).toBe("1 year ago");
    expect(agoText(now + 60, now)).toBe("today");
  });
});

describe("the device shown", () => {
  const one = [entry()];
  const two = [entry(), entry({ udid: "U-BOB", name: "Bob's iPad" })];
  it("is the only device listed, chosen for the person", () => {
    expect(shownDevice(one, null)).toBe("U-ADA");
    expect(shownDevice([], null)).toBeNull();
    // locked locations are told on the home pane
    expect(shownDevice(one, null, 1)).toBeNull();
  });
  it("is the one chosen while it is listed, else nothing among several", () => {
    expect(shownDevice(two, null)).toBeNull();
    expect(shownDevice(two, "U-BOB")).toBe("U-BOB");
    expect(shownDevice(two, "U-GONE")).toBeNull();
    expect(shownDevice(one, "U-GONE")).toBe("U-ADA");
  });
});

describe("the sidebar", () => {
  const draw = (marked: Parameters<typeof renderSidebar>[3] = null) => {
    const root = document.createElement("div");
    const { nav, view } = renderShell(root);
    const calls: string[] = [];
    renderSidebar(nav, { name: "Keepsake", version: "2.0" }, [entry(), entry({ udid: "U-BOB", name: "Bob's iPad", model: "iPad13,1", device: null, backups: [backups("U-BOB", "Bob's iPad", "/m", now - 3 * DAY)] })], marked, {
      select: (u) => calls.push(u),
      preferences: () => calls.push("preferences"),
    }, new Map(), now);
    return { root, nav, view, calls };
  };

  it("is a navigation landmark beside the main pane, kept when drawn again", () => {
    const { root, nav, view } = draw();
    expect(nav.tagName).toBe("NAV");
    expect(nav.getAttribute("aria-label")).toBeTruthy();
    expect(view.tagName).toBe("MAIN");
    expect(view.id).toBe("view");
    expect(renderShell(root)).toEqual({ nav, view });
    expect(nav.querySelector("h1")?.textContent).toBe("Keepsake");
    expect(nav.querySelector("#app-version")?.textContent).toBe("Version 2.0");
    expect(nav.querySelector("#devices-title")?.textContent).toBe("Devices");
  });

  it("has a button a device, with its picture, name and state, and Preferences at its foot", () => {
    const { nav, calls } = draw({ udid: "U-BOB" });
    const entries = Array.from(nav.querySelectorAll<HTMLButtonElement>("li > button.sidebar-device"));
    expect(entries.map((b) => b.textContent)).toEqual(["Ada's iPhoneConnected · USB", "Bob's iPadNot connected · last backup 3 days ago"]);
    expect(entries.map((b) => b.getAttribute("aria-current"))).toEqual([null, "page"]);
    expect(entries[1].querySelector("svg.model-ipad")?.getAttribute("aria-hidden")).toBe("true");
    entries[0].click();
    nav.querySelector<HTMLButtonElement>("#show-preferences")!.click();
    expect(calls).toEqual(["U-ADA", "preferences"]);
    expect(nav.lastElementChild?.querySelector("#show-preferences")).not.toBeNull();
  });

  it("marks the preferences, or another device, without drawing anew", () => {
    const { nav } = draw({ udid: "U-ADA" });
    const first = nav.querySelector<HTMLElement>(".sidebar-device")!;
    markSidebar(nav, "preferences");
    expect(nav.querySelector("#show-preferences")?.getAttribute("aria-current")).toBe("page");
    expect(nav.querySelectorAll("[aria-current]")).toHaveLength(1);
    markSidebar(nav, { udid: "U-BOB" });
    expect(nav.querySelector(".sidebar-device.away")?.getAttribute("aria-current")).toBe("page");
    expect(nav.querySelector(".sidebar-device")).toBe(first);
  });

  it("follows a backup's progress in place", () => {
    const { nav } = draw();
    const first = nav.querySelector<HTMLElement>(".sidebar-device")!;
    showSidebarProgress(nav, entry(), { udid: "U-ADA", step: "transferring", percent: 7, bytes_received: 1, files_received: 1, bytes_expected: null, bytes_per_second: 1, eta_seconds: null });
    expect(first.querySelector(".entry-state")?.textContent).toBe("Backing up 7 %");
    expect(first.querySelector(".entry-state")?.classList.contains("state-busy")).toBe(true);
    expect(nav.querySelector(".sidebar-device")).toBe(first);
  });
});
