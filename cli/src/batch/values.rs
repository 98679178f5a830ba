//! Reading a cell by its question's type, as `herken batch` does without a mapping (and for
//! the answers a mapping's codes give): yes/no from `true/false/yes/no/1/0/ja/nee`; empty,
//! `unknown` or `-99` is unknown; numbers from text; `choices` from `;`-separated option ids.
//! Errors never quote the value (outputs carry no raw answers unless asked).

use herken_engine::QuestionType;
use serde_json::Value as Json;

/// A cell of an input row, before interpretation.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Missing,
    Text(&'a str),
    Json(&'a Json),
}

/// Empty, `unknown` or `-99`: the unknown answer in text.
pub fn is_unknown_text(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.eq_ignore_ascii_case("unknown") || t == "-99"
}

/// Reads a value by the question's type, as without a mapping: yes/no from
/// `true/false/yes/no/1/0/ja/nee` (any case); empty, `unknown` or `-99` is unknown; numbers from
/// text; `choices` from `;`-separated option ids. Errors never quote the value.
///
/// # Errors
/// A description of what the question expects.
pub fn natural(kind: QuestionType, options: &[String], cell: Cell<'_>) -> Result<Json, String> {
    let value = match cell {
        Cell::Missing => return Ok(Json::Null),
        Cell::Text(s) => return natural_text(kind, options, s),
        Cell::Json(v) => v,
    };
    match value {
        Json::Null => Ok(Json::Null),
        Json::String(s) => natural_text(kind, options, s),
        Json::Number(n) if n.as_f64() == Some(-99.0) => Ok(Json::Null),
        Json::Number(n) if kind == QuestionType::YesNo => match n.as_f64() {
            Some(1.0) => Ok(Json::Bool(true)),
            Some(0.0) => Ok(Json::Bool(false)),
            _ => Err(expected(kind)),
        },
        Json::Bool(_) if kind != QuestionType::YesNo => Err(expected(kind)),
        Json::Array(items) if kind == QuestionType::Choices => {
            for item in items {
                match item {
                    Json::String(s) if options.contains(s) => {}
                    _ => return Err(expected_options(kind, options)),
                }
            }
            Ok(value.clone())
        }
        Json::Array(_) | Json::Object(_) => Err(expected(kind)),
        other => Ok(other.clone()),
    }
}

fn natural_text(kind: QuestionType, options: &[String], s: &str) -> Result<Json, String> {
    let t = s.trim();
    if t.is_empty() || t == "-99" || t.eq_ignore_ascii_case("unknown") {
        return Ok(Json::Null);
    }
    let any = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    match kind {
        QuestionType::YesNo if any(&["yes", "true", "1", "ja"]) => Ok(Json::Bool(true)),
        QuestionType::YesNo if any(&["no", "false", "0", "nee"]) => Ok(Json::Bool(false)),
        QuestionType::YesNo => Err(expected(kind)),
        QuestionType::Integer => {
            if let Ok(n) = t.parse::<i64>() {
                return Ok(Json::from(n));
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 => {
                    Ok(Json::from(f as i64))
                }
                _ => Err(expected(kind)),
            }
        }
        QuestionType::Number => match t.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                Ok(serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number))
            }
            _ => Err(expected(kind)),
        },
        QuestionType::Choice => {
            if options.iter().any(|o| o == t) {
                Ok(Json::String(t.to_owned()))
            } else {
                Err(expected_options(kind, options))
            }
        }
        QuestionType::Choices => {
            let mut items = Vec::new();
            for part in t.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                if !options.iter().any(|o| o == part) {
                    return Err(expected_options(kind, options));
                }
                items.push(Json::String(part.to_owned()));
            }
            Ok(Json::Array(items))
        }
        QuestionType::Text => Ok(Json::String(s.to_owned())),
    }
}

fn expected(kind: QuestionType) -> String {
    match kind {
        QuestionType::YesNo => "not a yes/no answer (expected yes, no, true, false, 1, 0, ja or nee; empty, `unknown` or -99 for unknown)".into(),
        QuestionType::Integer => "not a whole number (empty, `unknown` or -99 for unknown)".into(),
        QuestionType::Number => "not a number (empty, `unknown` or -99 for unknown)".into(),
        QuestionType::Text => "not text".into(),
        QuestionType::Choice | QuestionType::Choices => expected_options(kind, &[]),
    }
}

fn expected_options(kind: QuestionType, options: &[String]) -> String {
    let many = kind == QuestionType::Choices;
    format!(
        "not {} of this question's options ({}){}",
        if many { "a list" } else { "one" },
        options
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if many { ", separated by `;`" } else { "" }
    )
}
