import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fetchOverview, type Overview, type Verified } from "../api";
import { nextBackupText, progressText, renderOverview, showProgress } from "./devices";

afterEach(() => clearMocks());

const phone = {
  udid: "00008110-000A1B2C3D4E5F60",
  name: "Ada's <b>iPhone</b>",
  model: "iPhone14,5",
  ios_version: "17.5",
  connections: ["usb", "wifi"] as const,
  paired: false,
  state: "not_trusted" as const,
  advice: "Unlock Ada's iPhone and tap Trust.",
  confirmed: false,
  last_success: null,
  last_error: null,
  next_backup: null as number | null,
  location_missing: null as string | null,
  cleaning: null,
  backing_up: false,
  last_verification: null as Verified | null,
};

describe("overview", () => {
  it("asks Rust for the overview through the `overview` command", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      return { app: { name: "Keepsake", version: "9.9.9" }, devices: [], usbmuxd_problem: null } satisfies Overview;
    });
    const o = await fetchOverview();
    expect(calls).toEqual(["overview"]);
    expect(o.app.version).toBe("9.9.9");
  });

  it("shows the empty state with no devices", () => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1.2.3" }, devices: [], usbmuxd_problem: null });
    expect(root.querySelector("#app-version")?.textContent).toBe("Version 1.2.3");
    expect(root.querySelector("#no-devices")?.textContent).toContain("Connect one with a cable");
    expect(root.querySelector("#device-list")).toBeNull();
    expect(root.querySelector("#usbmuxd-problem")).toBeNull();
  });

  it("says when usbmuxd cannot be reached", () => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [], usbmuxd_problem: "cannot reach usbmuxd at /var/run/usbmuxd" });
    const notice = root.querySelector("#usbmuxd-problem");
    expect(notice?.getAttribute("role")).toBe("alert");
    expect(notice?.textContent).toContain("cannot reach usbmuxd at /var/run/usbmuxd");
  });

  it("lists devices with connections and never interprets names as HTML", () => {
    const root = document.createElement("div");
    renderOverview(root, {
      app: { name: "Keepsake", version: "1" },
      devices: [{ ...phone, connections: [...phone.connections] }],
      usbmuxd_problem: null,
    });
    const row = root.querySelector<HTMLElement>(".device")!;
    expect(row.dataset.udid).toBe(phone.udid);
    expect(row.querySelector(".device-name")?.textContent).toBe("Ada's <b>iPhone</b>");
    expect(row.querySelector("b")).toBeNull();
    expect(row.querySelector(".device-meta")?.textContent).toBe("iPhone14,5 · iOS 17.5 · USB + Wi-Fi");
    expect(row.querySelector(".badge")?.textContent).toBe("Not trusted yet");
    expect(row.querySelector(".advice")?.textContent).toBe("Unlock Ada's iPhone and tap Trust.");
  });
});

describe("next automatic backup", () => {
  const now = 1_800_000_000;
  const d = { ...phone, connections: ["usb" as const] };
  it("is not promised before the wizard ran, and says when automatic backups are off", () => {
    expect(nextBackupText({ ...d, confirmed: false, next_backup: now + 60 }, now)).toBeNull();
    expect(nextBackupText({ ...d, confirmed: true, next_backup: now, backing_up: true }, now)).toBeNull();
    expect(nextBackupText({ ...d, confirmed: true, next_backup: null }, now)).toBe("Automatic backups are off");
    expect(nextBackupText({ ...d, confirmed: true, next_backup: now, location_missing: "/media/ada/Disk" }, now)).toBe(
      "Backups wait for /media/ada/Disk: connect that disk, or choose another location in Settings",
    );
  });

  it("is now when due, else the day and time it becomes due, in the row", () => {
    expect(nextBackupText({ ...d, confirmed: true, next_backup: now }, now)).toBe("Next automatic backup: now, while it is connected");
    const later = nextBackupText({ ...d, confirmed: true, next_backup: now + 86_400 }, now)!;
    expect(later).toMatch(/^Next automatic backup: .+ or later, when it is connected$/);
    expect(later).toContain(String(new Date((now + 86_400) * 1000).getFullYear()));
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"], confirmed: true, next_backup: 1 }], usbmuxd_problem: null });
    expect(root.querySelector(".next-backup")?.textContent).toBe("Next automatic backup: now, while it is connected");
  });
});

