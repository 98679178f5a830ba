//! Scripts: every condition parsed by the sandboxed Rhai engine; conditions compiled natively
//! where they have a common shape ([`native`](super::native)), else kept as sandboxed scripts
//! whose reads come from static analysis of their syntax tree.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rhai::{AST, ASTNode, Engine, Expr as RExpr, Stmt};

use super::LoadOptions;
use super::native::{Compiler, Functions, Names, NotNative};
use crate::codes;
use crate::cond::Cond;
use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::manifest::Script;
use crate::model::QuestionName;
use crate::model::{Condition, ScriptCondition};
use crate::sandbox::{self, RegexCache};
use crate::sources::Sources;
use crate::yaml;

/// Parses a script with the sandboxed engine; `with_obs` declares `obs` (strict variables).
pub(super) fn parse(
    engine: &Engine,
    script: &Script,
    with_obs: bool,
    out: &mut Vec<Diagnostic>,
) -> Option<AST> {
    match sandbox::compile_script(engine, &script.source, with_obs) {
        Ok(ast) => Some(ast),
        Err(e) => {
            syntax_error(script, &e, out);
            None
        }
    }
}

/// The diagnostic of a script Rhai does not parse.
fn syntax_error(script: &Script, e: &rhai::ParseError, out: &mut Vec<Diagnostic>) {
    let span = script.span_at(e.position());
    let message = e.0.to_string();
    let help = if message.contains("eval")
        || message.contains("print")
        || message.contains("debug")
        || message.contains("import")
    {
        Some("rule sets cannot evaluate text, print or import modules (sandbox)".to_owned())
    } else {
        None
    };
    let mut d = Diagnostic::error(
        codes::compile::SYNTAX,
        span,
        format!("invalid Rhai: {}", lowercase_first(&message)),
    );
    d.help = help;
    out.push(d);
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The `*.rhai` files of `sources`, in the order the function library combines them.
pub(crate) fn library_files(sources: &Sources) -> Vec<(String, String)> {
    sources
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".rhai") && Sources::is_rule_file(p))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect()
}

/// `*.rhai` files: function libraries available to every scripted condition.
pub(super) fn library(files: &[(String, String)], out: &mut Vec<Diagnostic>) -> AST {
    let checked = sandbox::library(
        files.iter().map(|(p, t)| (p.as_str(), t.as_str())),
        |path, text, compiled| {
            let script = Script {
                source: text.to_owned(),
                span: Span::new(path, 1, 1),
                origin: yaml::Node {
                    kind: yaml::Kind::Scalar(yaml::Scalar {
                        text: String::new(),
                        style: yaml::ScalarStyle::Plain,
                    }),
                    span: Span::new(path, 1, 1),
                }
                .text_origin(""),
            };
            match compiled {
                Err(e) => syntax_error(&script, &e, out),
                Ok(ast) if !ast.statements().is_empty() => out.push(
                    Diagnostic::error(
                        codes::compile::LIBRARY_STATEMENT,
                        Span::new(path, 1, 1),
                        format!("`{path}` has statements outside functions"),
                    )
                    .with_help("a `.rhai` file of a rule set holds only `fn` definitions"),
                ),
                Ok(_) => {}
            }
            Ok::<(), std::convert::Infallible>(())
        },
    );
    match checked {
        Ok(library) => library,
        Err(never) => match never {},
    }
}

/// A condition compiled natively ([`Compiler`]), with the questions it reads; a script with
/// function definitions never is.
fn native(
    ast: &AST,
    script: &Script,
    names: Names<'_>,
    patterns: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
) -> (Result<Cond, NotNative>, Vec<usize>) {
    let mut compiler = Compiler {
        names,
        script,
        diagnostics: out,
        regexes: patterns,
        reads: Vec::new(),
    };
    let result = if ast.has_functions() {
        Err(NotNative::Unsupported(
            "function definitions",
            rhai::Position::NONE,
        ))
    } else {
        compiler.condition(ast.statements())
    };
    (result, compiler.reads)
}

