//! What a form needs to ask a rule set's questions, and the JSON Schema of its answers.

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::answer::MAX_TEXT_ANSWER;
use crate::manifest::{Audience, ExploitationForm, Population, QuestionType, Translation};
use crate::model::CompiledRuleSet;

/// What a form needs to ask a rule set's questions in one language: the questions in asking
/// order with their groups, and what the form shows around them (the description, the
/// outcomes with their advice, the dimensions).
///
/// Its JSON is what `herken questions --format json` prints and what the WASM binding's
/// `questions(lang)` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    /// Which rule set, in the form's language.
    pub ruleset: FormRuleSet,
    /// The language the texts are in: the one asked for, or the set's first when it lacks it.
    pub language: String,
    /// Groups in the rule set's order; questions without a group are in a last group with id
    /// `other` (only present when needed).
    pub groups: Vec<FormGroup>,
    /// Every question, in asking order.
    pub questions: Vec<FormQuestion>,
    /// The rule set's description.
    pub description: String,
    /// Outcomes from lowest (level 0) to highest, with their advice: a form shows help and
    /// referral whatever the result.
    pub outcomes: Vec<FormOutcome>,
    /// Dimensions in the rule set's order.
    pub dimensions: Vec<FormDimension>,
    /// How to hold the conversation safely, point by point: shown before the first question.
    pub guidance: Vec<FormGuidance>,
}

/// One point of a set's guidance on holding the conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormGuidance {
    /// Its id.
    pub id: String,
    /// The advice.
    pub text: String,
}

/// A form of exploitation a set covers, with its name in the form's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormExploitation {
    /// Its id (`labour`, `sexual`, …).
    pub id: ExploitationForm,
    /// Its name.
    pub label: String,
}

/// Who a set is written for, with the name in the form's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormPopulation {
    /// `adult`, `child` or `any`.
    pub id: Population,
    /// Who that is.
    pub label: String,
}

/// Identity of the rule set a [`Form`] asks the questions of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormRuleSet {
    /// The rule set's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// SHA-256 of its rule files.
    pub sha256: String,
    /// Its title.
    pub title: String,
    /// How far it has been checked against its sources.
    pub status: crate::manifest::Status,
    /// Its languages.
    pub languages: Vec<String>,
    /// Its languages that are translations, and how far they were checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<Translation>,
    /// Who it is written for (absent when the set does not say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<FormPopulation>,
    /// The forms of exploitation it covers.
    pub forms: Vec<FormExploitation>,
}

/// A group of questions, with its questions' ids in asking order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormGroup {
    /// The group's id (`other` for questions without one).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its questions' ids, in asking order.
    pub questions: Vec<String>,
}

/// One question as a form asks it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormQuestion {
    /// The question's id.
    pub id: String,
    /// The type of its answer.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question.
    pub text: String,
    /// Help for whoever asks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The unit of a numeric answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The lowest answer accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The highest answer accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The options of a choice question.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FormOption>,
    /// Its group's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The `ask_if` condition as written (the engine evaluates it: see `unanswered` in reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_if: Option<String>,
    /// Indicators whose condition reads this question.
    pub indicators: Vec<String>,
    /// `person` (asked of the person) or `interviewer` (answered by the interviewer alone,
    /// never read out).
    pub audience: Audience,
}

/// An option of a `choice` or `choices` question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormOption {
    /// The option's id: the answer.
    pub id: String,
    /// Its label.
    pub label: String,
}

/// An outcome a screening can give, with the advice that goes with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormOutcome {
    /// The outcome's id.
    pub id: String,
    /// 0 for the lowest, in the rule set's order (as `outcome.level` in a report).
    pub level: usize,
    /// Its label.
    pub label: String,
    /// Its advice.
    pub advice: String,
    /// The IOM HTCDS trafficking status, when the outcome has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub htcds: Option<String>,
}

