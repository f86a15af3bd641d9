// The app's controller: which view shows, what it asks Rust, and the live events.
import * as api from "./api";
import type { DeviceRow, Overview } from "./api";
import { button, bytes, el } from "./dom";
import { setLanguage, t } from "./i18n";
import { renderError, renderOverview, showBackupResult, showOffsiteProgress, showOffsiteResult, showProgress, showRecoveryKey, showSpace, type DeviceActions, type DeviceRef } from "./views/devices";
import { markSidebar, renderShell, renderSidebar, showSidebarProgress, sidebarEntries, type Marked } from "./views/sidebar";
import { initialValues, renderWizard, settingsFrom, type WizardValues } from "./views/wizard";
import { renderBrowser, renderComparison, renderTimeline } from "./views/snapshots";
import { renderPreferences } from "./views/preferences";

const root = document.getElementById("app")!;
let current: "devices" | "other" = "devices";
let overview: Overview | null = null;
/** Counts the screens shown, so a slow answer for a screen already left is dropped. */
let screens = 0;
/** The last message for a device's finished or failed backup, kept across re-renders. */
const results = new Map<string, { message: string; failed: boolean }>();
const latestProgress = new Map<string, api.ProgressEvent>();
/** Each device's copy offsite on its way, and how the last one ended, until the page is seen. */
const offsiteProgress = new Map<string, api.OffsiteProgress>();
const offsiteResults = new Map<string, { message: string; failed: boolean }>();
/** Recovery keys of locations a backup just set up, shown in the device's row until kept. */
const recoveryKeys = new Map<string, { key: string; repository: string }>();
let allBackups: api.AllBackups = { devices: [], locked: [] };
/** The device the person chose in the sidebar (or the only one, chosen for them), if any. */
let selected: string | null = null;
/** What the sidebar marks: the device whose page, snapshots or settings show, or the preferences. */
let marked: Marked = null;
/** Run when the person leaves the screen shown through the sidebar rather than its own buttons
 * (the first-backup wizard lets the automatic backups go on again). */
let leaving: (() => void) | null = null;
/** The last space chart of each device, shown at once while a fresh one is asked for. */
const spaces = new Map<string, api.DeviceSpace>();

const view = () => root.querySelector<HTMLElement>("#view")!;
const nav = () => root.querySelector<HTMLElement>("#sidebar");
/** The page of the device, when it shows (the sidebar's entries are not `.device`). */
const pageOf = (udid: string) => Array.from(view().querySelectorAll<HTMLElement>(".device")).find((r) => r.dataset.udid === udid) ?? null;
/** The page of the device in sight, with its backup's progress and result. */
const rowOf = (udid: string) => {
  const page = pageOf(udid);
  return page && !page.classList.contains("other-device") ? page : null;
};

/** Leaves the screen shown for another one the person chose in the sidebar. */
function leaveScreen(): void {
  const l = leaving;
  leaving = null;
  l?.();
}

/** What the sidebar's entries do. */
const sidebarHandlers = {
  select: (udid: string) => {
    // chosen from the home pane's tiles, whose pane goes: the focus goes to its sidebar entry
    const fromPane = view().contains(document.activeElement);
    leaveScreen();
    selected = udid;
    void showDevices().then(() => {
      if (fromPane) Array.from(nav()?.querySelectorAll<HTMLElement>(".sidebar-device") ?? []).find((b) => b.dataset.udid === udid)?.focus();
    });
  },
  preferences: () => {
    leaveScreen();
    void showPreferences();
  },
};

/** Draws the sidebar again from what is known (for the screens other than the devices'), and
 * marks `to` as the screen shown. */
function drawSidebar(to: Marked = marked): void {
  marked = to;
  if (!overview) return;
  const { nav } = renderShell(root);
  renderSidebar(nav, overview.app, sidebarEntries(overview, allBackups), marked, sidebarHandlers, latestProgress);
}

