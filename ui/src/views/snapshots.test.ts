import { describe, expect, it } from "vitest";
import type { SnapshotInfo } from "../api";
import { renderBrowser, renderTimeline } from "./snapshots";

const first: SnapshotInfo = { id: 1, device: "U1", seq: 1, time: 1_764_000_000, files: 120, bytes: 4_200_000, added_bytes: 3_900_000 };
const second: SnapshotInfo = { id: 7, device: "U1", seq: 2, time: 1_764_086_400, files: 131, bytes: 4_600_000, added_bytes: 510_000 };
const flush = () => new Promise((r) => setTimeout(r, 0));

describe("timeline", () => {
  it("lists snapshots newest first with date, size and what each added", () => {
    const root = document.createElement("div");
    const opened: number[] = [];
    renderTimeline(root, "Ada's iPhone", [first, second], { open: (s) => opened.push(s.id), back: () => {} });
    const rows = Array.from(root.querySelectorAll<HTMLElement>(".snapshot"));
    expect(rows.map((r) => r.dataset.id)).toEqual(["7", "1"]);
    expect(rows[0].querySelector(".snapshot-size")?.textContent).toBe("4.6 MB in 131 files");
    expect(rows[0].querySelector(".snapshot-added")?.textContent).toBe("Added 510 kB");
    expect(rows[1].querySelector(".snapshot-added")?.textContent).toBe("First backup: stored 3.9 MB");
    expect(rows[1].querySelector(".snapshot-time")?.textContent).toBe(new Date(first.time * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
    expect(rows[1].querySelector("button")?.getAttribute("aria-label")).toContain("Browse the snapshot of");
    rows[1].querySelector("button")!.click();
    expect(opened).toEqual([1]);
  });

  it("says so when there is no snapshot yet", () => {
    const root = document.createElement("div");
    renderTimeline(root, "Ada's iPhone", [], { open: () => {}, back: () => {} });
    expect(root.querySelector("#no-snapshots")?.textContent).toContain("No snapshots of Ada's iPhone yet");
    expect(root.querySelector("#timeline")).toBeNull();
  });
});

describe("browser", () => {
  it("asks for the password of a locked snapshot, then lists domains, folders and extracts", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    const passwords: (string | null)[] = [];
    const extracted: string[] = [];
    await renderBrowser(root, "Ada's iPhone", first, {
      domains: async (password) => {
        passwords.push(password);
        if (password !== "pw") throw { message: "locked", kind: password ? "wrong_password" : "backup_locked" };
        return [{ domain: "HomeDomain", app: null, files: 3, bytes: 2_000 }];
      },
      folder: async (_d, folder) =>
        folder === ""
          ? [{ domain: "HomeDomain", path: "Library", is_dir: true, bytes: 2_000, modified: 0 }]
          : [{ domain: "HomeDomain", path: "Library/sms.db", is_dir: false, bytes: 2_000, modified: 0 }],
      extract: async (d, path, target) => {
        extracted.push(`${target}|${d}|${path}`);
        return { files: 1, bytes: 2_000 };
      },
      back: () => {},
    });
    expect(root.querySelector("#unlock-form")?.textContent).toContain("Enter the backup password");
    root.querySelector<HTMLInputElement>("#snapshot-password")!.value = "pw";
    root.querySelector<HTMLFormElement>("#unlock-form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(passwords).toEqual([null, "pw"]);
    expect(root.querySelector(".domain td")?.textContent).toBe("HomeDomain");
    root.querySelector<HTMLButtonElement>(".open-domain")!.click();
    await flush();
    root.querySelector<HTMLButtonElement>(".open-folder")!.click();
    await flush();
    expect(Array.from(root.querySelectorAll("#breadcrumb button")).map((b) => b.textContent)).toEqual(["All domains", "HomeDomain", "Library"]);
    root.querySelector<HTMLInputElement>("#extract-target")!.value = "/tmp/out";
    root.querySelector<HTMLButtonElement>(".extract")!.click();
    await flush();
    expect(extracted).toEqual(["/tmp/out|HomeDomain|Library/sms.db"]);
    expect(root.querySelector("#browser-status")?.textContent).toBe("Extracted 1 file (2.0 kB) into /tmp/out/HomeDomain.");
    root.remove();
  });
});