/// Compiles an indicator or `ask_if` condition: natively when it has a common shape, else as a
/// sandboxed script whose reads come from static analysis (or the declared `reads`).
pub(super) fn condition(
    ast: &AST,
    script: &Script,
    names: Names<'_>,
    patterns: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
    library: Option<(&AST, Option<Vec<usize>>)>,
    options: &LoadOptions,
) -> Option<(Condition, Vec<usize>)> {
    let question_types = names.questions.unwrap_or_default();
    let functions = names.functions;
    let read_before = names.read_before;
    let (native, reads) = native(ast, script, names, patterns, out);
    // The condition as a sandboxed script, with the rule set's function library.
    let as_script = || {
        let ast = match &library {
            Some((lib, _)) => lib.merge(ast),
            None => ast.clone(),
        };
        Condition::Script(Box::new(ScriptCondition {
            ast,
            script: script.clone(),
        }))
    };
    match native {
        Ok(cond) if !options.interpret_all => Some((Condition::Native(cond), reads)),
        Ok(_) => {
            // Checked like a native condition above; run as the script it is.
            Some((as_script(), reads))
        }
        Err(NotNative::Reported) => None,
        Err(NotNative::Unsupported(..)) => {
            let library_ast = library.as_ref().map(|(lib, _)| *lib);
            if let Some(functions) = functions
                && !check_script(ast, script, functions, library_ast, out)
            {
                return None;
            }
            let (static_reads, dynamic) =
                script_reads(ast, script, question_types, read_before, out)?;
            let declared = library.as_ref().and_then(|(_, d)| d.clone());
            let reads = match (declared, dynamic) {
                (Some(declared), _) => declared.into_iter().chain(static_reads).collect(),
                (None, None) => static_reads,
                (None, Some(pos)) => {
                    out.push(
                        Diagnostic::error(codes::compile::DYNAMIC_READ, pos, "this condition reads answers in a way that cannot be resolved before screening")
                            .with_help("read answers as `obs.<id>` or `obs[\"<id>\"]`, or list them under `reads:`"),
                    );
                    return None;
                }
            };
            Some((as_script(), reads))
        }
    }
}

pub(super) fn decision(
    ast: &AST,
    script: &Script,
    names: Names<'_>,
    patterns: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
) -> Option<Cond> {
    match native(ast, script, names, patterns, out).0 {
        Ok(cond) => Some(cond),
        Err(NotNative::Reported) => None,
        Err(NotNative::Unsupported(what, pos)) => {
            let span = script.span_at(pos);
            out.push(
                Diagnostic::error(codes::compile::DECISION_SHAPE, span, format!("decision rules cannot use {what}"))
                    .with_help("a decision rule is one condition over the decision helpers (`positive(\"dim\")`, `present_count()`, `score()`, …) with `&&`, `||`, `!`, comparisons and arithmetic; put scripted logic in an indicator"),
            );
            None
        }
    }
}

/// Static reads of a scripted condition: `obs.<id>` and `obs["<id>"]`. Returns the position of
/// any other use of `obs` (a read that cannot be resolved statically).
fn script_reads(
    ast: &AST,
    script: &Script,
    questions: &[QuestionName],
    read_before: Option<usize>,
    out: &mut Vec<Diagnostic>,
) -> Option<(Vec<usize>, Option<Span>)> {
    let locate = |pos: rhai::Position| script.span_at(pos);
    let mut reads = Vec::new();
    let mut resolved_uses = 0usize;
    let mut all_uses = 0usize;
    let mut first_use = None;
    let mut ok = true;
    let mut visit = |path: &[ASTNode]| -> bool {
        let Some(ASTNode::Expr(e)) = path.last() else {
            if let Some(ASTNode::Stmt(Stmt::Import(_, pos))) = path.last() {
                out.push(Diagnostic::error(
                    codes::compile::IMPORT,
                    locate(*pos),
                    "rule sets cannot import modules",
                ));
                ok = false;
            }
            return true;
        };
        match e {
            RExpr::Variable(v, _, pos) if v.1.as_str() == "obs" => {
                all_uses += 1;
                first_use.get_or_insert(*pos);
            }
            RExpr::Dot(bin, _, _) | RExpr::Index(bin, _, _) => {
                let name = match (&bin.lhs, &bin.rhs, e) {
                    (RExpr::Variable(v, _, _), RExpr::Property(p, pos), RExpr::Dot(..))
                        if v.1.as_str() == "obs" =>
                    {
                        Some((p.2.clone(), *pos))
                    }
                    (RExpr::Variable(v, _, _), RExpr::StringConstant(s, pos), RExpr::Index(..))
                        if v.1.as_str() == "obs" =>
                    {
                        Some((s.clone(), *pos))
                    }
                    _ => None,
                };
                if let Some((name, pos)) = name {
                    resolved_uses += 1;
                    match questions
                        .iter()
                        .position(|q| q.id.as_str() == name.as_str())
                    {
                        Some(i) if read_before.is_none_or(|limit| i < limit) => reads.push(i),
                        Some(_) => {
                            out.push(Diagnostic::error(codes::compile::ASK_IF_ORDER, locate(pos), format!("`ask_if` reads `{name}`, which is not asked before this question")));
                            ok = false;
                        }
                        None => {
                            let mut d = Diagnostic::error(
                                codes::compile::UNKNOWN_QUESTION,
                                locate(pos),
                                format!("unknown question `{name}`"),
                            );
                            d.help = did_you_mean(&name, questions.iter().map(|q| q.id.as_str()));
                            out.push(d);
                            ok = false;
                        }
                    }
                }
            }
            _ => {}
        }
        true
    };
    ast.walk(&mut visit);
    if !ok {
        return None;
    }
    let dynamic =
        (all_uses > resolved_uses).then(|| locate(first_use.unwrap_or(rhai::Position::NONE)));
    Some((reads, dynamic))
}

