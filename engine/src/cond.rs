//! Conditions: the common shapes of `when` and `ask_if` compiled from Rhai's syntax tree into a
//! small tree that herken evaluates itself, with three-valued (Kleene) logic over unknown
//! answers, static types and no per-case conversion into Rhai values.
//!
//! Rhai stays the rule language: every condition is parsed by the sandboxed Rhai engine, and a
//! condition outside the shapes below runs in Rhai itself (see `compile`). The shapes: literals,
//! `obs.<id>` and `obs["<id>"]`, `!`, `&&`, `||`, comparisons, `+ - * /`, unary `-`, `in`,
//! `matches(text, "<pattern>")`, `known(x)`, and in decisions the helpers of
//! [`DecisionHelper`].

use std::borrow::Cow;
use std::sync::Arc;

use regex::Regex;
use rhai::{Dynamic, Expr as RExpr, FnCallExpr, Position, Stmt};

use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::manifest::Script;

/// A value during evaluation; `Unknown` is an unanswered question (or what follows from one).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Unknown,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    List(Arc<[Value]>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Unknown => "unknown",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::List(_) => "a list",
        }
    }
}

/// The value of an unanswered question, to lend by reference.
static UNKNOWN: Value = Value::Unknown;

/// Static type of an expression, checked at load so that type slips are load errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Num,
    Str,
    List,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Num => "a number",
            Ty::Str => "text",
            Ty::List => "a list",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Which indicators or dimensions a decision helper counts over.
#[derive(Debug, Clone, PartialEq)]
pub enum Over {
    All,
    Dimension(usize),
    Indicators(Vec<usize>),
    Dimensions(Vec<usize>),
}

/// The helpers a decision rule may call.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionHelper {
    Positive(usize),
    PositiveCount(Over),
    Present(usize),
    PresentCount(Over),
    UnknownCount(Over),
    Score(Over),
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Cond {
    Const(Value),
    Obs(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Cmp(CmpOp, Box<Cond>, Box<Cond>),
    Arith(ArithOp, Box<Cond>, Box<Cond>),
    Neg(Box<Cond>),
    /// `needle in haystack`.
    In(Box<Cond>, Box<Cond>),
    Matches(Box<Cond>, Arc<Regex>),
    Known(Box<Cond>),
    Helper(DecisionHelper),
}

/// What a condition may refer to while it is being compiled.
pub struct Names<'a> {
    /// Question ids and types, in manifest order; `None` in decisions (which cannot read `obs`).
    pub questions: Option<&'a [(String, Ty)]>,
    /// In `ask_if`, only questions before this index may be read.
    pub read_before: Option<usize>,
    /// Dimension and indicator ids, for decision helpers; `None` outside decisions.
    pub dimensions: Option<&'a [String]>,
    pub indicators: Option<&'a [String]>,
    /// Ids of items that failed to load (already reported): no follow-on errors for them.
    pub broken: &'a std::collections::BTreeSet<String>,
}

/// Why a condition was not compiled natively.
#[derive(Debug)]
pub enum NotNative {
    /// A shape this compiler does not handle: run it in Rhai.
    Unsupported(&'static str, Position),
    /// A real mistake, already reported.
    Reported,
}

/// Compiles Rhai expressions into [`Cond`], collecting reads and diagnostics.
pub struct Compiler<'a> {
    pub names: Names<'a>,
    pub script: &'a Script,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    pub regexes: &'a mut crate::sandbox::RegexCache,
    pub reads: Vec<usize>,
}

type Compiled = Result<(Cond, Ty), NotNative>;