/** Marks the screen shown in the sidebar, the focus staying where it is. */
function mark(to: Marked): void {
  marked = to;
  const n = nav();
  if (n) markSidebar(n, to);
}

/** While another screen shows, the sidebar still follows the devices: one coming or going, a
 * backup ending. */
async function refreshSidebar(): Promise<void> {
  let next: Overview, all: api.AllBackups;
  try {
    [next, all] = await Promise.all([api.fetchOverview(), api.fetchAllBackups().catch(() => allBackups)]);
  } catch {
    return; // the devices screen says what went wrong when the person goes back to it
  }
  if (current === "devices") return; // back there meanwhile: it reads them itself
  overview = next;
  allBackups = all;
  drawSidebar();
}

/** Asks for the space chart of the device page shown, after the page: a slow disk does not hold
 * the page up, and an answer for a page already left is dropped. */
function loadSpace(udid: string): void {
  const page = pageOf(udid);
  const hasBackups = allBackups.devices.some((b) => b.udid === udid) || overview?.devices.some((d) => d.udid === udid && d.last_success !== null);
  if (!page || !hasBackups) return;
  const screen = screens;
  const known = spaces.get(udid);
  if (known) showSpace(page, known);
  api.fetchSpace(udid).then(
    (space) => {
      if (space) spaces.set(udid, space);
      else spaces.delete(udid);
      if (screen === screens && page.isConnected) showSpace(page, space);
    },
    (e) => console.warn("space", e),
  );
}

/** Shows the Devices view; `onlyIfChanged` (device events) leaves an unchanged list alone, so
 * focus and the elements under the person's pointer stay put. */
async function showDevices(onlyIfChanged = false): Promise<void> {
  current = "devices";
  if (!onlyIfChanged) screens++;
  let next: Overview;
  let all: api.AllBackups;
  try {
    // the backups of devices not in sight come from the disks: a slow one must not fail the list
    [next, all] = await Promise.all([api.fetchOverview(), api.fetchAllBackups().catch(() => allBackups)]);
  } catch (e) {
    renderError(root, api.errorMessage(e));
    return;
  }
  if (current !== "devices") return;
  const same =
    JSON.stringify(next) === JSON.stringify(overview) && JSON.stringify(all) === JSON.stringify(allBackups) && root.querySelector("#view > .device-page, #view > #home");
  overview = next;
  allBackups = all;
  if (onlyIfChanged && same) return;
  const shown = renderOverview(root, overview, {
    actions,
    others: allBackups,
    selected,
    select: sidebarHandlers.select,
    preferences: sidebarHandlers.preferences,
    progress: latestProgress,
  });
  // the only device, shown without being chosen, stays shown when a second one comes
  selected = shown;
  marked = shown ? { udid: shown } : null;
  if (shown) loadSpace(shown);
  for (const [udid, e] of latestProgress) {
    const row = rowOf(udid);
    if (row) showProgress(row, e, () => void api.cancelBackup(udid));
  }
  for (const [udid, r] of results) {
    const row = rowOf(udid);
    if (row && !latestProgress.has(udid)) showBackupResult(row, r.message, r.failed);
  }
  for (const [udid, e] of offsiteProgress) {
    const row = rowOf(udid);
    if (row) showOffsiteProgress(row, e);
  }
  for (const [udid, r] of offsiteResults) {
    const row = rowOf(udid);
    if (row && !offsiteProgress.has(udid)) showOffsiteResult(row, r.message, r.failed);
  }
  for (const [udid, k] of recoveryKeys) {
    const row = rowOf(udid);
    if (!row) continue;
    showRecoveryKey(row, k.key, {
      save: async () => {
        const folder = await api.pickFolder(t("pick-recovery-key-folder"));
        return folder ? api.saveRecoveryKey(folder, k.repository, k.key) : null;
      },
      print: () => window.print(),
      done: () => {
        recoveryKeys.delete(udid);
        row.querySelector(".recovery-key")?.remove();
      },
    });
  }
}

