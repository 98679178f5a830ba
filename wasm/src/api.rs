//! The JS-independent half of the binding: bundle loading, case reading, screening and the
//! form view, as JSON text in and out, with errors carrying the CLI's codes and messages.
//! Native tests cover it; `lib.rs` only moves the text across the JS boundary.

use std::ops::Range;

use herken_engine::{
    AnswerPolicy, Bundle, BundleError, CaseTextError, Code, CompiledRuleSet, ENGINE,
    ObservationError, ObservationOptions, Observations, OpenedBundle, PublicKey, ScreenOptions,
    SignatureState, Status, Text, TrustPolicy, codes,
};
use serde::{Deserialize, Serialize};

/// Why a call failed: what the JS `Error` carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// A stable code: `bundle::…` ([`BundleError::code`]), `case::…` (as the CLI reports a
    /// case), or `options::invalid`.
    pub code: Code,
    /// The CLI's message for the same problem.
    pub message: String,
    /// The question the (first) problem is about, for case errors.
    pub field: Option<String>,
    /// More, by name: `errors`, every problem with a case as `{code, field, message, help?}`;
    /// or `diagnostics`, the rule set's, when a bundle's rule set does not load.
    pub details: Option<(&'static str, serde_json::Value)>,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        let details = match &e {
            BundleError::RuleSet(d) => serde_json::to_value(d).ok().map(|v| ("diagnostics", v)),
            _ => None,
        };
        Self {
            details,
            ..Self::new(e.code(), e.to_string())
        }
    }
}

impl From<Vec<ObservationError>> for Failure {
    fn from(errors: Vec<ObservationError>) -> Self {
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        let first = errors.first();
        Self {
            code: first.map_or(codes::case::NOT_AN_OBJECT, |e| e.code),
            message,
            field: first.map(|e| e.field.clone()).filter(|f| !f.is_empty()),
            details: serde_json::to_value(&errors).ok().map(|v| ("errors", v)),
        }
    }
}

/// Options of `fromBundle` as JS passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsBundleOptions {
    /// Public keys of the publishers trusted (key file text, 64 hex digits or base64).
    pub trusted_keys: Option<Vec<String>>,
}

