//! Embeds the bundled rule sets (`rules/<id>/ruleset.yaml`, `*.rhai`, `tests/*.yaml`) so the
//! `herken` binary works from any directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut sets: Vec<_> = std::fs::read_dir(&rules)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("ruleset.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    sets.sort();
    let mut code = String::from(
        "/// Bundled rule sets: (id, [(path, text)]).\npub static BUNDLED: &[(&str, &[(&str, &str)])] = &[\n",
    );
    for set in &sets {
        println!("cargo:rerun-if-changed={}", set.display());
        let id = set.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(code, "    ({id:?}, &[");
        let mut files = Vec::new();
        collect(set, set, &mut files);
        files.sort();
        for (rel, abs) in files {
            println!("cargo:rerun-if-changed={abs}");
            let _ = writeln!(code, "        ({rel:?}, include_str!({abs:?})),");
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("write bundled.rs");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "rhai") {
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let abs = path
                .canonicalize()
                .unwrap_or(path.clone())
                .to_string_lossy()
                .into_owned();
            files.push((rel, abs));
        }
    }
}
