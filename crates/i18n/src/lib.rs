//! Keepsake's words in the person's language. Every sentence the command line prints and every
//! notification the app sends comes from a Fluent catalog (`locales/<language>/keepsake.ftl`),
//! so a translator edits one file per language and never the code; a message missing from a
//! translation falls back to English rather than to its id.
//!
//! Catalogs are compiled into the binary: nothing is read from disk at run time.
//!
//! ```
//! use keepsake_i18n::{tr, Language, Messages};
//! let fr = Messages::new(Language::French);
//! assert_eq!(tr!(fr, "backup-finished-body", device = "iPhone d'Ada"), "iPhone d'Ada est sauvegardé.");
//! ```

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use fluent_bundle::FluentArgs as Args;

/// The languages Keepsake speaks, each with a complete catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    French,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::French];

    /// The language for an OS locale (`fr_FR.UTF-8`, `fr-CA`, `en-GB`, `C`): French for any
    /// French locale, English otherwise.
    pub fn from_locale(locale: &str) -> Language {
        let lang = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match lang.as_str() {
            "fr" => Language::French,
            _ => Language::English,
        }
    }

    /// Its BCP 47 tag, as the UI and `Intl` take it.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
        }
    }

    /// The language's catalog files: the app's and CLI's, the device crate's, the store's, the
    /// offsite copies'. They form one bundle, so an id appears in only one of them.
    fn catalogs(self) -> [&'static str; 4] {
        match self {
            Language::English => [
                include_str!("../locales/en/keepsake.ftl"),
                include_str!("../locales/en/device.ftl"),
                include_str!("../locales/en/store.ftl"),
                include_str!("../locales/en/offsite.ftl"),
            ],
            Language::French => [
                include_str!("../locales/fr/keepsake.ftl"),
                include_str!("../locales/fr/device.ftl"),
                include_str!("../locales/fr/store.ftl"),
                include_str!("../locales/fr/offsite.ftl"),
            ],
        }
    }
}

/// A language's catalog, ready to format messages (shareable between threads).
pub struct Messages {
    language: Language,
    bundle: FluentBundle<FluentResource>,
    /// English, for a message the language's catalog lacks.
    english: Option<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("language", &self.language)
            .finish()
    }
}

fn bundle(language: Language) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = language.tag().parse().expect("a valid language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Terminals and notification servers show Unicode isolation marks as boxes.
    bundle.set_use_isolating(false);
    for catalog in language.catalogs() {
        let resource = FluentResource::try_new(catalog.to_owned()).unwrap_or_else(|(_, errors)| {
            panic!("the {language:?} catalog does not parse: {errors:?}")
        });
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("the {language:?} catalog repeats ids: {errors:?}"));
    }
    bundle
}

impl Messages {
    pub fn new(language: Language) -> Messages {
        Messages {
            language,
            bundle: bundle(language),
            english: (language != Language::English).then(|| bundle(Language::English)),
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// Message `id` with `args`; English when this language lacks it, the id itself when no
    /// catalog has it (a bug the catalog tests catch).
    pub fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for bundle in std::iter::once(&self.bundle).chain(self.english.as_ref()) {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                return text.into_owned();
            }
        }
        id.to_owned()
    }

    /// Whether this language's own catalog has message `id`.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// A size as people read it in this language: "4.8 MiB", "4,8 Mio".
    pub fn bytes(&self, n: u64) -> String {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        const FR: [&str; 5] = ["o", "Kio", "Mio", "Gio", "Tio"];
        let units = match self.language {
            Language::English => UNITS,
            Language::French => FR,
        };
        let mut value = n as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < units.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        let text = if unit == 0 {
            format!("{n} {}", units[0])
        } else {
            format!("{value:.1} {}", units[unit])
        };
        match self.language {
            Language::English => text,
            // a decimal comma, and a no-break space before the unit
            Language::French => text.replace('.', ",").replace(' ', "\u{a0}"),
        }
    }
}

/// The process's language: the OS's, set once by whoever builds the process's context; English
/// until then. Messages made far from any context (an error's text) are in it.
static PROCESS_LANGUAGE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
static PROCESS_MESSAGES: [std::sync::OnceLock<Messages>; 2] =
    [std::sync::OnceLock::new(), std::sync::OnceLock::new()];

/// Message `id` in the process's language (see [`process`]), with `args` shown as text: what
/// an error's `Display` says. An argument that is an integer, written as one, goes as a number,
/// so that plurals select on it; only up to 2^53, which Fluent's f64 holds exactly (a chunk id
/// of 16 digits stays text, as written).
pub fn say(id: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut fluent = Args::new();
    for (k, v) in args {
        let text = v.to_string();
        match text.parse::<i64>() {
            Ok(n) if n.to_string() == text && n.unsigned_abs() <= 1 << 53 => fluent.set(*k, n),
            _ => fluent.set(*k, text),
        }
    }
    process().format(id, Some(&fluent))
}