impl Compiler<'_> {
    fn span(&self, pos: Position) -> Span {
        match (pos.line(), pos.position()) {
            (Some(l), Some(c)) => self.script.locate(l as u32, c as u32),
            (Some(l), None) => self.script.locate(l as u32, 1),
            _ => self.script.span.clone(),
        }
    }

    fn report(
        &mut self,
        code: &'static str,
        pos: Position,
        message: String,
        help: Option<String>,
    ) -> NotNative {
        let mut d = Diagnostic::error(code, self.span(pos), message);
        d.help = help;
        self.diagnostics.push(d);
        NotNative::Reported
    }

    /// Compiles the statements of a whole script if it is one expression.
    pub fn statements(&mut self, statements: &[Stmt]) -> Compiled {
        match statements {
            [Stmt::Expr(e)] => self.expr(e),
            [Stmt::FnCall(call, pos)] => self.call(call, *pos),
            [first, ..] => Err(NotNative::Unsupported("statements", first.position())),
            [] => Err(NotNative::Unsupported("an empty script", Position::NONE)),
        }
    }

    /// Compiles a condition that must give true or false.
    pub fn condition(&mut self, statements: &[Stmt]) -> Result<Cond, NotNative> {
        let pos = statements.first().map_or(Position::NONE, Stmt::position);
        let (cond, ty) = self.statements(statements)?;
        if ty != Ty::Bool {
            return Err(self.report(
                "compile::not-a-condition",
                pos,
                format!(
                    "a condition must give true or false, this gives {}",
                    ty.name()
                ),
                Some("compare the value, e.g. `obs.hours_per_week > 48`".into()),
            ));
        }
        Ok(cond)
    }

    fn expr(&mut self, e: &RExpr) -> Compiled {
        match e {
            RExpr::BoolConstant(b, _) => Ok((Cond::Const(Value::Bool(*b)), Ty::Bool)),
            RExpr::IntegerConstant(i, _) => Ok((Cond::Const(Value::Int(*i)), Ty::Num)),
            RExpr::FloatConstant(f, _) => Ok((Cond::Const(Value::Float(**f)), Ty::Num)),
            RExpr::StringConstant(s, _) => {
                Ok((Cond::Const(Value::Str(Arc::from(s.as_str()))), Ty::Str))
            }
            RExpr::CharConstant(c, _) => {
                Ok((Cond::Const(Value::Str(Arc::from(c.to_string()))), Ty::Str))
            }
            RExpr::DynamicConstant(d, pos) => match constant(d) {
                Some((v, ty)) => Ok((Cond::Const(v), ty)),
                None => Err(NotNative::Unsupported("a constant of this type", *pos)),
            },
            RExpr::Array(items, pos) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items.iter() {
                    match self.expr(item)? {
                        (Cond::Const(v), _) => values.push(v),
                        _ => {
                            return Err(NotNative::Unsupported(
                                "a list of non-literal values",
                                *pos,
                            ));
                        }
                    }
                }
                Ok((Cond::Const(Value::List(values.into())), Ty::List))
            }
            RExpr::And(parts, _) => self.logic(parts, true),
            RExpr::Or(parts, _) => self.logic(parts, false),
            RExpr::Dot(bin, _, pos) => match (&bin.lhs, &bin.rhs) {
                (RExpr::Variable(v, _, _), RExpr::Property(p, ppos)) if v.1.as_str() == "obs" => {
                    self.obs(p.2.as_str(), *ppos)
                }
                _ => Err(NotNative::Unsupported("this property access", *pos)),
            },
            RExpr::Index(bin, _, pos) => match (&bin.lhs, &bin.rhs) {
                (RExpr::Variable(v, _, _), RExpr::StringConstant(name, npos))
                    if v.1.as_str() == "obs" =>
                {
                    self.obs(name.as_str(), *npos)
                }
                _ => Err(NotNative::Unsupported("this index", *pos)),
            },
            RExpr::Variable(v, _, pos) if v.1.as_str() == "obs" => {
                Err(NotNative::Unsupported("`obs` used as a whole", *pos))
            }
            RExpr::FnCall(call, pos) => self.call(call, *pos),
            RExpr::Stmt(block) if block.statements().len() == 1 => {
                self.statements(block.statements())
            }
            other => Err(NotNative::Unsupported("this expression", other.position())),
        }
    }

    fn obs(&mut self, name: &str, pos: Position) -> Compiled {
        let Some(questions) = self.names.questions else {
            return Err(self.report(
                "compile::obs-in-decision",
                pos,
                "decision rules cannot read answers".into(),
                Some("decisions combine indicator states: use `present(\"indicator_id\")`".into()),
            ));
        };
        let Some(index) = questions.iter().position(|(q, _)| q == name) else {
            if self.names.broken.contains(name) {
                return Err(NotNative::Reported);
            }
            let help = did_you_mean(name, questions.iter().map(|(q, _)| q.as_str()));
            return Err(self.report(
                "compile::unknown-question",
                pos,
                format!("unknown question `{name}`"),
                help.or_else(|| Some("add the question to `questions` or fix the id".into())),
            ));
        };
        if let Some(limit) = self.names.read_before
            && index >= limit
        {
            return Err(self.report(
                "compile::ask-if-order",
                pos,
                format!("`ask_if` reads `{name}`, which is not asked before this question"),
                Some(
                    "a question can only depend on earlier questions; move it after `".to_owned()
                        + name
                        + "`",
                ),
            ));
        }
        if !self.reads.contains(&index) {
            self.reads.push(index);
        }
        Ok((Cond::Obs(index), questions[index].1))
    }

    fn logic(&mut self, parts: &[RExpr], and: bool) -> Compiled {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            let (c, ty) = self.expr(p)?;
            if ty != Ty::Bool {
                let op = if and { "&&" } else { "||" };
                return Err(self.report(
                    "compile::type",
                    p.position(),
                    format!(
                        "`{op}` needs true/false on both sides, this is {}",
                        ty.name()
                    ),
                    None,
                ));
            }
            // Flatten nested chains so evaluation walks one list.
            match c {
                Cond::And(inner) if and => out.extend(inner),
                Cond::Or(inner) if !and => out.extend(inner),
                c => out.push(c),
            }
        }
        Ok((if and { Cond::And(out) } else { Cond::Or(out) }, Ty::Bool))
    }

    fn call(&mut self, call: &FnCallExpr, pos: Position) -> Compiled {
        if call.is_qualified() {
            return Err(NotNative::Unsupported("a qualified call", pos));
        }
        let name = call.name.as_str();
        let args = call.args.as_slice();
        match (name, args) {
            ("!", [a]) => {
                let (c, ty) = self.expr(a)?;
                self.expect(ty, Ty::Bool, "`!`", a.position())?;
                Ok((Cond::Not(Box::new(c)), Ty::Bool))
            }
            ("-", [a]) => {
                let (c, ty) = self.expr(a)?;
                self.expect(ty, Ty::Num, "`-`", a.position())?;
                Ok((Cond::Neg(Box::new(c)), Ty::Num))
            }
            ("==" | "!=" | "<" | "<=" | ">" | ">=", [a, b]) => {
                let op = match name {
                    "==" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let (ca, ta) = self.expr(a)?;
                let (cb, tb) = self.expr(b)?;
                let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
                if ta != tb || (ordered && !matches!(ta, Ty::Num | Ty::Str)) {
                    return Err(self.report(
                        "compile::type",
                        pos,
                        format!("`{name}` compares {} with {}", ta.name(), tb.name()),
                        Some("both sides must have the same type; choice answers are option ids (text)".into()),
                    ));
                }
                Ok((Cond::Cmp(op, Box::new(ca), Box::new(cb)), Ty::Bool))
            }
            ("+" | "-" | "*" | "/", [a, b]) => {
                let op = match name {
                    "+" => ArithOp::Add,
                    "-" => ArithOp::Sub,
                    "*" => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                let (ca, ta) = self.expr(a)?;
                let (cb, tb) = self.expr(b)?;
                if ta != Ty::Num || tb != Ty::Num {
                    return Err(NotNative::Unsupported("arithmetic on non-numbers", pos));
                }
                Ok((Cond::Arith(op, Box::new(ca), Box::new(cb)), Ty::Num))
            }
            // `x in y` is parsed as `contains(y, x)`.
            ("contains", [haystack, needle]) => {
                let (h, th) = self.expr(haystack)?;
                let (n, tn) = self.expr(needle)?;
                match (th, tn) {
                    (Ty::List, _) | (Ty::Str, Ty::Str) => {}
                    _ => {
                        return Err(self.report(
                            "compile::type",
                            pos,
                            format!("`in` looks for {} in {}", tn.name(), th.name()),
                            Some("the right side of `in` must be a list or text".into()),
                        ));
                    }
                }
                Ok((Cond::In(Box::new(n), Box::new(h)), Ty::Bool))
            }
            ("matches", [text, pattern]) => {
                let (t, tt) = self.expr(text)?;
                self.expect(tt, Ty::Str, "`matches`", text.position())?;
                let RExpr::StringConstant(p, ppos) = pattern else {
                    return Err(NotNative::Unsupported(
                        "a pattern that is not a literal",
                        pos,
                    ));
                };
                match self.regexes.get_or_compile(p.as_str()) {
                    Ok(re) => {
                        if crate::sandbox::never_matches(p.as_str()) {
                            let span = self.span(*ppos);
                            self.diagnostics.push(
                                Diagnostic::warning(
                                    "check::regex-never-matches",
                                    span,
                                    format!("pattern `{p}` can never match any text"),
                                )
                                .with_help("the indicator could never be present; check the pattern (e.g. a class that excludes everything, `[^\\s\\S]`)"),
                            );
                        }
                        Ok((Cond::Matches(Box::new(t), re), Ty::Bool))
                    }
                    Err(message) => Err(self.report(
                        "compile::regex",
                        *ppos,
                        format!("invalid pattern `{p}`: {message}"),
                        Some("patterns use Rust regex syntax and match case-insensitively".into()),
                    )),
                }
            }
            ("known", [a]) => {
                let (c, _) = self.expr(a)?;
                Ok((Cond::Known(Box::new(c)), Ty::Bool))
            }
            _ if self.names.dimensions.is_some() => self.decision_helper(name, args, pos),
            _ => Err(NotNative::Unsupported("a call of another function", pos)),
        }
    }

    fn expect(
        &mut self,
        found: Ty,
        wanted: Ty,
        what: &str,
        pos: Position,
    ) -> Result<(), NotNative> {
        if found == wanted {
            return Ok(());
        }
        Err(self.report(
            "compile::type",
            pos,
            format!("{what} needs {}, found {}", wanted.name(), found.name()),
            None,
        ))
    }

    fn decision_helper(&mut self, name: &str, args: &[RExpr], pos: Position) -> Compiled {
        let dims = self.names.dimensions.unwrap_or_default();
        let inds = self.names.indicators.unwrap_or_default();
        let helper = match (name, args) {
            ("positive", [a]) => DecisionHelper::Positive(self.id_arg(a, dims, "dimension")?),
            ("present", [a]) => DecisionHelper::Present(self.id_arg(a, inds, "indicator")?),
            ("positive_count", []) => DecisionHelper::PositiveCount(Over::All),
            ("positive_count", [a]) => DecisionHelper::PositiveCount(Over::Dimensions(
                self.id_list(a, dims, "dimension")?,
            )),
            ("present_count" | "unknown_count" | "score", []) => helper_over(name, Over::All),
            ("present_count" | "unknown_count" | "score", [a @ RExpr::StringConstant(..)]) => {
                helper_over(name, Over::Dimension(self.id_arg(a, dims, "dimension")?))
            }
            ("present_count" | "unknown_count" | "score", [a]) => {
                helper_over(name, Over::Indicators(self.id_list(a, inds, "indicator")?))
            }
            _ => {
                let known = [
                    "positive",
                    "positive_count",
                    "present",
                    "present_count",
                    "unknown_count",
                    "score",
                ];
                return Err(self.report(
                    "compile::decision-function",
                    pos,
                    format!(
                        "`{name}` with {} argument(s) is not a decision helper",
                        args.len()
                    ),
                    Some(did_you_mean(name, known).unwrap_or_else(|| {
                        format!("decision rules can call: {}", known.join(", "))
                    })),
                ));
            }
        };
        let ty = match helper {
            DecisionHelper::Positive(_) | DecisionHelper::Present(_) => Ty::Bool,
            _ => Ty::Num,
        };
        Ok((Cond::Helper(helper), ty))
    }

    fn id_arg(&mut self, arg: &RExpr, ids: &[String], what: &str) -> Result<usize, NotNative> {
        let RExpr::StringConstant(s, pos) = arg else {
            return Err(self.report(
                "compile::decision-argument",
                arg.position(),
                format!("expected a {what} id in quotes"),
                None,
            ));
        };
        match ids.iter().position(|i| i == s.as_str()) {
            Some(i) => Ok(i),
            None if self.names.broken.contains(s.as_str()) => Err(NotNative::Reported),
            None => {
                let help = did_you_mean(s, ids.iter().map(String::as_str));
                Err(self.report(
                    "compile::unknown-reference",
                    *pos,
                    format!("unknown {what} `{s}`"),
                    help,
                ))
            }
        }
    }

    fn id_list(
        &mut self,
        arg: &RExpr,
        ids: &[String],
        what: &str,
    ) -> Result<Vec<usize>, NotNative> {
        let items: Vec<RExpr> = match arg {
            RExpr::Array(items, _) => items.iter().cloned().collect(),
            RExpr::DynamicConstant(d, pos) => match d.clone().into_array() {
                Ok(a) => a
                    .into_iter()
                    .map(|v| match v.into_immutable_string() {
                        Ok(s) => RExpr::StringConstant(s, *pos),
                        Err(_) => RExpr::Unit(*pos),
                    })
                    .collect(),
                Err(_) => vec![RExpr::Unit(*pos)],
            },
            other => {
                return Err(self.report(
                    "compile::decision-argument",
                    other.position(),
                    format!("expected a list of {what} ids, e.g. [\"a\", \"b\"]"),
                    None,
                ));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            out.push(self.id_arg(item, ids, what)?);
        }
        Ok(out)
    }
}

fn helper_over(name: &str, over: Over) -> DecisionHelper {
    match name {
        "present_count" => DecisionHelper::PresentCount(over),
        "unknown_count" => DecisionHelper::UnknownCount(over),
        _ => DecisionHelper::Score(over),
    }
}

fn constant(d: &Dynamic) -> Option<(Value, Ty)> {
    if let Ok(b) = d.as_bool() {
        return Some((Value::Bool(b), Ty::Bool));
    }
    if let Ok(i) = d.as_int() {
        return Some((Value::Int(i), Ty::Num));
    }
    if let Ok(f) = d.as_float() {
        return Some((Value::Float(f), Ty::Num));
    }
    if d.is_string() {
        return Some((
            Value::Str(Arc::from(d.clone().into_string().ok()?)),
            Ty::Str,
        ));
    }
    if d.is_array() {
        let items = d.clone().into_array().ok()?;
        let values: Option<Vec<Value>> =
            items.iter().map(|i| constant(i).map(|(v, _)| v)).collect();
        return Some((Value::List(values?.into()), Ty::List));
    }
    None
}

/// What decision helpers read: per-indicator states and per-dimension results of one case.
pub trait DecisionFacts {
    fn positive(&self, dimension: usize) -> bool;
    fn dimension_count(&self) -> usize;
    fn present(&self, indicator: usize) -> bool;
    /// Present indicators among `over` (an indicator listed twice counts twice).
    fn present_count(&self, over: &Over) -> i64;
    /// Unknown indicators among `over`.
    fn unknown_count(&self, over: &Over) -> i64;
    /// The sum of the weights of the present indicators among `over`, added in indicator
    /// order (in list order for a list).
    fn score(&self, over: &Over) -> f64;
}

/// Evaluation context: the answers and, in decisions, the facts.
pub struct Env<'a> {
    pub answers: &'a [Value],
    pub facts: Option<&'a dyn DecisionFacts>,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("answers", &self.answers)
            .field("facts", &self.facts.is_some())
            .finish()
    }
}

