import { describe, expect, it } from "vitest";
import type { DeviceSettings, LocationStatus } from "../api";
import { initialValues, renderWizard, settingsFrom, validateStep, validateWizard, type WizardValues } from "./wizard";

const settings: DeviceSettings = {
  udid: "U1", name: "Ada's iPhone", model: "iPhone14,5", remember_password: false, location: null,
  snapshots: true, auto_delete: true, retention: "1m", ask_first: true, auto_backup: true, schedule: "daily", confirmed: false,
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
});
