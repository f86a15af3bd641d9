// Small hand-drawn pictograms for the snapshot browser's kinds of data and apps: inline SVG in
// the text colour (currentColor), so they follow light and dark, and nothing comes from the net.
import type { Kind } from "../api";

const SVG = "http://www.w3.org/2000/svg";

/** One shape of a drawing: its SVG tag and attributes. */
type Shape = [tag: "path" | "rect" | "circle", attrs: Record<string, string>];

const path = (d: string): Shape => ["path", { d }];

/** The drawings on a 24×24 grid, stroked; `fill` marks the shapes drawn filled. */
const DRAWINGS: Record<Kind | "app", Shape[]> = {
  // a picture: a frame, the sun and a hill
  photos: [["rect", { x: "3", y: "5", width: "18", height: "14", rx: "2" }], ["circle", { cx: "8.5", cy: "10", r: "1.6" }], path("M4 18l6-6 4 4 2.5-2.5L21 18")],
  // a speech bubble
  messages: [path("M5 4.5h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-8l-5 4v-4H5a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z")],
  // a person
  contacts: [["circle", { cx: "12", cy: "8", r: "4" }], path("M4.5 20.5c0-4 3.4-6.5 7.5-6.5s7.5 2.5 7.5 6.5")],
  // a telephone handset
  calls: [path("M6 3.5h3l1.6 4.3-2.1 1.4a11 11 0 0 0 6.3 6.3l1.4-2.1 4.3 1.6v3a2 2 0 0 1-2.2 2A16.5 16.5 0 0 1 4 5.7a2 2 0 0 1 2-2.2z")],
  // a page with lines
  notes: [["rect", { x: "5", y: "3", width: "14", height: "18", rx: "2" }], path("M8.5 8h7M8.5 12h7M8.5 16h4")],
  // a calendar page with its rings
  calendars: [["rect", { x: "3.5", y: "5", width: "17", height: "15.5", rx: "2" }], path("M3.5 10h17M8 3v4M16 3v4")],
  // a sound wave
  voice_memos: [path("M4 10.5v3M8 7.5v9M12 4v16M16 8v8M20 10.5v3")],
  // a compass
  safari: [["circle", { cx: "12", cy: "12", r: "9" }], path("M15.8 8.2l-2.3 5.3-5.3 2.3 2.3-5.3z")],
  // a heart
  health: [path("M12 20s-7.5-4.6-7.5-10.2A4.2 4.2 0 0 1 12 7.3a4.2 4.2 0 0 1 7.5 2.5C19.5 15.4 12 20 12 20z")],
  // a padlock
  passwords: [["rect", { x: "5", y: "10.5", width: "14", height: "10", rx: "2" }], path("M8.5 10.5V7.5a3.5 3.5 0 0 1 7 0v3M12 14.5v2")],
  // two sliders
  settings: [path("M4 7h8.5M17.5 7H20M4 17h2.5M11.5 17H20"), ["circle", { cx: "15", cy: "7", r: "2.5" }], ["circle", { cx: "9", cy: "17", r: "2.5" }]],
  // an app without an icon: a rounded square with four dots
  app: [
    ["rect", { x: "3.5", y: "3.5", width: "17", height: "17", rx: "4.5" }],
    ["circle", { cx: "9.5", cy: "9.5", r: "1.3", fill: "currentColor" }],
    ["circle", { cx: "14.5", cy: "9.5", r: "1.3", fill: "currentColor" }],
    ["circle", { cx: "9.5", cy: "14.5", r: "1.3", fill: "currentColor" }],
    ["circle", { cx: "14.5", cy: "14.5", r: "1.3", fill: "currentColor" }],
  ],
};

/** The pictogram of a kind of data (or of an app without an icon): decorative, hidden from
 * assistive technology, since the name it goes with is written next to it. */
export function pictogram(name: Kind | "app"): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  const attrs: Record<string, string> = {
    viewBox: "0 0 24 24", width: "24", height: "24", fill: "none", stroke: "currentColor",
    "stroke-width": "1.7", "stroke-linecap": "round", "stroke-linejoin": "round",
    "aria-hidden": "true", focusable: "false", class: `pictogram pictogram-${name}`,
  };
  for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
  for (const [tag, shapeAttrs] of DRAWINGS[name]) {
    const shape = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(shapeAttrs)) shape.setAttribute(k, v);
    svg.append(shape);
  }
  return svg;
}
