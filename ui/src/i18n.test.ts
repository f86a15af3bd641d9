import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FluentResource } from "@fluent/bundle";
import { afterEach, describe, expect, it } from "vitest";
import { bytes, duration, when } from "./dom";
import { CATALOGS, LANGUAGES, language, setLanguage, t } from "./i18n";

afterEach(() => setLanguage("en"));

/** The messages of a catalog, in order, each with the variables it uses (in any variant). */
function messages(source: string): { id: string; vars: string[] }[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = node as { type?: string; name?: string };
    if (n.type === "var" && n.name) found.add(n.name);
    for (const v of Object.values(node)) walk(v);
  };
  return new FluentResource(source).body.map((m) => {
    found.clear();
    walk(m.value);
    walk(m.attributes);
    return { id: m.id, vars: [...found].sort() };
  });
}

const SRC = import.meta.dirname;
/** The interface's sources (not the tests), to see which messages they ask for. */
function sources(dir: string = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [readFileSync(join(dir, e.name), "utf8")] : []);
}

describe("the catalogs", () => {
  it("parse whole: every message written is one Fluent reads", () => {
    for (const tag of LANGUAGES) {
      const written = CATALOGS[tag].split("\n").filter((line) => /^[a-z][a-z0-9-]* =/.test(line)).length;
      expect(messages(CATALOGS[tag]).length, `${tag}.ftl`).toBe(written);
      expect(written).toBeGreaterThan(300);
    }
  });

  it("have the same messages, in the same order, with the same variables", () => {
    const en = messages(CATALOGS.en);
    const fr = messages(CATALOGS.fr);
    expect(fr.map((m) => m.id)).toEqual(en.map((m) => m.id));
    expect(new Set(en.map((m) => m.id)).size).toBe(en.length);
    for (const [i, m] of en.entries()) expect(fr[i].vars, m.id).toEqual(m.vars);
  });

  it("name their messages in kebab case, grouped by view", () => {
    for (const tag of LANGUAGES) {
      for (const m of messages(CATALOGS[tag])) expect(m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(CATALOGS[tag].match(/^## /gm)?.length).toBeGreaterThan(8);
    }
  });

  it("hold every message the interface asks for, and none it does not", () => {
    const code = sources().join("\n");
    const asked = new Set([...code.matchAll(/\bt\("([^"]+)"/g)].map((m) => m[1]));
    const ids = new Set(messages(CATALOGS.en).map((m) => m.id));
    expect([...asked].filter((id) => !ids.has(id))).toEqual([]);
    // ids chosen in code (`t(what)`) are still written out as strings somewhere
    expect([...ids].filter((id) => !code.includes(`"${id}"`))).toEqual([]);
  });
});

describe("t", () => {
  it("speaks the language chosen, English unless told", () => {
    expect(language()).toBe("en");
    expect(t("device-back-up-now")).toBe("Back up now");
    setLanguage("fr");
    expect(language()).toBe("fr");
    expect(t("device-back-up-now")).toBe("Sauvegarder maintenant");
  });

  it("says the id itself when no catalog has the message", () => {
    setLanguage("fr");
    expect(t("no-such-message")).toBe("no-such-message");
  });

  it("puts variables in without Unicode isolation marks", () => {
    setLanguage("fr");
    const text = t("device-back-up-now-label", { device: "iPhone de Camille" });
    expect(text).toBe("Sauvegarder maintenant : iPhone de Camille");
    expect(text).not.toMatch(/[\u2068\u2069]/);
  });

  it("chooses plurals, and writes numbers as each language does", () => {
    expect(t("device-away-snapshots", { count: 1 })).toBe("1 snapshot");
    expect(t("device-away-snapshots", { count: 12345 })).toBe("12345 snapshots");
    setLanguage("fr");
    expect(t("device-away-snapshots", { count: 1 })).toBe("1 instantané");
    expect(t("device-away-snapshots", { count: 2 })).toBe("2 instantanés");
    expect(t("device-away-snapshots", { count: 12345 })).toBe("12\u202f345 instantanés");
  });
});

describe("formats", () => {
  it("write sizes as the OS's file managers do, in each language", () => {
    expect([999, 4_200_000, 12_345_678, 4_250_000_000].map(bytes)).toEqual(["999 B", "4.2 MB", "12 MB", "4.3 GB"]);
    setLanguage("fr");
    expect([999, 4_200_000, 12_345_678, 4_250_000_000].map(bytes)).toEqual(["999 o", "4,2 Mo", "12 Mo", "4,3 Go"]);
  });

  it("write durations and dates in the language", () => {
    const time = new Date(2026, 11, 3, 14, 5).getTime() / 1000;
    expect(when(time)).toBe(new Date(time * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
    expect(duration(185)).toBe("3 min 5 s");
    setLanguage("fr");
    expect(when(time)).toBe("3 déc. 2026, 14:05");
    expect(duration(7322)).toBe("2 h 2 min");
  });
});
