//! A YAML tree that remembers where every node stands in its file.
//!
//! Rule authors must get every mistake at once with its line and column; serde-based YAML
//! deserialisers stop at the first error and forget positions after parsing. This module
//! builds a small positioned tree from the parser's events, refuses what a rule set never
//! needs (aliases, which also rules out "billion laughs"; tags; duplicate keys; deep nesting)
//! and leaves typed reading to `manifest`.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::codes;
use crate::diagnostic::{Diagnostic, Span, TextOrigin};

/// Deepest nesting a rule-set file may have; real files stay under 8.
const MAX_DEPTH: usize = 64;

/// One node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub span: Span,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A scalar with how it was written: plain scalars are typed by YAML 1.2 core rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub text: String,
    pub style: ScalarStyle,
}

/// How a scalar was written; only plain scalars can be numbers, booleans or null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Plain,
    Quoted,
    /// A `|` block: the text starts on the line after the indicator.
    Literal,
    /// A `>` block: lines are folded, so positions inside it are approximate.
    Folded,
}

impl Node {
    /// A short name of what the node is, for messages ("a list", "a number").
    pub(crate) fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Scalar(s) => match s.plain_value() {
                PlainValue::Null => "null",
                PlainValue::Bool(_) => "a boolean",
                PlainValue::Int(_) => "a whole number",
                PlainValue::Float(_) => "a number",
                PlainValue::Str => "text",
            },
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Text of a scalar that is not a number, boolean or null (those are refused where text
    /// is expected, so `id: 1` and `id: yes` read as what the author meant only when quoted).
    pub(crate) fn as_str(&self) -> Option<&str> {
        let s = self.as_scalar()?;
        match s.plain_value() {
            PlainValue::Str => Some(&s.text),
            _ => None,
        }
    }

    /// Where the text of a scalar starts, for positioning errors inside it (Rhai scripts).
    pub(crate) fn text_origin(&self, source: &str) -> TextOrigin {
        let Some(s) = self.as_scalar() else {
            return TextOrigin::at(&self.span);
        };
        match s.style {
            ScalarStyle::Plain => TextOrigin::at(&self.span),
            ScalarStyle::Quoted => TextOrigin {
                line: self.span.line,
                column: self.span.column + 1,
                block_indent: None,
                exact: true,
            },
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // The parser marks a block scalar where its content starts; the text begins on
                // the first non-empty line from there, at that line's indentation.
                let mut lines = source.lines().enumerate().skip(self.span.line as usize - 1);
                let found = lines.find(|(_, l)| !l.trim().is_empty());
                match found {
                    Some((index, line)) => {
                        let indent = line.len() - line.trim_start_matches(' ').len();
                        TextOrigin {
                            line: index as u32 + 1,
                            column: indent as u32 + 1,
                            block_indent: Some(indent as u32),
                            exact: s.style == ScalarStyle::Literal,
                        }
                    }
                    None => TextOrigin::at(&self.span),
                }
            }
        }
    }
}

/// A plain scalar typed by the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PlainValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

