import { describe, expect, it, vi } from "vitest";
import type { DomainDiff, HistoryEvent, SearchResult, SnapshotContents, SnapshotInfo } from "../api";
import { appDomainName, placeName, renderBrowser, renderComparison, renderHistory, renderTimeline, safeIcon, type BrowserHandlers } from "./snapshots";

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
      contents: async (password) => {
        passwords.push(password);
        if (password !== "pw") throw { message: "locked", kind: password ? "wrong_password" : "backup_locked" };
        return { domains: [{ domain: "HomeDomain", app: null, files: 3, bytes: 2_000 }], apps: [], kinds: [] };
      },
      search: async () => ({ found: [], total: 0 }),
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
    // nothing to search before the snapshot is open
    expect(root.querySelector<HTMLElement>(".snapshot-search")!.hidden).toBe(true);
    root.querySelector<HTMLInputElement>("#snapshot-password")!.value = "pw";
    root.querySelector<HTMLFormElement>("#unlock-form")!.dispatchEvent(new Event("submit"));
    await flush();
    expect(passwords).toEqual([null, "pw"]);
    expect(root.querySelector(".domain td")?.textContent).toBe("HomeDomain");
    root.querySelector<HTMLButtonElement>(".open-domain")!.click();
    await flush();
    root.querySelector<HTMLButtonElement>(".open-folder")!.click();
    await flush();
    expect(Array.from(root.querySelectorAll("#breadcrumb button")).map((b) => b.textContent)).toEqual(["Snapshot", "HomeDomain", "Library"]);
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
      contents: async () => ({ domains: [], apps: [], kinds: [] }),
      folder: async () => [],
      search: async () => ({ found: [], total: 0 }),
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