/// Rhai keywords that look like calls (`type_of(x)`, `Fn("f")`, …): not functions to look up.
const KEYWORD_CALLS: [&str; 8] = [
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_shared",
    "is_def_var",
    "is_def_fn",
    "this",
];

/// What static checks find in a scripted condition before it is kept as a script:
/// `compile::assignment` (`obs.x = true`, or a script that ends in an assignment) and
/// `compile::unknown-function` (a call that neither Rhai, the sandbox, the set's library nor
/// the script itself defines, or with another number of arguments). False when any was found.
fn check_script(
    ast: &AST,
    script: &Script,
    functions: &Functions,
    library: Option<&AST>,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let before = out.len();
    // Script functions: the library's and the script's own, by name with their arities.
    let mut scripted: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for f in library
        .into_iter()
        .flat_map(AST::iter_functions)
        .chain(ast.iter_functions())
    {
        scripted
            .entry(f.name.to_owned())
            .or_default()
            .insert(f.params.len());
    }
    // Variables may hold function pointers, called like functions: never report those.
    let mut variables: HashSet<String> = ast
        .iter_functions()
        .flat_map(|f| f.params.into_iter().map(str::to_owned))
        .collect();
    variables.insert("obs".into());
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Var(v, ..))) = path.last() {
            variables.insert(v.0.name.to_string());
        }
        true
    });
    if let Some(Stmt::Assignment(a)) = ast.statements().last()
        && !reads_obs(&a.1.lhs)
    {
        out.push(
            Diagnostic::error(
                codes::compile::ASSIGNMENT,
                script.span_at(a.0.position()),
                "the condition ends in an assignment (`=`), which gives no true or false",
            )
            .with_help("to compare, write `==`"),
        );
    }
    let mut calls = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Assignment(a))) if reads_obs(&a.1.lhs) => {
                out.push(
                    Diagnostic::error(
                        codes::compile::ASSIGNMENT,
                        script.span_at(a.0.position()),
                        "a condition cannot change an answer: `=` assigns",
                    )
                    .with_help("to compare, write `==` (for a yes/no answer, just `obs.<id>`)"),
                );
            }
            Some(ASTNode::Expr(RExpr::FnCall(call, pos))) => {
                calls.push((
                    call.name.to_string(),
                    call.args.len(),
                    call.is_qualified(),
                    call.op_token.is_some(),
                    *pos,
                ));
            }
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => {
                calls.push((
                    call.name.to_string(),
                    call.args.len(),
                    call.is_qualified(),
                    call.op_token.is_some(),
                    *pos,
                ));
            }
            Some(ASTNode::Expr(RExpr::MethodCall(call, pos))) => {
                // The object the method is called on is its first argument.
                calls.push((
                    call.name.to_string(),
                    call.args.len() + 1,
                    call.is_qualified(),
                    call.op_token.is_some(),
                    *pos,
                ));
            }
            _ => {}
        }
        true
    });
    for (name, arity, qualified, operator, pos) in calls {
        let identifier = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        if qualified
            || operator
            || !identifier
            || name.contains('$')
            || KEYWORD_CALLS.contains(&name.as_str())
            || variables.contains(&name)
            || functions.native.contains(&(name.clone(), arity))
            || scripted.get(&name).is_some_and(|a| a.contains(&arity))
        {
            continue;
        }
        let arities: BTreeSet<usize> = functions
            .native
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, a)| *a)
            .chain(scripted.get(&name).into_iter().flatten().copied())
            .collect();
        let span = script.span_at(pos);
        let d = if arities.is_empty() {
            let candidates: BTreeSet<&str> = functions
                .native
                .iter()
                .map(|(n, _)| n.as_str())
                .chain(scripted.keys().map(String::as_str))
                .filter(|n| n.chars().next().is_some_and(|c| c.is_alphabetic()))
                .collect();
            Diagnostic::error(
                codes::compile::UNKNOWN_FUNCTION,
                span,
                format!("unknown function `{name}`"),
            )
            .with_help(
                did_you_mean(&name, candidates.iter().copied()).unwrap_or_else(|| {
                    "define it in a `.rhai` file of the rule set, or use a Rhai function".into()
                }),
            )
        } else {
            let takes: Vec<String> = arities.iter().map(usize::to_string).collect();
            Diagnostic::error(
                codes::compile::UNKNOWN_FUNCTION,
                span,
                format!(
                    "`{name}` is called with {arity} argument{} but takes {}",
                    if arity == 1 { "" } else { "s" },
                    takes.join(" or ")
                ),
            )
            .with_help(format!("give `{name}` {} argument(s)", takes.join(" or ")))
        };
        out.push(d);
    }
    out.len() == before
}

/// Whether an assignment target is `obs` or part of it.
fn reads_obs(lhs: &RExpr) -> bool {
    match lhs {
        RExpr::Variable(v, _, _) => v.1.as_str() == "obs",
        RExpr::Dot(bin, _, _) | RExpr::Index(bin, _, _) => reads_obs(&bin.lhs),
        _ => false,
    }
}
