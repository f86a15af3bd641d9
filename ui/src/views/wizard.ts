// The first-backup wizard (and, later, a device's backup settings): encryption, location,
// snapshots and automatic backups, three steps, each validated before the next.
import type { DeviceSettings, LocationStatus, RetentionAge, Schedule } from "../api";
import { button, bytes, el, field } from "../dom";
import { t } from "../i18n";

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

/** The steps, each with the message that names it. */
export const STEPS = [
  { id: "encryption", title: "wizard-step-encryption" },
  { id: "location", title: "wizard-step-location" },
  { id: "snapshots", title: "wizard-step-snapshots" },
] as const;
export type StepId = (typeof STEPS)[number]["id"];

/** How long snapshots are kept at least, in words ("1 week", "3 months"). */
function retentionChoices(): [RetentionAge, string][] {
  const weeks = (count: number) => t("wizard-retention-weeks", { count });
  const months = (count: number) => t("wizard-retention-months", { count });
  return [["1w", weeks(1)], ["2w", weeks(2)], ["1m", months(1)], ["3m", months(3)], ["6m", months(6)], ["1y", t("wizard-retention-years", { count: 1 })]];
}

/** The backup windows offered: any time, at night, and one set elsewhere (the CLI), if any. */
export function windowChoices(current: string | null): [string, string][] {
  const choices: [string, string][] = [["any", t("wizard-window-any")], ["20:00-06:00", t("wizard-window-night")]];
  if (current && !choices.some(([v]) => v === current)) {
    const cut = current.indexOf("-");
    const between = cut < 0 ? current : t("wizard-window-between", { from: current.slice(0, cut), to: current.slice(cut + 1) });
    choices.push([current, between]);
  }
  return choices;
}

