//! herken in the browser and in Node: a thin wasm-bindgen layer over `herken-engine`.
//!
//! Everything crosses the boundary as JSON text, so a report is exactly the engine's
//! `evaluate_json` (the bytes of `Report::to_json()`, written straight from the screening) —
//! the bytes `herken screen --format json` prints, minus indentation —
//! and the same case gives the same report natively and in WASM. Errors are thrown as JS
//! `Error`s with the CLI's `code` and message. The logic lives in [`api`], tested natively.

use std::cell::RefCell;

use herken_engine::{CompiledRuleSet, SignatureState};
use js_sys::{Array, Error, JSON, JsString, Reflect};
use wasm_bindgen::prelude::*;

pub mod api;

use crate::api::{Failure, JsScreenOptions};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

// The TypeScript names of what crosses the boundary as plain JS values (see types.d.ts).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "Observations | string")]
    pub type ObservationsArg;
    #[wasm_bindgen(typescript_type = "ScreenOptions")]
    pub type ScreenOptionsArg;
    #[wasm_bindgen(typescript_type = "BundleOptions")]
    pub type BundleOptionsArg;
    #[wasm_bindgen(typescript_type = "string[]")]
    pub type AskedArg;
}

/// A compiled rule set, built once from a bundle and used for any number of cases.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Screener {
    rules: CompiledRuleSet,
    signature: SignatureState,
    /// The options of the last screen, with their JSON text: a form screens every answer with
    /// the same options, so they are read from JSON once, not at every screen.
    options: RefCell<Option<(JsString, JsScreenOptions)>>,
}

#[wasm_bindgen]
impl Screener {
    /// Opens a bundle (`Bundle::open`): strict JSON, its content SHA-256, its signature if it
    /// has one (always checked), and — with `trustedKeys` given — a valid signature by one of
    /// them required; then compiles its rule set. Throws a `HerkenError` with a `bundle::*`
    /// code, or `options::invalid` for bad options.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(json: &str, options: Option<BundleOptionsArg>) -> Result<Screener, JsValue> {
        let trust = options
            .map_or(Ok("{}".to_owned()), |o| json_text(&o, "{}"))
            .and_then(|o| api::trust_policy(&o))
            .map_err(throwable)?;
        let opened = api::open(json, &trust).map_err(throwable)?;
        Ok(Screener {
            rules: opened.rules,
            signature: opened.signature,
            options: RefCell::new(None),
        })
    }

    /// Screens one case: `{question_id: answer}` (or its JSON text). Returns the report.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn screen(
        &self,
        observations: &ObservationsArg,
        options: Option<ScreenOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        parse_js_string(&self.report(observations, options)?)
    }

    /// As `screen`, but the report as canonical JSON text (byte-identical to the CLI's).
    #[wasm_bindgen(js_name = screenJson, unchecked_return_type = "string")]
    pub fn screen_json(
        &self,
        observations: &ObservationsArg,
        options: Option<ScreenOptionsArg>,
    ) -> Result<JsString, JsValue> {
        self.report(observations, options)
    }
}

impl Screener {
    /// The report of `screenJson`.
    fn report(
        &self,
        observations: &ObservationsArg,
        options: Option<ScreenOptionsArg>,
    ) -> Result<JsString, JsValue> {
        let case = json_text(observations, "{}").map_err(throwable)?;
        let Some(options) = options else {
            return screen_report(&self.rules, &case, &JsScreenOptions::default())
                .map_err(throwable);
        };
        // The same options as last time (as JSON text, which is what they mean) are not read
        // again: `JSON.stringify` stays, their copy into Rust and serde's reading go.
        let text = json_js(&options)
            .ok_or_else(|| {
                Failure::new(
                    herken_engine::codes::options::INVALID,
                    "the screen options cannot be written as JSON",
                )
            })
            .map_err(throwable)?;
        let mut last = self.options.borrow_mut();
        let options = match &*last {
            Some((last_text, options)) if *last_text == text => options,
            _ => {
                let options = api::options(&rust_text(&text)).map_err(throwable)?;
                &last.insert((text, options)).1
            }
        };
        screen_report(&self.rules, &case, options).map_err(throwable)
    }
}