async function backUp(d: DeviceRow): Promise<void> {
  results.delete(d.udid);
  const started: api.ProgressEvent = { udid: d.udid, step: "started", device: d.name };
  latestProgress.set(d.udid, started);
  const row = rowOf(d.udid);
  if (row) showProgress(row, started, () => void api.cancelBackup(d.udid));
  let result: { message: string; failed: boolean };
  try {
    const done = await api.backUp(d.udid);
    if (done.recovery_key) recoveryKeys.set(d.udid, { key: done.recovery_key, repository: done.repository });
    // the result's sentence, then what the cleaning did or asks, then a word on the space
    const sentences = [
      t("result-backed-up", { device: d.name, received: bytes(done.bytes_received), files: done.files_received, added: bytes(done.snapshot.added_bytes) }),
      done.cleaning?.outcome === "deleted" ? t("result-cleaning-deleted", { count: done.cleaning.snapshots.length, freed: bytes(done.cleaning.freed_bytes) }) : null,
      done.cleaning?.outcome === "asked" ? t("result-cleaning-asked") : null,
      done.kept_as_sent ? t("result-kept-as-sent", { reason: done.kept_as_sent }) : null,
    ];
    result = { message: sentences.filter((s) => s !== null).join(" "), failed: false };
  } catch (e) {
    if (api.errorKind(e) === "not_confirmed" || api.errorKind(e) === "no_location") {
      latestProgress.delete(d.udid);
      return showWizard(d, true);
    }
    result = { message: api.errorMessage(e), failed: true };
  }
  latestProgress.delete(d.udid);
  results.set(d.udid, result);
  if (current === "devices") await showDevices();
  else await refreshSidebar();
}

/** The wizard; `resume` comes back to it (from the location preferences) with what was chosen. */
async function showWizard(d: DeviceRow, first: boolean, resume?: WizardValues): Promise<void> {
  current = "other";
  const screen = ++screens;
  const main = view();
  selected = d.udid;
  mark({ udid: d.udid });
  // The first backup is the one this wizard starts: the app's automatic backups wait for it.
  if (first) void api.holdAutomaticBackups(d.udid, true);
  const release = () => {
    if (first) void api.holdAutomaticBackups(d.udid, false);
  };
  leaving = release;
  const leave = () => {
    leaving = null;
    release();
    void showDevices();
  };
  // Asking the device needs its trust: an untrusted one shows its "Trust this computer?" now.
  const asking = d.paired ? t("wizard-asking", { device: d.name }) : t("wizard-asking-untrusted", { device: d.name });
  main.replaceChildren(
    el("div", { id: "wizard-loading", class: "empty", role: "status" }, el("p", {}, asking), button(t("wizard-loading-cancel"), { id: "wizard-loading-cancel" }, leave)),
  );
  main.querySelector<HTMLElement>("#wizard-loading-cancel")?.focus();
  let settings: api.DeviceSettings, locations: api.LocationStatus[];
  let encrypted = false;
  try {
    [settings, locations] = await Promise.all([api.deviceSettings(d), api.fetchLocations()]);
    encrypted = resume ? resume.alreadyEncrypted : (await api.encryptionStatus(d.udid)).encrypted;
  } catch (e) {
    if (screen !== screens) return; // the person went elsewhere meanwhile
    results.set(d.udid, { message: api.errorMessage(e), failed: true });
    return leave();
  }
  if (screen !== screens) return;
  const values = resume ?? initialValues(settings, locations, encrypted);
  renderWizard(main, d.name, values, locations, first, {
    addLocation: api.addLocation,
    pickFolder: () => api.pickFolder(t("pick-location-folder")),
    cancel: leave,
    locationPreferences: (v) => void showPreferences({ label: t("wizard-back-label", { device: d.name }), to: () => void showWizard(d, first, v) }),
    finish: async (v) => {
      if (!v.alreadyEncrypted && v.encrypt) await api.changeEncryption(d.udid, null, v.password, v.remember);
      if (v.alreadyEncrypted && v.encryption === "change") await api.changeEncryption(d.udid, v.current, v.password, v.remember);
      if (v.alreadyEncrypted && v.encryption === "off") await api.changeEncryption(d.udid, v.current, null, false);
      await api.saveDeviceSettings(settingsFrom(settings, v), true);
      // a new location is set up now, so its recovery key is shown here, before the backup
      const key = v.location ? await api.setUpLocation(v.location, v.ownPassword ? v.storePassword : null) : null;
      if (key) return key;
      await afterWizard();
    },
    done: () => void afterWizard(),
    saveKey: async (key) => {
      const folder = await api.pickFolder(t("pick-recovery-key-folder"));
      return folder && values.location ? api.saveRecoveryKey(folder, values.location, key) : null;
    },
    printKey: () => window.print(),
  }, resume ? "location" : "encryption");
  async function afterWizard(): Promise<void> {
    leaving = null;
    await showDevices();
    if (first) {
      const fresh = overview?.devices.find((x) => x.udid === d.udid) ?? d;
      void backUp(fresh);
    }
  }
}

