// Preferences: the backup locations (free space, present or not, which is the default), adding
// and forgetting them.
import { errorMessage, type LocationStatus } from "../api";
import { button, bytes, el, field } from "../dom";

export interface PreferencesHandlers {
  add(path: string): Promise<LocationStatus[]>;
  makeDefault(path: string): Promise<LocationStatus[]>;
  remove(path: string): Promise<LocationStatus[]>;
  /** The system's folder picker, where there is one. */
  pickFolder?(): Promise<string | null>;
  /** Turns starting at login on or off; resolves to whether it is on. */
  setAutostart?(on: boolean): Promise<boolean>;
  back(): void;
  /** Where `back` goes, when not to the devices (the wizard that opened the preferences). */
  backLabel?: string;
}

/** "200 GB free of 500 GB", or why it cannot be said. */
export function spaceText(l: LocationStatus): string {
  if (!l.present) return "Not connected";
  if (l.free_bytes === null) return "Free space unknown";
  return `${bytes(l.free_bytes)} free${l.total_bytes !== null ? ` of ${bytes(l.total_bytes)}` : ""}`;
}

export function renderPreferences(root: HTMLElement, initial: LocationStatus[], h: PreferencesHandlers, autostart = false): void {
  let locations = initial;
  let problem = "";
  const act = async (work: () => Promise<LocationStatus[]>) => {
    try {
      locations = await work();
      problem = "";
    } catch (e) {
      problem = errorMessage(e);
    }
    draw();
  };
  const startAtLogin = (set: (on: boolean) => Promise<boolean>) => {
    const box = el("input", { type: "checkbox", id: "autostart", checked: autostart });
    box.addEventListener("change", async () => {
      try {
        autostart = await set(box.checked);
        problem = "";
      } catch (e) {
        problem = errorMessage(e);
      }
      draw();
    });
    return el("div", {}, el("h2", {}, "Automatic backups"),
      el("div", { class: "check" }, box, el("label", { for: "autostart" }, "Start Keepsake when I log in (in the tray, without the window)")));
  };
  const draw = () => {
    const input = el("input", { type: "text", id: "preferences-new-location", placeholder: "/media/me/Backups" });
    const rows = locations.map((l) =>
      el("tr", { class: "location", "data-path": l.path },
        el("td", {}, el("span", { class: "location-path" }, l.path), l.is_default ? el("span", { class: "badge" }, " Default") : null),
        el("td", { class: "location-space" }, spaceText(l)),
        el("td", {}, l.devices.length ? `${l.devices.length} device${l.devices.length === 1 ? "" : "s"}` : "No device"),
        el("td", { class: "row-actions" },
          l.is_default ? null : button("Make default", { class: "make-default", "aria-label": `Make default: ${l.path}` }, () => void act(() => h.makeDefault(l.path))),
          button("Remove", { class: "remove-location", "aria-label": `Remove: ${l.path}` }, () => void act(() => h.remove(l.path))))));
    root.replaceChildren(
      el("section", { id: "preferences", "aria-labelledby": "preferences-title" },
        el("div", { class: "view-head" }, (h.backLabel ? button(`← ${h.backLabel}`, { id: "back-to-wizard" }, h.back) : button("← Devices", { id: "back-to-devices" }, h.back)), el("h2", { id: "preferences-title" }, "Backup locations")),
        el("p", { class: "hint" }, "Snapshots are kept in a Keepsake.Backups folder at each location. Removing a location here leaves its snapshots on the disk."),
        locations.length === 0
          ? el("p", { id: "no-locations", class: "empty" }, "No backup location yet.")
          : el("table", { class: "entries", id: "locations" },
              el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Location"), el("th", { scope: "col" }, "Space"), el("th", { scope: "col" }, "Used by"), el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Actions")))),
              el("tbody", {}, ...rows)),
        el("div", { class: "add-location" }, field("Add a folder or disk", input),
          button("Add location", { id: "preferences-add" }, () => {
            const path = input.value.trim();
            if (path) void act(() => h.add(path));
          }),
          h.pickFolder
            ? button("Choose…", { id: "preferences-choose" }, async () => {
                const path = await h.pickFolder!();
                if (path) void act(() => h.add(path));
              })
            : null),
        problem ? el("p", { id: "preferences-error", role: "alert", class: "error-text" }, problem) : null,
        h.setAutostart ? startAtLogin(h.setAutostart) : null),
    );
  };
  draw();
}