describe("the snapshot's contents: kinds, apps and search", () => {
  const contents: SnapshotContents = {
    domains: [
      { domain: "CameraRollDomain", app: null, files: 80, bytes: 190_000_000 },
      { domain: "HomeDomain", app: null, files: 40, bytes: 9_000_000 },
      { domain: "MediaDomain", app: null, files: 5, bytes: 1_000_000 },
      { domain: "AppDomain-com.acme.notes", app: "com.acme.notes", files: 10, bytes: 3_000_000 },
      { domain: "AppDomainPlugin-com.acme.notes.widget", app: "com.acme.notes.widget", files: 2, bytes: 20_000 },
      { domain: "AppDomainGroup-group.com.acme.notes", app: "group.com.acme.notes", files: 3, bytes: 400_000 },
      { domain: "AppDomain-org.example.bare", app: "org.example.bare", files: 1, bytes: 1_000 },
      { domain: "AppDomain-com.evil.app", app: "com.evil.app", files: 1, bytes: 500 },
    ],
    apps: [
      {
        bundle_id: "com.acme.notes", name: "Acme Notes", version: "4.2", icon: "data:image/png;base64,iVBORw0KGgo=",
        domains: ["AppDomain-com.acme.notes", "AppDomainPlugin-com.acme.notes.widget", "AppDomainGroup-group.com.acme.notes"], files: 15, bytes: 3_420_000,
      },
      { bundle_id: "org.example.bare", name: "org.example.bare", version: null, icon: null, domains: ["AppDomain-org.example.bare"], files: 1, bytes: 1_000 },
      { bundle_id: "com.evil.app", name: "Evil", version: "1.0", icon: "https://evil.example/icon.png", domains: ["AppDomain-com.evil.app"], files: 1, bytes: 500 },
    ],
    kinds: [
      { kind: "photos", places: [{ domain: "CameraRollDomain", folder: "Media/DCIM", files: 80, bytes: 190_000_000 }], files: 80, bytes: 190_000_000 },
      {
        kind: "messages",
        places: [
          { domain: "HomeDomain", folder: "Library/SMS", files: 3, bytes: 2_500_000 },
          { domain: "MediaDomain", folder: "Library/SMS/Attachments", files: 5, bytes: 1_000_000 },
        ],
        files: 8,
        bytes: 3_500_000,
      },
    ],
  };
  const dir = (domain: string, path: string) => ({ domain, path, is_dir: true, bytes: 1_000, modified: 0 });
  const file = (domain: string, path: string, size = 1_000) => ({ domain, path, is_dir: false, bytes: size, modified: 0 });
  const crumbs = (root: HTMLElement) => Array.from(root.querySelectorAll("#breadcrumb button")).map((b) => b.textContent);

  /** A browser over `contents`, remembering the folders asked for and the searches. */
  const open = async (over: Partial<BrowserHandlers> = {}) => {
    const root = document.createElement("div");
    document.body.append(root);
    const folders: string[] = [];
    const searches: string[] = [];
    const extracted: string[] = [];
    await renderBrowser(root, "Ada's iPhone", first, {
      contents: async () => contents,
      folder: async (domain, folder) => {
        folders.push(`${domain}|${folder}`);
        return folder === "Media/DCIM" ? [dir(domain, "Media/DCIM/100APPLE")] : [file(domain, folder ? `${folder}/a.bin` : "a.bin")];
      },
      search: async (text) => {
        searches.push(text);
        return { found: [], total: 0 };
      },
      extract: async (d, path, target) => {
        extracted.push(`${target}|${d}|${path}`);
        return { files: 1, bytes: 1_000 };
      },
      back: () => {},
      ...over,
    });
    return { root, folders, searches, extracted };
  };

  it("shows the phone's kinds as named tiles with files and size, under their own headings", async () => {
    const { root } = await open();
    expect(Array.from(root.querySelectorAll("#browser h3")).map((h) => h.textContent)).toEqual(["On the phone", "Apps", "All domains"]);
    expect(crumbs(root)).toEqual([]);
    const tiles = Array.from(root.querySelectorAll<HTMLElement>("#kinds .kind"));
    expect(tiles.map((t) => t.dataset.kind)).toEqual(["photos", "messages"]);
    const photos = tiles[0].querySelector<HTMLButtonElement>("button.open-kind")!;
    // its name, as assistive technology reads it: the text, the pictogram hidden
    expect(photos.textContent).toBe("Photos: 80 files, 190 MB");
    expect(photos.querySelector(".kind-name")?.textContent).toBe("Photos");
    expect(photos.querySelector(".kind-size")?.textContent).toBe("80 files, 190 MB");
    expect(photos.querySelector("svg")?.getAttribute("aria-hidden")).toBe("true");
    // every domain stays listed, HomeDomain among them, as the e2e suite opens it
    expect(root.querySelector('#domains .domain[data-domain="HomeDomain"] .open-domain')).not.toBeNull();
    expect(root.querySelectorAll("#domains .domain").length).toBe(contents.domains.length);
    expect(root.querySelector<HTMLElement>(".snapshot-search")!.hidden).toBe(false);
    expect(root.querySelector("label[for=snapshot-search]")?.textContent).toBe("Search this snapshot");
    root.remove();
  });

  it("opens a kind with one place at its folder, the kind's name standing for it in the breadcrumb", async () => {
    const { root, folders } = await open();
    root.querySelector<HTMLButtonElement>('.kind[data-kind="photos"] .open-kind')!.click();
    await flush();
    expect(folders).toEqual(["CameraRollDomain|Media/DCIM"]);
    expect(crumbs(root)).toEqual(["Snapshot", "Photos"]);
    root.querySelector<HTMLButtonElement>('.entry[data-path="Media/DCIM/100APPLE"] .open-folder')!.click();
    await flush();
    expect(folders.at(-1)).toBe("CameraRollDomain|Media/DCIM/100APPLE");
    expect(crumbs(root)).toEqual(["Snapshot", "Photos", "100APPLE"]);
    expect(root.querySelector("#breadcrumb button:last-child")?.getAttribute("aria-current")).toBe("location");
    // the first crumb brings the first screen back, without asking Rust again
    root.querySelector<HTMLButtonElement>("#breadcrumb button")!.click();
    expect(root.querySelector("#kinds")).not.toBeNull();
    root.remove();
  });

  it("opens a kind with several places through the list of its places", async () => {
    const { root, folders } = await open();
    root.querySelector<HTMLButtonElement>('.kind[data-kind="messages"] .open-kind')!.click();
    await flush();
    expect(folders).toEqual([]);
    expect(crumbs(root)).toEqual(["Snapshot", "Messages"]);
    const places = Array.from(root.querySelectorAll<HTMLElement>("#kind-places .place"));
    expect(places.map((p) => [p.dataset.domain, p.dataset.folder])).toEqual([["HomeDomain", "Library/SMS"], ["MediaDomain", "Library/SMS/Attachments"]]);
    expect(places[0].querySelector(".place-name")?.textContent).toBe("The messages database");
    expect(places[1].querySelector(".place-name")?.textContent).toBe("Attachments");
    expect(places[1].querySelector(".place-path")?.textContent).toBe("MediaDomain/Library/SMS/Attachments");
    expect(places[1].querySelector(".place-size")?.textContent).toBe("5 files, 1.0 MB");
    places[1].querySelector<HTMLButtonElement>(".open-place")!.click();
    await flush();
    expect(folders).toEqual(["MediaDomain|Library/SMS/Attachments"]);
    expect(crumbs(root)).toEqual(["Snapshot", "Messages", "Attachments"]);
    root.querySelector<HTMLButtonElement>("#breadcrumb button:nth-child(2)")!.click();
    expect(root.querySelectorAll("#kind-places .place").length).toBe(2);
    root.remove();
  });

  it("lists the apps with their own icons, a pictogram without one, and never an icon that is not a PNG data URL", async () => {
    const { root } = await open();
    const apps = Array.from(root.querySelectorAll<HTMLElement>("#apps .app"));
    expect(apps.map((a) => a.dataset.bundleId)).toEqual(["com.acme.notes", "org.example.bare", "com.evil.app"]);
    const [acme, bare, evil] = apps;
    const img = acme.querySelector("img")!;
    expect(img.getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(img.getAttribute("alt")).toBe("");
    expect(acme.querySelector(".app-name")?.textContent).toBe("Acme Notes");
    expect(acme.querySelector(".app-version")?.textContent).toBe("Version 4.2");
    expect(acme.querySelector(".app-size")?.textContent).toBe("15 files, 3.4 MB");
    expect(bare.querySelector("img")).toBeNull();
    expect(bare.querySelector(".app-icon.placeholder svg")).not.toBeNull();
    expect(bare.querySelector(".app-version")).toBeNull();
    expect(evil.querySelector("img")).toBeNull();
    expect(root.innerHTML).not.toContain("evil.example");
    root.remove();
  });

  it("opens an app's one domain straight away, and an app with several through its domains", async () => {
    const { root, folders } = await open();
    root.querySelector<HTMLButtonElement>('.app[data-bundle-id="org.example.bare"] .open-app')!.click();
    await flush();
    expect(folders).toEqual(["AppDomain-org.example.bare|"]);
    expect(crumbs(root)).toEqual(["Snapshot", "org.example.bare"]);
    root.querySelector<HTMLButtonElement>("#breadcrumb button")!.click();
    root.querySelector<HTMLButtonElement>('.app[data-bundle-id="com.acme.notes"] .open-app')!.click();
    await flush();
    expect(folders.length).toBe(1);
    expect(crumbs(root)).toEqual(["Snapshot", "Acme Notes"]);
    const domains = Array.from(root.querySelectorAll<HTMLElement>("#app-domains .place"));
    expect(domains.map((d) => d.querySelector(".place-name")?.textContent)).toEqual(["App data", "Extension: widget", "Shared group: group.com.acme.notes"]);
    expect(domains[1].querySelector(".place-size")?.textContent).toBe("2 files, 20 kB");
    domains[1].querySelector<HTMLButtonElement>(".open-place")!.click();
    await flush();
    expect(folders.at(-1)).toBe("AppDomainPlugin-com.acme.notes.widget|");
    expect(crumbs(root)).toEqual(["Snapshot", "Acme Notes", "Extension: widget"]);
    root.remove();
  });

  const hits = {
    found: [
      file("HomeDomain", "Library/SMS/sms.db", 2_500_000),
      file("AppDomain-com.acme.notes", "Documents/sms-export.txt", 3_000),
      file("HomeDomain", "Library/Preferences/com.apple.sms.plist", 900),
    ],
    total: 1_234,
  };
  const type = (root: HTMLElement, text: string) => {
    const input = root.querySelector<HTMLInputElement>("#snapshot-search")!;
    input.value = text;
    input.dispatchEvent(new Event("input"));
  };
  const enter = (root: HTMLElement) =>
    root.querySelector<HTMLInputElement>("#snapshot-search")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));

  it("searches once typing pauses, names where each file is, and says when only the first are shown", async () => {
    vi.useFakeTimers();
    try {
      const searched: string[] = [];
      const { root, extracted } = await open({
        search: async (text) => {
          searched.push(text);
          return hits;
        },
      });
      type(root, "s");
      type(root, "sms ");
      vi.advanceTimersByTime(200);
      expect(searched).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(searched).toEqual(["sms"]);
      await vi.runAllTimersAsync();
      expect(root.querySelector<HTMLElement>("#browser-content")!.hidden).toBe(true);
      const rows = Array.from(root.querySelectorAll<HTMLTableRowElement>("#search-results tr.search-hit"));
      expect(rows.map((r) => `${r.dataset.domain}|${r.dataset.path}`)).toEqual(hits.found.map((f) => `${f.domain}|${f.path}`));
      expect(rows[0].querySelector(".file-name")?.textContent).toBe("sms.db");
      expect(rows[0].querySelector(".hit-where")?.textContent).toBe("Messages › The messages database");
      expect(rows[0].querySelector(".hit-folder")?.textContent).toBe("HomeDomain/Library/SMS");
      expect(rows[1].querySelector(".hit-where")?.textContent).toBe("Acme Notes › App data");
      expect(rows[2].querySelector(".hit-where")?.textContent).toBe("HomeDomain");
      expect(rows[2].querySelector(".hit-folder")?.textContent).toBe("Library/Preferences");
      expect(rows[0].cells[2].textContent).toBe("2.5 MB");
      expect(Array.from(root.querySelectorAll("#search-results th")).every((th) => th.getAttribute("scope") === "col")).toBe(true);
      expect(root.querySelector("#search-status")?.textContent).toBe("1234 files found: showing the first 3 of 1234. Type more to narrow it.");
      root.querySelector<HTMLInputElement>("#extract-target")!.value = "/tmp/out";
      rows[1].querySelector<HTMLButtonElement>(".extract")!.click();
      await vi.runAllTimersAsync();
      expect(extracted).toEqual(["/tmp/out|AppDomain-com.acme.notes|Documents/sms-export.txt"]);
      root.remove();
    } finally {
      vi.useRealTimers();
    }
  });

  it("says when nothing is found, and clearing the field brings back the screen it was on", async () => {
    const { root, searches, folders } = await open();
    root.querySelector<HTMLButtonElement>('.kind[data-kind="photos"] .open-kind')!.click();
    await flush();
    type(root, "nothing like it");
    enter(root);
    await flush();
    expect(searches).toEqual(["nothing like it"]);
    expect(root.querySelector("#search-status")?.textContent).toBe("No file in this snapshot matches “nothing like it”.");
    expect(root.querySelector("#search-results")).toBeNull();
    expect(root.querySelector<HTMLElement>("#breadcrumb")!.hidden).toBe(true);
    type(root, "");
    await flush();
    expect(root.querySelector<HTMLElement>("#browser-content")!.hidden).toBe(false);
    expect(root.querySelector<HTMLElement>("#search-area")!.hidden).toBe(true);
    expect(root.querySelector("#search-status")?.textContent).toBe("");
    expect(crumbs(root)).toEqual(["Snapshot", "Photos"]);
    expect(root.querySelector('.entry[data-path="Media/DCIM/100APPLE"]')).not.toBeNull();
    expect(folders).toEqual(["CameraRollDomain|Media/DCIM"]);
    // the pending pause of a cleared field searches nothing
    await new Promise((r) => setTimeout(r, 300));
    expect(searches).toEqual(["nothing like it"]);
    root.remove();
  });

  it("drops an older answer that comes after a newer one, and after the field is cleared", async () => {
    const answers: Record<string, (r: SearchResult) => void> = {};
    const { root } = await open({ search: (text) => new Promise((ok) => (answers[text] = ok)) });
    type(root, "no");
    enter(root);
    type(root, "notes");
    enter(root);
    answers["notes"]({ found: [hits.found[1]], total: 1 });
    await flush();
    answers["no"](hits);
    await flush();
    expect(root.querySelectorAll("#search-results .search-hit").length).toBe(1);
    expect(root.querySelector("#search-status")?.textContent).toBe("1 file found.");
    type(root, "sms");
    enter(root);
    type(root, "");
    answers["sms"](hits);
    await flush();
    expect(root.querySelector("#search-results")).toBeNull();
    expect(root.querySelector<HTMLElement>("#browser-content")!.hidden).toBe(false);
    root.remove();
  });

  it("opens a found file's folder by the name it was found under, leaving the search", async () => {
    const { root, folders } = await open({ search: async () => hits });
    type(root, "sms");
    enter(root);
    await flush();
    root.querySelector<HTMLButtonElement>('.search-hit[data-path="Library/SMS/sms.db"] .open-hit-folder')!.click();
    await flush();
    expect(folders).toEqual(["HomeDomain|Library/SMS"]);
    expect(crumbs(root)).toEqual(["Snapshot", "Messages", "The messages database"]);
    expect(root.querySelector<HTMLInputElement>("#snapshot-search")!.value).toBe("");
    expect(root.querySelector<HTMLElement>("#search-area")!.hidden).toBe(true);
    root.remove();
  });
});

