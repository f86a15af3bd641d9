import { describe, expect, it } from "vitest";
import type { DomainDiff, HistoryEvent, SnapshotInfo } from "../api";
import { renderBrowser, renderComparison, renderHistory, renderTimeline } from "./snapshots";

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
    expect(rows[1].querySelector(".snapshot-added")?.textContent).toBe("First backup: 3.9 MB");
    expect(rows[1].querySelector(".snapshot-time")?.textContent).toBe(new Date(first.time * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
    expect(rows[1].querySelector("button")?.textContent).toMatch(/^Browse the snapshot of /);
    rows[1].querySelector("button")!.click();
    expect(opened).toEqual([1]);
  });

  it("measures the drawing's gaps against the device's schedule", () => {
    const aWeekOn = { ...second, time: first.time + 7 * 86_400 };
    const gaps = (gapSeconds?: number) => {
      const root = document.createElement("div");
      renderTimeline(root, "Ada's iPhone", [first, aWeekOn], { open: () => {}, back: () => {}, gapSeconds });
      return root.querySelectorAll("#timeline-chart .timeline-gap").length;
    };
    expect(gaps()).toBe(1);
    expect(gaps(8 * 86_400)).toBe(0);
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

describe("comparison", () => {
  const third: SnapshotInfo = { id: 9, device: "U1", seq: 3, time: 1_764_172_800, files: 133, bytes: 4_700_000, added_bytes: 90_000 };
  const sms: DomainDiff = {
    domain: "HomeDomain", app: null, added: ["Library/New.plist"], removed: [], changed: ["Library/SMS/sms.db"],
    bytes_added: 1_200, bytes_removed: 0, bytes_changed: 2_500_000,
  };

  it("offers 'What changed' on every snapshot but the oldest, against the one before it", () => {
    const root = document.createElement("div");
    const asked: [number, number][] = [];
    renderTimeline(root, "Ada's iPhone", [first, second, third], { open: () => {}, back: () => {}, compare: (a, b) => asked.push([a.id, b.id]) });
    const rows = Array.from(root.querySelectorAll<HTMLElement>(".snapshot"));
    expect(rows.map((r) => r.querySelector(".snapshot-compare") !== null)).toEqual([true, true, false]);
    rows[0].querySelector<HTMLButtonElement>(".snapshot-compare")!.click();
    rows[1].querySelector<HTMLButtonElement>(".snapshot-compare")!.click();
    expect(asked).toEqual([[7, 9], [1, 7]]);
  });

  it("lists each changed domain with counts and paths, earliest first whichever way they are picked", async () => {
    const root = document.createElement("div");
    const calls: [number, number, string | null][] = [];
    const diff = async (a: number, b: number, p: string | null) => {
      calls.push([a, b, p]);
      return a === 1 && b === 9 ? [sms] : [];
    };
    await renderComparison(root, "Ada's iPhone", [first, second, third], first, third, { diff, back: () => {} });
    expect(calls).toEqual([[1, 9, null]]);
    const row = root.querySelector<HTMLElement>('.diff-domain[data-domain="HomeDomain"]')!;
    expect(row.querySelector("summary")?.textContent).toBe("HomeDomain — 1 file added (1.2 kB), 1 changed (2.5 MB)");
    expect(Array.from(row.querySelectorAll(".diff-paths li")).map((li) => li.textContent)).toEqual(["+ Library/New.plist", "~ Library/SMS/sms.db"]);
    expect(root.querySelector("#compare-status")?.textContent).toContain("1 domain changed");
    // picked the other way round: still from the earlier to the later
    root.querySelector<HTMLSelectElement>("#compare-older")!.value = "9";
    root.querySelector<HTMLSelectElement>("#compare-newer")!.value = "7";
    root.querySelector<HTMLButtonElement>("#compare")!.click();
    await flush();
    expect(calls.at(-1)).toEqual([7, 9, null]);
    expect(root.querySelector("#compare-status")?.textContent).toBe("Nothing changed between these snapshots.");
    root.querySelector<HTMLSelectElement>("#compare-older")!.value = "7";
    root.querySelector<HTMLButtonElement>("#compare")!.click();
    await flush();
    expect(calls.length).toBe(2);
    expect(root.querySelector("#compare-status")?.textContent).toBe("Choose two different snapshots.");
  });

  it("asks for the backup password of locked snapshots and compares with it", async () => {
    const root = document.createElement("div");
    const passwords: (string | null)[] = [];
    const diff = async (_a: number, _b: number, p: string | null) => {
      passwords.push(p);
      if (p !== "secret") throw { message: "locked", kind: p === null ? "backup_locked" : "wrong_password" };
      return [sms];
    };
    await renderComparison(root, "Ada's iPhone", [first, second], first, second, { diff, back: () => {} });
    expect(root.querySelector("#unlock-form")?.textContent).toContain("The backups of Ada's iPhone are encrypted");
    const input = root.querySelector<HTMLInputElement>("#snapshot-password")!;
    input.value = "wrong";
    root.querySelector<HTMLFormElement>("#unlock-form")!.requestSubmit();
    await flush();
    expect(root.querySelector("#unlock-form")?.textContent).toContain("That password is not right");
    root.querySelector<HTMLInputElement>("#snapshot-password")!.value = "secret";
    root.querySelector<HTMLFormElement>("#unlock-form")!.requestSubmit();
    await flush();
    expect(passwords).toEqual([null, "wrong", "secret"]);
    expect(root.querySelector('.diff-domain[data-domain="HomeDomain"]')).not.toBeNull();
  });
});

describe("keeping a snapshot forever", () => {
  it("toggles with the answer from Rust, says so to assistive technology, and keeps the old state on failure", async () => {
    const root = document.createElement("div");
    const asked: [number, boolean][] = [];
    let fail = false;
    const pin = async (s: SnapshotInfo, pinned: boolean) => {
      asked.push([s.id, pinned]);
      if (fail) throw { message: "the disk is not connected", kind: null };
      return pinned;
    };
    renderTimeline(root, "Ada's iPhone", [{ ...first, pinned: true, frees_bytes: 3_000_000 }, { ...second, pinned: false, frees_bytes: 0 }], { open: () => {}, back: () => {}, pin });
    const [newer, older] = Array.from(root.querySelectorAll<HTMLButtonElement>(".snapshot-pin"));
    expect(older.textContent).toBe("Kept forever");
    expect(older.getAttribute("aria-pressed")).toBe("true");
    expect(newer.textContent).toBe("Keep forever");
    newer.click();
    await flush();
    expect(asked).toEqual([[7, true]]);
    expect(newer.getAttribute("aria-pressed")).toBe("true");
    fail = true;
    older.click();
    await flush();
    expect(asked.at(-1)).toEqual([1, false]);
    expect(older.getAttribute("aria-pressed")).toBe("true");
    expect(older.disabled).toBe(false);
    expect(root.querySelector("#timeline-status")?.textContent).toBe("The disk is not connected");
  });
});

describe("a snapshot out of Keepsake", () => {
  const browser = (root: HTMLElement, over: Partial<Parameters<typeof renderBrowser>[3]> = {}) =>
    renderBrowser(root, "Ada's iPhone", first, {
      domains: async () => [],
      folder: async () => [],
      extract: async () => ({ files: 0, bytes: 0 }),
      back: () => {},
      ...over,
    });

  it("exports into the typed folder with a moving bar, and needs a folder first", async () => {
    const root = document.createElement("div");
    const seen: number[] = [];
    let release!: () => void;
    await browser(root, {
      exportTo: (target, progress) => {
        progress(1_000_000);
        seen.push(root.querySelector<HTMLProgressElement>("#transfer-progress")!.value);
        return new Promise((ok) => (release = () => ok({ folder: `${target}/U1`, files: 120, bytes: 4_200_000 })));
      },
    });
    root.querySelector<HTMLButtonElement>("#export-snapshot")!.click();
    await flush();
    expect(root.querySelector("#browser-status")?.textContent).toBe("Type the folder to export into first.");
    root.querySelector<HTMLInputElement>("#extract-target")!.value = "/media/ada/Export";
    root.querySelector<HTMLButtonElement>("#export-snapshot")!.click();
    await flush();
    expect(seen).toEqual([1_000_000]);
    expect(root.querySelector<HTMLProgressElement>("#transfer-progress")!.hidden).toBe(false);
    expect(root.querySelector<HTMLButtonElement>("#export-snapshot")!.disabled).toBe(true);
    release();
    await flush();
    expect(root.querySelector("#browser-status")?.textContent).toBe("Exported 120 files (4.2 MB) into /media/ada/Export/U1: Finder, iTunes and idevicebackup2 can restore it.");
    expect(root.querySelector<HTMLProgressElement>("#transfer-progress")!.hidden).toBe(true);
  });

  it("restores only after confirmation, asking for the password of a locked backup", async () => {
    const root = document.createElement("div");
    const passwords: (string | null)[] = [];
    await browser(root, {
      restore: async (password, _onto, progress) => {
        passwords.push(password);
        if (password !== "secret") throw { message: "locked", kind: password === null ? "backup_locked" : "wrong_password" };
        progress(50);
        return { udid: "U1", device: "Ada's iPhone", snapshot: 1, files: 120 };
      },
      targets: () => ({ own: "U1", devices: [{ udid: "U1", name: "Ada's iPhone" }] }),
    });
    root.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
    expect(passwords).toEqual([]);
    expect(root.querySelector("[role=alertdialog]")?.textContent).toContain("Replace everything on Ada's iPhone");
    root.querySelector<HTMLButtonElement>("#restore-cancel")!.click();
    expect(root.querySelector("[role=alertdialog]")).toBeNull();
    expect(passwords).toEqual([]);

    root.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
    root.querySelector<HTMLButtonElement>("#restore-confirm")!.click();
    await flush();
    expect(root.querySelector("label[for=restore-password]")?.textContent).toBe("Backup password");
    root.querySelector<HTMLInputElement>("#restore-password")!.value = "nope";
    root.querySelector<HTMLButtonElement>("#restore-confirm")!.click();
    await flush();
    expect(root.querySelector("[role=alertdialog]")?.textContent).toContain("That password is not right");
    root.querySelector<HTMLInputElement>("#restore-password")!.value = "secret";
    root.querySelector<HTMLButtonElement>("#restore-confirm")!.click();
    await flush();
    expect(passwords).toEqual([null, "nope", "secret"]);
    expect(root.querySelector("#browser-status")?.textContent).toBe("Restored 120 files to Ada's iPhone.");
  });

  it("restores onto another device only naming both, and not at all with nothing in sight", async () => {
    const root = document.createElement("div");
    const onto: string[] = [];
    let inSight = [{ udid: "U1", name: "Ada's iPhone" }, { udid: "U2", name: "Ada's new iPhone" }];
    await browser(root, {
      restore: async (_password, target) => {
        onto.push(target);
        return { udid: target, device: "Ada's new iPhone", snapshot: 1, files: 120 };
      },
      targets: () => ({ own: "U1", devices: inSight }),
    });
    root.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
    const select = root.querySelector<HTMLSelectElement>("#restore-onto")!;
    expect(select.value).toBe("U1");
    select.value = "U2";
    select.dispatchEvent(new Event("change"));
    const question = root.querySelector("#restore-question")!.textContent!;
    expect(question).toContain("Restore this snapshot of Ada's iPhone");
    expect(question).toContain("onto Ada's new iPhone");
    expect(question).toContain("keeps its own identity");
    root.querySelector<HTMLButtonElement>("#restore-confirm")!.click();
    await flush();
    expect(onto).toEqual(["U2"]);

    inSight = [];
    root.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
    expect(root.querySelector<HTMLButtonElement>("#restore-confirm")!.disabled).toBe(true);
    expect(root.querySelector("#restore-question")!.textContent).toContain("Connect the device to restore onto");
  });
});

describe("saving space", () => {
  const keptAsSent = { ...first, pinned: false, frees_bytes: 0, kept_as_sent: true };
  const decrypted = { ...second, pinned: false, frees_bytes: 0, kept_as_sent: false };
  const converted = {
    device: "U1",
    snapshots: 2,
    snapshots_opened: 2,
    versions_converted: 42,
    bytes_converted: 3_000_000,
    left_as_sent: {},
    stored_before: 9_000_000,
    stored_after: 5_000_000,
  };

  it("is offered only when a snapshot was kept as sent", () => {
    const root = document.createElement("div");
    renderTimeline(root, "Ada's iPhone", [decrypted], { open: () => {}, back: () => {}, convert: async () => converted });
    expect(root.querySelector("#convert-notice")).toBeNull();
    renderTimeline(root, "Ada's iPhone", [keptAsSent, decrypted], { open: () => {}, back: () => {} });
    expect(root.querySelector("#convert-notice")).toBeNull();
  });

  it("asks for the backup password when needed, shows progress, then what it saved", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    const passwords: (string | null)[] = [];
    let seen = -1;
    renderTimeline(root, "Ada's iPhone", [keptAsSent, decrypted], {
      open: () => {},
      back: () => {},
      convert: async (password, progress) => {
        passwords.push(password);
        if (password !== "pw") throw { message: "locked", kind: password ? "wrong_password" : "backup_locked" };
        progress(1_000_000);
        seen = Number(root.querySelector<HTMLProgressElement>("#convert-progress")!.value);
        return converted;
      },
    });
    expect(root.querySelector("#convert-text")?.textContent).toContain("One snapshot of Ada's iPhone was taken without its backup password");
    root.querySelector<HTMLButtonElement>("#convert")!.click();
    await flush();
    expect(root.querySelector("#convert-password")?.textContent).toContain("Enter the backup password of Ada's iPhone");
    root.querySelector<HTMLInputElement>("#convert-password-input")!.value = "nope";
    root.querySelector<HTMLFormElement>("#convert-password form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(root.querySelector("#convert-password")?.textContent).toContain("That password is not right");
    root.querySelector<HTMLInputElement>("#convert-password-input")!.value = "pw";
    root.querySelector<HTMLFormElement>("#convert-password form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(passwords).toEqual([null, "nope", "pw"]);
    expect(seen).toBe(1_000_000);
    expect(root.querySelector("#convert-status")?.textContent).toBe("Done: 42 files kept decrypted in 2 snapshots; the snapshots take 5.0 MB now, 9.0 MB before.");
    expect(root.querySelector("#convert")).toBeNull();
    expect(root.querySelector<HTMLElement>("#convert-text")!.hidden).toBe(true);
    expect(root.querySelector<HTMLProgressElement>("#convert-progress")!.hidden).toBe(true);
  });
});

describe("history", () => {
  it("says each event in words, newest first as given, bad news marked", () => {
    const events: HistoryEvent[] = [
      { at: 1_800_000_300, kind: "skipped", reason: "not_connected" },
      { at: 1_800_000_200, kind: "failed", reason: "not_enough_space", error: "not enough free space at /Volumes/Disk" },
      { at: 1_800_000_100, kind: "backed_up", snapshot: 3, added_bytes: 34_000_000 },
      { at: 1_800_000_000, kind: "cancelled" },
    ];
    const section = renderHistory("Ada's iPhone", events);
    const items = Array.from(section.querySelectorAll("li"));
    expect(items.map((li) => li.dataset.kind)).toEqual(["skipped", "failed", "backed_up", "cancelled"]);
    expect(items[0].textContent).toContain("not connected");
    expect(items[0].classList.contains("bad")).toBe(true);
    expect(items[1].textContent).toContain("Failed: not enough free space at /Volumes/Disk");
    expect(items[2].textContent).toContain("Backed up: 34 MB added");
    expect(items[2].classList.contains("bad")).toBe(false);
    expect(section.querySelector(".hint")).toBeNull();
  });

  it("shows the newest 30 and says where the rest are; an empty history says so", () => {
    const many: HistoryEvent[] = Array.from({ length: 45 }, (_, i) => ({ at: 1_800_000_000 - i, kind: "backed_up" as const }));
    const section = renderHistory("Ada's iPhone", many);
    expect(section.querySelectorAll("li").length).toBe(30);
    expect(section.querySelector(".hint")!.textContent).toContain("keepsake history");
    expect(renderHistory("Ada's iPhone", []).textContent).toContain("Nothing has happened");
  });
});

describe("snapshot notes", () => {
  it("shows a snapshot's note in its row, and none for the others", () => {
    const root = document.createElement("div");
    renderTimeline(root, "Ada's iPhone", [
      { ...first, pinned: true, frees_bytes: 0, note: "before iOS 19" },
      { ...second, pinned: false, frees_bytes: 0 },
    ], { open: () => {}, back: () => {} });
    const notes = Array.from(root.querySelectorAll(".snapshot-note")).map((n) => n.textContent);
    expect(notes).toEqual(["“before iOS 19”"]);
    expect(root.querySelector(`.snapshot[data-id="1"] .snapshot-open`)!.textContent).toContain("before iOS 19");
  });
});
