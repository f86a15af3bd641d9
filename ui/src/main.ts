// The app's controller: which view shows, what it asks Rust, and the live events.
import * as api from "./api";
import type { DeviceRow, Overview } from "./api";
import { button, bytes, el } from "./dom";
import { renderError, renderOverview, showBackupResult, showProgress, showRecoveryKey, type DeviceActions, type DeviceRef } from "./views/devices";
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
/** Recovery keys of locations a backup just set up, shown in the device's row until kept. */
const recoveryKeys = new Map<string, { key: string; repository: string }>();
let allBackups: api.AllBackups = { devices: [], locked: [] };

const view = () => root.querySelector<HTMLElement>("#view")!;
const rowOf = (udid: string) => Array.from(root.querySelectorAll<HTMLElement>(".device")).find((r) => r.dataset.udid === udid) ?? null;

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
    JSON.stringify(next) === JSON.stringify(overview) && JSON.stringify(all) === JSON.stringify(allBackups) && root.querySelector("#devices-title");
  overview = next;
  allBackups = all;
  if (onlyIfChanged && same) return;
  renderOverview(root, overview, actions, () => void showPreferences(), allBackups);
  for (const [udid, e] of latestProgress) {
    const row = rowOf(udid);
    if (row) showProgress(row, e, () => void api.cancelBackup(udid));
  }
  for (const [udid, r] of results) {
    const row = rowOf(udid);
    if (row && !latestProgress.has(udid)) showBackupResult(row, r.message, r.failed);
  }
  for (const [udid, k] of recoveryKeys) {
    const row = rowOf(udid);
    if (!row) continue;
    showRecoveryKey(row, k.key, {
      save: async () => {
        const folder = await api.pickFolder("Save the recovery key in this folder");
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
    const asked = done.cleaning?.outcome === "asked" ? " Older snapshots take too much space: Keepsake asks before deleting them." : "";
    const deleted = done.cleaning?.outcome === "deleted" ? ` ${done.cleaning.snapshots.length} old snapshot(s) deleted, ${bytes(done.cleaning.freed_bytes)} freed.` : "";
    const asSent = done.kept_as_sent
      ? ` Its encrypted files were kept as the phone sent them (${done.kept_as_sent}), which takes about twice the space: let this computer remember the backup password to save space.`
      : "";
    result = { message: `Backed up ${d.name}: ${bytes(done.bytes_received)} in ${done.files_received} files; the snapshot added ${bytes(done.snapshot.added_bytes)}.${deleted}${asked}${asSent}`, failed: false };
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
}

/** The wizard; `resume` comes back to it (from the location preferences) with what was chosen. */
async function showWizard(d: DeviceRow, first: boolean, resume?: WizardValues): Promise<void> {
  current = "other";
  const screen = ++screens;
  const main = view();
  // The first backup is the one this wizard starts: the app's automatic backups wait for it.
  if (first) void api.holdAutomaticBackups(d.udid, true);
  const leave = () => {
    if (first) void api.holdAutomaticBackups(d.udid, false);
    void showDevices();
  };
  // Asking the device needs its trust: an untrusted one shows its "Trust this computer?" now.
  const asking = d.paired
    ? `Asking ${d.name} about its backups…`
    : `Unlock ${d.name} and tap Trust on it: Keepsake needs to ask it about its backups.`;
  main.replaceChildren(
    el("div", { id: "wizard-loading", class: "empty", role: "status" }, el("p", {}, asking), button("Cancel", { id: "wizard-loading-cancel" }, leave)),
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
    pickFolder: () => api.pickFolder("Choose where the snapshots go"),
    cancel: leave,
    locationPreferences: (v) => void showPreferences({ label: `Settings of ${d.name}`, to: () => void showWizard(d, first, v) }),
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
      const folder = await api.pickFolder("Save the recovery key in this folder");
      return folder && values.location ? api.saveRecoveryKey(folder, values.location, key) : null;
    },
    printKey: () => window.print(),
  }, resume ? "location" : "encryption");
  async function afterWizard(): Promise<void> {
    await showDevices();
    if (first) {
      const fresh = overview?.devices.find((x) => x.udid === d.udid) ?? d;
      void backUp(fresh);
    }
  }
}

async function showTimeline(d: DeviceRef): Promise<void> {
  current = "other";
  try {
    const [snapshots, history] = await Promise.all([
      api.fetchTimeline(d.udid),
      api.fetchHistory(d.udid).catch((e) => {
        console.warn("history", e);
        return [];
      }),
    ]);
    renderTimeline(view(), d.name, snapshots, {
      back: () => void showDevices(),
      open: (s) => {
        void renderBrowser(view(), d.name, s, {
          domains: (password) => api.snapshotDomains(d.udid, s.id, password),
          folder: (domain, folder) => api.snapshotFolder(d.udid, s.id, domain, folder),
          extract: (domain, path, target) => api.extract(d.udid, s.id, domain, path, target),
          exportTo: (target, progress) => withTransfer(d.udid, s.id, (e) => e.bytes !== null && progress(e.bytes), () => api.exportSnapshot(d.udid, s.id, target)),
          restore: (password, onto, progress) =>
            withTransfer(d.udid, s.id, (e) => e.percent !== null && progress(e.percent), () => api.restoreSnapshot(d.udid, s.id, password, onto || null)),
          // any device in sight: one not trusted yet shows its "Trust this computer?" when asked
          targets: () => ({ own: d.udid, devices: (overview?.devices ?? []).map((x) => ({ udid: x.udid, name: x.name })) }),
          pickFolder: () => api.pickFolder("Extract into this folder"),
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
    view().querySelector<HTMLElement>(".snapshot-open, #back-to-devices")?.focus();
  } catch (e) {
    results.set(d.udid, { message: api.errorMessage(e), failed: true });
    await showDevices();
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
  try {
    const [locations, autostart, found] = await Promise.all([api.fetchLocations(), api.autostartEnabled(), api.disksWithBackups().catch(() => [])]);
    renderPreferences(view(), locations, {
      add: api.addLocation,
      found,
      openBackups: api.openBackups,
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
      pickFolder: () => api.pickFolder("Add a backup location"),
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
    if (row) showBackupResult(row, remove ? "Deleting the older snapshots…" : "Keeping all snapshots…", false);
    try {
      const outcome = await api.answerCleaning(d.udid, remove);
      // Yes, but what it named was pinned since: nothing went.
      const deleted = outcome?.outcome === "deleted" ? outcome.snapshots.length : 0;
      const message = !remove
        ? "All snapshots were kept."
        : deleted === 0
          ? "Nothing was deleted: the snapshots it named are kept forever now."
          : "The older snapshots were deleted.";
      results.set(d.udid, { message, failed: false });
    } catch (e) {
      results.set(d.udid, { message: api.errorMessage(e), failed: true });
    }
    await showDevices();
  },
  letGo: async (d, kept) => {
    try {
      await api.setPinned(d.udid, kept, false);
      results.set(d.udid, { message: "The snapshot kept for them is no longer kept forever.", failed: false });
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
});
void api.onAgentBackup((e) => {
  latestProgress.delete(e.udid);
  results.set(e.udid, { message: e.message, failed: e.failed });
  if (current !== "devices") return;
  // The row's result changes where it is: a backup "Back up now" waited for (the agent's, when
  // it started first) has shown its result already, and redrawing the whole view would take
  // the focus from wherever the person had moved it since. The rest follows if it changed.
  const row = rowOf(e.udid);
  if (row && row.querySelector(".backup-now")) showBackupResult(row, e.message, e.failed);
  void showDevices(row !== null);
});
void api.onDevicesChanged(() => {
  if (current === "devices") void showDevices(true);
});
void showDevices();