#[wasm_bindgen]
impl Screener {
    /// The ids of the questions that apply to the answers so far (`ask_if` not false), in
    /// question order. Answers to other rule sets' questions are ignored.
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn applicable(&self, observations: &ObservationsArg) -> Result<JsValue, JsValue> {
        let case = json_text(observations, "{}").map_err(throwable)?;
        let ids = api::applicable(&self.rules, &case).map_err(throwable)?;
        Ok(ids.into_iter().map(JsValue::from).collect::<Array>().into())
    }

    /// The next step of a guided interview: the question to ask next (the one that brings the
    /// set's highest outcome closest to decided), whether that outcome is decided, and whether
    /// any answer still to come can change the outcome. `asked`: ids of the questions asked so
    /// far (answered, or asked and not known); `lang` as for `questions()`. Answers to and ids
    /// of other rule sets' questions are ignored.
    #[wasm_bindgen(unchecked_return_type = "GuidedStep")]
    pub fn guide(
        &self,
        observations: &ObservationsArg,
        asked: Option<AskedArg>,
        lang: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let case = json_text(observations, "{}").map_err(throwable)?;
        let asked = asked
            .map_or(Ok("[]".to_owned()), |a| json_text(&a, "[]"))
            .map_err(throwable)?;
        let lang = lang.unwrap_or_else(|| "nl".to_owned());
        parse(&api::guide(&self.rules, &case, &asked, &lang).map_err(throwable)?)
    }

    /// The questions, groups, outcomes and dimensions in `lang` (default `nl`; the rule
    /// set's first language when it lacks `lang`): enough to render a form.
    #[wasm_bindgen(unchecked_return_type = "Questionnaire")]
    pub fn questions(&self, lang: Option<String>) -> Result<JsValue, JsValue> {
        let lang = lang.unwrap_or_else(|| "nl".to_owned());
        parse(&api::questionnaire(&self.rules, &lang))
    }

    /// Identity and provenance: id, version, sha256, title, status, languages, engine, and
    /// who signed the bundle (`signature`: state, key and fingerprint).
    #[wasm_bindgen(unchecked_return_type = "RuleSetInfo")]
    pub fn info(&self) -> Result<JsValue, JsValue> {
        parse(&api::to_json(&api::info(&self.rules, &self.signature)))
    }
}

/// The engine's version, `herken x.y.z`.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    herken_engine::ENGINE.to_owned()
}

/// Whether this module has the Rhai interpreter (the full module) or opens bundles only by
/// their compiled form (the lean one).
#[wasm_bindgen(js_name = hasRhai)]
pub fn has_rhai() -> bool {
    cfg!(feature = "full")
}

/// A JS value as JSON text: a string is taken as JSON text already; `undefined` stands for
/// `empty` (`null` is written as `null`, which the engine refuses as a case, as the CLI does).
fn json_text(value: &JsValue, empty: &str) -> Result<String, Failure> {
    if value.is_undefined() {
        return Ok(empty.to_owned());
    }
    match value.dyn_ref::<JsString>() {
        Some(text) => Ok(rust_text(text)),
        None => json_js(value).map(|text| rust_text(&text)).ok_or_else(|| {
            Failure::new(
                herken_engine::codes::case::INVALID_JSON,
                "the value cannot be written as JSON",
            )
        }),
    }
}

/// A JS value as JSON text, still a JS string: a string as it is, anything else as
/// `JSON.stringify` writes it; `None` when it cannot (a cycle, a `BigInt`, a function).
fn json_js(value: &JsValue) -> Option<JsString> {
    if value.is_string() {
        return Some(value.clone().unchecked_into());
    }
    JSON::stringify(value)
        .ok()
        // `JSON.stringify` gives `undefined` for a function, a symbol, `undefined`.
        .filter(|text| text.is_string())
}