describe("verification", () => {
  const at = 1_800_000_000;
  const row = (last_verification: Verified | null) => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"], last_verification }], usbmuxd_problem: null });
    return root.querySelector<HTMLElement>(".verification");
  };

  it("says nothing before any, and quietly when the last backup read back intact", () => {
    expect(row(null)).toBeNull();
    const sampled = row({ at, ok: true, sampled: true, summary: "The new backup and a sample of the rest (1 MB in all) read back intact at /media/ada/Disk." })!;
    expect(sampled.textContent).toMatch(/^Last backup read back intact: .+2027/);
    expect(sampled.getAttribute("role")).toBeNull();
    expect(sampled.title).toContain("/media/ada/Disk");
    expect(row({ at, ok: true, sampled: false, summary: "All 1 MB" })!.textContent).toMatch(/^All snapshots read back intact: /);
  });

  it("alerts with what cannot be restored when damage was found", () => {
    const damaged = row({ at, ok: false, sampled: false, summary: "1 file(s) at /media/ada/Disk cannot be restored whole (HomeDomain/Library/SMS/sms.db): back up again so the damaged data is stored anew." })!;
    expect(damaged.getAttribute("role")).toBe("alert");
    expect(damaged.classList.contains("damaged")).toBe(true);
    expect(damaged.textContent).toContain("Damage found (");
    expect(damaged.textContent).toContain("HomeDomain/Library/SMS/sms.db");
  });
});

describe("backup progress", () => {
  const transferring = {
    udid: phone.udid,
    step: "transferring" as const,
    percent: 40,
    bytes_received: 4_200_000,
    files_received: 120,
    bytes_expected: 10_500_000,
    bytes_per_second: 2_100_000,
    eta_seconds: 3,
  };

  it("says bytes, files, rate and time left", () => {
    expect(progressText(transferring)).toBe("4.2 MB of about 11 MB · 120 files · 2.1 MB/s · 3 s left");
  });

  it("moves the bar in place and shows the passcode prompt while the device waits", () => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"] }], usbmuxd_problem: null });
    const row = root.querySelector<HTMLElement>(".device")!;
    let cancelled = 0;
    showProgress(row, { udid: phone.udid, step: "enter_passcode", device: "Ada" }, () => cancelled++);
    const prompt = row.querySelector<HTMLElement>(".prompt")!;
    expect(prompt.hidden).toBe(false);
    expect(prompt.textContent).toBe("Enter your passcode on Ada to let the backup start.");
    const bar = row.querySelector("progress")!;
    showProgress(row, transferring, () => cancelled++);
    expect(row.querySelector("progress")).toBe(bar);
    expect(bar.value).toBe(40);
    expect(prompt.hidden).toBe(true);
    expect(row.querySelector<HTMLButtonElement>(".backup-now")!.disabled).toBe(true);
    row.querySelector<HTMLButtonElement>(".cancel-backup")!.click();
    expect(cancelled).toBe(1);
  });
});

describe("a backup that let most photos go", () => {
  it("says what went, keeps nothing from the person, and lets them say the photos may go", () => {
    const warning = {
      at: 1_700_000_000,
      repository: "r1",
      snapshot: 9,
      kept: 8,
      found: [{ kind: "photos" as const, before: { files: 80, bytes: 240_000_000 }, removed: { files: 64, bytes: 192_000_000 } }],
    };
    const letGo: [string, number][] = [];
    const actions = {
      backUp: () => {}, cancel: () => {}, settings: () => {}, timeline: () => {}, answerCleaning: () => {},
      letGo: (d: { udid: string }, kept: number) => letGo.push([d.udid, kept]),
    };
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"], mass_deletion: warning }], usbmuxd_problem: null }, actions);
    const notice = root.querySelector<HTMLElement>(".device .mass-deletion")!;
    expect(notice.textContent).toContain("no longer has 64 of 80 photos and videos (80 %, 192 MB)");
    expect(notice.textContent).toContain("kept forever until you say they may go");
    notice.querySelector<HTMLButtonElement>(".mass-deletion-fine")!.click();
    expect(letGo).toEqual([[phone.udid, 8]]);
    // Without a warning, no notice.
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"] }], usbmuxd_problem: null }, actions);
    expect(root.querySelector(".mass-deletion")).toBeNull();
  });
});
