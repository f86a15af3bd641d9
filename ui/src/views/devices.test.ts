import axe from "axe-core";
import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fetchOverview, type AllBackups, type DeviceRow, type DeviceSpace, type OffsiteRow, type OffsiteValues, type Overview, type Verified } from "../api";
import { nextBackupText, offsiteCard, progressText, renderOverview, showOffsiteProgress, showOffsiteResult, showProgress, showRecoveryKey, showSpace, type DeviceActions } from "./devices";

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

/** A phone known only by its backups at one location. */
const away = {
  udid: "00008030-0011223344556677",
  name: "Old iPhone",
  model: "iPhone12,1",
  snapshots: 3,
  newest: 42,
  last_backup: 1_700_000_000,
  location: "/media/ada/Disk",
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
    expect(renderOverview(root, { app: { name: "Keepsake", version: "1.2.3" }, devices: [], usbmuxd_problem: null })).toBeNull();
    expect(root.querySelector("#sidebar #app-version")?.textContent).toBe("Version 1.2.3");
    expect(root.querySelector("main#view #no-devices")?.textContent).toContain("Connect one with a cable");
    expect(root.querySelector(".device")).toBeNull();
    expect(root.querySelector(".sidebar-device")).toBeNull();
    expect(root.querySelector("#usbmuxd-problem")).toBeNull();
  });

  it("says when usbmuxd cannot be reached", () => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [], usbmuxd_problem: "cannot reach usbmuxd at /var/run/usbmuxd" });
    const notice = root.querySelector("#usbmuxd-problem");
    expect(notice?.getAttribute("role")).toBe("alert");
    expect(notice?.textContent).toContain("cannot reach usbmuxd at /var/run/usbmuxd");
  });

  it("shows the only device's page, with its model and connections, and never interprets names as HTML", () => {
    const root = document.createElement("div");
    const shown = renderOverview(root, {
      app: { name: "Keepsake", version: "1" },
      devices: [{ ...phone, connections: [...phone.connections] }],
      usbmuxd_problem: null,
    });
    expect(shown).toBe(phone.udid);
    const row = root.querySelector<HTMLElement>("main .device")!;
    expect(row.dataset.udid).toBe(phone.udid);
    expect(row.querySelector(".device-name")?.textContent).toBe("Ada's <b>iPhone</b>");
    expect(row.querySelector("b")).toBeNull();
    expect(row.querySelector(".device-meta")?.textContent).toBe("iPhone 13 · iOS 17.5 · USB + Wi-Fi");
    expect(row.querySelector(".model-picture")?.getAttribute("aria-label")).toBe("iPhone 13");
    expect(row.querySelector(".badge")?.textContent).toBe("Not trusted yet");
    expect(row.querySelector(".advice")?.textContent).toBe("Unlock Ada's iPhone and tap Trust.");
    expect(row.querySelector(".last-backup")?.textContent).toBe("Never backed up");
    // not set up yet: no Settings, and "Back up now" opens the wizard (main.ts)
    expect(row.querySelector(".show-settings")).toBeNull();
    expect(row.querySelector(".backup-now")).not.toBeNull();
    const entry = root.querySelector<HTMLElement>(`#sidebar .sidebar-device[data-udid="${phone.udid}"]`)!;
    expect(entry.getAttribute("aria-current")).toBe("page");
    expect(entry.textContent).toBe("Ada's <b>iPhone</b>Connected · USB + Wi-Fi");
  });

  it("shows the USB problem on a device's page too", () => {
    const root = document.createElement("div");
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [], usbmuxd_problem: "cannot reach usbmuxd" }, {
      others: { devices: [away], locked: [] },
    });
    expect(root.querySelector(".other-device #usbmuxd-problem")?.textContent).toContain("cannot reach usbmuxd");
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
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"], mass_deletion: warning }], usbmuxd_problem: null }, { actions });
    const notice = root.querySelector<HTMLElement>(".device .mass-deletion")!;
    expect(notice.textContent).toContain("no longer has 64 of 80 photos and videos (80 %, 192 MB)");
    expect(notice.textContent).toContain("kept forever until you say they may go");
    notice.querySelector<HTMLButtonElement>(".mass-deletion-fine")!.click();
    expect(letGo).toEqual([[phone.udid, 8]]);
    // Without a warning, no notice.
    renderOverview(root, { app: { name: "Keepsake", version: "1" }, devices: [{ ...phone, connections: ["usb"] }], usbmuxd_problem: null }, { actions });
    expect(root.querySelector(".mass-deletion")).toBeNull();
  });
});