impl Scalar {
    pub(crate) fn plain_value(&self) -> PlainValue {
        if self.style != ScalarStyle::Plain {
            return PlainValue::Str;
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return PlainValue::Null,
            "true" | "True" | "TRUE" => return PlainValue::Bool(true),
            "false" | "False" | "FALSE" => return PlainValue::Bool(false),
            _ => {}
        }
        if let Some(i) = parse_int(t) {
            return PlainValue::Int(i);
        }
        if looks_like_float(t)
            && let Ok(f) = t.parse::<f64>()
        {
            return PlainValue::Float(f);
        }
        PlainValue::Str
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn looks_like_float(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

/// Parses one YAML document of `source` (named `file` in diagnostics).
///
/// # Errors
/// Every problem found: a syntax error ends parsing, the structural refusals (aliases, tags,
/// duplicate keys) are all collected.
pub(crate) fn parse(file: &str, source: &str) -> Result<Node, Vec<Diagnostic>> {
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        root: None,
        errors: Vec::new(),
    };
    let mut parser = Parser::new_from_str(source);
    if let Err(e) = parser.load(&mut builder, false) {
        let m = e.marker();
        let span = Span::new(file, m.line() as u32, m.col() as u32 + 1);
        builder.errors.push(Diagnostic::error(
            codes::load::YAML_SYNTAX,
            span,
            format!("invalid YAML: {}", e.info()),
        ));
        return Err(builder.errors);
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    match builder.root {
        Some(root) => Ok(root),
        None => Ok(Node {
            kind: Kind::Scalar(Scalar {
                text: String::new(),
                style: ScalarStyle::Plain,
            }),
            span: Span::new(file, 1, 1),
        }),
    }
}

struct Builder<'a> {
    file: &'a str,
    stack: Vec<Frame>,
    root: Option<Node>,
    errors: Vec<Diagnostic>,
}

enum Frame {
    Seq(Span, Vec<Node>),
    Map(Span, Vec<(Node, Node)>, Option<Node>),
}

impl Builder<'_> {
    fn span(&self, mark: Marker) -> Span {
        Span::new(self.file, mark.line() as u32, mark.col() as u32 + 1)
    }

    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Some(k) = key.as_scalar() {
                        let duplicate = entries
                            .iter()
                            .find(|(other, _)| other.as_scalar().is_some_and(|o| o.text == k.text));
                        if let Some((first, _)) = duplicate {
                            let message = format!(
                                "duplicate key `{}` (first at line {})",
                                k.text, first.span.line
                            );
                            self.errors.push(
                                Diagnostic::error(
                                    codes::load::DUPLICATE_KEY,
                                    key.span.clone(),
                                    message,
                                )
                                .with_help(
                                    "a key may appear once in a mapping; remove or rename one",
                                ),
                            );
                        }
                    }
                    entries.push((key, node));
                }
            },
        }
    }

    fn open(&mut self, frame: Frame, span: &Span) -> bool {
        if self.stack.len() >= MAX_DEPTH
            && self
                .errors
                .iter()
                .all(|e| e.code != codes::load::YAML_TOO_DEEP)
        {
            self.errors.push(Diagnostic::error(
                codes::load::YAML_TOO_DEEP,
                span.clone(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        true
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let span = self.span(mark);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.refuse_anchor_or_tag(&span, tag.is_some());
                }
                let style = match style {
                    TScalarStyle::Plain => ScalarStyle::Plain,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => ScalarStyle::Quoted,
                    TScalarStyle::Literal => ScalarStyle::Literal,
                    TScalarStyle::Folded => ScalarStyle::Folded,
                };
                self.push_node(Node {
                    kind: Kind::Scalar(Scalar { text, style }),
                    span,
                });
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.refuse_anchor_or_tag(&span, tag.is_some());
                }
                self.open(Frame::Seq(span.clone(), Vec::new()), &span);
            }
            Event::MappingStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.refuse_anchor_or_tag(&span, tag.is_some());
                }
                self.open(Frame::Map(span.clone(), Vec::new(), None), &span);
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(span, items)) = self.stack.pop() {
                    self.push_node(Node {
                        kind: Kind::Seq(items),
                        span,
                    });
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(span, entries, _)) = self.stack.pop() {
                    // A block mapping is best pointed at by its first key.
                    let span = entries.first().map_or(span, |(k, _)| k.span.clone());
                    self.push_node(Node {
                        kind: Kind::Map(entries),
                        span,
                    });
                }
            }
            Event::Alias(_) => {
                self.errors.push(
                    Diagnostic::error(codes::load::YAML_ALIAS, span.clone(), "YAML aliases (`*name`) are not allowed")
                        .with_help("write the value out; aliases make rule sets hard to read and can expand without bound"),
                );
                self.push_node(Node {
                    kind: Kind::Scalar(Scalar {
                        text: String::new(),
                        style: ScalarStyle::Plain,
                    }),
                    span,
                });
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

impl Builder<'_> {
    fn refuse_anchor_or_tag(&mut self, span: &Span, tag: bool) {
        let (code, what) = if tag {
            (codes::load::YAML_TAG, "YAML tags (`!name`) are not allowed")
        } else {
            (
                codes::load::YAML_ANCHOR,
                "YAML anchors (`&name`) are not allowed",
            )
        };
        self.errors
            .push(Diagnostic::error(code, span.clone(), what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let node = parse("f.yaml", "a: 1\nb:\n  - x\n").expect("parses");
        let map = node.as_map().expect("map");
        assert_eq!((map[1].0.span.line, map[1].0.span.column), (2, 1));
        let seq = map[1].1.as_seq().expect("seq");
        assert_eq!((seq[0].span.line, seq[0].span.column), (3, 5));
    }

    #[test]
    fn duplicate_keys_and_aliases_are_all_reported() {
        let errors = parse("f.yaml", "a: &x 1\na: *x\nb: 2\nb: 3\n").expect_err("refused");
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                codes::load::YAML_ANCHOR,
                codes::load::YAML_ALIAS,
                codes::load::DUPLICATE_KEY,
                codes::load::DUPLICATE_KEY
            ]
        );
    }

    #[test]
    fn billion_laughs_is_refused_without_expanding() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let errors = parse("bomb.yaml", &src).expect_err("refused");
        assert!(errors.iter().any(|e| e.code == codes::load::YAML_ALIAS));
    }

    #[test]
    fn literal_block_text_maps_to_file_lines() {
        let src = "when: |\n  let x = 1;\n  x +\n";
        let node = parse("f.yaml", src).expect("parses");
        let value = &node.as_map().expect("map")[0].1;
        let origin = value.text_origin(src);
        assert_eq!(origin.locate(2, 3), (3, 5));
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let s = |t: &str| {
            Scalar {
                text: t.into(),
                style: ScalarStyle::Plain,
            }
            .plain_value()
        };
        assert_eq!(s("12"), PlainValue::Int(12));
        assert_eq!(s("1.5"), PlainValue::Float(1.5));
        assert_eq!(s("yes"), PlainValue::Str);
        assert_eq!(s("~"), PlainValue::Null);
        assert_eq!(s("1.0.0"), PlainValue::Str);
    }
}
