//! The house stays drawn: every `crate::…` path in `src/` must be an import that
//! docs/architecture.md's module table allows, and no modules may import each other in a
//! circle (top-level modules, or files within one folder). A failure names the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One import: where it stands and the module path it names (`rules::partners`).
struct Import {
    file: String,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// module → the imports it may make, from the table in docs/architecture.md.
fn allowed() -> BTreeMap<String, Vec<String>> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let mut table = BTreeMap::new();
    let spelled_out = doc
        .lines()
        .find(|l| l.starts_with("`every module but cli` is spelled out"))
        .map(|_| {
            let start = doc.find("`every module but cli` is spelled out").unwrap();
            let para = &doc[start..doc[start..].find("\n\n").unwrap() + start];
            ticked(para.split_once(':').unwrap().1)
        })
        .expect("the spelled-out list for app");
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let module = cells[0].trim_matches('`').to_string();
        let may = cells.last().unwrap();
        let list = if may.contains("every module but") {
            spelled_out.clone()
        } else {
            ticked(may)
        };
        table.insert(module, list);
    }
    assert!(
        table.len() > 10,
        "docs/architecture.md's module table was not found"
    );
    table
}

fn ticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/legacy/reader.rs` → [legacy, reader]; `src/rules/mod.rs` → [rules].
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .skip(1)
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every path after `crate::` or `super::` on a line, with `{a, b::c}` groups expanded.
fn paths_on(line: &str, from: &[String], is_mod_rs: bool) -> Vec<Vec<String>> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    for (keyword, base) in [
        ("crate::", Vec::new()),
        ("super::", parent_of(from, is_mod_rs)),
    ] {
        let mut rest = code;
        while let Some(at) = rest.find(keyword) {
            let before = rest[..at].chars().last();
            rest = &rest[at + keyword.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for tail in expand(rest) {
                let mut path = base.clone();
                path.extend(tail);
                found.push(path);
            }
        }
    }
    found
}

fn parent_of(from: &[String], is_mod_rs: bool) -> Vec<String> {
    if is_mod_rs {
        from[..from.len().saturating_sub(1)].to_vec()
    } else {
        from[..from.len() - 1].to_vec()
    }
}

/// `a::b::{c, d::e}…` → [[a, b, c], [a, b, d, e]]; stops at the first non-path character.
fn expand(text: &str) -> Vec<Vec<String>> {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if text.starts_with('{') {
        let mut depth = 0;
        let mut end = text.len();
        for (i, c) in text.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 1 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let inner = &text[1..end];
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[start..]);
        return items
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .flat_map(expand)
            .collect();
    }
    if ident.is_empty() || ident == "self" {
        return vec![Vec::new()];
    }
    let after = &text[ident.len()..];
    match after.strip_prefix("::") {
        Some(more) => expand(more)
            .into_iter()
            .map(|t| [vec![ident.clone()], t].concat())
            .collect(),
        None => vec![vec![ident]],
    }
}

fn imports() -> Vec<Import> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root()).unwrap().to_path_buf();
        if rel.starts_with("src/bin")
            || rel == Path::new("src/main.rs")
            || rel == Path::new("src/lib.rs")
        {
            continue; // the binaries join the modules; lib.rs only declares them
        }
        let from = module_of(&rel);
        let is_mod_rs = rel.ends_with("mod.rs");
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for to in paths_on(line, &from, is_mod_rs) {
                if !to.is_empty() {
                    out.push(Import {
                        file: rel.display().to_string(),
                        line: n + 1,
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn every_import_follows_the_pipeline_in_docs_architecture_md() {
    let allowed = allowed();
    let mut wrong = Vec::new();
    for import in imports() {
        let (from, to) = (&import.from[0], &import.to[0]);
        if from == to {
            continue;
        }
        let Some(may) = allowed.get(from) else {
            wrong.push(format!(
                "{}: module `{from}` is not in docs/architecture.md's table",
                import.file
            ));
            continue;
        };
        let named = import
            .to
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("::");
        let ok = may
            .iter()
            .any(|m| m == to || named == *m || named.starts_with(&format!("{m}::")));
        if !ok {
            wrong.push(format!(
                "{}:{}: `{from}` imports `{}`, against the flow (it may import: {})",
                import.file,
                import.line,
                import.to.join("::"),
                if may.is_empty() {
                    "nothing of the crate".to_string()
                } else {
                    may.join(", ")
                }
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against docs/architecture.md:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    // Top-level modules, then the files of each folder among themselves (a parent's mod.rs
    // and its children are one room: they may refer to each other).
    let imports = imports();
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    for i in &imports {
        if i.from[0] != i.to[0] {
            graphs
                .entry("crate".into())
                .or_default()
                .entry(i.from[0].clone())
                .or_default()
                .entry(i.to[0].clone())
                .or_insert(format!("{}:{}", i.file, i.line));
        } else if i.from.len() >= 2
            // `use super::*;` in a nested file's tests names the parent itself: no sibling.
            && i.to.len() >= i.from.len()
            && i.from[..i.from.len() - 1] == i.to[..i.from.len() - 1]
        {
            let (a, b) = (&i.from[i.from.len() - 1], &i.to[i.from.len() - 1]);
            if a != b {
                graphs
                    .entry(i.from[..i.from.len() - 1].join("::"))
                    .or_default()
                    .entry(a.clone())
                    .or_default()
                    .entry(b.clone())
                    .or_insert(format!("{}:{}", i.file, i.line));
            }
        }
    }
    let mut cycles = Vec::new();
    for (room, graph) in &graphs {
        for (a, edges) in graph {
            for (b, at) in edges {
                if a < b && reaches(graph, b, a, &mut BTreeSet::new()) {
                    cycles.push(format!(
                        "in `{room}`: `{a}` imports `{b}` ({at}) and `{b}` leads back to `{a}`"
                    ));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules that import each other in a circle:\n{}",
        cycles.join("\n")
    );
}

fn reaches(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> bool {
    if from == to {
        return true;
    }
    if !seen.insert(from.to_string()) {
        return false;
    }
    graph
        .get(from)
        .is_some_and(|edges| edges.keys().any(|next| reaches(graph, next, to, seen)))
}

#[test]
fn the_import_reader_sees_grouped_and_nested_paths() {
    let from = vec!["report".to_string(), "plan_csv".to_string()];
    let found = paths_on(
        "use crate::{legacy::model::{Item, X}, rules}; // crate::not_this",
        &from,
        false,
    );
    let names: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(names, ["legacy::model::Item", "legacy::model::X", "rules"]);
    let found = paths_on("use super::files::private_dir;", &from, false);
    assert_eq!(found[0].join("::"), "report::files::private_dir");
    let found = paths_on(
        "x::crate::y; let a = crate::settings::Settings::new();",
        &from,
        false,
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0][0], "settings");
}
