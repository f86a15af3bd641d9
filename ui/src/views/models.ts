// Devices by model: Apple's product types ("iPhone15,2") as people know them ("iPhone 14 Pro"),
// and a picture of each, drawn by hand as inline SVG (nothing is fetched from the net). The
// picture's colours come from the stylesheet's variables and `currentColor`, so it follows the
// light and the dark scheme; the model's name is its accessible name.

import { t } from "../i18n";

const SVG_NS = "http://www.w3.org/2000/svg";

/** What the front of a device looks like: a home button under the screen, a notch in it, the
 * Dynamic Island, or a screen with an even border all round. */
export type Face = "home" | "notch" | "island" | "plain";

/** The shape a picture takes. */
export type Kind = "iphone" | "ipad" | "generic";

interface Model {
  name: string;
  face: Face;
}

/** The product types of the iPhones and iPads this computer is likely to see. */
const MODELS: Record<string, Model> = {};

/** Adds one model under each of its product types (a model has one per cellular variant). */
function models(face: Face, name: string, ...productTypes: string[]): void {
  for (const p of productTypes) MODELS[p] = { name, face };
}

models("home", "iPhone SE (1st generation)", "iPhone8,4");
models("home", "iPhone 7", "iPhone9,1", "iPhone9,3");
models("home", "iPhone 7 Plus", "iPhone9,2", "iPhone9,4");
models("home", "iPhone 8", "iPhone10,1", "iPhone10,4");
models("home", "iPhone 8 Plus", "iPhone10,2", "iPhone10,5");
models("notch", "iPhone X", "iPhone10,3", "iPhone10,6");
models("notch", "iPhone XS", "iPhone11,2");
models("notch", "iPhone XS Max", "iPhone11,4", "iPhone11,6");
models("notch", "iPhone XR", "iPhone11,8");
models("notch", "iPhone 11", "iPhone12,1");
models("notch", "iPhone 11 Pro", "iPhone12,3");
models("notch", "iPhone 11 Pro Max", "iPhone12,5");
models("home", "iPhone SE (2nd generation)", "iPhone12,8");
models("notch", "iPhone 12 mini", "iPhone13,1");
models("notch", "iPhone 12", "iPhone13,2");
models("notch", "iPhone 12 Pro", "iPhone13,3");
models("notch", "iPhone 12 Pro Max", "iPhone13,4");
models("notch", "iPhone 13 Pro", "iPhone14,2");
models("notch", "iPhone 13 Pro Max", "iPhone14,3");
models("notch", "iPhone 13 mini", "iPhone14,4");
models("notch", "iPhone 13", "iPhone14,5");
models("home", "iPhone SE (3rd generation)", "iPhone14,6");
models("notch", "iPhone 14", "iPhone14,7");
models("notch", "iPhone 14 Plus", "iPhone14,8");
models("island", "iPhone 14 Pro", "iPhone15,2");
models("island", "iPhone 14 Pro Max", "iPhone15,3");
models("island", "iPhone 15", "iPhone15,4");
models("island", "iPhone 15 Plus", "iPhone15,5");
models("island", "iPhone 15 Pro", "iPhone16,1");
models("island", "iPhone 15 Pro Max", "iPhone16,2");
models("island", "iPhone 16 Pro", "iPhone17,1");
models("island", "iPhone 16 Pro Max", "iPhone17,2");
models("island", "iPhone 16", "iPhone17,3");
models("island", "iPhone 16 Plus", "iPhone17,4");
models("notch", "iPhone 16e", "iPhone17,5");
models("home", "iPod touch (7th generation)", "iPod9,1");

