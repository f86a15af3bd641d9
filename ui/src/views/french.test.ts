// The interface in French: the screens speak it, with French dates and sizes, and no English
// word of today's interface is left behind in their text or their accessible names.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AllBackups, DeviceRow, DeviceSpace, HistoryEvent, LocationStatus, Overview, SnapshotContents, TimelineEntry } from "../api";
import { setLanguage } from "../i18n";
import { renderError, renderOverview, showBackupResult, showProgress, showRecoveryKey, showSpace } from "./devices";
import { renderPreferences, type PreferencesHandlers } from "./preferences";
import { renderBrowser, renderComparison, renderTimeline, type BrowserHandlers } from "./snapshots";
import { initialValues, renderWizard, type StepId, type WizardHandlers } from "./wizard";

beforeEach(() => setLanguage("fr"));
afterEach(() => setLanguage("en"));

const DAY = 86_400;
const NOW = new Date(2026, 11, 3, 14, 5).getTime() / 1000;
const flush = () => new Promise((r) => setTimeout(r, 0));
/** A date as the French interface writes it. */
const fr = (t: number) => new Date(t * 1000).toLocaleString("fr", { dateStyle: "medium", timeStyle: "short" });

const phone: DeviceRow = {
  udid: "00008110-000A1B2C3D4E5F60", name: "iPhone de Camille", model: "iPhone15,2", ios_version: "17.5", connections: ["usb", "wifi"],
  paired: true, state: "ready", advice: null, confirmed: true, last_success: NOW - 3 * DAY, last_error: "la connexion a été perdue",
  next_backup: NOW + DAY, location_missing: null, cleaning: null, mass_deletion: null, backing_up: false, schedule: "daily",
  last_verification: { at: NOW - DAY, ok: true, summary: "12 fichiers relus", sampled: true },
};
const away = { udid: "00008030-0011223344556677", name: "Ancien iPhone", model: "iPhone12,1", snapshots: 3, newest: 42, last_backup: NOW - 40 * DAY, location: "/media/camille/Disque" };
const overview = (devices: DeviceRow[], usbmuxd_problem: string | null = null): Overview => ({ app: { name: "Keepsake", version: "1.2.3" }, devices, usbmuxd_problem });
const all: AllBackups = { devices: [{ ...away, udid: phone.udid, name: phone.name, model: phone.model }, away], locked: [] };