async function showTimeline(d: DeviceRef): Promise<void> {
  current = "other";
  const screen = ++screens;
  selected = d.udid;
  mark({ udid: d.udid });
  try {
    const [snapshots, history] = await Promise.all([
      api.fetchTimeline(d.udid),
      api.fetchHistory(d.udid).catch((e) => {
        console.warn("history", e);
        return [];
      }),
    ]);
    if (screen !== screens) return; // the person went elsewhere meanwhile
    renderTimeline(view(), d.name, snapshots, {
      back: () => void showDevices(),
      open: (s) => {
        void renderBrowser(view(), d.name, s, {
          contents: (password) => api.snapshotContents(d.udid, s.id, password),
          folder: (domain, folder) => api.snapshotFolder(d.udid, s.id, domain, folder),
          search: (text) => api.searchSnapshot(d.udid, s.id, text),
          extract: (domain, path, target) => api.extract(d.udid, s.id, domain, path, target),
          exportTo: (target, progress) => withTransfer(d.udid, s.id, (e) => e.bytes !== null && progress(e.bytes), () => api.exportSnapshot(d.udid, s.id, target)),
          restore: (password, onto, progress) =>
            withTransfer(d.udid, s.id, (e) => e.percent !== null && progress(e.percent), () => api.restoreSnapshot(d.udid, s.id, password, onto || null)),
          // any device in sight: one not trusted yet shows its "Trust this computer?" when asked
          targets: () => ({ own: d.udid, devices: (overview?.devices ?? []).map((x) => ({ udid: x.udid, name: x.name })) }),
          pickFolder: () => api.pickFolder(t("pick-extract-folder")),
          back: () => void showTimeline(d),
        });
      },
      pin: (s, pinned) => api.setPinned(d.udid, s.id, pinned),
      space: () => api.fetchSpace(d.udid),
      // a weekly device is not late after two days
      gapSeconds: overview?.devices.find((x) => x.udid === d.udid)?.schedule === "weekly" ? 8 * 86_400 : undefined,
      convert: (password, progress) => withTransfer(d.udid, 0, (e) => e.step === "convert" && e.bytes !== null && progress(e.bytes), () => api.convertSnapshots(d.udid, password)),
      compare: (older, newer) => {
        void renderComparison(view(), d.name, snapshots, older, newer, {
          diff: (a, b, password) => api.compareSnapshots(d.udid, a, b, password),
          back: () => void showTimeline(d),
        });
      },
    }, history);
    // the focus goes into the new screen, unless the person is in the sidebar, choosing
    if (!nav()?.contains(document.activeElement)) view().querySelector<HTMLElement>(".snapshot-open, #back-to-devices")?.focus();
  } catch (e) {
    results.set(d.udid, { message: api.errorMessage(e), failed: true });
    if (screen === screens) await showDevices();
  }
}

