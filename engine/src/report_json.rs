//! The report's canonical JSON, written directly: the same bytes as `serde_json::to_string` of
//! the derived `Serialize` (compact, fields in declaration order, the same escapes and number
//! forms), in a fraction of the time. A report is mostly texts of the rule set, and serde_json
//! writes a text in pieces through `io::Write`; here a text without characters to escape (all of
//! them, in practice) is one copy. That matters most in the WASM module, which is built for
//! size and where serialising the report was most of the time of a screen.
//!
//! The derived `Serialize` stays the definition: `engine/tests/differential.rs` checks that both
//! give the same bytes for every test case of every bundled rule set and for random cases, so a
//! field added to the report and not here fails the tests.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::manifest::PositiveRule;
use crate::report::{
    DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Report,
    ReportDiagnostic, Str, StrengthCounts,
};

/// Where JSON text is written: a `String`, or bytes of UTF-8 — the report the WASM module makes
/// a JS string of from its memory, so that copying its pieces needs no character-boundary checks
/// ([`CompiledRuleSet::evaluate_json_bytes_into`](crate::CompiledRuleSet::evaluate_json_bytes_into)).
pub(crate) trait JsonOut {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);
}

impl JsonOut for String {
    #[inline]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    #[inline]
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

impl JsonOut for Vec<u8> {
    #[inline]
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    #[inline]
    fn push(&mut self, c: char) {
        self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

impl Report<'_> {
    /// Canonical JSON: compact, fields in declaration order (the bytes of `serde_json::to_string`,
    /// written directly).
    pub fn to_json(&self) -> String {
        // A generous guess of the length, so that writing rarely grows the buffer.
        let hint = 1024 + 320 * self.indicators.len() + 160 * self.next_questions.len();
        let mut out = String::with_capacity(hint);
        write_report(self, &mut out);
        out
    }
}

/// Appends the report's compact JSON to `out`.
fn write_report(r: &Report<'_>, out: &mut String) {
    out.push_str("{\"ruleset\":{\"id\":");
    string(out, &r.ruleset.id);
    out.push_str(",\"version\":");
    string(out, &r.ruleset.version);
    out.push_str(",\"status\":");
    string(out, r.ruleset.status.name());
    out.push_str(",\"sha256\":");
    string(out, &r.ruleset.sha256);
    out.push_str("},\"engine\":");
    string(out, &r.engine);
    out.push_str(",\"language\":");
    string(out, &r.language);
    out.push_str(",\"outcome\":");
    outcome(out, &r.outcome);
    out.push_str(",\"dimensions\":");
    list(out, &r.dimensions, dimension);
    out.push_str(",\"indicators\":");
    list(out, &r.indicators, indicator);
    out.push_str(",\"unanswered\":");
    strings(out, &r.unanswered);
    out.push_str(",\"next_questions\":");
    list(out, &r.next_questions, next_question);
    out.push_str(",\"diagnostics\":");
    list(out, &r.diagnostics, diagnostic);
    out.push('}');
}

fn outcome(out: &mut String, o: &OutcomeReport<'_>) {
    out.push_str("{\"id\":");
    string(out, &o.id);
    out.push_str(",\"level\":");
    unsigned(out, o.level as u64);
    out.push_str(",\"label\":");
    string(out, &o.label);
    out.push_str(",\"advice\":");
    string(out, &o.advice);
    out.push_str(",\"decided_by\":");
    string(out, &o.decided_by);
    if let Some(c) = &o.condition {
        out.push_str(",\"condition\":");
        string(out, c);
    }
    out.push_str(",\"may_rise\":");
    boolean(out, o.may_rise);
    if let Some(to) = &o.could_rise_to {
        out.push_str(",\"could_rise_to\":");
        string(out, to);
    }
    if let Some(label) = &o.could_rise_to_label {
        out.push_str(",\"could_rise_to_label\":");
        string(out, label);
    }
    if let Some(h) = &o.htcds {
        out.push_str(",\"htcds\":");
        string(out, h);
    }
    out.push('}');
}

fn dimension(out: &mut String, d: &DimensionReport<'_>) {
    out.push_str("{\"id\":");
    string(out, &d.id);
    out.push_str(",\"label\":");
    string(out, &d.label);
    out.push_str(",\"positive\":");
    boolean(out, d.positive);
    out.push_str(",\"rule\":");
    positive_rule(out, d.rule);
    if let Some(c) = d.clause {
        out.push_str(",\"clause\":");
        string(out, c.id());
    }
    out.push_str(",\"counts\":");
    counts(out, d.counts);
    out.push_str(",\"score\":");
    float(out, d.score);
    out.push_str(",\"indicators\":");
    strings(out, &d.indicators);
    out.push_str(",\"unknown\":");
    strings(out, &d.unknown);
    out.push('}');
}

/// A dimension's rule: `"ilo"`, `{"at_least":k}` or `{"score_at_least":x}`.
/// A dimension's `counts` object: present indicators by strength.
pub(crate) fn counts(out: &mut impl JsonOut, c: StrengthCounts) {
    out.push_str("{\"strong\":");
    unsigned(out, u64::from(c.strong));
    out.push_str(",\"medium\":");
    unsigned(out, u64::from(c.medium));
    out.push_str(",\"weak\":");
    unsigned(out, u64::from(c.weak));
    out.push('}');
}

pub(crate) fn positive_rule(out: &mut impl JsonOut, rule: PositiveRule) {
    match rule {
        PositiveRule::Ilo => out.push_str("\"ilo\""),
        PositiveRule::AtLeast(k) => {
            out.push_str("{\"at_least\":");
            unsigned(out, u64::from(k));
            out.push('}');
        }
        PositiveRule::ScoreAtLeast(x) => {
            out.push_str("{\"score_at_least\":");
            float(out, x);
            out.push('}');
        }
    }
}

fn indicator(out: &mut String, i: &IndicatorReport<'_>) {
    out.push_str("{\"id\":");
    string(out, &i.id);
    out.push_str(",\"label\":");
    string(out, &i.label);
    out.push_str(",\"dimension\":");
    string(out, &i.dimension);
    if let Some(s) = &i.strength {
        out.push_str(",\"strength\":");
        string(out, s);
    }
    out.push_str(",\"weight\":");
    float(out, i.weight);
    out.push_str(",\"state\":");
    string(out, i.state.as_str());
    out.push_str(",\"reads\":{");
    for (n, (q, v)) in i.reads.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        string(out, q);
        out.push(':');
        value(out, v);
    }
    out.push('}');
    if let Some(e) = &i.error {
        out.push_str(",\"error\":");
        error(out, e);
    }
    out.push('}');
}

pub(crate) fn error(out: &mut impl JsonOut, e: &EvalError) {
    out.push_str("{\"code\":");
    string(out, e.code.as_str());
    out.push_str(",\"message\":");
    string(out, &e.message);
    if let Some(at) = &e.at {
        out.push_str(",\"at\":");
        string(out, at);
    }
    out.push('}');
}

fn next_question(out: &mut String, q: &NextQuestion<'_>) {
    out.push_str("{\"id\":");
    string(out, &q.id);
    out.push_str(",\"question\":");
    string(out, &q.question);
    if let Some(to) = &q.could_raise_to {
        out.push_str(",\"could_raise_to\":");
        string(out, to);
    }
    out.push_str(",\"indicators\":");
    strings(out, &q.indicators);
    out.push('}');
}

pub(crate) fn diagnostic(out: &mut impl JsonOut, d: &ReportDiagnostic) {
    out.push_str("{\"code\":");
    string(out, d.code.as_str());
    out.push_str(",\"message\":");
    string(out, &d.message);
    out.push('}');
}

fn list<T>(out: &mut String, items: &[T], each: fn(&mut String, &T)) {
    out.push('[');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

fn strings(out: &mut String, items: &[Str<'_>]) {
    out.push('[');
    for (n, s) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        string(out, s);
    }
    out.push(']');
}

pub(crate) fn boolean(out: &mut impl JsonOut, b: bool) {
    out.push_str(if b { "true" } else { "false" });
}

/// A JSON answer, as serde_json writes a `Value` (objects in the map's order).
fn value(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => boolean(out, *b),
        Json::Number(n) => {
            if let Some(u) = n.as_u64() {
                unsigned(out, u);
            } else if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(f) = n.as_f64() {
                float(out, f);
            }
        }
        Json::String(s) => string(out, s),
        Json::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                value(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (n, (k, item)) in map.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                value(out, item);
            }
            out.push('}');
        }
    }
}