const app = { name: "Keepsake", version: "1" };
const inSight = (over: Partial<DeviceRow> = {}): DeviceRow => ({ ...phone, connections: ["usb"], paired: true, state: "ready", advice: null, confirmed: true, ...over });
const noActions = (): DeviceActions & { calls: string[] } => {
  const calls: string[] = [];
  return {
    calls,
    backUp: (d) => calls.push(`backUp ${d.udid}`),
    cancel: () => {},
    settings: (d) => calls.push(`settings ${d.udid}`),
    timeline: (d) => calls.push(`timeline ${d.udid} ${d.name}`),
    answerCleaning: () => {},
    letGo: () => {},
  };
};

describe("the sidebar and the device pages", () => {
  const two = (): { o: Overview; all: AllBackups } => ({
    o: { app, devices: [inSight()], usbmuxd_problem: null },
    all: { devices: [{ ...away, location: "/media/ada/Disk" }, { ...away, location: "/media/ada/Other", snapshots: 2, last_backup: 1_700_086_400 }], locked: [] },
  });

  it("lists every device, in sight or known by its backups, each once, and shows the home pane to choose one", () => {
    const { o, all } = two();
    const chosen: string[] = [];
    const root = document.createElement("div");
    expect(renderOverview(root, o, { others: all, select: (u) => chosen.push(u) })).toBeNull();
    const entries = Array.from(root.querySelectorAll<HTMLButtonElement>("nav .sidebar-device"));
    expect(entries.map((e) => e.dataset.udid)).toEqual([phone.udid, away.udid]);
    expect(entries.every((e) => e.getAttribute("aria-current") === null)).toBe(true);
    expect(entries[1].classList.contains("away")).toBe(true);
    expect(root.querySelector("#home-title")?.textContent).toBe("Choose a device");
    const tiles = Array.from(root.querySelectorAll<HTMLButtonElement>("#home .device-tile"));
    expect(tiles.map((t) => t.dataset.udid)).toEqual([phone.udid, away.udid]);
    expect(tiles[1].textContent).toContain("iPhone 11");
    tiles[1].click();
    entries[0].click();
    expect(chosen).toEqual([away.udid, phone.udid]);
  });

  it("shows the chosen device's page, marked in the sidebar", () => {
    const { o, all } = two();
    const actions = noActions();
    const root = document.createElement("div");
    expect(renderOverview(root, o, { others: all, selected: phone.udid, actions })).toBe(phone.udid);
    const page = root.querySelector<HTMLElement>("main .device-page")!;
    expect(page.dataset.udid).toBe(phone.udid);
    expect(root.querySelector(`.sidebar-device[data-udid="${phone.udid}"]`)?.getAttribute("aria-current")).toBe("page");
    expect(root.querySelector(`.sidebar-device[data-udid="${away.udid}"]`)?.getAttribute("aria-current")).toBeNull();
    page.querySelector<HTMLButtonElement>(".backup-now")!.click();
    page.querySelector<HTMLButtonElement>(".show-timeline")!.click();
    page.querySelector<HTMLButtonElement>(".show-settings")!.click();
    expect(actions.calls).toEqual([`backUp ${phone.udid}`, `timeline ${phone.udid} ${phone.name}`, `settings ${phone.udid}`]);
    // a chosen device that went (unplugged, never backed up): the home pane again
    expect(renderOverview(root, o, { others: all, selected: "gone" })).toBeNull();
    expect(root.querySelector(".device-page")).toBeNull();
  });

  it("shows a device not in sight with its snapshots, locations and last backup", () => {
    const { o, all } = two();
    const actions = noActions();
    const root = document.createElement("div");
    renderOverview(root, o, { others: all, selected: away.udid, actions });
    const page = root.querySelector<HTMLElement>(`main .device.other-device[data-udid="${away.udid}"]`)!;
    expect(page.querySelector(".device-name")?.textContent).toBe("Old iPhone");
    expect(page.querySelector(".device-meta")?.textContent).toBe("iPhone 11 · Not connected");
    expect(page.querySelector(".model-picture")?.getAttribute("aria-label")).toBe("iPhone 11");
    expect(page.querySelector(".model-picture")?.classList.contains("lit")).toBe(false);
    expect(page.querySelector(".last-backup")?.textContent).toMatch(/^5 snapshots · Last backup: .+2023/);
    expect(Array.from(page.querySelectorAll(".backup-location")).map((p) => p.textContent)).toEqual(["At /media/ada/Disk", "At /media/ada/Other"]);
    expect(page.querySelector(".backup-now")).toBeNull();
    page.querySelector<HTMLButtonElement>(".show-timeline")!.click();
    expect(actions.calls).toEqual([`timeline ${away.udid} Old iPhone`]);
    expect(page.querySelector(".device-space")).not.toBeNull();
  });

  it("says where a device in sight keeps its snapshots", () => {
    const root = document.createElement("div");
    renderOverview(root, { app, devices: [inSight({ udid: away.udid, last_success: 1_700_000_000 })], usbmuxd_problem: null }, { others: { devices: [away], locked: [] } });
    expect(root.querySelectorAll(".sidebar-device")).toHaveLength(1);
    expect(root.querySelector(".device-page:not(.other-device) .backup-location")?.textContent).toBe("3 snapshots at /media/ada/Disk");
  });

  it("tells of locked locations on the home pane, rather than choosing the only device", () => {
    const root = document.createElement("div");
    expect(renderOverview(root, { app, devices: [inSight()], usbmuxd_problem: null }, { others: { devices: [], locked: ["/media/ada/Old"] } })).toBeNull();
    expect(root.querySelector("#home .locked-location")?.textContent).toContain("The backups at /media/ada/Old are locked on this computer");
    expect(root.querySelectorAll("#home .device-tile")).toHaveLength(1);
  });

  it("fills the space chart in when it comes, and leaves it out without snapshots", () => {
    const space: DeviceSpace = { newest_bytes: 4_000_000, extra_bytes: 1_000_000, allowance_bytes: 2_000_000, next_cleaning: null, disk_free_bytes: null, estimated: false };
    const root = document.createElement("div");
    renderOverview(root, { app, devices: [inSight({ last_success: 1_700_000_000 })], usbmuxd_problem: null });
    const page = root.querySelector<HTMLElement>(".device-page")!;
    expect(page.querySelector("#space")).toBeNull();
    showSpace(page, space);
    expect(page.querySelector(".device-space #space .space-bar")).not.toBeNull();
    showSpace(page, null);
    expect(page.querySelector("#space")).toBeNull();
  });

  it("puts the recovery key with the page's notices", () => {
    const root = document.createElement("div");
    renderOverview(root, { app, devices: [inSight()], usbmuxd_problem: null });
    const page = root.querySelector<HTMLElement>(".device-page")!;
    showRecoveryKey(page, "ABCD-EFGH", { save: async () => null, print: () => {}, done: () => {} });
    expect(page.querySelector(".device-notices .recovery-key .recovery-value")?.textContent).toBe("ABCD-EFGH");
  });

  it("keeps the focus on a sidebar entry drawn anew", () => {
    const { o, all } = two();
    const root = document.createElement("div");
    document.body.append(root);
    renderOverview(root, o, { others: all });
    root.querySelector<HTMLElement>(`.sidebar-device[data-udid="${away.udid}"]`)!.focus();
    renderOverview(root, o, { others: all, selected: away.udid });
    expect(document.activeElement?.getAttribute("data-udid")).toBe(away.udid);
    expect(document.activeElement?.getAttribute("aria-current")).toBe("page");
    root.remove();
  });

  it("has no accessibility problem axe-core can find, on a device's page and on the home pane", async () => {
    const { o, all } = two();
    const root = document.createElement("div");
    document.body.append(root);
    const rules = { runOnly: { type: "tag" as const, values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, rules: { "color-contrast": { enabled: false } } };
    for (const selected of [phone.udid, away.udid, null]) {
      renderOverview(root, { ...o, devices: [inSight({ cleaning: null, last_error: "the cable was pulled", last_success: 1_700_000_000 })] }, { others: all, selected });
      const results = await axe.run(root, rules);
      expect(results.violations.map((v) => v.id)).toEqual([]);
    }
    root.remove();
  });
});

describe("the offsite copy", () => {
  const NOW = 1_800_000_000;
  const row = (offsite: OffsiteRow | null): DeviceRow => ({ ...phone, connections: [...phone.connections], paired: true, state: "ready", confirmed: true, last_success: NOW - 60, offsite });
  const copy: OffsiteRow = { remote: "s3://s3.example.com/backups/ada", access_key: "AKIA1", bandwidth_kb: null, last_copied: NOW - 30, behind: false, waiting: null, next_try: null };
  const handlers = (saved: OffsiteValues[], answer: string | null = null) =>
    ({ saveOffsite: async (_d: DeviceRow, v: OffsiteValues) => (saved.push(v), answer) }) as unknown as DeviceActions;

  it("says what it is for until one is set, and sets one up with the address, keys and limit", async () => {
    const saved: OffsiteValues[] = [];
    const card = offsiteCard(row(null), handlers(saved, "s3://s3.example.com/backups refused the keys"), NOW);
    expect(card.textContent).toContain("Keep a copy away from home");
    expect(card.querySelector(".offsite-copy-now")).toBeNull();
    card.querySelector<HTMLButtonElement>(".offsite-set-up")!.click();
    const set = (id: string, value: string) => (card.querySelector<HTMLInputElement>(`#${id}`)!.value = value);
    expect(card.querySelector<HTMLInputElement>("#offsite-secret")!.type).toBe("password");
    expect(card.querySelector("label[for=offsite-secret]")?.textContent).toBe("Secret");
    set("offsite-address", " s3://s3.example.com/backups ");
    set("offsite-access-key", "AKIA1");
    set("offsite-secret", "very secret");
    set("offsite-bandwidth", "500");
    card.querySelector<HTMLButtonElement>(".offsite-save")!.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(saved).toEqual([{ address: "s3://s3.example.com/backups", accessKey: "AKIA1", secret: "very secret", bandwidthKb: 500 }]);
    const alert = card.querySelector<HTMLElement>(".offsite-form-error")!;
    expect(alert.hidden).toBe(false);
    expect(alert.textContent).toBe("s3://s3.example.com/backups refused the keys");
    card.querySelector<HTMLButtonElement>(".offsite-cancel")!.click();
    expect(card.querySelector(".offsite-set-up")).not.toBeNull();
  });

  it("keeps the remembered secret when changing a copy without typing one, and no limit when empty", async () => {
    const saved: OffsiteValues[] = [];
    const card = offsiteCard(row(copy), handlers(saved), NOW);
    card.querySelector<HTMLButtonElement>(".offsite-change")!.click();
    expect(card.querySelector<HTMLInputElement>("#offsite-address")!.value).toBe(copy.remote);
    expect(card.querySelector<HTMLInputElement>("#offsite-secret")!.placeholder).toBe("unchanged");
    expect(card.querySelector(".offsite-remove")).not.toBeNull();
    card.querySelector<HTMLButtonElement>(".offsite-save")!.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(saved).toEqual([{ address: copy.remote, accessKey: "AKIA1", secret: null, bandwidthKb: null }]);
    expect(card.querySelector<HTMLElement>(".offsite-form-error")!.hidden).toBe(true);
  });

  it("says when it was copied, when it is behind, and what it waits for and until when", () => {
    const text = (o: OffsiteRow) => offsiteCard(row(o), undefined, NOW).querySelector(".offsite-state")!.textContent;
    expect(text(copy)).toMatch(/^Copied to s3:\/\/s3\.example\.com\/backups\/ada on .+, with the newest backup\.$/);
    expect(text({ ...copy, behind: true })).toContain("the newest backup goes there next");
    expect(text({ ...copy, last_copied: null, behind: true })).toBe("Copies go to s3://s3.example.com/backups/ada: the newest backup goes there next.");
    const waiting = offsiteCard(row({ ...copy, behind: true, waiting: { reason: "unreachable", error: "waiting for s3://s3.example.com/backups/ada: connection refused" }, next_try: NOW + 600 }), undefined, NOW);
    const state = waiting.querySelector(".offsite-state.waiting")!;
    expect(state.textContent).toBe("Waiting for s3://s3.example.com/backups/ada: it cannot be reached.");
    expect(state.getAttribute("role")).toBe("status");
    expect(state.getAttribute("title")).toContain("connection refused");
    expect(waiting.querySelector(".offsite-error-detail")?.textContent).toBe("Check the network, and that the server is on. The backups here are saved meanwhile.");
    const failed = offsiteCard(row({ ...copy, behind: true, waiting: { reason: "error", error: "the pack could not be read" }, next_try: NOW + 60 }), undefined, NOW);
    expect(failed.querySelector(".offsite-error-detail")?.textContent).toBe("the pack could not be read");
    expect(waiting.querySelector(".offsite-next")?.textContent).toMatch(/^Next try: .+\.$/);
    const soon = offsiteCard(row({ ...copy, behind: true, waiting: { reason: "refused", error: "no" }, next_try: NOW - 1 }), undefined, NOW);
    expect(soon.querySelector(".offsite-state")?.textContent).toContain("it refused the access key.");
    expect(soon.querySelector(".offsite-next")?.textContent).toBe("Keepsake tries again in a few minutes.");
  });

  it("shows a copy on its way as bytes, rate and time left, then its result, in the device's page", () => {
    const root = document.createElement("div");
    const o: Overview = { app: { name: "Keepsake", version: "1" }, devices: [row(copy)], usbmuxd_problem: null };
    renderOverview(root, o, { nowSeconds: NOW });
    const page = root.querySelector<HTMLElement>(".device-page")!;
    expect(page.querySelector(".offsite-card")).not.toBeNull();
    const e = { udid: phone.udid, remote: copy.remote, bytes_sent: 2_000_000, bytes_total: 8_000_000, bytes_per_second: 1_000_000, eta_seconds: 6 };
    showOffsiteProgress(page, e);
    showOffsiteProgress(page, { ...e, bytes_sent: 4_000_000, eta_seconds: 4 });
    const bar = page.querySelector<HTMLProgressElement>("progress.offsite-progress")!;
    expect(page.querySelectorAll("progress.offsite-progress")).toHaveLength(1);
    expect([bar.value, bar.max]).toEqual([4_000_000, 8_000_000]);
    expect(page.querySelector(".offsite-status .progress-text")?.textContent).toBe("4.0 MB of 8.0 MB sent · 1.0 MB/s · 4 s left");
    expect(page.querySelector<HTMLButtonElement>(".offsite-copy-now")!.disabled).toBe(true);
    showOffsiteResult(page, "Copied offsite to s3://s3.example.com/backups/ada (4.0 MB sent).", false);
    expect(page.querySelector(".offsite-status progress")).toBeNull();
    expect(page.querySelector(".offsite-status [role=status]")?.textContent).toContain("4.0 MB sent");
    expect(page.querySelector<HTMLButtonElement>(".offsite-copy-now")!.disabled).toBe(false);
  });

  it("has no accessibility problem axe-core can find, in each state and in its form", async () => {
    const rules = { runOnly: { type: "tag" as const, values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, rules: { "color-contrast": { enabled: false } } };
    for (const o of [null, copy, { ...copy, behind: true, waiting: { reason: "full" as const, error: "full" }, next_try: NOW + 60 }]) {
      const card = offsiteCard(row(o), undefined, NOW);
      document.body.append(card);
      expect((await axe.run(card, rules)).violations.map((v) => v.id)).toEqual([]);
      card.querySelector<HTMLButtonElement>(".offsite-set-up, .offsite-change")!.click();
      expect((await axe.run(card, rules)).violations.map((v) => v.id)).toEqual([]);
      card.remove();
    }
  });
});