const snaps: TimelineEntry[] = [
  { id: 1, device: phone.udid, seq: 1, time: NOW - 20 * DAY, files: 12_000, bytes: 4_200_000_000, added_bytes: 4_100_000_000, pinned: true, frees_bytes: 0, note: "avant la mise à jour" },
  { id: 2, device: phone.udid, seq: 2, time: NOW - 19 * DAY, files: 1, bytes: 4_200_000, added_bytes: 510_000, pinned: false, frees_bytes: 12_000, kept_as_sent: true },
  { id: 3, device: phone.udid, seq: 3, time: NOW - 2 * DAY, files: 12_500, bytes: 4_600_000_000, added_bytes: 400_000_000, pinned: false, frees_bytes: 1_500_000_000, kept_as_sent: true },
];
const space: DeviceSpace = { newest_bytes: 4_000_000_000, extra_bytes: 3_000_000_000, allowance_bytes: 2_000_000_000, next_cleaning: { snapshots: [1, 2], frees_bytes: 1_200_000_000 }, disk_free_bytes: 100_000_000_000, estimated: true };
const history: HistoryEvent[] = [
  { at: NOW - DAY, kind: "backed_up", snapshot: 3, added_bytes: 1234 },
  { at: NOW - 2 * DAY, kind: "backed_up" },
  { at: NOW - 3 * DAY, kind: "failed", reason: "error", error: "La connexion a été perdue." },
  { at: NOW - 4 * DAY, kind: "cancelled" },
  ...(["not_connected", "passcode_not_entered", "location_missing", "no_location", "not_enough_space", "password", "connection_lost", "error"] as const)
    .map((reason, i): HistoryEvent => ({ at: NOW - (5 + i) * DAY, kind: "skipped", reason })),
];
const contents: SnapshotContents = {
  domains: [{ domain: "HomeDomain", app: null, files: 10, bytes: 5000 }, { domain: "AppDomain-com.acme.notes", app: "Acme Notes", files: 1, bytes: 1 }],
  apps: [{ bundle_id: "com.acme.notes", name: "Acme Notes", version: "2.1", icon: null, domains: ["AppDomain-com.acme.notes", "AppDomainPlugin-com.acme.notes.widget", "AppDomainGroup-group.acme"], files: 1, bytes: 1 }],
  kinds: (["photos", "messages", "contacts", "calls", "notes", "calendars", "voice_memos", "safari", "health", "passwords", "settings"] as const).map((kind) => ({
    kind, files: 81, bytes: 190_000_010,
    places: [{ domain: "HomeDomain", folder: `Library/${kind}`, files: 80, bytes: 190_000_000 }, { domain: "MediaDomain", folder: "Library/SMS/Attachments", files: 1, bytes: 10 }],
  })),
};
const locations: LocationStatus[] = [
  { path: "/media/camille/Sauvegardes", is_default: true, present: true, free_bytes: 100_000_000_000, total_bytes: 500_000_000_000, has_backups: true, devices: [phone.udid] },
  { path: "/media/camille/Disque", is_default: false, present: true, free_bytes: 1_000_000, total_bytes: null, has_backups: false, devices: [phone.udid, away.udid] },
  { path: "/media/camille/Ancien", is_default: false, present: false, free_bytes: null, total_bytes: null, has_backups: true, devices: [] },
];

