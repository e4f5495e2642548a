//! Embeds the `buildbot_compat` shim's sources in the crate (so the binary works without the
//! source tree) and records the interpreter's library directory as an rpath for this crate's
//! tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, package: &str, out: &mut Vec<(String, bool, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        if path.is_dir() {
            if path.join("__init__.py").exists() {
                collect(&path, &format!("{package}.{name}"), out);
            }
        } else if let Some(stem) = name.strip_suffix(".py") {
            if stem == "__init__" {
                out.push((package.to_owned(), true, path.clone()));
            } else {
                out.push((format!("{package}.{stem}"), false, path.clone()));
            }
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let shim = manifest
        .join("../../python/buildbot_compat")
        .canonicalize()
        .expect("python/buildbot_compat exists");
    println!("cargo:rerun-if-changed={}", shim.display());
    let mut modules = Vec::new();
    collect(&shim, "buildbot_compat", &mut modules);
    let mut code = String::from(
        "/// `(module name, is package, file path, source)` of every shim module.\npub(crate) static SHIM_MODULES: &[(&str, bool, &str, &str)] = &[\n",
    );
    for (name, is_pkg, path) in &modules {
        println!("cargo:rerun-if-changed={}", path.display());
        let shown = path
            .strip_prefix(shim.parent().expect("has a parent"))
            .expect("inside python/");
        writeln!(
            code,
            "    ({name:?}, {is_pkg}, {:?}, include_str!({:?})),",
            shown.display().to_string(),
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("shim_modules.rs");
    std::fs::write(out, code).expect("writing shim_modules.rs");
    pyo3_build_config::add_libpython_rpath_link_args();
}
