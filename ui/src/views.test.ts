import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fetchOverview, type Overview } from "./api";
import { renderOverview } from "./views";

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
