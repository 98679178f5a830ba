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
#[cfg(not(feature = "full"))]
mod report_text;
mod text;

use crate::api::{Failure, JsScreenOptions};
use crate::text::{js_string, rust_text};

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
    /// The lean module's buffers, kept from screen to screen.
    #[cfg(not(feature = "full"))]
    scratch: RefCell<Scratch>,
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
            #[cfg(not(feature = "full"))]
            scratch: RefCell::default(),
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
        let case = json_js_text(observations, "{}").map_err(throwable)?;
        let Some(options) = options else {
            return self
                .screen_report(&case, &JsScreenOptions::default())
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
        self.screen_report(&case, options).map_err(throwable)
    }

    /// A screen's report as a JS string: the lean module reads the case into memory it keeps
    /// and makes the string from the report's bytes ([`report_text::report_string`]: faster,
    /// wasm/README.md, "Speed"), the full one from the report's text ([`js_string`], which it
    /// has anyway, for its other answers), so as not to grow it.
    #[cfg(not(feature = "full"))]
    fn screen_report(
        &self,
        case: &JsString,
        options: &JsScreenOptions,
    ) -> Result<JsString, Failure> {
        /// Buffers that grew beyond this (a long text answer) are not kept.
        const KEEP: usize = 1 << 20;
        let mut scratch = self.scratch.borrow_mut();
        let Scratch {
            case: case_bytes,
            report,
            other,
        } = &mut *scratch;
        let case = text::text_in(case, case_bytes);
        let result = api::screen_bytes(&self.rules, &case, options, report, other)
            .map(|()| report_text::report_string(report, other));
        drop(case);
        if case_bytes.len() > KEEP || report.capacity() > KEEP {
            *scratch = Scratch::default();
        }
        result
    }

    #[cfg(feature = "full")]
    fn screen_report(
        &self,
        case: &JsString,
        options: &JsScreenOptions,
    ) -> Result<JsString, Failure> {
        Ok(js_string(&api::screen(
            &self.rules,
            &rust_text(case),
            options,
        )?))
    }
}

/// What the lean module keeps from screen to screen, so as not to allocate it again: the
/// case's text, the report's bytes and where other characters than ASCII may be in them.
#[cfg(not(feature = "full"))]
#[derive(Debug, Default)]
struct Scratch {
    case: Vec<u8>,
    report: Vec<u8>,
    other: Vec<std::ops::Range<usize>>,
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
    json_js_text(value, empty).map(|text| rust_text(&text))
}

/// As [`json_text`], the text still a JS string.
fn json_js_text(value: &JsValue, empty: &str) -> Result<JsString, Failure> {
    if value.is_undefined() {
        return Ok(JsString::from(empty));
    }
    json_js(value).ok_or_else(|| {
        Failure::new(
            herken_engine::codes::case::INVALID_JSON,
            "the value cannot be written as JSON",
        )
    })
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