/** The preferences; `back` returns somewhere else than the devices (the wizard). */
/** Runs an export or restore of one snapshot, handing its progress events to `progress`. */
async function withTransfer<T>(udid: string, snapshot: number, progress: (e: api.TransferProgress) => void, work: () => Promise<T>): Promise<T> {
  const stop = await api.onTransferProgress((e) => {
    if (e.udid === udid && e.snapshot === snapshot) progress(e);
  });
  try {
    return await work();
  } finally {
    stop();
  }
}

async function showPreferences(back?: { label: string; to: () => void }): Promise<void> {
  current = "other";
  const screen = ++screens;
  mark("preferences");
  try {
    const [locations, autostart, found] = await Promise.all([api.fetchLocations(), api.autostartEnabled(), api.disksWithBackups().catch(() => [])]);
    if (screen !== screens) return; // the person went elsewhere meanwhile
    renderPreferences(view(), locations, {
      add: api.addLocation,
      found,
      // the devices backed up there join the sidebar at once
      openBackups: async (path, secret) => {
        const opened = await api.openBackups(path, secret);
        void refreshSidebar();
        return opened;
      },
      recoveryKey: api.locationRecoveryKey,
      verify: async (path, progress) => {
        const stop = await api.onVerifyProgress((e) => {
          if (e.location === path || e.location.replace(/\/$/, "") === path.replace(/\/$/, "")) progress(e.bytes, e.total);
        });
        try {
          return await api.verifyLocation(path);
        } finally {
          stop();
        }
      },
      importBackup: api.importBackup,
      makeDefault: api.setDefaultLocation,
      remove: api.removeLocation,
      pickFolder: () => api.pickFolder(t("pick-new-location-folder")),
      setAutostart: api.setAutostart,
      back: back?.to ?? (() => void showDevices()),
      backLabel: back?.label,
    }, autostart);
    view().querySelector<HTMLElement>("#back-to-devices, #back-to-wizard")?.focus();
  } catch (e) {
    renderError(root, api.errorMessage(e));
  }
}

const actions: DeviceActions = {
  backUp: (d) => (d.confirmed ? void backUp(d) : void showWizard(d, true)),
  cancel: (d) => void api.cancelBackup(d.udid),
  settings: (d) => void showWizard(d, false),
  timeline: (d) => void showTimeline(d),
  answerCleaning: async (d, remove) => {
    const row = rowOf(d.udid);
    row?.querySelector(".cleaning")?.remove();
    if (row) showBackupResult(row, remove ? t("result-cleaning-deleting") : t("result-cleaning-keeping"), false);
    try {
      const outcome = await api.answerCleaning(d.udid, remove);
      // Yes, but what it named was pinned since: nothing went.
      const deleted = outcome?.outcome === "deleted" ? outcome.snapshots.length : 0;
      const message = !remove ? t("result-cleaning-kept") : deleted === 0 ? t("result-cleaning-nothing-deleted") : t("result-cleaning-done");
      results.set(d.udid, { message, failed: false });
    } catch (e) {
      results.set(d.udid, { message: api.errorMessage(e), failed: true });
    }
    await showDevices();
  },
  saveOffsite: async (d, v) => {
    try {
      await api.setOffsite(d.udid, v);
    } catch (e) {
      return api.errorMessage(e);
    }
    offsiteResults.set(d.udid, { message: t("result-offsite-saved"), failed: false });
    await showDevices();
    rowOf(d.udid)?.querySelector<HTMLElement>(".offsite-change")?.focus();
    return null;
  },
  removeOffsite: async (d) => {
    try {
      await api.removeOffsite(d.udid);
      offsiteResults.set(d.udid, { message: t("result-offsite-removed"), failed: false });
    } catch (e) {
      offsiteResults.set(d.udid, { message: api.errorMessage(e), failed: true });
    }
    await showDevices();
  },
  copyOffsite: (d) => {
    offsiteResults.set(d.udid, { message: t("result-offsite-copying"), failed: false });
    const row = rowOf(d.udid);
    if (row) showOffsiteResult(row, t("result-offsite-copying"), false);
    // its end comes as an `offsite-done` event, as the agent's and a backup's copies do
    api.copyOffsiteNow(d.udid).catch((e) => {
      offsiteResults.set(d.udid, { message: api.errorMessage(e), failed: true });
      void showDevices();
    });
  },
  letGo: async (d, kept) => {
    try {
      await api.setPinned(d.udid, kept, false);
      results.set(d.udid, { message: t("result-let-go"), failed: false });
    } catch (e) {
      results.set(d.udid, { message: api.errorMessage(e), failed: true });
    }
    await showDevices();
  },
};

