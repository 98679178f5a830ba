//! `ask_if` conditions as XLSForm `relevant` expressions (ODK XPath), keeping herken's rule
//! that a question applies unless its condition is known to be false.

use crate::cond::{CmpOp, Cond};
use crate::manifest::QuestionType;
use crate::model::{CompiledRuleSet, Condition};
use crate::value::Value;

impl CompiledRuleSet {
    /// The XLSForm `relevant` expression of question `q`: `None` when it always applies, or
    /// `Some(Err(()))` when its `ask_if` has a shape that has no XPath form here (the question
    /// is then best shown always).
    pub fn xlsform_relevant(&self, q: usize) -> Option<Result<String, ()>> {
        let Some(Condition::Native(cond)) = &self.questions.get(q)?.ask_if else {
            return self.questions.get(q)?.ask_if.as_ref().map(|_| Err(()));
        };
        Some(self.falsy(cond).map(|f| format!("not({f})")))
    }

    fn name(&self, c: &Cond) -> Option<(String, QuestionType)> {
        match c {
            Cond::Obs(i) => self
                .questions
                .get(*i)
                .map(|q| (format!("${{{}}}", q.id), q.kind)),
            _ => None,
        }
    }

    /// XPath that holds when the condition is known to be true.
    fn truthy(&self, c: &Cond) -> Result<String, ()> {
        match c {
            Cond::Const(Value::Bool(b)) => Ok(if *b { "true()" } else { "false()" }.into()),
            Cond::Obs(_) => match self.name(c) {
                Some((n, QuestionType::YesNo)) => Ok(format!("{n} = 'yes'")),
                _ => Err(()),
            },
            Cond::Not(inner) => self.falsy(inner),
            Cond::And(parts) => join(parts.iter().map(|p| self.truthy(p)), " and "),
            Cond::Or(parts) => join(parts.iter().map(|p| self.truthy(p)), " or "),
            Cond::Known(inner) => {
                let (n, _) = self.name(inner).ok_or(())?;
                Ok(format!("({n} != '' and {n} != 'unknown')"))
            }
            Cond::Cmp(op, a, b) => self.compare(*op, a, b),
            Cond::In(needle, hay) => self.contains(needle, hay, true),
            _ => Err(()),
        }
    }

    /// XPath that holds when the condition is known to be false.
    fn falsy(&self, c: &Cond) -> Result<String, ()> {
        match c {
            Cond::Const(Value::Bool(b)) => Ok(if *b { "false()" } else { "true()" }.into()),
            Cond::Obs(_) => match self.name(c) {
                Some((n, QuestionType::YesNo)) => Ok(format!("{n} = 'no'")),
                _ => Err(()),
            },
            Cond::Not(inner) => self.truthy(inner),
            Cond::And(parts) => join(parts.iter().map(|p| self.falsy(p)), " or "),
            Cond::Or(parts) => join(parts.iter().map(|p| self.falsy(p)), " and "),
            Cond::Known(inner) => {
                let (n, _) = self.name(inner).ok_or(())?;
                Ok(format!("({n} = '' or {n} = 'unknown')"))
            }
            Cond::Cmp(op, a, b) => self.compare(negate(*op), a, b),
            Cond::In(needle, hay) => self.contains(needle, hay, false),
            _ => Err(()),
        }
    }

    fn compare(&self, op: CmpOp, a: &Cond, b: &Cond) -> Result<String, ()> {
        let (n, kind, lit, op) = match (self.name(a), self.name(b)) {
            (Some((n, k)), None) => (n, k, literal(b)?, op),
            (None, Some((n, k))) => (n, k, literal(a)?, op.flipped()),
            _ => return Err(()),
        };
        let lit = match (kind, lit) {
            (QuestionType::YesNo, Value::Bool(v)) => format!("'{}'", if v { "yes" } else { "no" }),
            (QuestionType::Integer | QuestionType::Number, Value::Int(i)) => i.to_string(),
            (QuestionType::Integer | QuestionType::Number, Value::Float(f)) => f.to_string(),
            (QuestionType::Choice | QuestionType::Text, Value::Str(s)) if !s.contains('\'') => {
                format!("'{s}'")
            }
            _ => return Err(()),
        };
        let op = match op {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        };
        Ok(format!(
            "({n} != '' and {n} != 'unknown' and {n} {op} {lit})"
        ))
    }

    fn contains(&self, needle: &Cond, hay: &Cond, holds: bool) -> Result<String, ()> {
        let (n, kind) = self.name(hay).ok_or(())?;
        let Value::Str(option) = literal(needle)? else {
            return Err(());
        };
        if kind != QuestionType::Choices || option.contains('\'') {
            return Err(());
        }
        Ok(if holds {
            format!("selected({n}, '{option}')")
        } else {
            format!("({n} != '' and not(selected({n}, '{option}')))")
        })
    }
}

fn literal(c: &Cond) -> Result<Value, ()> {
    match c {
        Cond::Const(v) => Ok(v.clone()),
        _ => Err(()),
    }
}

fn join(parts: impl Iterator<Item = Result<String, ()>>, sep: &str) -> Result<String, ()> {
    let parts: Vec<String> = parts.collect::<Result<_, _>>()?;
    Ok(format!("({})", parts.join(sep)))
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}