/** Every screen in several states, each as the root it was drawn in. */
async function screens(): Promise<[string, HTMLElement][]> {
  const out: [string, HTMLElement][] = [];
  const fresh = (name: string) => {
    const root = document.createElement("div");
    out.push([name, root]);
    return root;
  };
  renderOverview(fresh("home, no device"), overview([]));
  renderOverview(fresh("home, tiles"), overview([phone], "impossible de joindre usbmuxd"), { others: { ...all, locked: ["/media/verrouillé"] } });
  for (const [name, d] of [
    ["device", phone],
    ["device, new", { ...phone, confirmed: false, paired: false, advice: "Touchez Se fier.", connections: [], last_success: null, last_error: null, last_verification: null }],
    ["device, off", { ...phone, next_backup: null, last_verification: { at: NOW, ok: false, summary: "2 fichiers endommagés", sampled: false } }],
    ["device, disk missing", { ...phone, location_missing: "/media/camille/Sauvegardes" }],
    ["device, due", { ...phone, next_backup: NOW - 10, last_verification: { at: NOW, ok: true, summary: "ok", sampled: false } }],
    ["device, questions", {
      ...phone,
      cleaning: { location: "/l", asked_at: 1, request: { reason: "r", snapshots: [snaps[0], snaps[1]], frees_bytes: 123_000_000, overhead_bytes: 1, budget_bytes: 1 } },
      mass_deletion: { at: 1, repository: "r", snapshot: 3, kept: 2, found: [{ kind: "photos", before: { files: 800, bytes: 1 }, removed: { files: 640, bytes: 1_900_000_000 } }, { kind: "message_attachments", before: { files: 80, bytes: 1 }, removed: { files: 64, bytes: 190_000_000 } }] },
    }],
  ] as [string, DeviceRow][]) {
    const root = fresh(name);
    renderOverview(root, overview([d], name === "device" ? "impossible de joindre usbmuxd" : null), { others: all, selected: d.udid, nowSeconds: NOW });
    showSpace(root.querySelector(".device-page")!, space);
  }
  renderOverview(fresh("away"), overview([phone]), { others: all, selected: away.udid, nowSeconds: NOW });
  const steps = [
    { step: "waiting_for_trust", device: phone.name }, { step: "waiting_for_unlock", device: phone.name }, { step: "enter_passcode", device: phone.name },
    { step: "started", device: phone.name, udid: phone.udid },
    { step: "transferring", percent: 42, bytes_received: 1_234_567_890, files_received: 12_345, bytes_expected: 4_000_000_000, bytes_per_second: 12_000_000, eta_seconds: 3725 },
    { step: "saving" },
  ] as const;
  for (const s of steps) {
    const root = fresh(`progress ${s.step}`);
    const e = { ...s, udid: phone.udid };
    renderOverview(root, overview([phone]), { selected: phone.udid, progress: new Map([[phone.udid, e]]), nowSeconds: NOW });
    showProgress(root.querySelector(".device-page")!, e, () => {});
  }
  const keyed = fresh("recovery key");
  renderOverview(keyed, overview([phone]), { selected: phone.udid });
  showBackupResult(keyed.querySelector(".device-page")!, "Sauvegardé.", false);
  showRecoveryKey(keyed.querySelector(".device-page")!, "ABCD-EFGH", { save: async () => "/home/camille/clé.txt", print: () => {}, done: () => {} });
  keyed.querySelector<HTMLButtonElement>(".recovery-save")!.click();
  await flush();
  renderError(fresh("engine error"), "le moteur ne répond pas");

  const timeline = fresh("timeline");
  renderTimeline(timeline, phone.name, snaps, {
    open: () => {}, back: () => {}, compare: () => {}, pin: async (_s, pinned) => pinned, space: async () => space,
    convert: async () => ({ device: phone.udid, snapshots: 2, snapshots_opened: 2, versions_converted: 340, bytes_converted: 1, left_as_sent: {}, stored_before: 9e9, stored_after: 5e9 }),
  }, [...history, ...Array.from({ length: 30 }, (_, i): HistoryEvent => ({ at: NOW - (20 + i) * DAY, kind: "cancelled" }))]);
  await flush();
  const pinned = fresh("timeline, converted");
  renderTimeline(pinned, phone.name, snaps, { open: () => {}, back: () => {}, pin: async (_s, p) => p, convert: async () => { throw { message: "verrouillé", kind: "backup_locked" }; } }, []);
  pinned.querySelector<HTMLButtonElement>(".snapshot-pin:not([aria-pressed=true])")!.click();
  pinned.querySelector<HTMLButtonElement>("#convert")!.click();
  await flush();
  await flush();
  renderTimeline(fresh("timeline, empty"), phone.name, [], { open: () => {}, back: () => {} }, []);

  const diff = [{ domain: "HomeDomain", app: null, added: ["Library/a"], removed: ["b", "c"], changed: ["d"], bytes_added: 1_000_000, bytes_removed: 2000, bytes_changed: 3 }];
  await renderComparison(fresh("comparison"), phone.name, snaps, snaps[0], snaps[2], { diff: async () => diff, back: () => {} });
  await renderComparison(fresh("comparison, nothing"), phone.name, snaps, snaps[0], snaps[2], { diff: async () => [], back: () => {} });
  await renderComparison(fresh("comparison, same"), phone.name, snaps, snaps[0], snaps[0], { diff: async () => [], back: () => {} });
  await renderComparison(fresh("comparison, password"), phone.name, snaps, snaps[0], snaps[2], { diff: async () => { throw { message: "x", kind: "backup_locked" }; }, back: () => {} });

  const entries = [{ domain: "HomeDomain", path: "Library/SMS", is_dir: true, bytes: 10, modified: 0 }, { domain: "HomeDomain", path: "Library/sms.db", is_dir: false, bytes: 1_000_000, modified: 0 }];
  const handlers = (over: Partial<BrowserHandlers> = {}): BrowserHandlers => ({
    contents: async () => contents, folder: async () => entries, search: async (text) => (text === "rien" ? { found: [], total: 0 } : { found: entries, total: text === "sms" ? 900 : 2 }),
    extract: async () => ({ files: 1, bytes: 5 }), pickFolder: async () => "/p", exportTo: async () => ({ folder: "/t/U1", files: 9, bytes: 9000 }),
    restore: async () => ({ udid: phone.udid, device: phone.name, snapshot: 3, files: 77 }),
    targets: () => ({ own: phone.udid, devices: [{ udid: phone.udid, name: phone.name }, { udid: "U9", name: "Nouvel iPhone" }] }), back: () => {}, ...over,
  });
  const browser = fresh("browser");
  await renderBrowser(browser, phone.name, snaps[2], handlers());
  const folder = fresh("browser, a kind's places and a folder");
  await renderBrowser(folder, phone.name, snaps[2], handlers());
  folder.querySelectorAll<HTMLButtonElement>(".open-kind")[1].click();
  folder.querySelector<HTMLButtonElement>(".open-place")!.click();
  await flush();
  for (const text of ["rien", "deux", "sms"]) {
    const root = fresh(`browser, search ${text}`);
    await renderBrowser(root, phone.name, snaps[2], handlers());
    const input = root.querySelector<HTMLInputElement>("#snapshot-search")!;
    input.value = text;
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
  }
  const apps = fresh("browser, an app");
  await renderBrowser(apps, phone.name, snaps[2], handlers());
  apps.querySelector<HTMLButtonElement>(".open-app")!.click();
  const done = fresh("browser, exported and restored");
  await renderBrowser(done, phone.name, snaps[2], handlers());
  done.querySelector<HTMLButtonElement>("#export-snapshot")!.click();
  done.querySelector<HTMLInputElement>("#extract-target")!.value = "/home/camille";
  done.querySelector<HTMLButtonElement>("#export-snapshot")!.click();
  await flush();
  done.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
  const onto = fresh("browser, restore onto another");
  await renderBrowser(onto, phone.name, snaps[2], handlers({ restore: async () => { throw { message: "x", kind: "backup_locked" }; } }));
  onto.querySelector<HTMLButtonElement>("#restore-snapshot")!.click();
  const select = onto.querySelector<HTMLSelectElement>("#restore-onto")!;
  select.value = "U9";
  select.dispatchEvent(new Event("change"));
  onto.querySelector<HTMLButtonElement>("#restore-confirm")!.click();
  await flush();
  await renderBrowser(fresh("browser, encrypted"), phone.name, snaps[2], handlers({ contents: async () => { throw { message: "x", kind: "backup_locked" }; } }));
  await renderBrowser(fresh("browser, empty"), phone.name, snaps[2], handlers({ contents: async () => ({ domains: [], apps: [], kinds: [] }) }));

  const settings = { udid: phone.udid, name: phone.name, model: phone.model, remember_password: true, location: null, snapshots: true, auto_delete: true, retention: "1m" as const, ask_first: true, auto_backup: true, schedule: "daily" as const, window: "12:00-14:00", wifi: true, confirmed: false };
  const wizardHandlers: WizardHandlers = { addLocation: async () => locations, pickFolder: async () => null, finish: async () => "ABCD-EFGH", cancel: () => {}, locationPreferences: () => {}, saveKey: async () => "/k", printKey: () => {}, done: () => {} };
  for (const [first, encrypted, encryption] of [[true, false, "keep"], [false, true, "change"], [false, true, "off"]] as const) {
    for (const step of ["encryption", "location", "snapshots"] as StepId[]) {
      const root = fresh(`wizard ${step}${encrypted ? `, encrypted (${encryption})` : ""}`);
      const values = { ...initialValues(settings, locations, encrypted), encryption, ownPassword: true };
      renderWizard(root, phone.name, values, locations, first, wizardHandlers, step);
      // the step's problems, or the next step, or the recovery key at the end
      root.querySelector<HTMLButtonElement>("#wizard-next, #wizard-finish")!.click();
      await flush();
    }
  }
  renderWizard(fresh("wizard, no location"), phone.name, { ...initialValues(settings, [], false), snapshots: false, auto_backup: false, wifi: false }, [], true, wizardHandlers, "location");
  renderWizard(fresh("wizard, nothing kept"), phone.name, { ...initialValues(settings, [], false), snapshots: false, auto_backup: false, wifi: false }, [], true, wizardHandlers, "snapshots");

  const preferences = (over: Partial<PreferencesHandlers> = {}): PreferencesHandlers => ({
    add: async () => locations, makeDefault: async () => locations, remove: async () => locations,
    openBackups: async () => [{ udid: "U7", name: "iPad de Léa", model: "", snapshots: 1, newest: 1, last_backup: 1 }],
    found: [{ root: "/media/camille/Trouvé", repository: "r", known: false }],
    verify: async () => ({ location: locations[0].path, at: 1, ok: true, chunks_checked: 77, bytes_checked: 9_000_000, problems: [], affected: [], devices: [] }),
    recoveryKey: async () => "ABCD-EFGH", importBackup: async () => ({ udid: phone.udid, snapshot: { ...snaps[0], id: 12 }, files: 3, recovery_key: "IJKL-MNOP" }),
    pickFolder: async () => "/media/camille/Choisi", setAutostart: async (on) => on, back: () => {}, ...over,
  });
  const prefs = fresh("preferences");
  renderPreferences(prefs, locations, preferences(), true);
  prefs.querySelector<HTMLButtonElement>(".verify-location")!.click();
  await flush();
  prefs.querySelector<HTMLButtonElement>(".show-recovery-key")!.click();
  await flush();
  prefs.querySelector<HTMLButtonElement>(".open-found")!.click();
  await flush();
  await flush();
  prefs.querySelector<HTMLInputElement>("#import-folder")!.value = "/media/camille/Sauvegarde Finder";
  prefs.querySelector<HTMLButtonElement>("#import-backup")!.click();
  await flush();
  const damaged = fresh("preferences, damage and a locked disk");
  renderPreferences(damaged, locations, preferences({
    backLabel: "Réglages de iPhone de Camille", recoveryKey: async () => null, openBackups: async () => { throw { message: "x", kind: "store_locked" }; },
    verify: async () => ({ location: locations[0].path, at: 1, ok: false, chunks_checked: 77, bytes_checked: 9_000_000, problems: ["p1"], affected: [{ device: phone.udid, path: "HomeDomain/Library/SMS/sms.db", snapshots: [1, 2] }], devices: [] }),
  }), false);
  damaged.querySelector<HTMLButtonElement>(".verify-location")!.click();
  damaged.querySelector<HTMLButtonElement>(".show-recovery-key")!.click();
  damaged.querySelector<HTMLInputElement>("#open-backups-path")!.value = "/media/x";
  damaged.querySelector<HTMLButtonElement>("#open-backups")!.click();
  await flush();
  await flush();
  renderPreferences(fresh("preferences, none"), [], preferences({ found: [] }), false);
  return out;
}