models("home", "iPad (7th generation)", "iPad7,11", "iPad7,12");
models("home", "iPad (8th generation)", "iPad11,6", "iPad11,7");
models("home", "iPad (9th generation)", "iPad12,1", "iPad12,2");
models("plain", "iPad (10th generation)", "iPad13,18", "iPad13,19");
models("home", "iPad mini (5th generation)", "iPad11,1", "iPad11,2");
models("plain", "iPad mini (6th generation)", "iPad14,1", "iPad14,2");
models("home", "iPad Air (3rd generation)", "iPad11,3", "iPad11,4");
models("plain", "iPad Air (4th generation)", "iPad13,1", "iPad13,2");
models("plain", "iPad Air (5th generation)", "iPad13,16", "iPad13,17");
models("plain", "iPad Air 11-inch (M2)", "iPad14,8", "iPad14,9");
models("plain", "iPad Air 13-inch (M2)", "iPad14,10", "iPad14,11");
models("plain", "iPad Pro 11-inch (3rd generation)", "iPad13,4", "iPad13,5", "iPad13,6", "iPad13,7");
models("plain", "iPad Pro 12.9-inch (5th generation)", "iPad13,8", "iPad13,9", "iPad13,10", "iPad13,11");
models("plain", "iPad Pro 11-inch (4th generation)", "iPad14,3", "iPad14,4");
models("plain", "iPad Pro 12.9-inch (6th generation)", "iPad14,5", "iPad14,6");
models("plain", "iPad Pro 11-inch (M4)", "iPad16,3", "iPad16,4");
models("plain", "iPad Pro 13-inch (M4)", "iPad16,5", "iPad16,6");

/** The model as people know it: "iPhone 14 Pro" for "iPhone15,2"; a product type missing from
 * the table is shown as it is (it still tells the model apart), and an unknown one (a device
 * that does not trust this computer yet keeps it to itself) as what it must be. */
export function modelName(productType: string): string {
  if (!productType) return t("model-unknown");
  return MODELS[productType]?.name ?? productType;
}

/** What to draw for a product type. One missing from the table is guessed from its number, so
 * a new iPhone is drawn as its family looks: the Dynamic Island from iPhone15, a notch from the
 * iPhone X (iPhone10,3) on, a home button before. */
export function modelShape(productType: string): { kind: Kind; face: Face } {
  const known = MODELS[productType];
  const kind: Kind = productType.startsWith("iPad") ? "ipad" : /^(iPhone|iPod)/.test(productType) ? "iphone" : "generic";
  if (known) return { kind, face: known.face };
  const major = Number(/^iPhone(\d+),/.exec(productType)?.[1] ?? NaN);
  if (kind === "iphone" && major >= 15) return { kind, face: "island" };
  if (kind === "iphone" && major >= 11) return { kind, face: "notch" };
  if (kind === "iphone" && major > 0) return { kind, face: "home" };
  return { kind, face: kind === "iphone" ? "notch" : "plain" };
}

