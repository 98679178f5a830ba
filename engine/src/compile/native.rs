//! Conditions compiled natively: the common shapes of `when`, `ask_if` and decision rules,
//! from Rhai's syntax tree into a [`Cond`] that herken evaluates itself, typed at load so that
//! type slips are load errors. A condition outside these shapes runs in Rhai (see `script`).

use std::collections::HashSet;
use std::sync::Arc;

use rhai::{Dynamic, Engine, Expr as RExpr, FnCallExpr, Position, Stmt};

use crate::codes::{self, Code};
use crate::cond::{ArithOp, CmpOp, Cond, DecisionHelper, Over};
use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::manifest::{QuestionType, Script};
use crate::model::{QuestionName, Ty};
use crate::sandbox::RegexCache;
use crate::value::Value;

/// The functions a script may call: Rhai's own and the sandbox's (name and number of
/// parameters), gathered once per rule set.
#[derive(Debug, Default)]
pub(super) struct Functions {
    pub(super) native: HashSet<(String, usize)>,
}

impl Functions {
    pub(super) fn of(engine: &Engine) -> Self {
        let native = engine.collect_fn_metadata(
            None,
            |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
            true,
        );
        Self {
            native: native.into_iter().collect(),
        }
    }
}

/// What a condition may refer to while it is being compiled.
pub(crate) struct Names<'a> {
    /// Questions, in manifest order; `None` in decisions (which cannot read `obs`).
    pub(crate) questions: Option<&'a [QuestionName]>,
    /// The same questions by id (looking each read up in the list made loading quadratic).
    pub(crate) question_index: Option<&'a std::collections::HashMap<String, usize>>,
    /// The functions scripts may call besides their own and the library's; `None` in
    /// decisions (which call helpers only).
    pub(crate) functions: Option<&'a Functions>,
    /// In `ask_if`, only questions before this index may be read.
    pub(crate) read_before: Option<usize>,
    /// Dimension and indicator ids, for decision helpers; `None` outside decisions.
    pub(crate) dimensions: Option<&'a [String]>,
    pub(crate) indicators: Option<&'a [String]>,
    /// Ids of items that failed to load (already reported): no follow-on errors for them.
    pub(crate) broken: &'a std::collections::BTreeSet<String>,
}

/// Why a condition was not compiled natively.
#[derive(Debug)]
pub(crate) enum NotNative {
    /// A shape this compiler does not handle: run it in Rhai.
    Unsupported(&'static str, Position),
    /// A real mistake, already reported.
    Reported,
}

/// Compiles Rhai expressions into [`Cond`], collecting reads and diagnostics.
pub(crate) struct Compiler<'a> {
    pub(crate) names: Names<'a>,
    pub(crate) script: &'a Script,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
    pub(crate) regexes: &'a mut RegexCache,
    pub(crate) reads: Vec<usize>,
}

type Compiled = Result<(Cond, Ty), NotNative>;

impl<'a> Compiler<'a> {
    fn span(&self, pos: Position) -> Span {
        self.script.span_at(pos)
    }

