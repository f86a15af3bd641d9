// The only place the UI talks to Rust: typed wrappers over Tauri commands.
import { invoke } from "@tauri-apps/api/core";

export type Connection = "usb" | "wifi";

export type DeviceState = "ready" | "not_trusted" | "not_responding" | "no_usbmuxd" | "wifi_only";

export interface DeviceSummary {
  udid: string;
  name: string;
  model: string;
  ios_version: string;
  connections: Connection[];
  paired: boolean;
  state: DeviceState;
  /** What the person can do about the state, if anything. */
  advice: string | null;
}

export interface Overview {
  app: { name: string; version: string };
  devices: DeviceSummary[];
  /** Set when usbmuxd cannot be reached, so USB devices cannot be listed. */
  usbmuxd_problem: string | null;
}

export function fetchOverview(): Promise<Overview> {
  return invoke<Overview>("overview");
}