/// Sets the process's language (see [`process`]).
pub fn set_process_language(language: Language) {
    let index = Language::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or(0);
    PROCESS_LANGUAGE.store(index as u8, std::sync::atomic::Ordering::Relaxed);
}

/// The process's language's messages, built once.
pub fn process() -> &'static Messages {
    let index = usize::from(PROCESS_LANGUAGE.load(std::sync::atomic::Ordering::Relaxed))
        .min(Language::ALL.len() - 1);
    PROCESS_MESSAGES[index].get_or_init(|| Messages::new(Language::ALL[index]))
}

/// A value for a message's variable.
pub fn arg<'a>(v: impl Into<FluentValue<'a>>) -> FluentValue<'a> {
    v.into()
}

/// `tr!(messages, "id")` or `tr!(messages, "id", name = value, …)`: message `id` formatted.
/// Values are anything Fluent takes (strings, numbers); numbers choose plurals.
#[macro_export]
macro_rules! tr {
    ($m:expr, $id:expr) => {
        $m.format($id, None)
    };
    ($m:expr, $id:expr, $($k:ident = $v:expr),+ $(,)?) => {{
        let mut args = $crate::Args::new();
        $( args.set(stringify!($k).replace('_', "-"), $crate::arg($v)); )+
        $m.format($id, Some(&args))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast;
    use std::collections::{BTreeMap, BTreeSet};

    /// Each message's id and the variables it uses.
    fn shape(language: Language) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for catalog in language.catalogs() {
            let resource = fluent_syntax::parser::parse(catalog).expect("parses");
            for entry in resource.body {
                if let ast::Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        variables(p, &mut vars);
                    }
                    let id = m.id.name.to_owned();
                    assert!(
                        out.insert(id.clone(), vars).is_none(),
                        "{id} is in two catalogs"
                    );
                }
            }
        }
        out
    }

    fn variables(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for e in &p.elements {
            if let ast::PatternElement::Placeable { expression } = e {
                expression_variables(expression, vars);
            }
        }
    }

    fn expression_variables(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Inline(i) => inline_variables(i, vars),
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, vars);
                for v in variants {
                    variables(&v.value, vars);
                }
            }
        }
    }

    fn inline_variables(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_owned());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_variables(a, vars);
                }
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, vars)
            }
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let english = shape(Language::English);
        assert!(english.len() > 10, "the English catalog is nearly empty");
        for language in Language::ALL {
            let other = shape(language);
            let missing: Vec<&String> =
                english.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<&String> = other.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{language:?}: missing {missing:?}, unknown {extra:?}"
            );
            for (id, vars) in &english {
                assert_eq!(&other[id], vars, "{language:?} {id}: other variables");
            }
            // and each formats without an error
            let m = Messages::new(language);
            for id in english.keys() {
                assert_ne!(m.format(id, None), *id, "{language:?} {id}");
            }
        }
    }

    #[test]
    fn say_selects_plurals_on_numbers_and_keeps_long_digit_strings_as_written() {
        // (this test binary never sets the process language: English)
        let one = say(
            "verify-summary-problems",
            &[("count", &1), ("location", &"/d")],
        );
        let two = say(
            "verify-summary-problems",
            &[("count", &2), ("location", &"/d")],
        );
        assert!(one.starts_with("1 problem found at /d"), "{one}");
        assert!(two.starts_with("2 problems found at /d"), "{two}");
        let id = "9999999999999999";
        let text = say("error-location-missing", &[("location", &id)]);
        assert!(text.contains(id), "{text}");
    }

    #[test]
    fn locales_choose_the_language_and_plurals_follow_it() {
        assert_eq!(Language::from_locale("fr_FR.UTF-8"), Language::French);
        assert_eq!(Language::from_locale("fr-CA"), Language::French);
        assert_eq!(Language::from_locale("en_GB.UTF-8"), Language::English);
        assert_eq!(Language::from_locale("C"), Language::English);
        assert_eq!(Language::from_locale(""), Language::English);
        let en = Messages::new(Language::English);
        let fr = Messages::new(Language::French);
        assert_eq!(
            tr!(en, "no-recent-backup-title", device = "Ada", days = 1),
            "No backup of Ada for 1 day"
        );
        assert_eq!(
            tr!(en, "no-recent-backup-title", device = "Ada", days = 3),
            "No backup of Ada for 3 days"
        );
        assert_eq!(
            tr!(fr, "no-recent-backup-title", device = "Ada", days = 3),
            "Aucune sauvegarde de Ada depuis 3 jours"
        );
        assert_eq!(fr.bytes(5_000_000), "4,8\u{a0}Mio");
        assert_eq!(en.bytes(5_000_000), "4.8 MiB");
        assert_eq!(fr.format("no-such-message", None), "no-such-message");
    }
}