/// An evaluation error (type or arithmetic) with a message for the report.
pub type EvalResult = Result<Value, String>;

impl Cond {
    /// Evaluates with Kleene logic; `Value::Unknown` propagates as the module docs say.
    pub fn eval(&self, env: &Env<'_>) -> EvalResult {
        Ok(match self {
            Cond::Const(v) => v.clone(),
            Cond::Obs(i) => env.answers.get(*i).cloned().unwrap_or(Value::Unknown),
            Cond::Not(c) => match c.eval(env)? {
                Value::Bool(b) => Value::Bool(!b),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`!` needs true/false, found {}", other.type_name())),
            },
            Cond::And(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(env)? {
                        Value::Bool(false) => return Ok(Value::Bool(false)),
                        Value::Bool(true) => {}
                        Value::Unknown => unknown = true,
                        other => {
                            return Err(format!(
                                "`&&` needs true/false, found {}",
                                other.type_name()
                            ));
                        }
                    }
                }
                if unknown {
                    Value::Unknown
                } else {
                    Value::Bool(true)
                }
            }
            Cond::Or(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(env)? {
                        Value::Bool(true) => return Ok(Value::Bool(true)),
                        Value::Bool(false) => {}
                        Value::Unknown => unknown = true,
                        other => {
                            return Err(format!(
                                "`||` needs true/false, found {}",
                                other.type_name()
                            ));
                        }
                    }
                }
                if unknown {
                    Value::Unknown
                } else {
                    Value::Bool(false)
                }
            }
            Cond::Cmp(op, a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                if a == Value::Unknown || b == Value::Unknown {
                    return Ok(Value::Unknown);
                }
                Value::Bool(compare(*op, &a, &b))
            }
            Cond::Arith(op, a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                arith(*op, a, b)?
            }
            Cond::Neg(a) => match a.eval(env)? {
                Value::Int(i) => Value::Int(i.checked_neg().ok_or("number overflow")?),
                Value::Float(f) => Value::Float(-f),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`-` needs a number, found {}", other.type_name())),
            },
            Cond::In(needle, haystack) => {
                let (n, h) = (needle.eval(env)?, haystack.eval(env)?);
                match (&n, &h) {
                    (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
                    (_, Value::List(items)) => {
                        Value::Bool(items.iter().any(|i| compare(CmpOp::Eq, i, &n)))
                    }
                    (Value::Str(n), Value::Str(h)) => Value::Bool(h.contains(&**n)),
                    _ => {
                        return Err(format!(
                            "`in` cannot look for {} in {}",
                            n.type_name(),
                            h.type_name()
                        ));
                    }
                }
            }
            Cond::Matches(text, re) => match text.eval(env)? {
                Value::Str(s) => Value::Bool(re.is_match(&s)),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`matches` needs text, found {}", other.type_name())),
            },
            Cond::Known(c) => Value::Bool(c.eval(env)? != Value::Unknown),
            Cond::Helper(h) => {
                let facts = env
                    .facts
                    .ok_or("decision helpers are only available in decision rules")?;
                helper(h, facts)
            }
        })
    }

    /// Evaluates a true/false condition without copying answers: `Some` with exactly what
    /// [`Cond::eval`] gives (`None` standing for unknown), or `None` where this fast path does
    /// not decide (an error, a value that is not true/false) and `eval` must.
    pub fn truth(&self, env: &Env<'_>) -> Option<Option<bool>> {
        match self {
            Cond::Obs(i) => match env.answers.get(*i) {
                Some(Value::Bool(b)) => Some(Some(*b)),
                Some(Value::Unknown) | None => Some(None),
                Some(_) => None,
            },
            Cond::Const(Value::Bool(b)) => Some(Some(*b)),
            Cond::Const(Value::Unknown) => Some(None),
            Cond::Not(c) => Some(c.truth(env)?.map(|b| !b)),
            Cond::And(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.truth(env)? {
                        Some(false) => return Some(Some(false)),
                        Some(true) => {}
                        None => unknown = true,
                    }
                }
                Some((!unknown).then_some(true))
            }
            Cond::Or(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.truth(env)? {
                        Some(true) => return Some(Some(true)),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                Some((!unknown).then_some(false))
            }
            Cond::Cmp(op, a, b) => {
                let (a, b) = (a.operand(env)?, b.operand(env)?);
                if matches!(*a, Value::Unknown) || matches!(*b, Value::Unknown) {
                    return Some(None);
                }
                Some(Some(compare(*op, &a, &b)))
            }
            Cond::In(needle, haystack) => {
                let (n, h) = (needle.operand(env)?, haystack.operand(env)?);
                match (n.as_ref(), h.as_ref()) {
                    (Value::Unknown, _) | (_, Value::Unknown) => Some(None),
                    (n, Value::List(items)) => {
                        Some(Some(items.iter().any(|i| compare(CmpOp::Eq, i, n))))
                    }
                    (Value::Str(n), Value::Str(h)) => Some(Some(h.contains(&**n))),
                    _ => None,
                }
            }
            Cond::Matches(text, re) => match text.operand(env)?.as_ref() {
                Value::Str(s) => Some(Some(re.is_match(s))),
                Value::Unknown => Some(None),
                _ => None,
            },
            Cond::Known(c) => Some(Some(!matches!(*c.operand(env)?, Value::Unknown))),
            Cond::Helper(DecisionHelper::Positive(d)) => Some(Some(env.facts?.positive(*d))),
            Cond::Helper(DecisionHelper::Present(i)) => Some(Some(env.facts?.present(*i))),
            _ => None,
        }
    }

    /// [`Cond::truth`] with the commonest shape, a yes/no answer read as it is, inlined into
    /// the caller's loop.
    #[inline]
    pub fn truth_quick(&self, env: &Env<'_>) -> Option<Option<bool>> {
        match self {
            Cond::Obs(i) => match env.answers.get(*i) {
                Some(Value::Bool(b)) => Some(Some(*b)),
                Some(Value::Unknown) | None => Some(None),
                Some(_) => None,
            },
            other => other.truth(env),
        }
    }

    /// The value of an operand: answers and constants by reference, anything else evaluated;
    /// `None` when evaluating it fails.
    fn operand<'e>(&'e self, env: &Env<'e>) -> Option<Cow<'e, Value>> {
        match self {
            Cond::Obs(i) => Some(Cow::Borrowed(env.answers.get(*i).unwrap_or(&UNKNOWN))),
            Cond::Const(v) => Some(Cow::Borrowed(v)),
            Cond::Helper(h) => Some(Cow::Owned(helper(h, env.facts?))),
            other => other.eval(env).ok().map(Cow::Owned),
        }
    }

    /// Calls `f` on every answer index the condition reads.
    pub fn visit_reads(&self, f: &mut impl FnMut(usize)) {
        match self {
            Cond::Obs(i) => f(*i),
            Cond::Not(c) | Cond::Neg(c) | Cond::Known(c) | Cond::Matches(c, _) => c.visit_reads(f),
            Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| p.visit_reads(f)),
            Cond::Cmp(_, a, b) | Cond::Arith(_, a, b) | Cond::In(a, b) => {
                a.visit_reads(f);
                b.visit_reads(f);
            }
            Cond::Const(_) | Cond::Helper(_) => {}
        }
    }
}

