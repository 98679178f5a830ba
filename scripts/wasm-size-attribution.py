#!/usr/bin/env python3
"""Where a WASM module's bytes go, per crate: reads `twiggy top --format csv` of a module that
still has its function names, and sums the shallow size of each function by the first crate
its (demangled) name mentions. Names and debug sections are left out of the total (the shipped
module has none).

    wasm-opt -Os --debuginfo --strip-producers herken_wasm_bg.wasm -o named.wasm
    twiggy top -n 1000000 --format csv named.wasm | python3 scripts/wasm-size-attribution.py

Caveats, said with the numbers in wasm/README.md: inlined code counts for the function it was
inlined into; functions wasm-opt folded together keep one name; generic code of the standard
library (sorting, collections, closures, formatting) names no crate and is counted as "std".
"""
import collections
import csv
import re
import sys

# (name token, label): the first token found in a name, leftmost, gives the label.
CRATES = [
    ("rhai", "rhai"), ("thin_vec", "rhai"), ("smartstring", "rhai"), ("ahash", "rhai"),
    ("yaml_rust2", "yaml-rust2"),
    ("regex_automata", "regex"), ("regex_syntax", "regex"), ("regex", "regex"),
    ("aho_corasick", "regex"), ("memchr", "regex"),
    ("serde_json", "serde_json"), ("serde", "serde"),
    ("ed25519_dalek", "ed25519/sha2"), ("curve25519_dalek", "ed25519/sha2"),
    ("sha2", "ed25519/sha2"), ("block_buffer", "ed25519/sha2"), ("digest", "ed25519/sha2"),
    ("herken_engine::compile", "engine: load + compile"),
    ("herken_engine::manifest", "engine: load + compile"),
    ("herken_engine::yaml", "engine: load + compile"),
    ("herken_engine::lint", "engine: load + compile"),
    ("herken_engine::sandbox", "engine: Rhai sandbox"),
    ("herken_engine::analysis", "engine: decision analysis"),
    ("herken_engine::bundle", "engine: bundles"),
    ("herken_engine::compiled", "engine: compiled form"),
    ("herken_engine", "engine: screening, report, guide, forms"),
    ("herken_wasm", "herken-wasm (API, JSON conversion)"),
    ("wasm_bindgen", "wasm-bindgen runtime"), ("js_sys", "wasm-bindgen runtime"),
    ("smallvec", "smallvec"), ("semver", "semver"),
]
PATTERNS = [(re.compile(r"(?<![A-Za-z0-9_])" + re.escape(t) + "::"), label) for t, label in CRATES]


def label(name):
    if name.startswith("custom section") or "subsection" in name:
        return None
    if name.startswith("data segment"):
        return "data segments (constants, Unicode tables)"
    best, at = "std (generic code naming no crate)", len(name) + 1
    for pattern, lab in PATTERNS:
        m = pattern.search(name)
        if m and m.start() < at:
            best, at = lab, m.start()
    return best


def main():
    rows = list(csv.reader(sys.stdin))[1:]
    sizes = collections.Counter()
    for row in rows:
        if len(row) < 2 or not row[1].isdigit():
            continue
        lab = label(row[0])
        if lab is not None:
            sizes[lab] += int(row[1])
    total = sum(sizes.values())
    for lab, size in sizes.most_common():
        print(f"{size:>9,} {100 * size / total:5.1f} %  {lab}")
    print(f"{total:>9,} 100.0 %  total (without names and debug sections)")


if __name__ == "__main__":
    main()
