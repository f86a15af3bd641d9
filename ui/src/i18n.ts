// The interface in the person's language: its words in Fluent catalogs (src/locales/*.ftl), one
// per language, and the language the OS says (Rust's `language` command, asked once at start).
// English is the fallback for a message a catalog lacks. Dates and numbers follow the language:
// in English as the system writes them (as before the catalogs), in French as French does.
import { FluentBundle, FluentNumber, FluentResource, type FluentVariable } from "@fluent/bundle";
import enSource from "./locales/en.ftl?raw";
import frSource from "./locales/fr.ftl?raw";

export type Language = "en" | "fr";

export const LANGUAGES: readonly Language[] = ["en", "fr"];

/** The catalogs' sources, for the tests that compare them. */
export const CATALOGS: Record<Language, string> = { en: enSource, fr: frSource };

function bundle(tag: Language): FluentBundle {
  // No Unicode isolation marks around variables: the texts land in the DOM as they read.
  const b = new FluentBundle(tag, { useIsolating: false });
  const errors = b.addResource(new FluentResource(CATALOGS[tag]));
  for (const e of errors) console.warn(`${tag}.ftl`, e);
  return b;
}

const BUNDLES: Record<Language, FluentBundle> = { en: bundle("en"), fr: bundle("fr") };

let current: Language = "en";

/** Chooses the language the interface speaks from now on (what is drawn next uses it). */
export function setLanguage(tag: Language): void {
  current = tag;
}

export function language(): Language {
  return current;
}

/** The locale `Intl` formats dates with: in English the system's own (`undefined`), so English
 * reads as it always has; in French the system's French (fr-CA, fr-CH…) when it is one. */
export function locale(): string | undefined {
  if (current === "en") return undefined;
  const system = typeof navigator !== "undefined" ? navigator.language : "";
  return system.toLowerCase().startsWith(`${current}-`) ? system : current;
}

/** A number English writes as JavaScript does ("12345"), as the interface did before the
 * catalogs; its plural category still chooses the variant. */
class PlainNumber extends FluentNumber {
  override toString(): string {
    return String(this.value);
  }
}

/** The message `id` in the current language, with its variables; in English when the catalog
 * lacks it, and the id itself when English lacks it too. Numbers are grouped as the language
 * groups them ("12 345" in French), except in English, which writes them plain. */
export function t(id: string, args?: Record<string, string | number>): string {
  const vars: Record<string, FluentVariable> = {};
  for (const [k, v] of Object.entries(args ?? {})) {
    vars[k] = typeof v === "number" ? (current === "en" ? new PlainNumber(v) : new FluentNumber(v)) : v;
  }
  for (const tag of current === "en" ? (["en"] as const) : ([current, "en"] as const)) {
    const b = BUNDLES[tag];
    const message = b.getMessage(id);
    if (!message?.value) continue;
    const errors: Error[] = [];
    const text = b.formatPattern(message.value, vars, errors);
    for (const e of errors) console.warn(`${tag}.ftl ${id}`, e);
    return text;
  }
  return id;
}