pub(crate) fn unsigned(out: &mut impl JsonOut, mut n: u64) {
    if n < 10 {
        out.push(char::from(b'0' + n as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while n > 0 {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // ASCII digits, so always valid UTF-8.
    if let Ok(text) = std::str::from_utf8(&digits[at..]) {
        out.push_str(text);
    }
}

/// A number as serde_json writes an `f64`: whole numbers of moderate size as `3.0`, the rest
/// through serde_json itself (shortest round-trip form); not finite as `null`.
pub(crate) fn float(out: &mut impl JsonOut, f: f64) {
    const WHOLE: f64 = 1e15;
    // `as` saturates and truncates; equal back means `f` is whole (and not NaN). No `fract()`:
    // without SSE4.1 that is a call into libm.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let whole = f.abs() < WHOLE && (f as i64) as f64 == f;
    if whole {
        if f.is_sign_negative() {
            out.push('-');
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        unsigned(out, f.abs() as u64);
        out.push_str(".0");
    } else {
        match serde_json::to_string(&f) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str("null"),
        }
    }
}

/// A JSON string with serde_json's escapes: `"` and `\`, the short forms `\b \t \n \f \r`,
/// other control characters as `\u00xx`; everything else as it is (UTF-8).
pub(crate) fn string(out: &mut impl JsonOut, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let clean = start + clean_prefix(&bytes[start..]);
        // `clean` is the end or an ASCII byte, so a character boundary.
        out.push_str(&s[start..clean]);
        let Some(&b) = bytes.get(clean) else {
            break;
        };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        start = clean + 1;
    }
    out.push('"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// How many bytes from the start need no escape: eight at a time while none does (bit tricks
/// on a `u64`, fast on every target, WASM included), then byte by byte.
pub(crate) fn clean_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bits where a byte of `w` is below `n` (n ≤ 128): exact as a yes/no.
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        let w = u64::from_ne_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // The three tests joined, so that a clean word takes one branch.
        if below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            break;
        }
        n += 8;
    }
    n + bytes[n..].iter().take_while(|&&b| !needs_escape(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é€😀\u{2028}\u{7f}");
        for s in [all.as_str(), "", "plain", "\"", "\\", "a\"b\\c\nd"] {
            let mut out = String::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).expect("serialises"), "{s:?}");
        }
    }

    #[test]
    fn every_byte_at_every_position_is_escaped_as_serde_json_does() {
        for b in 0u8..0x80 {
            for at in 0..20 {
                for around in ["abcdefghijklmnopqrst", "ééééééééé€\u{7f}\u{7f}"] {
                    let mut s = around.to_owned();
                    let at = (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                    s.insert(at, char::from(b));
                    let mut out = String::new();
                    string(&mut out, &s);
                    assert_eq!(out, serde_json::to_string(&s).expect("serialises"), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_does() {
        let floats = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            3.0,
            0.5,
            1.25,
            -2.5,
            1e14,
            999_999_999_999_999.0,
            1e15,
            1e16,
            1e300,
            1e-7,
            0.1,
            2.0 / 3.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for f in floats {
            let mut out = String::new();
            float(&mut out, f);
            assert_eq!(out, serde_json::to_string(&f).expect("serialises"), "{f:?}");
        }
        for u in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            let mut out = String::new();
            unsigned(&mut out, u);
            assert_eq!(out, serde_json::to_string(&u).expect("serialises"));
        }
        for v in [
            serde_json::json!(-3),
            serde_json::json!(i64::MIN),
            serde_json::json!(4.5),
            serde_json::json!({"b": [1, "x"], "a": null}),
        ] {
            let mut out = String::new();
            value(&mut out, &v);
            assert_eq!(out, serde_json::to_string(&v).expect("serialises"));
        }
    }
}