describe("names in the browser", () => {
  it("names an app's domains and the kinds' places in words", () => {
    expect(appDomainName("com.acme.notes", "AppDomain-com.acme.notes")).toBe("App data");
    expect(appDomainName("com.acme.notes", "AppDomainPlugin-com.acme.notes.share")).toBe("Extension: share");
    expect(appDomainName("com.acme.notes", "AppDomainPlugin-com.other.thing")).toBe("Extension: com.other.thing");
    expect(appDomainName("com.acme.notes", "AppDomainGroup-group.com.acme")).toBe("Shared group: group.com.acme");
    expect(placeName({ domain: "KeychainDomain", folder: "" })).toBe("The keychain");
    expect(placeName({ domain: "HomeDomain", folder: "Library/Unknown" })).toBe("Unknown");
  });

  it("uses only PNG data URLs as icons", () => {
    expect(safeIcon("data:image/png;base64,iVBORw0KGgo=")).toBe("data:image/png;base64,iVBORw0KGgo=");
    for (const bad of ["https://evil.example/i.png", "javascript:alert(1)", "data:image/svg+xml;base64,PHN2Zz4=", 'data:image/png;base64,AA" onerror="x', "DATA:image/png;base64,AA", ""]) {
      expect(safeIcon(bad)).toBeNull();
    }
    expect(safeIcon(null)).toBeNull();
  });
});
