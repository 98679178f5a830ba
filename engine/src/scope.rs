//! Who and what a rule set is for: its population and the age question it is checked against,
//! and how its languages came to be. Checked when the set loads; the population is checked
//! against each case when it is screened.

use crate::codes;
#[cfg(feature = "rhai")]
use crate::diagnostic::Diagnostic;
use crate::manifest::Population;
#[cfg(feature = "rhai")]
use crate::manifest::{Manifest, QuestionType, TranslationScope};
use crate::model::CompiledRuleSet;
use crate::observation::Observations;
use crate::report::ReportDiagnostic;
use crate::value::Value;

/// The question a set for adults or children asks about age: "is the person younger than 18?"
/// (yes/no). A shared question id, so one intake answers it for every set.
pub(crate) const AGE_QUESTION: &str = "under_18";

/// The population's age question, and the translations' languages.
#[cfg(feature = "rhai")]
pub(crate) fn check(m: &Manifest, out: &mut Vec<Diagnostic>) {
    check_age_question(m, out);
    check_translations(m, out);
}

#[cfg(feature = "rhai")]
fn check_age_question(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let Some((population, span)) = &m.population else {
        return;
    };
    if *population == Population::Any {
        return;
    }
    let question = m.questions.iter().find(|q| q.id == AGE_QUESTION);
    let problem = match question {
        None if m.broken.contains(AGE_QUESTION) => return,
        None => format!(
            "a set for {} must ask `{AGE_QUESTION}`, so that a case outside its population is noticed",
            population.label("en")
        ),
        Some(q) if q.kind != QuestionType::YesNo => format!(
            "`{AGE_QUESTION}` must be a yes/no question in a set with a population: it is `{}`",
            q.kind.name()
        ),
        Some(_) => return,
    };
    let span = match question {
        Some(q) => q.span.clone(),
        None => span.clone(),
    };
    out.push(
        Diagnostic::error(codes::load::POPULATION_QUESTION, span, problem).with_help(format!(
            "add `- {{id: {AGE_QUESTION}, type: yesno, audience: interviewer, text: {{en: \"Is the person younger than 18?\", nl: \"Is de persoon jonger dan 18 jaar?\"}}}}`, or write `population: any`"
        )),
    );
}

#[cfg(feature = "rhai")]
fn check_translations(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let first = m.languages.first();
    let mut seen: Vec<&str> = Vec::new();
    for t in &m.translations {
        let problem = if seen.contains(&t.language.as_str()) {
            Some(format!("language `{}` is listed twice", t.language))
        } else if !m.languages.contains(&t.language) {
            Some(format!(
                "`{}` is not one of the set's `languages`",
                t.language
            ))
        } else if first == Some(&t.language) && t.covers == TranslationScope::Questions {
            Some(format!(
                "`{}` is the set's first language, which fills in every missing text: it cannot cover only the questions",
                t.language
            ))
        } else {
            None
        };
        seen.push(&t.language);
        if let Some(problem) = problem {
            out.push(
                Diagnostic::error(codes::load::TRANSLATION, t.span.clone(), problem).with_help(
                    "list the language under `languages` (not first) and describe it once under `translations`",
                ),
            );
        }
    }
}

impl CompiledRuleSet {
    /// `case::population-mismatch` when the case's `under_18` answer puts the person outside
    /// the set's population. Names the set and its population, never the answer.
    pub(crate) fn population_mismatch(&self, obs: &Observations) -> Option<ReportDiagnostic> {
        let population = self.population?;
        let under_18 = match obs.get(self.age_question?) {
            Value::Bool(b) => *b,
            _ => return None,
        };
        if population.includes(under_18) {
            return None;
        }
        let instead = match population {
            Population::Adult => "a set for children",
            _ => "a set for adults",
        };
        Some(ReportDiagnostic {
            code: codes::case::POPULATION_MISMATCH,
            message: format!(
                "`{}` is written for {}, and this case's `{AGE_QUESTION}` answer puts the person outside that population: read the outcome of {instead}",
                self.id,
                population.label("en")
            ),
        })
    }
}
