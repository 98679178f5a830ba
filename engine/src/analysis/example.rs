//! Example cases: answers that make a decision rule decide, for `herken check --explain-rule`.
//!
//! The decision analysis gives indicator states that fire the rule; here each indicator's
//! condition is inverted where it can be simply (yes/no answers, comparisons with constants,
//! options, patterns with a text they match): answers that make the present ones true and
//! the absent ones false, the unknown ones left unanswered. The case is then screened, and
//! kept only if the rule does decide it.

use serde_json::{Map, Value as Json};

use super::RuleReach;
use crate::evaluate::ScreenOptions;
use crate::model::QuestionName;
use crate::model::{CompiledRuleSet, Condition};
use crate::report::State;
use crate::value::Value;

/// An example that makes a decision rule decide: [`CompiledRuleSet::example`].
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// A state per indicator (in rule-set order) that makes the rule decide.
    pub states: Vec<State>,
    /// A case (answers by question id) whose screening the rule decides, when the indicators'
    /// conditions could be inverted simply; `None` otherwise (the states still hold).
    pub case: Option<Map<String, Json>>,
}

impl CompiledRuleSet {
    /// An example of a case decision rule `rule` (an index into
    /// [`decision`](CompiledRuleSet::decision)) decides: indicator states, and answers where
    /// the conditions allow. `None` when no case reaches the rule (which a set that loads
    /// never has).
    pub fn example(&self, rule: usize) -> Option<Example> {
        let reach = self.reachable(&[]);
        let RuleReach::Reached(states) = reach.rules().get(rule)? else {
            return None;
        };
        let case = self.answers_for(states).filter(|case| {
            let Ok(obs) = self.observations(&Json::Object(case.clone())) else {
                return false;
            };
            let report = self.evaluate(
                &obs,
                &ScreenOptions {
                    language: self.languages.first().cloned().unwrap_or_default(),
                    next_questions: false,
                },
            );
            self.decision
                .get(rule)
                .is_some_and(|r| report.outcome.decided_by == r.id)
        });
        Some(Example {
            states: states.clone(),
            case,
        })
    }

    /// Answers that give the indicators `states` (present ones first), if each condition can
    /// be inverted.
    fn answers_for(&self, states: &[State]) -> Option<Map<String, Json>> {
        let questions: Vec<QuestionName> = self
            .questions
            .iter()
            .map(|q| QuestionName::new(&q.id, q.kind, q.min, q.max, &q.options))
            .collect();
        let mut answers = vec![Value::Unknown; questions.len()];
        for want in [State::Present, State::Absent] {
            for (ind, state) in self.indicators.iter().zip(states) {
                if *state != want {
                    continue;
                }
                let Condition::Native(cond) = &ind.condition else {
                    return None;
                };
                if !super::states::satisfy(cond, want == State::Present, &questions, &mut answers) {
                    return None;
                }
            }
        }
        Some(
            self.questions
                .iter()
                .zip(&answers)
                .filter(|(_, a)| **a != Value::Unknown)
                .map(|(q, a)| (q.id.clone(), a.to_json()))
                .collect(),
        )
    }
}