/// Reads `fromBundle` options from JSON text into a trust policy.
///
/// # Errors
/// `options::invalid` for anything but the documented field, a key that is not a public key,
/// or an empty list of keys (most likely a configuration that lost its keys: leave the option
/// out to accept unsigned bundles).
pub fn trust_policy(json: &str) -> Result<TrustPolicy, Failure> {
    let options: JsBundleOptions = serde_json::from_str(json).map_err(|e| {
        Failure::new(
            codes::options::INVALID,
            format!("invalid bundle options: {e} (expected {{trustedKeys?: string[]}})"),
        )
    })?;
    let Some(texts) = options.trusted_keys else {
        return Ok(TrustPolicy::no_keys());
    };
    if texts.is_empty() {
        return Err(Failure::new(
            codes::options::INVALID,
            "`trustedKeys` is empty: give the publishers' public keys, or leave the option out to accept unsigned bundles",
        ));
    }
    let keys = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            PublicKey::from_text(text).map_err(|e| {
                Failure::new(codes::options::INVALID, format!("`trustedKeys[{i}]`: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrustPolicy::trusting(keys))
}

/// Opens a bundle under a trust policy (`Bundle::open`: strict JSON, hash, signature, trust,
/// rule set) and compiles its rule set.
///
/// # Errors
/// The bundle's [`BundleError`], with its code.
pub fn open(bundle_json: &str, trust: &TrustPolicy) -> Result<OpenedBundle, Failure> {
    Ok(Bundle::open(bundle_json, trust)?)
}

/// Options of `screen` as JS passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsScreenOptions {
    /// Language of labels and advice (the CLI's `--lang`, default `nl`).
    #[serde(alias = "language")]
    pub lang: Option<String>,
    /// Accept answers to questions this rule set does not ask (one intake, several sets).
    #[serde(default)]
    pub allow_unknown_keys: bool,
    /// Rank the next questions (default true, as the CLI does).
    pub next_questions: Option<bool>,
}

/// Reads `screen` options from JSON text.
///
/// # Errors
/// `options::invalid` for anything but the documented fields.
pub fn options(json: &str) -> Result<JsScreenOptions, Failure> {
    serde_json::from_str(json).map_err(|e| {
        Failure::new(
            codes::options::INVALID,
            format!("invalid screen options: {e} (expected {{lang?, allowUnknownKeys?, nextQuestions?}})"),
        )
    })
}

/// Reads a case (`{question_id: answer}` as JSON text) as the CLI does.
///
/// # Errors
/// `case::invalid-json` for text that is not JSON, else the engine's case errors.
pub fn observations(
    rules: &CompiledRuleSet,
    case_json: &str,
    allow_unknown_keys: bool,
) -> Result<Observations, Failure> {
    let options = ObservationOptions {
        allow_unknown_keys,
        policy: AnswerPolicy::CASE,
    };
    rules
        .observations_from_str(case_json, options)
        .map_err(|e| match e {
            CaseTextError::Json(e) => Failure::new(
                codes::case::INVALID_JSON,
                format!(
                    "invalid JSON at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    herken_engine::json_problem(&e)
                ),
            ),
            CaseTextError::Answers(errors) => errors.into(),
        })
}

/// Screens a case: the report as the CLI's `--format json` prints it, compact.
///
/// # Errors
/// As [`observations`].
pub fn screen(
    rules: &CompiledRuleSet,
    case_json: &str,
    options: &JsScreenOptions,
) -> Result<String, Failure> {
    let (obs, options) = screening(rules, case_json, options)?;
    Ok(rules.evaluate_json(&obs, &options))
}

/// [`screen`]'s report as bytes of UTF-8 (`evaluate_json_bytes_into`) in `out`, and in
/// `other` the ranges of it where characters other than ASCII may be (every byte outside them
/// is ASCII); both are cleared first. What the lean module makes a JS string of.
///
/// # Errors
/// As [`observations`]; `out` and `other` are then empty.
pub fn screen_bytes(
    rules: &CompiledRuleSet,
    case_json: &str,
    options: &JsScreenOptions,
    out: &mut Vec<u8>,
    other: &mut Vec<Range<usize>>,
) -> Result<(), Failure> {
    out.clear();
    other.clear();
    let (obs, options) = screening(rules, case_json, options)?;
    rules.evaluate_json_bytes_into(&obs, &options, out, other);
    Ok(())
}

/// A case's observations and the engine's options for a screen.
fn screening(
    rules: &CompiledRuleSet,
    case_json: &str,
    options: &JsScreenOptions,
) -> Result<(Observations, ScreenOptions), Failure> {
    let obs = observations(rules, case_json, options.allow_unknown_keys)?;
    let defaults = ScreenOptions::default();
    let screen_options = ScreenOptions {
        language: options.lang.clone().unwrap_or(defaults.language),
        next_questions: options.next_questions.unwrap_or(defaults.next_questions),
    };
    Ok((obs, screen_options))
}

/// The ids of the questions that apply to a case (`ask_if` not false), in question order.
///
/// # Errors
/// As [`observations`]; unknown keys are accepted.
pub fn applicable(rules: &CompiledRuleSet, case_json: &str) -> Result<Vec<String>, Failure> {
    let obs = observations(rules, case_json, true)?;
    Ok(rules
        .applicable(&obs)
        .into_iter()
        .map(|q| rules.questions()[q].id().to_owned())
        .collect())
}

/// The next step of a guided interview ([`CompiledRuleSet::guide`]) as JSON text: the case so
/// far, the ids of the questions asked (answered or not known; ids of other rule sets'
/// questions are ignored, as their answers are), and the language of the texts.
///
/// # Errors
/// As [`observations`] (unknown keys are accepted); `options::invalid` when `asked` is not a
/// list of question ids.
pub fn guide(
    rules: &CompiledRuleSet,
    case_json: &str,
    asked_json: &str,
    lang: &str,
) -> Result<String, Failure> {
    let obs = observations(rules, case_json, true)?;
    let asked: Vec<String> = serde_json::from_str(asked_json).map_err(|e| {
        Failure::new(
            codes::options::INVALID,
            format!("invalid `asked`: {e} (expected a list of question ids)"),
        )
    })?;
    let mut flags = vec![false; rules.questions().len()];
    for id in &asked {
        if let Some(q) = rules.question_index(id) {
            flags[q] = true;
        }
    }
    Ok(rules.guide(&obs, &flags, lang).to_json())
}

/// What `questions(lang)` gives: the engine's [`herken_engine::Form`] in `lang` (the set's
/// first language where it lacks `lang`), compact — the JSON `herken questions --format json`
/// prints.
pub fn questionnaire(rules: &CompiledRuleSet, lang: &str) -> String {
    to_json(&rules.form(lang))
}

/// Identity and provenance of a loaded rule set.
#[derive(Debug, Serialize)]
pub struct Info<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub sha256: &'a str,
    pub title: &'a Text,
    pub description: &'a Text,
    pub status: Status,
    pub languages: &'a [String],
    pub licence: &'a str,
    pub sources: Vec<SourceView<'a>>,
    pub engine: &'static str,
    pub signature: SignatureView,
}

/// Who signed the bundle, as `info()` gives it.
#[derive(Debug, Serialize)]
pub struct SignatureView {
    /// `unsigned`, `signed` (valid, by a key nobody said to trust) or `trusted`.
    pub state: &'static str,
    /// The signer's public key (64 hex digits), when signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The signer's key fingerprint (`ed25519:` and 32 hex digits), when signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

impl From<&SignatureState> for SignatureView {
    fn from(state: &SignatureState) -> Self {
        Self {
            state: state.as_str(),
            key: state.key().map(PublicKey::to_hex),
            fingerprint: state.key().map(PublicKey::fingerprint),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SourceView<'a> {
    pub id: &'a str,
    pub citation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'a str>,
}

pub fn info<'a>(rules: &'a CompiledRuleSet, signature: &SignatureState) -> Info<'a> {
    Info {
        id: rules.id(),
        version: rules.version(),
        sha256: rules.sha256(),
        title: rules.title(),
        description: rules.description(),
        status: rules.status(),
        languages: rules.languages(),
        licence: rules.licence(),
        sources: rules
            .sources()
            .iter()
            .map(|s| SourceView {
                id: s.id(),
                citation: s.citation(),
                url: s.url(),
            })
            .collect(),
        engine: ENGINE,
        signature: signature.into(),
    }
}

/// Serializes a view; the views hold only strings, numbers and lists, so this cannot fail.
pub fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use herken_engine::{SecretKey, Sources, screen as engine_screen};

    use super::*;

    const MANIFEST: &str = r#"
format: 1
id: tiny
version: 1.0.0
status: draft
title: {en: Tiny, nl: Klein}
licence: CC0-1.0
languages: [nl, en]
groups:
  - {id: work, title: {en: Work, nl: Werk}}
questions:
  - id: passport_taken
    type: yesno
    group: work
    text: {en: "Is your passport held by someone else?", nl: "Heeft iemand anders uw paspoort?"}
  - id: hours
    type: integer
    min: 0
    max: 168
    text: {en: "Hours a week?", nl: "Uren per week?"}
  - id: got_it_back
    type: yesno
    group: work
    ask_if: obs.passport_taken
    text: {en: "Did you get it back?", nl: "Hebt u het teruggekregen?"}
dimensions:
  - id: coercion
    label: {en: Coercion, nl: Dwang}
    positive: {at_least: 1}
indicators:
  - id: documents_confiscated
    dimension: coercion
    strength: strong
    label: {en: Confiscation of documents, nl: Innemen van documenten}
    when: obs.passport_taken
decision:
  - {id: any-signal, outcome: signals_present, when: 'positive("coercion")'}
  - {id: otherwise, outcome: no_signals}
outcomes:
  - id: no_signals
    label: {en: No signals found, nl: Geen signalen gevonden}
    advice: {en: Stay alert., nl: Blijf alert.}
  - id: signals_present
    label: {en: Signals present, nl: Signalen aanwezig}
    advice: {en: Consult a colleague., nl: Overleg met een collega.}
"#;

    fn bundle() -> String {
        let sources = Sources::new().with("ruleset.yaml", MANIFEST);
        Bundle::new("tiny", "1.0.0", &sources).to_json()
    }

    fn rules() -> CompiledRuleSet {
        open(&bundle(), &TrustPolicy::no_keys())
            .expect("the bundle loads")
            .rules
    }

    #[test]
    fn reports_are_the_engines_compact_json() {
        let rules = rules();
        let case = r#"{"passport_taken": true}"#;
        let options = JsScreenOptions {
            lang: Some("en".into()),
            ..JsScreenOptions::default()
        };
        let native = engine_screen(
            &rules,
            &serde_json::from_str(case).expect("json"),
            &ScreenOptions {
                language: "en".into(),
                next_questions: true,
            },
        )
        .expect("valid case");
        assert_eq!(
            screen(&rules, case, &options).expect("screens"),
            native.to_json()
        );
    }

    #[test]
    fn the_default_language_is_the_clis() {
        let report = screen(&rules(), "{}", &JsScreenOptions::default()).expect("screens");
        assert!(report.contains(r#""language":"nl""#), "{report}");
    }

    #[test]
    fn altered_bundles_are_refused_with_the_bundle_code() {
        let altered = bundle().replace("Stay alert.", "Nothing to see.");
        let err = open(&altered, &TrustPolicy::no_keys()).expect_err("the hash no longer matches");
        assert_eq!(err.code, "bundle::hash-mismatch");
        assert!(
            err.message.contains("altered or damaged"),
            "{}",
            err.message
        );
    }

    #[test]
    fn case_errors_carry_code_field_and_every_problem() {
        let err = screen(
            &rules(),
            r#"{"hours": 200, "pasport_taken": true}"#,
            &JsScreenOptions::default(),
        )
        .expect_err("two problems");
        assert_eq!(err.code, "case::out-of-bounds");
        assert_eq!(err.field.as_deref(), Some("hours"));
        assert_eq!(err.message.lines().count(), 2, "{}", err.message);
        assert!(err.message.contains("did you mean"), "{}", err.message);
        let (name, errors) = err.details.expect("the list");
        assert_eq!(name, "errors");
        assert_eq!(errors.as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_key_given_twice_is_refused_and_no_error_shows_the_answer() {
        let rules = rules();
        let err = screen(
            &rules,
            r#"{"passport_taken": true, "passport_taken": false}"#,
            &JsScreenOptions::default(),
        )
        .expect_err("a key twice");
        assert_eq!(err.code.as_str(), "case::duplicate-key");
        assert_eq!(err.field.as_deref(), Some("passport_taken"));
        const MARKER: &str = "ZQXMARKERQXZ";
        for case in [
            format!(r#"{{"passport_taken": "{MARKER}"}}"#),
            format!(r#"{{"hours": "{MARKER}"}}"#),
            r#"{"hours": 9999}"#.to_owned(),
            format!(r#"{{"hours": ["{MARKER}"]}}"#),
        ] {
            let err = screen(&rules, &case, &JsScreenOptions::default()).expect_err(&case);
            let shown = format!("{} {:?}", err.message, err.details);
            assert!(!shown.contains(MARKER), "{shown}");
        }
    }

    #[test]
    fn misspelt_options_are_refused() {
        let err = options(r#"{"lnag": "en"}"#).expect_err("unknown field");
        assert_eq!(err.code, "options::invalid");
        assert_eq!(
            options(r#"{"language": "en"}"#)
                .expect("alias")
                .lang
                .as_deref(),
            Some("en")
        );
    }

    #[test]
    fn ask_if_decides_which_questions_apply() {
        let rules = rules();
        let all = ["passport_taken", "hours", "got_it_back"];
        assert_eq!(applicable(&rules, "{}").expect("ok"), all);
        assert_eq!(
            applicable(&rules, r#"{"passport_taken": true}"#).expect("ok"),
            all
        );
        assert_eq!(
            applicable(&rules, r#"{"passport_taken": false}"#).expect("ok"),
            ["passport_taken", "hours"]
        );
    }

    #[test]
    fn the_questionnaire_is_the_engines_form() {
        let rules = rules();
        let json: serde_json::Value =
            serde_json::from_str(&questionnaire(&rules, "en")).expect("json");
        assert_eq!(json, serde_json::to_value(rules.form("en")).expect("json"));
        assert_eq!(json["groups"][0]["title"], "Work");
        assert_eq!(json["questions"][2]["ask_if"], "obs.passport_taken");
        assert_eq!(json["outcomes"][1]["label"], "Signals present");
        assert_eq!(json["outcomes"][1]["level"], 1);
        let fallback: serde_json::Value =
            serde_json::from_str(&questionnaire(&rules, "fr")).expect("json");
        assert_eq!(fallback["language"], "nl");
        assert_eq!(fallback["outcomes"][0]["advice"], "Blijf alert.");
    }

    #[test]
    fn trusted_keys_decide_which_bundles_open() {
        let publisher = SecretKey::from_bytes(&[3; 32]);
        let mut signed = Bundle::from_json(&bundle()).expect("a bundle");
        signed.sign(&publisher);
        let signed = signed.to_json();
        let key_file = publisher.public_key().to_file_text();
        let trust = trust_policy(&serde_json::json!({"trustedKeys": [key_file]}).to_string())
            .expect("a key file");
        let opened = open(&signed, &trust).expect("trusted");
        let view = SignatureView::from(&opened.signature);
        assert_eq!(view.state, "trusted");
        assert_eq!(view.fingerprint, Some(publisher.public_key().fingerprint()));
        let err = open(&bundle(), &trust).expect_err("unsigned");
        assert_eq!(err.code, "bundle::unsigned");
        let info = to_json(&info(&opened.rules, &opened.signature));
        assert!(
            info.contains(r#""signature":{"state":"trusted","key":""#),
            "{info}"
        );
    }

    #[test]
    fn bundle_options_are_checked() {
        assert_eq!(trust_policy("{}").expect("none"), TrustPolicy::no_keys());
        for bad in [
            r#"{"trustedKeys": []}"#,
            r#"{"trustedKeys": ["not a key"]}"#,
            r#"{"trustedkeys": []}"#,
        ] {
            let err = trust_policy(bad).expect_err("refused");
            assert_eq!(err.code, codes::options::INVALID, "{bad}");
        }
        let secret = SecretKey::from_bytes(&[4; 32]).to_file_text();
        let err = trust_policy(&serde_json::json!({"trustedKeys": [secret]}).to_string())
            .expect_err("a secret key is no trusted key");
        assert!(err.message.contains("trustedKeys[0]"), "{}", err.message);
    }
}