// The `TextEncoder` of the page and of Node, for `rust_text`.
#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, text: &JsString, into: &mut [u8]) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// A JS string as Rust text, written by `TextEncoder.encodeInto` straight into a buffer of
/// the module's memory. wasm-bindgen's own conversion copies a string's ASCII characters one
/// `charCodeAt` at a time in JS: ~10 µs for a 2 KB case under Node 20, against ~0.4 µs.
fn rust_text(text: &JsString) -> String {
    let units = text.length() as usize;
    // At most three bytes of UTF-8 for each UTF-16 unit (four for a pair of two).
    let mut bytes = vec![0; units * 3];
    // So all of it fits: `encodeInto` reads every unit.
    let result = ENCODER.with(|e| e.encode_into(text, &mut bytes));
    bytes.truncate(result.written() as usize);
    // Not an error (`encodeInto` writes well-formed UTF-8); wasm-bindgen's conversion then,
    // which gives the same text.
    String::from_utf8(bytes).unwrap_or_else(|_| String::from(text))
}

/// A screen's report as a JS string: the lean module from the report's bytes by
/// [`report_string`] (faster under Node 20: wasm/README.md, "Speed"), the full one from its
/// text by [`js_string`] (which it has anyway, for its other answers), so as not to grow it.
#[cfg(not(feature = "full"))]
fn screen_report(
    rules: &CompiledRuleSet,
    case: &str,
    options: &JsScreenOptions,
) -> Result<JsString, Failure> {
    let mut bytes = api::screen_bytes(rules, case, options)?;
    Ok(report_string(&mut bytes))
}

#[cfg(feature = "full")]
fn screen_report(
    rules: &CompiledRuleSet,
    case: &str,
    options: &JsScreenOptions,
) -> Result<JsString, Failure> {
    Ok(js_string(&api::screen(rules, case, options)?))
}

// The `TextDecoder` of the page and of Node, for `report_string`: it takes the report's bytes
// as they are in the module's memory (wasm-bindgen passes a view, not a copy). Its defaults
// (no `fatal`, a leading byte-order mark dropped) do not matter: what it decodes is ASCII.
#[cfg(not(feature = "full"))]
#[wasm_bindgen]
extern "C" {
    type TextDecoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextDecoder;
    #[wasm_bindgen(method)]
    fn decode(this: &TextDecoder, bytes: &[u8]) -> JsString;
}

#[cfg(not(feature = "full"))]
thread_local! {
    static DECODER: TextDecoder = TextDecoder::new();
}

/// A report (UTF-8 bytes) as a JS string, fast whatever characters it holds; `bytes` is left
/// with each byte of its characters that are not ASCII replaced by a space.
///
/// V8 makes a string of ASCII fast and of other UTF-8 slowly (see [`js_string`]), and each
/// piece decoded on its own costs more than a slice of a string made already. So the report
/// is decoded in one piece with its other characters blanked out (a report has a few: `ö` in
/// "zorgcoördinator", dashes), and those characters are put back in JS between slices of it
/// (slices and concatenation link strings, copying nothing).
#[cfg(not(feature = "full"))]
fn report_string(bytes: &mut [u8]) -> JsString {
    let decode = |bytes: &[u8]| DECODER.with(|d| d.decode(bytes));
    let Some(first) = first_non_ascii(bytes) else {
        return decode(bytes);
    };
    // The runs of other characters: where they are (bytes) and their UTF-16 units.
    let mut runs = Vec::new();
    let mut units: Vec<u16> = Vec::new();
    let mut at = first;
    while at < bytes.len() {
        let end = bytes[at..]
            .iter()
            .position(u8::is_ascii)
            .map_or(bytes.len(), |n| at + n);
        let from = units.len();
        // `at` and `end` are character boundaries (an ASCII byte or the end after them) of
        // text the engine wrote, so the run is UTF-8; were it not, the whole report is decoded
        // as it is (slowly, with the same result).
        let Ok(run) = std::str::from_utf8(&bytes[at..end]) else {
            return decode(bytes);
        };
        units.extend(run.encode_utf16());
        runs.push((at, end, from, units.len()));
        at = first_non_ascii(&bytes[end..]).map_or(bytes.len(), |n| end + n);
    }
    for &(start, end, ..) in &runs {
        bytes[start..end].fill(b' ');
    }
    // All ASCII now: a character of the string for each byte.
    let blanked = decode(bytes);
    let index = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut joined = blanked.slice(0, index(first));
    for (k, &(_, end, from, to)) in runs.iter().enumerate() {
        // Most runs are one character (`ö`, `–`): passed as numbers rather than a list; a
        // long one in parts, each within what a JS call takes as arguments.
        match units[from..to] {
            [u] => joined = joined.concat(&JsString::from_char_code1(u.into())),
            [u, v] => joined = joined.concat(&JsString::from_char_code2(u.into(), v.into())),
            ref more => {
                for part in more.chunks(4096) {
                    joined = joined.concat(&JsString::from_char_code(part));
                }
            }
        }
        let next = runs.get(k + 1).map_or(bytes.len(), |r| r.0);
        if next > end {
            joined = joined.concat(&blanked.slice(index(end), index(next)));
        }
    }
    joined
}

