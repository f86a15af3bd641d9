// The first-backup wizard (and, later, a device's backup settings): encryption, location,
// snapshots and automatic backups, three steps, each validated before the next.
import type { DeviceSettings, LocationStatus, RetentionAge, Schedule } from "../api";
import { button, bytes, el, field } from "../dom";

/** The settings the wizard edits as they are saved, plus the encryption step's own fields. */
type Chosen = "location" | "snapshots" | "auto_delete" | "retention" | "ask_first" | "auto_backup" | "schedule" | "window" | "wifi";
export interface WizardValues extends Pick<DeviceSettings, Chosen> {
  encrypt: boolean;
  /** The device already encrypts its backups: no new password is asked for, unless the person
   * changes it or turns encryption off (`encryption`), which needs the current one. */
  alreadyEncrypted: boolean;
  encryption: "keep" | "change" | "off";
  current: string;
  password: string;
  confirm: string;
  remember: boolean;
  /** A new location's snapshots also open with a password the person chooses. */
  ownPassword: boolean;
  storePassword: string;
  storeConfirm: string;
}

export const STEPS = [
  { id: "encryption", title: "Encryption" },
  { id: "location", title: "Backup location" },
  { id: "snapshots", title: "Snapshots and automatic backups" },
] as const;
export type StepId = (typeof STEPS)[number]["id"];

const RETENTION: [RetentionAge, string][] = [
  ["1w", "1 week"], ["2w", "2 weeks"], ["1m", "1 month"], ["3m", "3 months"], ["6m", "6 months"], ["1y", "1 year"],
];

/** The backup windows offered: any time, at night, and one set elsewhere (the CLI), if any. */
export function windowChoices(current: string | null): [string, string][] {
  const choices: [string, string][] = [["any", "At any time of day"], ["20:00-06:00", "At night (20:00–06:00)"]];
  if (current && !choices.some(([v]) => v === current)) choices.push([current, `Between ${current.replace("-", " and ")}`]);
  return choices;
}

/** What keeps the person on `step`: empty when they may go on. */
export function validateStep(step: StepId, v: WizardValues): string[] {
  const problems: string[] = [];
  if (step === "encryption" && v.alreadyEncrypted && v.encryption !== "keep" && v.current === "") {
    problems.push("Type the current backup password: the device asks for it.");
  }
  const newPassword = v.alreadyEncrypted ? v.encryption === "change" : v.encrypt;
  if (step === "encryption" && newPassword) {
    if (v.password === "") problems.push(v.alreadyEncrypted ? "Choose the new password." : "Choose a password for the backups.");
    else if (v.password !== v.confirm) problems.push("The passwords do not match: type the same password twice.");
  }
  if (step === "location" && !v.location) problems.push("Choose where the snapshots go, or add a folder or disk.");
  if (step === "location" && v.ownPassword) {
    if (v.storePassword === "") problems.push("Choose the snapshots' password, or untick it.");
    else if (v.storePassword !== v.storeConfirm) problems.push("The snapshots' passwords do not match: type the same password twice.");
  }
  return problems;
}

/** Every step's problems, for the final check before saving. */
export function validateWizard(v: WizardValues): string[] {
  return STEPS.flatMap((s) => validateStep(s.id, v));
}

/** The wizard's starting values: the device's settings, the default location if it has none. */
export function initialValues(s: DeviceSettings, locations: LocationStatus[], alreadyEncrypted: boolean): WizardValues {
  const fallback = locations.find((l) => l.is_default && l.present) ?? locations.find((l) => l.present);
  return {
    // recommended for a first backup; afterwards, as the device has it
    encrypt: s.confirmed ? alreadyEncrypted : true,
    alreadyEncrypted,
    encryption: "keep",
    current: "",
    password: "",
    confirm: "",
    remember: s.confirmed ? s.remember_password : true,
    ownPassword: false,
    storePassword: "",
    storeConfirm: "",
    location: s.location ?? fallback?.path ?? null,
    snapshots: s.snapshots,
    auto_delete: s.auto_delete,
    retention: s.retention,
    ask_first: s.ask_first,
    auto_backup: s.auto_backup,
    schedule: s.schedule,
    window: s.window,
    wifi: s.wifi,
  };
}