fn helper(h: &DecisionHelper, facts: &dyn DecisionFacts) -> Value {
    match h {
        DecisionHelper::Positive(d) => Value::Bool(facts.positive(*d)),
        DecisionHelper::Present(i) => Value::Bool(facts.present(*i)),
        DecisionHelper::PositiveCount(over) => {
            let count = match over {
                Over::Dimensions(ds) => ds.iter().filter(|d| facts.positive(**d)).count(),
                _ => (0..facts.dimension_count())
                    .filter(|d| facts.positive(*d))
                    .count(),
            };
            Value::Int(count as i64)
        }
        DecisionHelper::PresentCount(over) => Value::Int(facts.present_count(over)),
        DecisionHelper::UnknownCount(over) => Value::Int(facts.unknown_count(over)),
        DecisionHelper::Score(over) => Value::Float(facts.score(over)),
    }
}

/// Compares two known values the way Rhai does, including its relative epsilon for floats,
/// so a condition gives the same answer here and in the Rhai sandbox.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => apply(op, x.cmp(y)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let x = as_f64(a);
            let y = as_f64(b);
            let max = if x * y == 0.0 {
                1.0
            } else {
                x.abs().max(y.abs())
            };
            if max == 0.0 {
                return matches!(op, CmpOp::Eq | CmpOp::Le | CmpOp::Ge);
            }
            let eps = f64::EPSILON;
            match op {
                CmpOp::Eq => (x - y).abs() / max <= eps,
                CmpOp::Ne => (x - y).abs() / max > eps,
                CmpOp::Gt => (x - y) / max > eps,
                CmpOp::Ge => (x - y) / max > -eps,
                CmpOp::Lt => (y - x) / max > eps,
                CmpOp::Le => (y - x) / max > -eps,
            }
        }
        (Value::Str(x), Value::Str(y)) => apply(op, x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => match op {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            _ => false,
        },
        (Value::List(x), Value::List(y)) => match op {
            CmpOp::Eq => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|(a, b)| compare(CmpOp::Eq, a, b))
            }
            CmpOp::Ne => !compare(CmpOp::Eq, a, b),
            _ => false,
        },
        // Different types: never equal (as in Rhai).
        _ => op == CmpOp::Ne,
    }
}

fn apply(op: CmpOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

fn arith(op: ArithOp, a: Value, b: Value) -> EvalResult {
    Ok(match (&a, &b) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (Value::Int(x), Value::Int(y)) => {
            let r = match op {
                ArithOp::Add => x.checked_add(*y),
                ArithOp::Sub => x.checked_sub(*y),
                ArithOp::Mul => x.checked_mul(*y),
                ArithOp::Div if *y == 0 => return Err("division by zero".into()),
                ArithOp::Div => x.checked_div(*y),
            };
            Value::Int(r.ok_or("number overflow")?)
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (as_f64(&a), as_f64(&b));
            let r = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
            };
            // As in scripts (the sandbox): an infinity or NaN never decides a condition.
            if !r.is_finite() {
                return Err(
                    "the result is not a finite number (a division by zero, or a number too large)"
                        .into(),
                );
            }
            Value::Float(r)
        }
        _ => {
            return Err(format!(
                "cannot do arithmetic on {} and {}",
                a.type_name(),
                b.type_name()
            ));
        }
    })
}