/** The words a screen says: its text (the SVG titles and the screen readers' words included),
 * and its accessible names, tooltips and placeholders. */
function said(root: HTMLElement): string {
  const attrs = Array.from(root.querySelectorAll("[aria-label], [title], [placeholder], [alt]"))
    .flatMap((e) => ["aria-label", "title", "placeholder", "alt"].map((a) => e.getAttribute(a) ?? ""));
  return [root.textContent ?? "", ...Array.from(root.querySelectorAll("option")).map((o) => o.textContent), ...attrs].join("\n");
}

/** Words and phrases of today's English interface; none may be left in a French screen. Names
 * French shares (Photos, Messages, Notes, Safari, Wi-Fi, USB, iOS, Finder, Version, Actions,
 * Apps) are not here, nor Keepsake.Backups, the folder's name. */
const ENGLISH = [
  "Back up now", "Snapshots", "Snapshot", "Settings", "Preferences", "Cancel", "Last backup", "Keep forever", "Kept forever",
  "Search this snapshot", "Devices", "Device", "Choose", "Open", "Save", "Done", "Next", "Back", "Restore", "Remove", "Verify",
  "Extract", "Export", "History", "Space", "Size", "Name", "Where", "Domain", "Files", "Location", "Password", "Encryption",
  "Connected", "Never", "Backup", "Backed up", "Recovery key", "Automatic", "Step", "Delete", "Keep", "What changed", "Compare",
  "Along time", "Newest", "Allowance", "Calls", "Calendars", "Voice Memos", "Health", "Passwords", "Waiting", "Needs attention",
  "today", "yesterday", "ago", "free", "file", "files", "snapshot", "snapshots", "device", "devices", "backup", "backups", "password",
  "the", "and", "of", "to", "is", "are", "with", "from", "for", "your", "you", "it", "its", "this", "not", "yet", "all", "at", "in", "by",
  "kB", "MB", "GB", "TB", "AM", "PM", "Jan", "Feb", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

describe("the interface in French", () => {
  it("leaves no English word of the interface in any screen", async () => {
    const english = new RegExp(`(?<![\\p{L}\\p{N}])(${ENGLISH.join("|")})(?![\\p{L}\\p{N}])`, "u");
    const shown = await screens();
    expect(shown.length).toBeGreaterThan(40);
    for (const [name, root] of shown) {
      const text = said(root);
      expect(text.length, name).toBeGreaterThan(0);
      expect(text.match(english)?.[0] ?? null, `${name}: ${text.match(new RegExp(`.{0,40}${english.source}.{0,40}`, "u"))?.[0]}`).toBeNull();
    }
  });

  it("names the devices screen's parts in French", () => {
    const root = document.createElement("div");
    renderOverview(root, overview([phone]), { others: all, selected: phone.udid, nowSeconds: NOW });
    expect(root.querySelector("#devices-title")?.textContent).toBe("Appareils");
    expect(root.querySelector("#show-preferences")?.textContent).toBe("Préférences");
    expect(root.querySelector(".backup-now")?.textContent).toBe("Sauvegarder maintenant");
    expect(root.querySelector(".backup-now")?.getAttribute("aria-label")).toBe("Sauvegarder maintenant : iPhone de Camille");
    expect(root.querySelector(".show-timeline")?.textContent).toBe("Instantanés");
    expect(root.querySelector(".show-settings")?.textContent).toBe("Réglages");
    expect(root.querySelector(".last-backup")?.textContent).toBe(`Dernière sauvegarde : ${fr(NOW - 3 * DAY)} · La dernière tentative a échoué : la connexion a été perdue`);
    expect(fr(NOW)).toBe("3 déc. 2026, 14:05");
    expect(root.querySelector(".next-backup")?.textContent).toBe(`Prochaine sauvegarde automatique : ${fr(NOW + DAY)} ou plus tard, quand il sera connecté`);
    expect(root.querySelector(".sidebar-device.away .entry-state")?.textContent).toBe("Non connecté · dernière sauvegarde il y a 5 semaines");
    expect(root.querySelector(".sidebar-device.in-sight .entry-state")?.textContent).toBe("Demande votre attention");
    showSpace(root.querySelector(".device-page")!, { ...space, estimated: false });
    expect(root.querySelector(".space-disk")?.textContent).toBe("Espace libre sur le disque : 100 Go.");
    expect(root.querySelector(".space-cleaning")?.textContent).toBe("Le prochain nettoyage supprimerait 2 instantanés et libérerait 1,2 Go.");
  });

  it("follows a backup in French", () => {
    const root = document.createElement("div");
    renderOverview(root, overview([phone]), { selected: phone.udid });
    const page = root.querySelector<HTMLElement>(".device-page")!;
    showProgress(page, { udid: phone.udid, step: "transferring", percent: 42, bytes_received: 4_200_000, files_received: 12_345, bytes_expected: 99_000_000, bytes_per_second: 2_000_000, eta_seconds: 75 }, () => {});
    expect(page.querySelector(".progress-text")?.textContent).toBe("4,2 Mo sur environ 99 Mo · 12\u202f345 fichiers · 2,0 Mo/s · reste 1 min 15 s");
    expect(page.querySelector(".cancel-backup")?.textContent).toBe("Annuler");
    showProgress(page, { udid: phone.udid, step: "enter_passcode", device: phone.name }, () => {});
    expect(page.querySelector(".prompt")?.textContent).toBe("Saisissez votre code sur iPhone de Camille pour que la sauvegarde commence.");
  });

  it("shows a timeline and a snapshot in French, with French dates and sizes", async () => {
    const root = document.createElement("div");
    renderTimeline(root, phone.name, snaps, { open: () => {}, back: () => {}, pin: async (_s, p) => p }, history);
    expect(root.querySelector("#timeline-title")?.textContent).toBe("Instantanés de iPhone de Camille");
    expect(root.querySelector("#back-to-devices")?.textContent).toBe("← Appareils");
    const oldest = root.querySelector<HTMLElement>('.snapshot[data-id="1"]')!;
    expect(oldest.querySelector(".snapshot-time")?.textContent).toBe(fr(snaps[0].time));
    expect(oldest.querySelector(".snapshot-size")?.textContent).toBe("4,2 Go en 12\u202f000 fichiers");
    expect(oldest.querySelector(".snapshot-added")?.textContent).toBe("Première sauvegarde : 4,1 Go");
    expect(oldest.querySelector(".snapshot-pin")?.textContent).toBe("Conservé pour toujours");
    const one = root.querySelector<HTMLElement>('.snapshot[data-id="2"]')!;
    expect(one.querySelector(".snapshot-size")?.textContent).toBe("4,2 Mo en 1 fichier");
    expect(one.querySelector(".snapshot-pin")?.textContent).toBe("Conserver pour toujours");
    expect(root.querySelector("#history-title")?.textContent).toBe("Historique");
    expect(root.querySelector(".history-event .history-text")?.textContent).toBe("Sauvegardé : ajout de 1,2 ko");
    expect(root.querySelector(".axis-label")?.textContent).toMatch(/^\d{1,2} (nov\.|déc\.)( 2026)?$/);

    await renderBrowser(root, phone.name, snaps[2], { contents: async () => contents, folder: async () => [], search: async () => ({ found: [], total: 0 }), extract: async () => ({ files: 0, bytes: 0 }), back: () => {} });
    expect(root.querySelector("#browser-title")?.textContent).toBe(`iPhone de Camille le ${fr(snaps[2].time)}`);
    expect(root.querySelector("label[for=snapshot-search]")?.textContent).toBe("Rechercher dans cet instantané");
    expect(root.querySelector("#snapshot-search")?.getAttribute("placeholder")).toBe("Un fichier, un dossier ou une app");
    expect(root.querySelector('.kind[data-kind="voice_memos"] .kind-name')?.textContent).toBe("Dictaphone");
    expect(root.querySelector(".kind .kind-size")?.textContent).toBe("81 fichiers, 190 Mo");
  });

  it("asks the wizard's questions in French", () => {
    const root = document.createElement("div");
    const settings = { udid: phone.udid, name: phone.name, model: phone.model, remember_password: true, location: null, snapshots: true, auto_delete: true, retention: "1m" as const, ask_first: true, auto_backup: true, schedule: "daily" as const, window: null, wifi: true, confirmed: false };
    renderWizard(root, phone.name, initialValues(settings, locations, false), locations, true, { addLocation: async () => locations, finish: async () => null, cancel: () => {} }, "location");
    expect(root.querySelector("#wizard-title")?.textContent).toBe("Configurer les sauvegardes de iPhone de Camille");
    expect(root.querySelector("legend")?.textContent).toBe("Étape 2 sur 3 : Emplacement de sauvegarde");
    expect(root.querySelector("label[for=location-0]")?.textContent).toBe("/media/camille/Sauvegardes — 100 Go libres sur 500 Go (par défaut)");
    expect(root.querySelector("#wizard-cancel")?.textContent).toBe("Annuler");
  });
});
