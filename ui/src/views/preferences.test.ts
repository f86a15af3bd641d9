import { describe, expect, it } from "vitest";
import type { LocationStatus } from "../api";
import { renderPreferences, spaceText } from "./preferences";

const disk: LocationStatus = { path: "/media/ada/Disk", is_default: true, present: true, free_bytes: 2e11, total_bytes: 5e11, has_backups: true, devices: ["U1"] };
const flush = () => new Promise((r) => setTimeout(r, 0));

describe("preferences", () => {
  it("says a location's free space, or that it is not connected", () => {
    expect(spaceText(disk)).toBe("200 GB free of 500 GB");
    expect(spaceText({ ...disk, present: false, free_bytes: null, total_bytes: null })).toBe("Not connected");
  });

  it("shows a refused removal as the core's sentence", async () => {
    const root = document.createElement("div");
    renderPreferences(root, [disk], {
      add: async () => [disk],
      makeDefault: async () => [disk],
      remove: async () => {
        throw { message: "/media/ada/Disk is where Ada's iPhone back up: give them another location first", kind: null };
      },
      back: () => {},
    });
    expect(root.querySelector(".make-default")).toBeNull();
    root.querySelector<HTMLButtonElement>(".remove-location")!.click();
    await flush();
    expect(root.querySelector("#preferences-error")?.textContent).toContain("give them another location first");
    expect(root.querySelectorAll(".location")).toHaveLength(1);
  });

  it("offers the disks in sight that hold backups and opens one with a click", async () => {
    const root = document.createElement("div");
    const opened: [string, string | null][] = [];
    const found = { root: "/media/ada/Passport", repository: "r1", known: false };
    renderPreferences(root, [disk], {
      add: async (path) => [disk, { ...disk, path, is_default: false }],
      makeDefault: async () => [disk],
      remove: async () => [disk],
      openBackups: async (path, secret) => {
        opened.push([path, secret]);
        return [{ udid: "U2", name: "Bob's iPhone", model: "iPhone15,2", snapshots: 2, newest: 2, last_backup: 1 }];
      },
      found: [found],
      back: () => {},
    });
    const open = root.querySelector<HTMLButtonElement>(".open-found")!;
    expect(open.getAttribute("aria-label")).toBe("Open the backups on /media/ada/Passport");
    open.click();
    await flush();
    await flush();
    expect(opened).toEqual([["/media/ada/Passport", null]]);
    expect(root.querySelector("#open-backups-status")?.textContent).toContain("Bob's iPhone");
    // added now: no longer offered
    expect(root.querySelector(".open-found")).toBeNull();
    expect(root.querySelectorAll(".location")).toHaveLength(2);
  });
});
