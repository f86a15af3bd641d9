import { describe, expect, it } from "vitest";
import type { Kind } from "../api";
import { pictogram } from "./pictograms";

const KINDS: Kind[] = ["photos", "messages", "contacts", "calls", "notes", "calendars", "voice_memos", "safari", "health", "passwords", "settings"];

describe("pictograms", () => {
  it("draws every kind and the app placeholder in the text colour, hidden from assistive technology", () => {
    for (const name of [...KINDS, "app" as const]) {
      const svg = pictogram(name);
      expect(svg.namespaceURI).toBe("http://www.w3.org/2000/svg");
      expect(svg.getAttribute("viewBox")).toBe("0 0 24 24");
      expect(svg.getAttribute("stroke")).toBe("currentColor");
      expect(svg.getAttribute("aria-hidden")).toBe("true");
      expect(svg.classList.contains(`pictogram-${name}`)).toBe(true);
      expect(svg.children.length).toBeGreaterThan(0);
      for (const shape of Array.from(svg.children)) expect(shape.namespaceURI).toBe("http://www.w3.org/2000/svg");
    }
  });

  it("draws each kind differently", () => {
    const drawings = KINDS.map((k) => pictogram(k).innerHTML);
    expect(new Set(drawings).size).toBe(KINDS.length);
  });
});