/** What keeps the person on `step`: empty when they may go on. */
export function validateStep(step: StepId, v: WizardValues): string[] {
  const problems: string[] = [];
  if (step === "encryption" && v.alreadyEncrypted && v.encryption !== "keep" && v.current === "") {
    problems.push(t("wizard-problem-current-password"));
  }
  const newPassword = v.alreadyEncrypted ? v.encryption === "change" : v.encrypt;
  if (step === "encryption" && newPassword) {
    if (v.password === "") problems.push(v.alreadyEncrypted ? t("wizard-problem-new-password") : t("wizard-problem-password"));
    else if (v.password !== v.confirm) problems.push(t("wizard-problem-passwords-differ"));
  }
  if (step === "location" && !v.location) problems.push(t("wizard-problem-location"));
  if (step === "location" && v.ownPassword) {
    if (v.storePassword === "") problems.push(t("wizard-problem-store-password"));
    else if (v.storePassword !== v.storeConfirm) problems.push(t("wizard-problem-store-passwords-differ"));
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
  if (!l.present) return t("wizard-location-missing", { path: l.path });
  const label = l.free_bytes === null
    ? t("wizard-location-space-unknown", { path: l.path })
    : l.total_bytes === null
      ? t("wizard-location-free", { path: l.path, free: bytes(l.free_bytes) })
      : t("wizard-location-free-of", { path: l.path, free: bytes(l.free_bytes), total: bytes(l.total_bytes) });
  return l.is_default ? t("wizard-location-default", { label }) : label;
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

  const lostWarning = () => el("p", { class: "warning", role: "note" }, t("wizard-lost-password-warning"));
  const remember = () => el("div", { class: "check" }, checkbox("remember", values.remember, (on) => (values.remember = on)), el("label", { for: "remember" }, t("wizard-remember-password")));

  const encryptionStep = (): HTMLElement[] => {
    if (values.alreadyEncrypted) {
      const choice = (value: WizardValues["encryption"], label: string) => {
        const radio = el("input", { type: "radio", name: "encryption", id: `encryption-${value}`, value, checked: values.encryption === value });
        radio.addEventListener("change", () => { values.encryption = value; problems = []; draw(); });
        return el("div", { class: "check" }, radio, el("label", { for: `encryption-${value}` }, label));
      };
      const parts: HTMLElement[] = [
        el("p", { id: "already-encrypted" }, t("wizard-already-encrypted", { device: deviceName })),
        el("div", { role: "radiogroup", "aria-label": t("wizard-encryption-choices") },
          choice("keep", t("wizard-encryption-keep")), choice("change", t("wizard-encryption-change")), choice("off", t("wizard-encryption-off"))),
      ];
      if (values.encryption !== "keep") {
        const current = text("current-password", "password", values.current, (v) => (values.current = v));
        current.autocomplete = "current-password";
        parts.push(field(t("wizard-current-password"), current));
      }
      if (values.encryption === "change") {
        parts.push(
          field(t("wizard-new-password"), text("password", "password", values.password, (v) => (values.password = v))),
          field(t("wizard-confirm-new-password"), text("password-confirm", "password", values.confirm, (v) => (values.confirm = v))),
          el("p", { class: "hint" }, t("wizard-change-password-hint")),
          lostWarning(),
        );
      }
      if (values.encryption === "off") {
        parts.push(el("p", { class: "hint", id: "encryption-off-note" }, t("wizard-encryption-off-note")));
      } else parts.push(remember());
      return parts;
    }
    const parts: HTMLElement[] = [
      el("p", { class: "hint" }, t("wizard-encrypt-hint")),
      el("div", { class: "check" }, checkbox("encrypt", values.encrypt, (on) => { values.encrypt = on; draw(); }), el("label", { for: "encrypt" }, t("wizard-encrypt"))),
    ];
    if (values.encrypt) {
      parts.push(
        field(t("wizard-password"), text("password", "password", values.password, (v) => (values.password = v))),
        field(t("wizard-confirm-password"), text("password-confirm", "password", values.confirm, (v) => (values.confirm = v))),
        remember(),
        lostWarning(),
      );
    }
    return parts;
  };

  const locationStep = (): HTMLElement[] => {
    const list = locations.length === 0
      ? el("p", { id: "no-locations", class: "empty" }, t("wizard-no-locations"))
      : el("div", { class: "locations", role: "radiogroup", "aria-label": t("wizard-locations") },
          ...locations.map((l, i) => {
            const radio = el("input", { type: "radio", name: "location", id: `location-${i}`, value: l.path, checked: values.location === l.path, disabled: !l.present });
            radio.addEventListener("change", () => { values.location = l.path; draw(); });
            return el("div", { class: "check" }, radio, el("label", { for: `location-${i}` }, locationLabel(l)));
          }));
    const input = el("input", { type: "text", id: "new-location", placeholder: t("wizard-new-location-placeholder") });
    const add = button(t("wizard-add-location"), { id: "add-location" }, () => void addPath(input.value.trim()));
    const choose = handlers.pickFolder
      ? button(t("wizard-choose"), { id: "choose-location" }, async () => void addPath((await handlers.pickFolder!()) ?? ""))
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
      ? button(t("wizard-location-preferences"), { id: "location-preferences", class: "link" }, () => handlers.locationPreferences!(values))
      : null;
    const parts: HTMLElement[] = [list, el("div", { class: "add-location" }, field(t("wizard-add-folder-or-disk"), input), add, choose)];
    const chosen = locations.find((l) => l.path === values.location);
    if (chosen && !chosen.has_backups) parts.push(...newLocation());
    return preferences ? [...parts, preferences] : parts;
  };

  // A location without backups yet is set up when the wizard ends: its snapshots are encrypted,
  // and the person may add a password of their own to what opens them.
  const newLocation = (): HTMLElement[] => [
    el("p", { class: "hint", id: "new-location-note" }, t("wizard-new-location-note")),
    el("div", { class: "check" }, checkbox("own-password", values.ownPassword, (on) => { values.ownPassword = on; problems = []; draw(); }), el("label", { for: "own-password" }, t("wizard-own-password"))),
    values.ownPassword
      ? el("div", { class: "indent" },
          field(t("wizard-store-password"), text("store-password", "password", values.storePassword, (v) => (values.storePassword = v))),
          field(t("wizard-confirm-store-password"), text("store-password-confirm", "password", values.storeConfirm, (v) => (values.storeConfirm = v))))
      : el("span", {}),
  ];

  // The recovery key of the location the wizard just set up: shown once, kept before going on.
  let recoveryKey: string | null = null;
  let keptKey = false;
  let keyStatus = "";
  const recoveryPage = (key: string): HTMLElement => {
    const kept = checkbox("recovery-kept", keptKey, (on) => { keptKey = on; draw(); });
    return el("section", { id: "wizard", class: "wizard", "aria-labelledby": "wizard-title", "data-step": "recovery-key" },
      el("h2", { id: "wizard-title" }, t("wizard-recovery-title")),
      el("div", { class: "recovery-key", id: "wizard-recovery", role: "group", "aria-labelledby": "wizard-title" },
        el("p", {}, t("wizard-recovery-text", { location: values.location ?? "" })),
        el("code", { class: "recovery-value" }, key),
        el("div", { class: "actions" },
          handlers.saveKey
            ? button(t("wizard-recovery-save"), { id: "recovery-save" }, async () => {
                try {
                  const saved = await handlers.saveKey!(key);
                  if (saved) keyStatus = t("wizard-recovery-saved", { path: saved });
                } catch (e) {
                  keyStatus = e && typeof e === "object" && "message" in e ? String((e as { message: string }).message) : String(e);
                }
                draw();
              })
            : null,
          handlers.printKey ? button(t("wizard-recovery-print"), { id: "recovery-print" }, () => handlers.printKey!()) : null),
        keyStatus ? el("p", { id: "recovery-status", role: "status" }, keyStatus) : null,
        el("div", { class: "check" }, kept, el("label", { for: "recovery-kept" }, t("wizard-recovery-kept")))),
      el("div", { class: "actions" },
        button(first ? t("wizard-start-first-backup") : t("wizard-done"), { id: "wizard-done", class: "primary", disabled: !keptKey }, () => handlers.done?.())));
  };

  const snapshotsStep = (): HTMLElement[] => [
    el("div", { class: "check" }, checkbox("snapshots", values.snapshots, (on) => { values.snapshots = on; draw(); }), el("label", { for: "snapshots" }, t("wizard-keep-snapshots"))),
    values.snapshots
      ? el("div", { class: "indent" },
          el("div", { class: "check" }, checkbox("auto-delete", values.auto_delete, (on) => (values.auto_delete = on)), el("label", { for: "auto-delete" }, t("wizard-auto-delete"))),
          field(t("wizard-retention"), select("retention", retentionChoices(), values.retention, (v) => (values.retention = v))),
          el("div", { class: "check" }, checkbox("ask-first", values.ask_first, (on) => (values.ask_first = on)), el("label", { for: "ask-first" }, t("wizard-ask-first"))))
      : el("p", { class: "hint" }, t("wizard-newest-only")),
    el("div", { class: "check" }, checkbox("auto-backup", values.auto_backup, (on) => { values.auto_backup = on; draw(); }), el("label", { for: "auto-backup" }, t("wizard-auto-backup"))),
    values.auto_backup ? field(t("wizard-schedule"), select<Schedule>("schedule", [["daily", t("wizard-schedule-daily")], ["weekly", t("wizard-schedule-weekly")]], values.schedule, (v) => (values.schedule = v))) : el("span", {}),
    values.auto_backup ? field(t("wizard-window"), select<string>("window", windowChoices(values.window), values.window ?? "any", (v) => (values.window = v === "any" ? null : v))) : el("span", {}),
    el("div", { class: "check" }, checkbox("wifi", values.wifi, (on) => { values.wifi = on; draw(); }), el("label", { for: "wifi" }, t("wizard-wifi"))),
    values.wifi
      ? el("p", { class: "hint" }, t("wizard-wifi-hint"))
      : el("p", { class: "hint" }, t("wizard-cable-only")),
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
        el("h2", { id: "wizard-title" }, first ? t("wizard-title-first", { device: deviceName }) : t("wizard-title", { device: deviceName })),
        el("ol", { class: "steps" }, ...STEPS.map((x, i) => el("li", { class: i === step ? "current" : "", "aria-current": i === step ? "step" : false }, t(x.title)))),
        el("fieldset", {}, el("legend", {}, t("wizard-step", { step: step + 1, steps: STEPS.length, title: t(s.title) })), ...body),
        problems.length ? el("div", { id: "wizard-errors", role: "alert", class: "notice" }, ...problems.map((p) => el("p", {}, p))) : null,
        el("div", { class: "actions" },
          button(t("wizard-cancel"), { id: "wizard-cancel" }, () => handlers.cancel()),
          step > 0 ? button(t("wizard-back"), { id: "wizard-back" }, () => { problems = []; step--; draw(); }) : null,
          button(last ? (first ? t("wizard-start-first-backup") : t("wizard-save")) : t("wizard-next"), { id: last ? "wizard-finish" : "wizard-next", class: "primary", disabled: busy }, async () => {
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