void api.onBackupProgress((e) => {
  latestProgress.set(e.udid, e);
  const row = current === "devices" ? rowOf(e.udid) : null;
  if (row) showProgress(row, e, () => void api.cancelBackup(e.udid));
  sidebarProgress(e.udid, e);
});
void api.onOffsiteProgress((e) => {
  offsiteProgress.set(e.udid, e);
  const row = current === "devices" ? rowOf(e.udid) : null;
  if (row) showOffsiteProgress(row, e);
});
void api.onOffsiteDone((e) => {
  offsiteProgress.delete(e.udid);
  offsiteResults.set(e.udid, { message: e.message, failed: e.failed });
  if (current !== "devices") return;
  const row = rowOf(e.udid);
  if (row) showOffsiteResult(row, e.message, e.failed);
  void showDevices(true);
});
/** A device's state line in the sidebar, after its backup's progress changed. */
function sidebarProgress(udid: string, e: api.ProgressEvent | null): void {
  const entry = overview ? sidebarEntries(overview, allBackups).find((x) => x.udid === udid) : undefined;
  const n = nav();
  if (entry && n) showSidebarProgress(n, entry, e);
}

void api.onAgentBackup((e) => {
  latestProgress.delete(e.udid);
  results.set(e.udid, { message: e.message, failed: e.failed });
  sidebarProgress(e.udid, null);
  if (current !== "devices") return void refreshSidebar();
  // The row's result changes where it is: a backup "Back up now" waited for (the agent's, when
  // it started first) has shown its result already, and redrawing the whole view would take
  // the focus from wherever the person had moved it since. The rest follows if it changed.
  const row = rowOf(e.udid);
  if (row && row.querySelector(".backup-now")) showBackupResult(row, e.message, e.failed);
  void showDevices(row !== null);
});
/** A desktop notification was clicked: the screen that answers it opens, whatever showed. */
async function openScreen(s: api.NoticeScreen): Promise<void> {
  leaveScreen();
  if (!overview) await showDevices();
  const inSight = overview?.devices.find((d) => d.udid === s.udid);
  const away = allBackups.devices.find((b) => b.udid === s.udid);
  const name = inSight?.name ?? (away?.name || s.udid);
  if (s.screen === "timeline") return showTimeline({ udid: s.udid, name });
  if (s.screen === "settings" && inSight?.confirmed) return showWizard(inSight, false);
  selected = s.udid;
  await showDevices();
}
void api.onOpenScreen((s) => void openScreen(s));
void api.onDevicesChanged(() => {
  if (current === "devices") void showDevices(true);
  else void refreshSidebar();
});

/** The interface speaks the OS's language (English unless it is French), told before the first
 * screen; English when Rust cannot say. */
async function start(): Promise<void> {
  const tag = await api.fetchLanguage().catch(() => "en");
  setLanguage(tag === "fr" ? "fr" : "en");
  document.documentElement.lang = tag === "fr" ? "fr" : "en";
  // an event may have drawn a screen meanwhile: the frame goes too, so it is drawn in the language
  root.replaceChildren();
  await showDevices();
}
void start();
