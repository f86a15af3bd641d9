// The only place the UI talks to Rust: typed wrappers over Tauri commands.
import { invoke } from "@tauri-apps/api/core";

export type Connection = "usb" | "wifi";

export interface DeviceSummary {
  udid: string;
  name: string;
  model: string;
  ios_version: string;
  connections: Connection[];
  paired: boolean;
}

export interface Overview {
  app: { name: string; version: string };
  devices: DeviceSummary[];
}

export function fetchOverview(): Promise<Overview> {
  return invoke<Overview>("overview");
}
