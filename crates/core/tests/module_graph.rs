//! The shape of `keepsake-core`, checked on its source: no two of its modules import each other
//! in a circle (directly or through others), and only `environment` reads the process
//! environment. A small reader of `crate::` paths, not a compiler: every `crate::<module>` in a
//! module's code (its tests left out) is an edge of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Each top-level module of `src` (a file, or a folder with its submodules) and its code
/// without comments and without its `#[cfg(test)]` part.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let files: Vec<_> = if path.is_dir() {
            std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect()
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" {
            vec![path.clone()]
        } else {
            continue;
        };
        let mut code = String::new();
        for file in files {
            code.push_str(&without_tests(&std::fs::read_to_string(file).unwrap()));
        }
        out.insert(name, code);
    }
    out
}

fn without_tests(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or("");
    before_tests
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module → the other modules its code names as `crate::<module>`.
fn graph(modules: &BTreeMap<String, String>) -> Graph {
    let mut graph = Graph::new();
    for (name, code) in modules {
        let uses: BTreeSet<String> = code
            .match_indices("crate::")
            .flat_map(|(i, _)| {
                let rest = &code[i + "crate::".len()..];
                let ident: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let braced = rest.starts_with('{');
                // `use crate::{a, b}` names several modules at once
                let group = braced.then(|| rest[1..].split('}').next().unwrap_or(""));
                match group {
                    Some(g) => g
                        .split(',')
                        .map(|p| p.trim().split("::").next().unwrap_or("").to_owned())
                        .collect::<Vec<_>>(),
                    None => vec![ident],
                }
            })
            .filter(|m| m != name && modules.contains_key(m))
            .collect();
        graph.insert(name.clone(), uses);
    }
    graph
}

/// The groups of modules that reach each other (strongly connected components of more than one
/// module, or one that names itself): each is a cycle of imports.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Reach sets: quadratic, and plenty for a few dozen modules.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for m in graph.keys() {
        if placed.contains(m) || !reaches[m].contains(m) {
            continue;
        }
        let group: Vec<String> = graph
            .keys()
            .filter(|o| reaches[m].contains(*o) && reaches[*o].contains(m))
            .cloned()
            .collect();
        placed.extend(group.iter().cloned());
        out.push(group);
    }
    out
}

fn core_src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn cores_modules_import_each_other_without_a_cycle() {
    let modules = modules(&core_src());
    assert!(modules.len() > 10, "the modules were found: {modules:?}");
    let graph = graph(&modules);
    assert!(
        graph["backup"].contains("location") && graph["agent"].contains("backup"),
        "the reader sees imports: {graph:#?}"
    );
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "modules of keepsake-core import each other in a circle: {found:?}\n{graph:#?}"
    );
}

#[test]
fn only_the_environment_module_reads_the_environment() {
    for (name, code) in modules(&core_src()) {
        let reads = ["env::var", "env::vars", "std::env::args", "env!(\"HOME"]
            .iter()
            .any(|p| code.contains(p));
        assert_eq!(
            reads,
            name == "environment",
            "{name}: core takes what it needs from its Context; only `environment` reads variables"
        );
    }
}

#[test]
fn the_cycle_reader_finds_a_cycle_through_a_third_module_and_a_braced_import() {
    let modules: BTreeMap<String, String> = [
        ("a", "use crate::b::X;"),
        ("b", "use crate::{c::Y, d};"),
        ("c", "fn f() { crate::a::g() }"),
        ("d", "// use crate::a; only a comment\n"),
        ("e", "fn h() {}\n#[cfg(test)]\nmod tests { use crate::a; }"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), without_tests(v)))
    .collect();
    let graph = graph(&modules);
    assert_eq!(graph["b"], BTreeSet::from(["c".into(), "d".into()]));
    assert!(graph["d"].is_empty() && graph["e"].is_empty());
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
}