/** The settings to save from the wizard's values. */
export function settingsFrom(s: DeviceSettings, v: WizardValues): DeviceSettings {
  const { location, snapshots, auto_delete, retention, ask_first, auto_backup, schedule, window, wifi } = v;
  const encrypted = v.alreadyEncrypted ? v.encryption !== "off" : v.encrypt;
  return { ...s, remember_password: encrypted && v.remember, location, snapshots, auto_delete, retention, ask_first, auto_backup, schedule, window, wifi };
}

export interface WizardHandlers {
  addLocation(path: string): Promise<LocationStatus[]>;
  /** The system's folder picker, where there is one. */
  pickFolder?(): Promise<string | null>;
  /** Saves the settings and sets a new location up; resolves to its recovery key when the
   * location was new (the wizard then shows it before anything else), else `null`. */
  finish(values: WizardValues): Promise<string | null | void>;
  /** After the recovery key was kept: starts the first backup or goes back to the devices. */
  done?(): void;
  /** Saves the recovery key as a file; resolves to its path, `null` when cancelled. */
  saveKey?(key: string): Promise<string | null>;
  printKey?(): void;
  cancel(): void;
  /** Opens the location preferences; the wizard comes back to its location step after. */
  locationPreferences?(values: WizardValues): void;
}

function checkbox(id: string, checked: boolean, onChange: (on: boolean) => void): HTMLInputElement {
  const box = el("input", { type: "checkbox", id, checked });
  box.addEventListener("change", () => onChange(box.checked));
  return box;
}

function text(id: string, type: string, value: string, onInput: (v: string) => void): HTMLInputElement {
  const input = el("input", { type, id, autocomplete: type === "password" ? "new-password" : "off" });
  input.value = value;
  input.addEventListener("input", () => onInput(input.value));
  return input;
}

function select<T extends string>(id: string, options: [T, string][], value: T, onChange: (v: T) => void): HTMLSelectElement {
  const s = el("select", { id }, ...options.map(([v, label]) => el("option", { value: v, selected: v === value }, label)));
  s.addEventListener("change", () => onChange(s.value as T));
  return s;
}

function locationLabel(l: LocationStatus): string {
  if (!l.present) return `${l.path} — not connected`;
  const free = l.free_bytes !== null ? `${bytes(l.free_bytes)} free` : "free space unknown";
  const total = l.total_bytes !== null ? ` of ${bytes(l.total_bytes)}` : "";
  return `${l.path} — ${free}${total}${l.is_default ? " (default)" : ""}`;
}

/**
 * Renders the wizard into `root`; `first` says it is the device's first backup (the last button
 * then starts it).
 */