/** One SVG element with its attributes. */
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Node[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

let drawn = 0;

/** The drawing's own units, per kind: a phone is about half as wide as tall, an iPad held
 * upright about three quarters. */
const BOX: Record<Kind, { w: number; h: number }> = { iphone: { w: 64, h: 128 }, generic: { w: 64, h: 128 }, ipad: { w: 96, h: 128 } };

/** The front of an iPhone (or iPod, or a device not known): body, screen, and what the
 * generation has on its face, with the side buttons. */
function phone(face: Face, screen: string, buttons: boolean): SVGElement[] {
  const home = face === "home";
  const parts: SVGElement[] = [
    // side buttons first, so the body's edge covers their inner half
    ...(buttons
      ? [
          svg("rect", { class: "model-button", x: 0.5, y: 30, width: 3, height: 7, rx: 1 }),
          svg("rect", { class: "model-button", x: 0.5, y: 42, width: 3, height: 12, rx: 1 }),
          svg("rect", { class: "model-button", x: 0.5, y: 57, width: 3, height: 12, rx: 1 }),
          svg("rect", { class: "model-button", x: 60.5, y: 44, width: 3, height: 18, rx: 1 }),
        ]
      : []),
    svg("rect", { class: "model-frame", x: 2, y: 2, width: 60, height: 124, rx: home ? 9 : 11 }),
  ];
  if (home) {
    parts.push(
      svg("rect", { class: "model-screen", x: 6, y: 17, width: 52, height: 92, rx: 1.5, fill: screen }),
      svg("rect", { class: "model-detail", x: 25, y: 9, width: 14, height: 2.2, rx: 1.1 }),
      svg("circle", { class: "model-home", cx: 32, cy: 117.5, r: 5 }),
    );
  } else {
    parts.push(svg("rect", { class: "model-screen", x: 5, y: 5, width: 54, height: 118, rx: 8.5, fill: screen }));
    if (face === "notch") parts.push(svg("path", { class: "model-cutout", d: "M21 5 h22 v3.5 a4 4 0 0 1 -4 4 h-14 a4 4 0 0 1 -4 -4 z" }));
    if (face === "island") parts.push(svg("rect", { class: "model-cutout", x: 24, y: 8.5, width: 16, height: 5, rx: 2.5 }));
    // the line at the bottom of an all-screen iPhone, where a swipe goes home
    parts.push(svg("rect", { class: "model-indicator", x: 23, y: 117.5, width: 18, height: 1.6, rx: 0.8 }));
  }
  return parts;
}

/** The front of an iPad, upright: a home button under the screen, or an even border. */
function tablet(face: Face, screen: string, buttons: boolean): SVGElement[] {
  const home = face === "home";
  const parts: SVGElement[] = [
    ...(buttons ? [svg("rect", { class: "model-button", x: 78, y: 0.5, width: 10, height: 3, rx: 1 })] : []),
    svg("rect", { class: "model-frame", x: 2, y: 2, width: 92, height: 124, rx: home ? 8 : 7 }),
  ];
  if (home) {
    parts.push(
      svg("rect", { class: "model-screen", x: 8, y: 13, width: 80, height: 102, rx: 1, fill: screen }),
      svg("circle", { class: "model-detail", cx: 48, cy: 7.5, r: 1.1 }),
      svg("circle", { class: "model-home", cx: 48, cy: 120.5, r: 3.5 }),
    );
  } else {
    parts.push(
      svg("rect", { class: "model-screen", x: 6, y: 6, width: 84, height: 116, rx: 3.5, fill: screen }),
      svg("circle", { class: "model-detail", cx: 48, cy: 4, r: 0.9 }),
    );
  }
  return parts;
}

/** A picture of the device's model, `size` pixels tall: an iPhone with the notch, the Dynamic
 * Island or a home button as its generation has, an iPad for an iPad, a plain phone for what is
 * not known. The screen glows in the accent colour (`lit`), or is dark (a device not in sight).
 * It is an image named after the model; where the model is said next to it, hide it from
 * assistive technologies with `aria-hidden`. */
export function modelPicture(productType: string, size: number, lit = true): SVGSVGElement {
  const { kind, face } = modelShape(productType);
  const box = BOX[kind];
  const glow = `model-glow-${++drawn}`;
  const width = Math.round((size * box.w) / box.h);
  return svg(
    "svg",
    {
      class: `model-picture model-${kind} model-${face}${lit ? " lit" : ""}`,
      viewBox: `0 0 ${box.w} ${box.h}`,
      width,
      height: size,
      role: "img",
      "aria-label": modelName(productType),
      "data-model": productType,
    },
    svg("defs", {},
      svg("linearGradient", { id: glow, x1: 0, y1: 0, x2: 1, y2: 1 },
        svg("stop", { class: "model-glow-from", offset: 0 }),
        svg("stop", { class: "model-glow-to", offset: 1 }))),
    // the side buttons only where they can be told apart from the body
    ...(kind === "ipad" ? tablet(face, `url(#${glow})`, size >= 48) : phone(face, `url(#${glow})`, size >= 48)),
  );
}
