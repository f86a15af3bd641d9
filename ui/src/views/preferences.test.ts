import { describe, expect, it } from "vitest";
import type { LocationStatus } from "../api";
import { renderPreferences, spaceText } from "./preferences";
import { shortPath } from "../dom";

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

  it("verifies a location, showing its progress, then what it found", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    let finish: (v: import("../api").Verification) => void = () => {};
    let report: (b: number, t: number) => void = () => {};
    renderPreferences(root, [disk, { ...disk, path: "/media/ada/Empty", is_default: false, has_backups: false }], {
      add: async () => [disk],
      makeDefault: async () => [disk],
      remove: async () => [disk],
      verify: (_path, progress) => {
        report = progress;
        return new Promise((resolve) => (finish = resolve));
      },
      back: () => {},
    });
    const buttons = root.querySelectorAll<HTMLButtonElement>(".verify-location");
    expect(buttons).toHaveLength(1); // only where there are backups
    buttons[0].click();
    await flush();
    expect(root.querySelector("#verify-status")?.textContent).toContain("reading every snapshot back");
    expect(root.querySelector<HTMLButtonElement>(".verify-location")!.disabled).toBe(true);
    report(50, 200);
    expect(root.querySelector<HTMLProgressElement>("#verify-progress")!.value).toBe(50);
    finish({
      location: disk.path, at: 1, ok: false, chunks_checked: 9, bytes_checked: 200,
      problems: ["chunk ab12 in pack p1: its data does not decrypt"],
      affected: [{ device: "U1", path: "HomeDomain/Library/SMS/sms.db", snapshots: [1, 2] }],
      devices: ["U1"],
    });
    await flush();
    const status = root.querySelector("#verify-status")!;
    expect(status.getAttribute("role")).toBe("alert");
    expect(status.textContent).toContain("Damage found at /media/ada/Disk");
    expect(status.textContent).toContain("HomeDomain/Library/SMS/sms.db (snapshots 1, 2)");
    expect(root.querySelector<HTMLButtonElement>(".verify-location")!.disabled).toBe(false);
    root.remove();
  });
});

describe("shortPath", () => {
  it("keeps short paths and the end of long ones", () => {
    expect(shortPath("/media/ada/Disk")).toBe("/media/ada/Disk");
    const long = "/tmp/pytest-of-root/pytest-9/test_the_first_backup_and_the_0/Disque de sauvegarde";
    const short = shortPath(long);
    expect(short.length).toBeLessThanOrEqual(48);
    expect(short).toBe("…/Disque de sauvegarde");
    expect(shortPath("/media/ada/a-rather-long-folder-name/Backups/Keepsake disk")).toBe("…/Backups/Keepsake disk");
    expect(shortPath(`/${"x".repeat(80)}`, 20)).toBe(`…${"x".repeat(19)}`);
  });
});