    fn report(
        &mut self,
        code: Code,
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
    pub(crate) fn statements(&mut self, statements: &[Stmt]) -> Compiled {
        match statements {
            [Stmt::Expr(e)] => self.expr(e),
            [Stmt::FnCall(call, pos)] => self.call(call, *pos),
            [first, ..] => Err(NotNative::Unsupported("statements", first.position())),
            [] => Err(NotNative::Unsupported("an empty script", Position::NONE)),
        }
    }

    /// Compiles a condition that must give true or false.
    pub(crate) fn condition(&mut self, statements: &[Stmt]) -> Result<Cond, NotNative> {
        let pos = statements.first().map_or(Position::NONE, Stmt::position);
        let (cond, ty) = self.statements(statements)?;
        if ty != Ty::Bool {
            return Err(self.report(
                codes::compile::NOT_A_CONDITION,
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
                codes::compile::OBS_IN_DECISION,
                pos,
                "decision rules cannot read answers".into(),
                Some("decisions combine indicator states: use `present(\"indicator_id\")`".into()),
            ));
        };
        let found = match self.names.question_index {
            Some(index) => index.get(name).copied(),
            None => questions.iter().position(|q| q.id == name),
        };
        let Some(index) = found else {
            if self.names.broken.contains(name) {
                return Err(NotNative::Reported);
            }
            let help = did_you_mean(name, questions.iter().map(|q| q.id.as_str()));
            return Err(self.report(
                codes::compile::UNKNOWN_QUESTION,
                pos,
                format!("unknown question `{name}`"),
                help.or_else(|| Some("add the question to `questions` or fix the id".into())),
            ));
        };
        if let Some(limit) = self.names.read_before
            && index >= limit
        {
            return Err(self.report(
                codes::compile::ASK_IF_ORDER,
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
        Ok((Cond::Obs(index), questions[index].ty))
    }

    fn logic(&mut self, parts: &[RExpr], and: bool) -> Compiled {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            let (c, ty) = self.expr(p)?;
            if ty != Ty::Bool {
                let op = if and { "&&" } else { "||" };
                return Err(self.report(
                    codes::compile::TYPE,
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
                        codes::compile::TYPE,
                        pos,
                        format!("`{name}` compares {} with {}", ta.name(), tb.name()),
                        Some("both sides must have the same type; choice answers are option ids (text)".into()),
                    ));
                }
                self.check_comparison(op, (&ca, a), (&cb, b), pos);
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
                            codes::compile::TYPE,
                            pos,
                            format!("`in` looks for {} in {}", tn.name(), th.name()),
                            Some("the right side of `in` must be a list or text".into()),
                        ));
                    }
                }
                self.check_in((&n, needle), (&h, haystack), pos);
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
                        let span = self.span(*ppos);
                        crate::lint::pattern(p.as_str(), span, self.diagnostics);
                        Ok((Cond::Matches(Box::new(t), re), Ty::Bool))
                    }
                    Err(message) => Err(self.report(
                        codes::compile::REGEX,
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

    /// The question an operand reads directly (`obs.x`), if it is one.
    fn question_of(&self, c: &Cond) -> Option<&'a QuestionName> {
        match c {
            Cond::Obs(q) => self.names.questions.and_then(|qs| qs.get(*q)),
            _ => None,
        }
    }

    /// `compile::unknown-option` and `compile::never-holds` for a comparison of an answer
    /// with a constant: an option the question does not have, a number outside its `min` and
    /// `max`, a fraction compared with a whole number.
    fn check_comparison(
        &mut self,
        op: CmpOp,
        (ca, a): (&Cond, &RExpr),
        (cb, b): (&Cond, &RExpr),
        pos: Position,
    ) {
        let (q, value, at, op) = match (self.question_of(ca), self.question_of(cb), ca, cb) {
            (Some(q), None, _, Cond::Const(v)) => (q, v, b.position(), op),
            (None, Some(q), Cond::Const(v), _) => (q, v, a.position(), op.flipped()),
            _ => return,
        };
        match (q.kind, value) {
            (QuestionType::Choice, Value::Str(s)) => self.check_option(q, s, at),
            (QuestionType::Choices, Value::List(items)) => {
                for item in items.iter() {
                    self.check_option_value(q, item, at);
                }
            }
            (QuestionType::Integer | QuestionType::Number, Value::Int(_) | Value::Float(_)) => {
                let c = match value {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    _ => return,
                };
                if let Some(why) = never_holds(q, op, c) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::compile::NEVER_HOLDS,
                            self.span(pos),
                            format!("this comparison can never hold: {why}"),
                        )
                        .with_help(format!(
                            "check the number against the question `{}` (its `min`, `max` and type)",
                            q.id
                        )),
                    );
                }
            }
            _ => {}
        }
    }

    /// `compile::unknown-option` for `in`: a list of options for a choice answer, or an option
    /// looked for in a choices answer.
    fn check_in(
        &mut self,
        (n, needle): (&Cond, &RExpr),
        (h, haystack): (&Cond, &RExpr),
        _: Position,
    ) {
        match (self.question_of(n), self.question_of(h), n, h) {
            (Some(q), None, _, Cond::Const(Value::List(items)))
                if q.kind == QuestionType::Choice =>
            {
                for item in items.iter() {
                    self.check_option_value(q, item, haystack.position());
                }
            }
            (None, Some(q), Cond::Const(v), _) if q.kind == QuestionType::Choices => {
                self.check_option_value(q, v, needle.position());
            }
            _ => {}
        }
    }

    fn check_option_value(&mut self, q: &QuestionName, v: &Value, at: Position) {
        match v {
            Value::Str(s) => self.check_option(q, s, at),
            other => {
                let shown = match other {
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => f.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => other.type_name().to_owned(),
                };
                self.push_unknown_option(q, &shown, at);
            }
        }
    }

    fn check_option(&mut self, q: &QuestionName, option: &str, at: Position) {
        if !q.options.iter().any(|o| o == option) {
            self.push_unknown_option(q, option, at);
        }
    }

    fn push_unknown_option(&mut self, q: &QuestionName, option: &str, at: Position) {
        let help = did_you_mean(option, q.options.iter().map(String::as_str))
            .unwrap_or_else(|| format!("the options of `{}` are: {}", q.id, q.options.join(", ")));
        self.diagnostics.push(
            Diagnostic::error(
                codes::compile::UNKNOWN_OPTION,
                self.span(at),
                format!("`{option}` is not an option of question `{}`", q.id),
            )
            .with_help(help),
        );
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
            codes::compile::TYPE,
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
                    codes::compile::DECISION_FUNCTION,
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
                codes::compile::DECISION_ARGUMENT,
                arg.position(),
                format!(
                    "expected {} {what} id in quotes",
                    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    }
                ),
                None,
            ));
        };
        match ids.iter().position(|i| i == s.as_str()) {
            Some(i) => Ok(i),
            None if self.names.broken.contains(s.as_str()) => Err(NotNative::Reported),
            None => {
                let help = did_you_mean(s, ids.iter().map(String::as_str));
                Err(self.report(
                    codes::compile::UNKNOWN_REFERENCE,
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
                    codes::compile::DECISION_ARGUMENT,
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

/// Why `answer op c` can hold for no answer the numeric question `q` accepts, if it cannot.
fn never_holds(q: &QuestionName, op: CmpOp, c: f64) -> Option<String> {
    let whole = q.kind == QuestionType::Integer;
    // The answers accepted, as a closed range (whole numbers for integer questions).
    let lo = q
        .min
        .map_or(f64::NEG_INFINITY, |m| if whole { m.ceil() } else { m });
    let hi = q
        .max
        .map_or(f64::INFINITY, |m| if whole { m.floor() } else { m });
    let fmt = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            format!("{}", x as i64)
        } else {
            x.to_string()
        }
    };
    let at_most = || format!("answers to `{}` are at most {}", q.id, fmt(hi));
    let at_least = || format!("answers to `{}` are at least {}", q.id, fmt(lo));
    match op {
        CmpOp::Eq if whole && c.fract() != 0.0 => Some(format!(
            "answers to `{}` are whole numbers, never {c}",
            q.id
        )),
        CmpOp::Eq if c > hi => Some(at_most()),
        CmpOp::Eq if c < lo => Some(at_least()),
        // The smallest answer above c, and the largest below it.
        CmpOp::Gt if hi <= c => Some(at_most()),
        CmpOp::Ge if hi < c => Some(at_most()),
        CmpOp::Lt if lo >= c => Some(at_least()),
        CmpOp::Le if lo > c => Some(at_least()),
        _ => None,
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