/// `text` as a JS string, made from its ASCII stretches and the characters between them.
///
/// A report is ASCII but for a few characters (`ö` in "zorgcoördinator" in the advice, near
/// its start). V8 turns UTF-8 into a string fast up to the first other character and slowly
/// after it: the ~37 KB report of an empty case took 70–290 µs under Node 20 in one piece,
/// 7–25 µs for the same text all ASCII. So each ASCII stretch is decoded on its own and the
/// pieces joined (JS concatenation links them, copying nothing).
fn js_string(text: &str) -> JsString {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut joined: Option<JsString> = None;
    while start < bytes.len() {
        let other = !bytes[start].is_ascii();
        // The end of the stretch that starts at `start`: ASCII up to the next other byte, or
        // other characters up to the next ASCII byte (always a character boundary).
        let end = if other {
            start
                + bytes[start..]
                    .iter()
                    .position(u8::is_ascii)
                    .unwrap_or(bytes.len() - start)
        } else {
            first_non_ascii(&bytes[start..]).map_or(bytes.len(), |n| start + n)
        };
        let piece = JsString::from(&text[start..end]);
        joined = Some(match joined {
            None => piece,
            Some(j) => j.concat(&piece),
        });
        start = end;
    }
    joined.unwrap_or_else(|| JsString::from(""))
}

/// Where the first byte that is not ASCII is: 32 bytes at a time (four words, one test)
/// while all are ASCII, then eight at a time.
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    for block in bytes.chunks_exact(32) {
        let mut any = 0;
        for word in block.chunks_exact(8) {
            any |= u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        }
        if any & HIGH != 0 {
            break;
        }
        at += 32;
    }
    let mut words = bytes[at..].chunks_exact(8);
    for word in words.by_ref() {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8])) & HIGH;
        if w != 0 {
            return Some(at + w.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| !b.is_ascii())
        .map(|n| at + n)
}

// `JSON.parse` of a JS string already made (js-sys's takes Rust text).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &JsString) -> Result<JsValue, JsValue>;
}

fn parse(json: &str) -> Result<JsValue, JsValue> {
    parse_js_string(&js_string(json))
}

/// A `Failure` as a thrown JS `Error` (`name` `HerkenError`) with `code` and the details.
fn throwable(failure: Failure) -> JsValue {
    let error = Error::new(&failure.message);
    error.set_name("HerkenError");
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = Reflect::set(&error, &JsValue::from_str(key), &value);
    };
    set("code", JsValue::from_str(failure.code.as_str()));
    if let Some(field) = &failure.field {
        set("field", JsValue::from_str(field));
    }
    if let Some((key, value)) = &failure.details
        && let Ok(parsed) = JSON::parse(&value.to_string())
    {
        set(key, parsed);
    }
    error.into()
}
