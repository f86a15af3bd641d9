import { describe, expect, it } from "vitest";
import { modelName, modelPicture, modelShape } from "./models";

describe("model names", () => {
  it("names Apple's product types as people know them", () => {
    expect(modelName("iPhone15,2")).toBe("iPhone 14 Pro");
    expect(modelName("iPhone16,1")).toBe("iPhone 15 Pro");
    expect(modelName("iPhone10,1")).toBe("iPhone 8");
    expect(modelName("iPhone10,6")).toBe("iPhone X");
    expect(modelName("iPhone12,8")).toBe("iPhone SE (2nd generation)");
    expect(modelName("iPhone17,3")).toBe("iPhone 16");
    expect(modelName("iPad13,1")).toBe("iPad Air (4th generation)");
    expect(modelName("iPad14,1")).toBe("iPad mini (6th generation)");
  });

  it("knows every phone of the virtual iPhone's catalog (crates/emulator)", () => {
    expect(["iPhone15,2", "iPhone14,5", "iPhone16,1", "iPhone12,1"].map(modelName)).toEqual(["iPhone 14 Pro", "iPhone 13", "iPhone 15 Pro", "iPhone 11"]);
  });

  it("shows an unknown product type as it is, and an empty one as what it must be", () => {
    expect(modelName("iPhone99,9")).toBe("iPhone99,9");
    expect(modelName("Watch7,1")).toBe("Watch7,1");
    expect(modelName("")).toBe("iPhone or iPad");
  });
});

describe("model pictures", () => {
  const parts = (svg: SVGSVGElement) => ({
    home: svg.querySelector(".model-home") !== null,
    cutout: svg.querySelector(".model-cutout")?.tagName ?? null,
  });

  it("draws the face each generation has", () => {
    expect(modelShape("iPhone10,1")).toEqual({ kind: "iphone", face: "home" });
    expect(modelShape("iPhone14,5")).toEqual({ kind: "iphone", face: "notch" });
    expect(modelShape("iPhone15,2")).toEqual({ kind: "iphone", face: "island" });
    expect(modelShape("iPhone14,7")).toEqual({ kind: "iphone", face: "notch" });
    expect(modelShape("iPad12,1")).toEqual({ kind: "ipad", face: "home" });
    expect(modelShape("iPad13,1")).toEqual({ kind: "ipad", face: "plain" });
    expect(parts(modelPicture("iPhone10,1", 100))).toEqual({ home: true, cutout: null });
    expect(parts(modelPicture("iPhone14,5", 100))).toEqual({ home: false, cutout: "path" });
    expect(parts(modelPicture("iPhone16,1", 100))).toEqual({ home: false, cutout: "rect" });
  });

  it("guesses a new model's face from its family, and draws a plain device when unknown", () => {
    expect(modelShape("iPhone18,1")).toEqual({ kind: "iphone", face: "island" });
    expect(modelShape("iPad99,1")).toEqual({ kind: "ipad", face: "plain" });
    expect(modelShape("")).toEqual({ kind: "generic", face: "plain" });
    expect(parts(modelPicture("", 100))).toEqual({ home: false, cutout: null });
  });

  it("is an SVG image named after the model, sized by its height, coloured by the stylesheet", () => {
    const phone = modelPicture("iPhone15,2", 128);
    expect(phone.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(phone.getAttribute("role")).toBe("img");
    expect(phone.getAttribute("aria-label")).toBe("iPhone 14 Pro");
    expect([phone.getAttribute("width"), phone.getAttribute("height")]).toEqual(["64", "128"]);
    expect(phone.classList.contains("lit")).toBe(true);
    const ipad = modelPicture("iPad13,1", 128, false);
    expect(ipad.getAttribute("viewBox")).toBe("0 0 96 128");
    expect(ipad.getAttribute("width")).toBe("96");
    expect(ipad.classList.contains("lit")).toBe(false);
    // no colour is written in: the classes take theirs from the stylesheet's variables
    expect(phone.outerHTML).not.toMatch(/#[0-9a-f]{3,6}\b|rgb\(/i);
    expect(phone.outerHTML).not.toMatch(/NaN|undefined/);
  });

  it("gives each picture's gradient an id of its own", () => {
    const [a, b] = [modelPicture("iPhone15,2", 40), modelPicture("iPhone15,2", 40)];
    const id = (svg: SVGSVGElement) => svg.querySelector("linearGradient")!.id;
    expect(id(a)).not.toBe(id(b));
    expect(a.querySelector(".model-screen")?.getAttribute("fill")).toBe(`url(#${id(a)})`);
  });
});