/// A dimension (a group of indicators).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormDimension {
    /// The dimension's id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CompiledRuleSet {
    /// The form in `lang` (the set's first language where it lacks `lang`).
    pub fn form(&self, lang: &str) -> Form {
        let lang = if self.languages.iter().any(|l| l == lang) {
            lang.to_owned()
        } else {
            self.languages
                .first()
                .cloned()
                .unwrap_or_else(|| lang.to_owned())
        };
        let fb = &self.languages;
        let questions: Vec<FormQuestion> = self
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| FormQuestion {
                id: q.id.clone(),
                kind: q.kind,
                text: q.text.get(&lang, fb).to_owned(),
                help: q.help.as_ref().map(|h| h.get(&lang, fb).to_owned()),
                unit: q.unit.as_ref().map(|u| u.get(&lang, fb).to_owned()),
                min: q.min,
                max: q.max,
                options: q
                    .options
                    .iter()
                    .map(|o| FormOption {
                        id: o.id.clone(),
                        label: o.label.get(&lang, fb).to_owned(),
                    })
                    .collect(),
                group: q.group.clone(),
                ask_if: q.ask_if_source.clone(),
                indicators: self.readers[i]
                    .iter()
                    .map(|&r| self.indicators[r].id.clone())
                    .collect(),
                audience: q.audience,
            })
            .collect();
        let mut groups: Vec<FormGroup> = self
            .groups
            .iter()
            .map(|g| FormGroup {
                id: g.id.clone(),
                title: g.title.get(&lang, fb).to_owned(),
                questions: questions
                    .iter()
                    .filter(|q| q.group.as_deref() == Some(g.id.as_str()))
                    .map(|q| q.id.clone())
                    .collect(),
            })
            .collect();
        let ungrouped: Vec<String> = questions
            .iter()
            .filter(|q| q.group.is_none())
            .map(|q| q.id.clone())
            .collect();
        if !ungrouped.is_empty() {
            let title = if lang == "nl" {
                "Overige vragen"
            } else {
                "Other questions"
            };
            groups.push(FormGroup {
                id: "other".into(),
                title: title.into(),
                questions: ungrouped,
            });
        }
        Form {
            ruleset: FormRuleSet {
                id: self.id.clone(),
                version: self.version.clone(),
                sha256: self.sha256.clone(),
                title: self.title.get(&lang, fb).to_owned(),
                status: self.status,
                languages: self.languages.clone(),
                translations: self.translations.clone(),
                population: self.population.map(|p| FormPopulation {
                    id: p,
                    label: p.label(&lang).to_owned(),
                }),
                forms: self
                    .forms
                    .iter()
                    .map(|&f| FormExploitation {
                        id: f,
                        label: f.label(&lang).to_owned(),
                    })
                    .collect(),
            },
            guidance: self
                .guidance
                .iter()
                .map(|g| FormGuidance {
                    id: g.id.clone(),
                    text: g.text.get(&lang, fb).to_owned(),
                })
                .collect(),
            description: self.description.get(&lang, fb).to_owned(),
            outcomes: self
                .outcomes
                .iter()
                .enumerate()
                .map(|(level, o)| FormOutcome {
                    id: o.id.clone(),
                    level,
                    label: o.label.get(&lang, fb).to_owned(),
                    advice: o.advice.get(&lang, fb).to_owned(),
                    htcds: o.htcds.clone(),
                })
                .collect(),
            dimensions: self
                .dimensions
                .iter()
                .map(|d| FormDimension {
                    id: d.id.clone(),
                    label: d.label.get(&lang, fb).to_owned(),
                    description: d.description.as_ref().map(|t| t.get(&lang, fb).to_owned()),
                })
                .collect(),
            language: lang,
            groups,
            questions,
        }
    }

    /// JSON Schema (2020-12) of a case: an object of answers by question id, every answer
    /// optional and nullable (unknown), nothing else allowed.
    pub fn json_schema(&self, lang: &str) -> Json {
        let fb = &self.languages;
        let unknown = json!([{"type": "null"}, {"const": "unknown"}]);
        let mut properties = serde_json::Map::new();
        for q in &self.questions {
            let bounded = |kind: &str| {
                let mut s = json!({"type": kind});
                if let Some(min) = q.min {
                    s["minimum"] = json!(min);
                }
                if let Some(max) = q.max {
                    s["maximum"] = json!(max);
                }
                s
            };
            let known = match q.kind {
                QuestionType::YesNo => {
                    vec![json!({"type": "boolean"}), json!({"enum": ["yes", "no"]})]
                }
                QuestionType::Integer => vec![bounded("integer")],
                QuestionType::Number => vec![bounded("number")],
                QuestionType::Choice => vec![
                    json!({"enum": q.options.iter().map(|o| o.id.clone()).collect::<Vec<_>>()}),
                ],
                QuestionType::Choices => vec![json!({
                    "type": "array",
                    "items": {"enum": q.options.iter().map(|o| o.id.clone()).collect::<Vec<_>>()}
                })],
                QuestionType::Text => vec![json!({"type": "string", "maxLength": MAX_TEXT_ANSWER})],
            };
            let mut any_of = known;
            any_of.extend(unknown.as_array().cloned().unwrap_or_default());
            let mut p = json!({"title": q.text.get(lang, fb), "anyOf": any_of});
            if let Some(help) = &q.help {
                p["description"] = json!(help.get(lang, fb));
            }
            if let Some(unit) = &q.unit {
                p["x-unit"] = json!(unit.get(lang, fb));
            }
            properties.insert(q.id.clone(), p);
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("urn:herken:ruleset:{}:{}", self.id, self.version),
            "title": self.title.get(lang, fb),
            "description": "Answers of one case by question id. Leave a question out, or give null or \"unknown\", when it was not answered: unknown is never no.",
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        })
    }
}
