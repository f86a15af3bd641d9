import { describe, expect, it } from "vitest";
import type { DeviceSettings, LocationStatus } from "../api";
import { initialValues, renderWizard, settingsFrom, validateStep, validateWizard, windowChoices, type WizardValues } from "./wizard";

const settings: DeviceSettings = {
  udid: "U1", name: "Ada's iPhone", model: "iPhone14,5", remember_password: false, location: null,
  snapshots: true, auto_delete: true, retention: "1m", ask_first: true, auto_backup: true, schedule: "daily", window: null, wifi: true, confirmed: false,
};
const disk: LocationStatus = { path: "/media/ada/Disk", is_default: true, present: true, free_bytes: 2e11, total_bytes: 5e11, has_backups: false, devices: [] };

function values(over: Partial<WizardValues> = {}): WizardValues {
  return { ...initialValues(settings, [disk], false), password: "pw", confirm: "pw", ...over };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("wizard validation", () => {
  it("refuses mismatched passwords and an empty one", () => {
    expect(validateStep("encryption", values({ confirm: "pX" }))).toEqual(["The passwords do not match: type the same password twice."]);
    expect(validateStep("encryption", values({ password: "", confirm: "" }))).toEqual(["Choose a password for the backups."]);
    expect(validateStep("encryption", values())).toEqual([]);
  });

  it("needs no password when encryption is off or the device already encrypts", () => {
    expect(validateStep("encryption", values({ encrypt: false, password: "", confirm: "x" }))).toEqual([]);
    expect(validateStep("encryption", values({ alreadyEncrypted: true, password: "" }))).toEqual([]);
  });

  it("needs the current password to change or turn off the encryption of an encrypted device", () => {
    const enc = (over: Partial<WizardValues>) => values({ alreadyEncrypted: true, password: "", confirm: "", ...over });
    expect(validateStep("encryption", enc({ encryption: "keep" }))).toEqual([]);
    expect(validateStep("encryption", enc({ encryption: "off" }))).toEqual(["Type the current backup password: the device asks for it."]);
    expect(validateStep("encryption", enc({ encryption: "off", current: "old" }))).toEqual([]);
    expect(validateStep("encryption", enc({ encryption: "change", current: "old" }))).toEqual(["Choose the new password."]);
    expect(validateStep("encryption", enc({ encryption: "change", current: "old", password: "new", confirm: "neu" }))).toEqual(["The passwords do not match: type the same password twice."]);
    expect(validateStep("encryption", enc({ encryption: "change", current: "old", password: "new", confirm: "new" }))).toEqual([]);
    // turning it off never leaves a password remembered
    expect(settingsFrom(settings, enc({ encryption: "off", current: "old", remember: true })).remember_password).toBe(false);
    expect(settingsFrom(settings, enc({ encryption: "keep", remember: true })).remember_password).toBe(true);
  });

  it("shows a confirmed device's encryption as it is, not the first-backup recommendation", () => {
    expect(initialValues({ ...settings, confirmed: true }, [disk], false).encrypt).toBe(false);
    expect(initialValues({ ...settings, confirmed: true }, [disk], true).encrypt).toBe(true);
    expect(initialValues(settings, [disk], false).encrypt).toBe(true);
  });

  it("offers keep, change and off for an encrypted device, with the fields each needs", () => {
    const root = document.createElement("div");
    renderWizard(root, "Ada's iPhone", initialValues({ ...settings, confirmed: true }, [disk], true), [disk], false, { addLocation: async () => [disk], finish: async () => {}, cancel: () => {} });
    const pick = (id: string) => {
      const r = root.querySelector<HTMLInputElement>(`#encryption-${id}`)!;
      r.checked = true;
      r.dispatchEvent(new Event("change"));
    };
    expect(root.querySelector<HTMLInputElement>("#encryption-keep")!.checked).toBe(true);
    expect(root.querySelector("#current-password")).toBeNull();
    pick("change");
    expect(root.querySelector("label[for=current-password]")?.textContent).toBe("Current password");
    expect(root.querySelector("label[for=password]")?.textContent).toBe("New password");
    expect(root.querySelector(".warning")?.textContent).toContain("nobody can open these snapshots");
    pick("off");
    expect(root.querySelector("#password")).toBeNull();
    expect(root.querySelector("#current-password")).not.toBeNull();
    expect(root.querySelector("#encryption-off-note")?.textContent).toContain("leave out saved passwords");
    expect(root.querySelector("#remember")).toBeNull();
  });

  it("links to the location preferences with the values chosen so far, and can resume at the location step", () => {
    const root = document.createElement("div");
    const v = values({ location: null });
    let handedOver: WizardValues | null = null;
    renderWizard(root, "Ada's iPhone", v, [disk], true, { addLocation: async () => [disk], finish: async () => {}, cancel: () => {}, locationPreferences: (x) => (handedOver = x) }, "location");
    expect(root.querySelector("#wizard")!.getAttribute("data-step")).toBe("location");
    root.querySelector<HTMLButtonElement>("#location-preferences")!.click();
    expect(handedOver).toBe(v);
  });

  it("offers Wi-Fi backups, on by default, and saves the choice", () => {
    const root = document.createElement("div");
    document.body.append(root);
    const v = values();
    renderWizard(root, "Ada's iPhone", v, [disk], true, { addLocation: async () => [disk], finish: async () => {}, cancel: () => {} }, "snapshots");
    const wifi = root.querySelector<HTMLInputElement>("#wifi")!;
    expect(wifi.checked).toBe(true);
    expect(root.querySelector("label[for=wifi]")?.textContent).toContain("over Wi-Fi");
    expect(root.textContent).toContain("while it is connected by cable");
    wifi.click();
    expect(v.wifi).toBe(false);
    expect(root.textContent).toContain("only while the device is connected by cable");
    expect(settingsFrom(settings, v).wifi).toBe(false);
    root.remove();
  });

  it("offers any time or the night for automatic backups, and keeps a window set elsewhere", () => {
    const root = document.createElement("div");
    document.body.append(root);
    const v = values();
    renderWizard(root, "Ada's iPhone", v, [disk], true, { addLocation: async () => [disk], finish: async () => {}, cancel: () => {} }, "snapshots");
    const when = root.querySelector<HTMLSelectElement>("#window")!;
    expect(when.value).toBe("any");
    when.value = "20:00-06:00";
    when.dispatchEvent(new Event("change"));
    expect(settingsFrom(settings, v).window).toBe("20:00-06:00");
    when.value = "any";
    when.dispatchEvent(new Event("change"));
    expect(settingsFrom(settings, v).window).toBeNull();
    expect(windowChoices("12:00-14:00").map(([value]) => value)).toEqual(["any", "20:00-06:00", "12:00-14:00"]);
    expect(windowChoices("12:00-14:00")[2][1]).toBe("Between 12:00 and 14:00");
    root.remove();
  });

  it("refuses to go on without a location", () => {
    expect(validateStep("location", values({ location: null }))).toEqual(["Choose where the snapshots go, or add a folder or disk."]);
    expect(validateWizard(values({ location: null, confirm: "nope" }))).toHaveLength(2);
  });

  it("starts from the recommended settings with the default location", () => {
    const v = initialValues(settings, [{ ...disk, is_default: false, present: false }, disk], false);
    expect(v.encrypt).toBe(true);
    expect(v.remember).toBe(true);
    expect(v.location).toBe("/media/ada/Disk");
    expect(settingsFrom(settings, { ...v, retention: "1w", remember: false })).toMatchObject({ retention: "1w", remember_password: false, location: "/media/ada/Disk" });
  });

  it("shows the mismatch in the form and stays on the encryption step", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    let finished = false;
    renderWizard(root, "Ada's iPhone", initialValues(settings, [], false), [], true, {
      addLocation: async () => [disk],
      finish: async () => void (finished = true),
      cancel: () => {},
    });
    const type = (id: string, text: string) => {
      const input = root.querySelector<HTMLInputElement>(`#${id}`)!;
      input.value = text;
      input.dispatchEvent(new Event("input"));
    };
    expect(root.querySelector("label[for=password]")?.textContent).toBe("Password");
    expect(root.querySelector(".warning")?.textContent).toContain("If you lose this password, nobody can open these snapshots");
    type("password", "secret");
    type("password-confirm", "secrets");
    root.querySelector<HTMLButtonElement>("#wizard-next")!.click();
    await flush();
    expect(root.querySelector("#wizard-errors")?.textContent).toContain("do not match");
    expect(root.querySelector("#wizard")!.getAttribute("data-step")).toBe("encryption");

    type("password-confirm", "secret");
    root.querySelector<HTMLButtonElement>("#wizard-next")!.click();
    await flush();
    expect(root.querySelector("#wizard")!.getAttribute("data-step")).toBe("location");
    expect(root.querySelector("#no-locations")).not.toBeNull();
    root.querySelector<HTMLButtonElement>("#wizard-next")!.click();
    await flush();
    expect(root.querySelector("#wizard-errors")?.textContent).toContain("Choose where the snapshots go");

    type("new-location", "/media/ada/Disk");
    root.querySelector<HTMLButtonElement>("#add-location")!.click();
    await flush();
    expect(root.querySelector<HTMLInputElement>("#location-0")!.checked).toBe(true);
    expect(root.querySelector("label[for=location-0]")?.textContent).toBe("/media/ada/Disk — 200 GB free of 500 GB (default)");
    root.querySelector<HTMLButtonElement>("#wizard-next")!.click();
    await flush();
    root.querySelector<HTMLButtonElement>("#wizard-finish")!.click();
    await flush();
    expect(finished).toBe(true);
    root.remove();
  });

  it("asks for an own snapshots password only for a new location, and checks it", () => {
    expect(validateStep("location", values({ ownPassword: true }))).toEqual(["Choose the snapshots' password, or untick it."]);
    expect(validateStep("location", values({ ownPassword: true, storePassword: "a", storeConfirm: "b" }))).toEqual(["The snapshots' passwords do not match: type the same password twice."]);
    expect(validateStep("location", values({ ownPassword: true, storePassword: "a", storeConfirm: "a" }))).toEqual([]);
    const used: LocationStatus = { ...disk, path: "/media/ada/Old", has_backups: true, is_default: false };
    const root = document.createElement("div");
    const v = values();
    renderWizard(root, "Ada's iPhone", v, [disk, used], true, { addLocation: async () => [disk, used], finish: async () => null, cancel: () => {} }, "location");
    expect(root.querySelector("#new-location-note")?.textContent).toContain("recovery key");
    const own = root.querySelector<HTMLInputElement>("#own-password")!;
    own.checked = true;
    own.dispatchEvent(new Event("change"));
    expect(root.querySelector("#store-password")).not.toBeNull();
    // a location that holds backups already has its keys: nothing to choose
    const other = root.querySelector<HTMLInputElement>("#location-1")!;
    other.checked = true;
    other.dispatchEvent(new Event("change"));
    expect(v.location).toBe("/media/ada/Old");
    expect(root.querySelector("#new-location-note")).toBeNull();
    expect(root.querySelector("#store-password")).toBeNull();
  });

  it("shows a new location's recovery key after the last step and goes on only once it is kept", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    let done = 0;
    let saved = "";
    renderWizard(root, "Ada's iPhone", values(), [disk], true, {
      addLocation: async () => [disk],
      finish: async () => "7QKD-2M9X-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF",
      done: () => done++,
      saveKey: async (key) => ((saved = key), "/home/ada/Keepsake recovery key.txt"),
      printKey: () => {},
      cancel: () => {},
    }, "snapshots");
    root.querySelector<HTMLButtonElement>("#wizard-finish")!.click();
    await flush();
    expect(root.querySelector("#wizard")!.getAttribute("data-step")).toBe("recovery-key");
    expect(root.querySelector(".recovery-value")?.textContent).toBe("7QKD-2M9X-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
    const go = () => root.querySelector<HTMLButtonElement>("#wizard-done")!;
    expect(go().textContent).toBe("Start the first backup");
    expect(go().disabled).toBe(true);
    root.querySelector<HTMLButtonElement>("#recovery-save")!.click();
    await flush();
    expect(saved).toBe("7QKD-2M9X-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
    expect(root.querySelector("#recovery-status")?.textContent).toContain("Keepsake recovery key.txt");
    const kept = root.querySelector<HTMLInputElement>("#recovery-kept")!;
    kept.checked = true;
    kept.dispatchEvent(new Event("change"));
    expect(go().disabled).toBe(false);
    go().click();
    expect(done).toBe(1);
    root.remove();
  });
});