export function renderWizard(
  root: HTMLElement,
  deviceName: string,
  values: WizardValues,
  initialLocations: LocationStatus[],
  first: boolean,
  handlers: WizardHandlers,
  startAt: StepId = "encryption",
): void {
  let step = STEPS.findIndex((x) => x.id === startAt);
  let locations = initialLocations;
  let problems: string[] = [];
  let busy = false;

  const lostWarning = () => el("p", { class: "warning", role: "note" }, "If you lose this password, nobody can open these snapshots: not you, not Keepsake, not Apple. Write it down somewhere safe.");
  const remember = () => el("div", { class: "check" }, checkbox("remember", values.remember, (on) => (values.remember = on)), el("label", { for: "remember" }, "Remember the password on this computer"));

  const encryptionStep = (): HTMLElement[] => {
    if (values.alreadyEncrypted) {
      const choice = (value: WizardValues["encryption"], label: string) => {
        const radio = el("input", { type: "radio", name: "encryption", id: `encryption-${value}`, value, checked: values.encryption === value });
        radio.addEventListener("change", () => { values.encryption = value; problems = []; draw(); });
        return el("div", { class: "check" }, radio, el("label", { for: `encryption-${value}` }, label));
      };
      const parts: HTMLElement[] = [
        el("p", { id: "already-encrypted" }, `${deviceName} encrypts its backups. With the password remembered, Keepsake keeps them as compactly as unencrypted ones and opens them without asking; otherwise it asks for it when you open a snapshot.`),
        el("div", { role: "radiogroup", "aria-label": "Backup encryption" },
          choice("keep", "Keep the password as it is"), choice("change", "Change the password"), choice("off", "Turn encryption off")),
      ];
      if (values.encryption !== "keep") {
        const current = text("current-password", "password", values.current, (v) => (values.current = v));
        current.autocomplete = "current-password";
        parts.push(field("Current password", current));
      }
      if (values.encryption === "change") {
        parts.push(
          field("New password", text("password", "password", values.password, (v) => (values.password = v))),
          field("Confirm the new password", text("password-confirm", "password", values.confirm, (v) => (values.confirm = v))),
          el("p", { class: "hint" }, "Snapshots made before the change keep the current password: those taken without it remembered ask for it when you open them."),
          lostWarning(),
        );
      }
      if (values.encryption === "off") {
        parts.push(el("p", { class: "hint", id: "encryption-off-note" }, "Backups from now on leave out saved passwords, Wi-Fi settings, website history and Health data. The snapshots already made stay encrypted with the current password."));
      } else parts.push(remember());
      return parts;
    }
    const parts: HTMLElement[] = [
      el("p", { class: "hint" }, "Encrypted backups also keep saved passwords, Wi-Fi settings, website history and Health data."),
      el("div", { class: "check" }, checkbox("encrypt", values.encrypt, (on) => { values.encrypt = on; draw(); }), el("label", { for: "encrypt" }, "Encrypt the backups of this device")),
    ];
    if (values.encrypt) {
      parts.push(
        field("Password", text("password", "password", values.password, (v) => (values.password = v))),
        field("Confirm the password", text("password-confirm", "password", values.confirm, (v) => (values.confirm = v))),
        remember(),
        lostWarning(),
      );
    }
    return parts;
  };

  const locationStep = (): HTMLElement[] => {
    const list = locations.length === 0
      ? el("p", { id: "no-locations", class: "empty" }, "No backup location yet: add a folder or a disk below.")
      : el("div", { class: "locations", role: "radiogroup", "aria-label": "Backup locations" },
          ...locations.map((l, i) => {
            const radio = el("input", { type: "radio", name: "location", id: `location-${i}`, value: l.path, checked: values.location === l.path, disabled: !l.present });
            radio.addEventListener("change", () => { values.location = l.path; draw(); });
            return el("div", { class: "check" }, radio, el("label", { for: `location-${i}` }, locationLabel(l)));
          }));
    const input = el("input", { type: "text", id: "new-location", placeholder: "/media/me/Backups" });
    const add = button("Add location", { id: "add-location" }, () => void addPath(input.value.trim()));
    const choose = handlers.pickFolder
      ? button("Choose…", { id: "choose-location" }, async () => void addPath((await handlers.pickFolder!()) ?? ""))
      : null;
    const addPath = async (path: string) => {
      if (!path) return;
      try {
        locations = await handlers.addLocation(path);
        values.location = locations.find((l) => l.path === path || l.path.replace(/\/$/, "") === path.replace(/\/$/, ""))?.path ?? values.location ?? path;
        problems = [];
      } catch (e) {
        problems = [e && typeof e === "object" && "message" in e ? String((e as { message: string }).message) : String(e)];
      }
      draw();
    };
    const preferences = handlers.locationPreferences
      ? button("Backup location preferences…", { id: "location-preferences", class: "link" }, () => handlers.locationPreferences!(values))
      : null;
    const parts: HTMLElement[] = [list, el("div", { class: "add-location" }, field("Add a folder or disk", input), add, choose)];
    const chosen = locations.find((l) => l.path === values.location);
    if (chosen && !chosen.has_backups) parts.push(...newLocation());
    return preferences ? [...parts, preferences] : parts;
  };

  // A location without backups yet is set up when the wizard ends: its snapshots are encrypted,
  // and the person may add a password of their own to what opens them.
  const newLocation = (): HTMLElement[] => [
    el("p", { class: "hint", id: "new-location-note" }, "Keepsake encrypts the snapshots it keeps there. This computer remembers their key; on another computer the backup password of your device, or the recovery key you get next, opens them."),
    el("div", { class: "check" }, checkbox("own-password", values.ownPassword, (on) => { values.ownPassword = on; problems = []; draw(); }), el("label", { for: "own-password" }, "Also open them with a password of my own")),
    values.ownPassword
      ? el("div", { class: "indent" },
          field("Snapshots password", text("store-password", "password", values.storePassword, (v) => (values.storePassword = v))),
          field("Confirm the snapshots password", text("store-password-confirm", "password", values.storeConfirm, (v) => (values.storeConfirm = v))))
      : el("span", {}),
  ];

  // The recovery key of the location the wizard just set up: shown once, kept before going on.
  let recoveryKey: string | null = null;
  let keptKey = false;
  let keyStatus = "";
  const recoveryPage = (key: string): HTMLElement => {
    const kept = checkbox("recovery-kept", keptKey, (on) => { keptKey = on; draw(); });
    return el("section", { id: "wizard", class: "wizard", "aria-labelledby": "wizard-title", "data-step": "recovery-key" },
      el("h2", { id: "wizard-title" }, "Keep the recovery key"),
      el("div", { class: "recovery-key", id: "wizard-recovery", role: "group", "aria-labelledby": "wizard-title" },
        el("p", {}, `Your snapshots at ${values.location} are ready. If this computer is lost, this key opens them on any other one (so does the backup password of an encrypted device). Keepsake shows it only now; Preferences shows it again on a computer that can open them.`),
        el("code", { class: "recovery-value" }, key),
        el("div", { class: "actions" },
          handlers.saveKey
            ? button("Save as file…", { id: "recovery-save" }, async () => {
                try {
                  const saved = await handlers.saveKey!(key);
                  if (saved) keyStatus = `Saved as ${saved}. Keep the file apart from the backup disk.`;
                } catch (e) {
                  keyStatus = e && typeof e === "object" && "message" in e ? String((e as { message: string }).message) : String(e);
                }
                draw();
              })
            : null,
          handlers.printKey ? button("Print…", { id: "recovery-print" }, () => handlers.printKey!()) : null),
        keyStatus ? el("p", { id: "recovery-status", role: "status" }, keyStatus) : null,
        el("div", { class: "check" }, kept, el("label", { for: "recovery-kept" }, "I have kept the recovery key somewhere safe"))),
      el("div", { class: "actions" },
        button(first ? "Start the first backup" : "Done", { id: "wizard-done", class: "primary", disabled: !keptKey }, () => handlers.done?.())));
  };

  const snapshotsStep = (): HTMLElement[] => [
    el("div", { class: "check" }, checkbox("snapshots", values.snapshots, (on) => { values.snapshots = on; draw(); }), el("label", { for: "snapshots" }, "Keep older snapshots (go back to any earlier day)")),
    values.snapshots
      ? el("div", { class: "indent" },
          el("div", { class: "check" }, checkbox("auto-delete", values.auto_delete, (on) => (values.auto_delete = on)), el("label", { for: "auto-delete" }, "Delete old snapshots automatically when they take too much space")),
          field("Keep every snapshot at least", select("retention", RETENTION, values.retention, (v) => (values.retention = v))),
          el("div", { class: "check" }, checkbox("ask-first", values.ask_first, (on) => (values.ask_first = on)), el("label", { for: "ask-first" }, "Ask me before deleting anything")))
      : el("p", { class: "hint" }, "Only the newest backup is kept."),
    el("div", { class: "check" }, checkbox("auto-backup", values.auto_backup, (on) => { values.auto_backup = on; draw(); }), el("label", { for: "auto-backup" }, "Back up automatically when the device is connected")),
    values.auto_backup ? field("How often", select<Schedule>("schedule", [["daily", "Every day"], ["weekly", "Every week"]], values.schedule, (v) => (values.schedule = v))) : el("span", {}),
    values.auto_backup ? field("When", select<string>("window", windowChoices(values.window), values.window ?? "any", (v) => (values.window = v === "any" ? null : v))) : el("span", {}),
    el("div", { class: "check" }, checkbox("wifi", values.wifi, (on) => { values.wifi = on; draw(); }), el("label", { for: "wifi" }, "Also back up over Wi-Fi, when the device is on the same network")),
    values.wifi
      ? el("p", { class: "hint" }, "The device is told to show itself on Wi-Fi to this computer while it is connected by cable.")
      : el("p", { class: "hint" }, "Backups happen only while the device is connected by cable."),
  ];

  const draw = () => {
    if (recoveryKey !== null) {
      // focus stays where it was (ticking the box re-renders the page), else the first control
      const was = document.activeElement?.id;
      root.replaceChildren(recoveryPage(recoveryKey));
      const again = was ? Array.from(root.querySelectorAll<HTMLElement>("[id]")).find((n) => n.id === was) : undefined;
      (again ?? root.querySelector<HTMLElement>("#recovery-save, #recovery-kept"))?.focus();
      return;
    }
    const s = STEPS[step];
    const body = s.id === "encryption" ? encryptionStep() : s.id === "location" ? locationStep() : snapshotsStep();
    const last = step === STEPS.length - 1;
    const focusId = document.activeElement?.id;
    root.replaceChildren(
      el("section", { id: "wizard", class: "wizard", "aria-labelledby": "wizard-title", "data-step": s.id },
        el("h2", { id: "wizard-title" }, first ? `Set up backups of ${deviceName}` : `Backup settings of ${deviceName}`),
        el("ol", { class: "steps" }, ...STEPS.map((x, i) => el("li", { class: i === step ? "current" : "", "aria-current": i === step ? "step" : false }, x.title))),
        el("fieldset", {}, el("legend", {}, `Step ${step + 1} of ${STEPS.length}: ${s.title}`), ...body),
        problems.length ? el("div", { id: "wizard-errors", role: "alert", class: "notice" }, ...problems.map((p) => el("p", {}, p))) : null,
        el("div", { class: "actions" },
          button("Cancel", { id: "wizard-cancel" }, () => handlers.cancel()),
          step > 0 ? button("Back", { id: "wizard-back" }, () => { problems = []; step--; draw(); }) : null,
          button(last ? (first ? "Start the first backup" : "Save") : "Next", { id: last ? "wizard-finish" : "wizard-next", class: "primary", disabled: busy }, async () => {
            problems = last ? validateWizard(values) : validateStep(s.id, values);
            if (problems.length === 0 && !last) step++;
            else if (problems.length === 0) {
              busy = true;
              draw();
              try {
                const key = await handlers.finish(values);
                if (typeof key === "string") {
                  recoveryKey = key;
                  draw();
                }
                return;
              } catch (e) {
                problems = [e && typeof e === "object" && "message" in e ? String((e as { message: string }).message) : String(e)];
              }
              busy = false;
            }
            draw();
          }),
        ),
      ),
    );
    const again = focusId ? Array.from(root.querySelectorAll<HTMLElement>("[id]")).find((n) => n.id === focusId) : undefined;
    (again ?? root.querySelector<HTMLElement>("fieldset input, fieldset select"))?.focus();
  };
  draw();
}
