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
});
