// Plain DOM rendering of the app's screens. Text goes through textContent, never innerHTML,
// because device names come from the device.
import type { DeviceSummary, Overview } from "./api";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const CONNECTION_LABEL = { usb: "USB", wifi: "Wi-Fi" } as const;

export function deviceRow(d: DeviceSummary): HTMLElement {
  const via = d.connections.map((c) => CONNECTION_LABEL[c]).join(" + ") || "Not connected";
  return el(
    "li",
    { class: "device", "data-udid": d.udid },
    el("span", { class: "device-name" }, d.name),
    el("span", { class: "device-meta" }, `${d.model} · iOS ${d.ios_version} · ${via}`),
    d.paired ? "" : el("span", { class: "badge warn" }, "Not trusted yet"),
    d.advice ? el("p", { class: "advice" }, d.advice) : "",
  );
}

export function renderOverview(root: HTMLElement, o: Overview): void {
  const problem = o.usbmuxd_problem
    ? el("div", { id: "usbmuxd-problem", role: "alert", class: "notice" }, "USB devices cannot be listed: ", o.usbmuxd_problem)
    : "";
  const list =
    o.devices.length === 0
      ? el(
          "p",
          { id: "no-devices", class: "empty" },
          "No iPhone or iPad found. Connect one with a cable, unlock it and tap Trust.",
        )
      : el("ul", { id: "device-list", class: "devices" }, ...o.devices.map(deviceRow));
  root.replaceChildren(
    el(
      "header",
      { class: "topbar" },
      el("h1", {}, o.app.name),
      el("span", { id: "app-version", class: "version" }, `Version ${o.app.version}`),
    ),
    el("main", {}, el("section", { "aria-labelledby": "devices-title" }, el("h2", { id: "devices-title" }, "Devices"), problem, list)),
  );
}

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(
    el("div", { id: "load-error", role: "alert", class: "error" }, "Keepsake could not start its engine: ", message,
      el("p", {}, "Restart Keepsake. If this keeps happening, run `keepsake info -vv` in a terminal and report what it prints.")),
  );
}
