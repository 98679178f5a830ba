//! Every diagnostic and error code, with what it means, why it matters and how to fix it: one
//! registry for the engine's codes and those of the CLI, the batch and the WASM module.
//!
//! A code is a [`Code`], and the only `Code`s are the constants below, each with its
//! documentation: whatever emits a code (a [`Diagnostic`](crate::Diagnostic), a case error, a
//! batch row error), `herken explain` and the code list in the docs all read this table, so no
//! code can be emitted undocumented or documented twice.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A stable code such as `load::unknown-key`: the stage that found the problem, then what it
/// is. Codes are the constants of the stage modules in [`codes`](self), each documented.
#[derive(Clone, Copy)]
pub struct Code(&'static CodeDoc);

/// The documentation of one code.
#[derive(Debug, PartialEq, Eq)]
pub struct CodeDoc {
    /// The code, e.g. `load::unknown-key`.
    pub code: &'static str,
    /// What the code means.
    pub meaning: &'static str,
    /// Why it matters to a rule author or user.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl Code {
    /// The code as text, e.g. `load::unknown-key`.
    pub fn as_str(self) -> &'static str {
        self.0.code
    }

    /// What it means, why it matters and how to fix it.
    pub fn doc(self) -> &'static CodeDoc {
        self.0
    }

    /// The stage it belongs to: the part before `::` (`load`, `case`, `batch`, …).
    pub fn stage(self) -> &'static str {
        self.0.code.split("::").next().unwrap_or_default()
    }

    /// The code written as `text`, if there is one.
    pub fn find(text: &str) -> Option<Code> {
        ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Code {}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::find(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{text}`")))
    }
}

/// A stage of the pipeline and its codes.
#[derive(Debug)]
pub struct Stage {
    /// Its name, the part of its codes before `::` (`load`, `case`, …).
    pub name: &'static str,
    /// What its codes are about.
    pub about: &'static str,
    /// Its codes, in documentation order.
    pub codes: &'static [Code],
}

/// Declares the stage modules with their codes, and [`ALL`].
macro_rules! codes {
    ($(
        $(#[doc = $stage_doc:literal])*
        $stage:ident {
            $( $name:ident = $code:literal { $meaning:literal, $why:literal, $fix:literal, } )*
        }
    )*) => {
        $(
            $(#[doc = $stage_doc])*
            pub mod $stage {
                use super::{Code, CodeDoc};
                $(
                    #[doc = $meaning]
                    pub const $name: Code = Code(&CodeDoc {
                        code: $code,
                        meaning: $meaning,
                        why: $why,
                        fix: $fix,
                    });
                )*
                /// This stage's codes, in documentation order.
                pub const ALL: &[Code] = &[$($name),*];
            }
        )*

        /// Every code, grouped by stage.
        pub const ALL: &[Code] = &[$($($stage::$name,)*)*];

        /// The stages, each with what its codes are about and its codes (for documentation).
        pub const STAGES: &[Stage] = &[$(Stage {
            name: stringify!($stage),
            about: concat!($($stage_doc),*),
            codes: $stage::ALL,
        }),*];

        #[cfg(test)]
        const NAMES: &[(&str, Code)] = &[$($((stringify!($name), $stage::$name),)*)*];
    };
}

codes! {
    /// The manifest's structure, read when a rule set loads.
    load {
        NO_MANIFEST = "load::no-manifest" {
            "The rule-set folder has no `ruleset.yaml`.",
            "Without a manifest there is no rule set.",
            "Add `ruleset.yaml`, or point `--rules` at the right folder.",
        }
        TOO_MANY_FILES = "load::too-many-files" {
            "A rule set has more than 256 `*.rhai` library files.",
            "Real sets have a handful; tens of thousands of files are a mistake or an attack on the host (each one costs loading time).",
            "Put the functions in fewer files.",
        }
        LIBRARY_TOO_LARGE = "load::library-too-large" {
            "A rule set's `*.rhai` library files hold more than 1 MiB of text together.",
            "Real libraries are a few kilobytes; a huge one is a mistake or an attack on the host.",
            "Shorten the library: it holds functions for conditions, not data.",
        }
        FILE_TOO_LARGE = "load::file-too-large" {
            "A rule file is larger than 4 MiB.",
            "Real manifests are tens of kilobytes; a huge file is a mistake or an attack on the host.",
            "Split or shorten the file.",
        }
        YAML_SYNTAX = "load::yaml-syntax" {
            "The YAML cannot be parsed.",
            "Nothing after the error can be read.",
            "Fix the YAML at the position shown: indentation, an unclosed bracket or quote, a tab.",
        }
        YAML_ALIAS = "load::yaml-alias" {
            "A YAML alias (`*name`) is used.",
            "Aliases make rule sets hard to review and can expand without bound (\"billion laughs\").",
            "Write the value out in full.",
        }
        YAML_ANCHOR = "load::yaml-anchor" {
            "A YAML anchor (`&name`) is used.",
            "Anchors exist only for aliases, which are refused.",
            "Remove the anchor.",
        }
        YAML_TAG = "load::yaml-tag" {
            "A YAML tag (`!name`) is used.",
            "Tags change how values are read; rule sets need none.",
            "Remove the tag.",
        }
        YAML_TOO_DEEP = "load::yaml-too-deep" {
            "The YAML nests deeper than 64 levels.",
            "No rule set needs that depth; deep nesting can exhaust the stack.",
            "Flatten the structure.",
        }
        DUPLICATE_KEY = "load::duplicate-key" {
            "A key appears twice in one mapping.",
            "YAML would silently keep one of the two values.",
            "Remove or rename one of them.",
        }
        FORMAT_VERSION = "load::format-version" {
            "`format` names a version this engine does not read.",
            "The meaning of the file depends on its format version.",
            "Use `format: 1`, or a newer herken.",
        }
        MISSING_KEY = "load::missing-key" {
            "A required key is missing.",
            "The item cannot be used without it.",
            "Add the key named in the message.",
        }
        UNKNOWN_KEY = "load::unknown-key" {
            "A key is not part of the format.",
            "A misspelt key would otherwise be silently ignored.",
            "Fix the spelling (see the suggestion) or remove the key.",
        }
        WRONG_TYPE = "load::wrong-type" {
            "A value has the wrong type (text where a list is needed, …).",
            "The value cannot be read as intended.",
            "Write the type the message names; quote text that YAML reads as a number or boolean.",
        }
        INVALID_ID = "load::invalid-id" {
            "An id has characters that are not allowed.",
            "Question ids are read in conditions as `obs.<id>`; ids appear in reports and exports.",
            "Use lowercase letters, digits and `_` (snake_case; kebab-case for the rule-set and decision-rule ids).",
        }
        INVALID_LANGUAGE = "load::invalid-language" {
            "A language code is not a two-letter code.",
            "Texts are looked up by language code.",
            "Use ISO 639-1 codes such as `nl` and `en`.",
        }
        VERSION = "load::version" {
            "`version` is not a semantic version.",
            "Reports carry the version; researchers compare results across versions.",
            "Write `MAJOR.MINOR.PATCH`, e.g. `1.0.0`.",
        }
        STATUS = "load::status" {
            "`status` is not one of `draft`, `reviewed`, `verified`.",
            "The status tells every user how far the set has been checked against its sources; reports, `herken list` and the intake page show it.",
            "Write `draft`, `reviewed` (every indicator names its source) or `verified` (every indicator transcribed from the primary text, with its location).",
        }
        STATUS_REVIEWED = "load::status-reviewed" {
            "The set says `status: reviewed`, but an indicator names no source.",
            "`reviewed` promises a reader that every indicator can be traced to a source; one without a source breaks that promise.",
            "Give the indicator `source: {id, location, basis}`, or lower `status` to `draft`.",
        }
        STATUS_VERIFIED = "load::status-verified" {
            "The set says `status: verified`, but an indicator is not `basis: transcribed` with a `location`.",
            "`verified` promises that every indicator was checked against the primary text and can be found there; one taken from a secondary text or interpreted breaks that promise.",
            "Transcribe the indicator from the primary text and record where (`location: \"p. 3, table 1, item 4\"`, `basis: transcribed`), or lower `status` to `reviewed`.",
        }
        SOURCE_TEXT = "load::source-text" {
            "An indicator's `source` is free text instead of `{id, location, basis}`.",
            "A status is only as good as the provenance of each indicator, which herken can check only when it is structured.",
            "Write `source: {id: <a source under `sources`>, location: \"p. 3, table 1, item 4\", basis: transcribed}`; `basis` is `transcribed` (copied from the primary text), `secondary` (from a text about it) or `interpretation` (the author's reading); put any other remark under `note`.",
        }
        SOURCE_BASIS = "load::source-basis" {
            "An indicator's `source` has an unknown `basis`.",
            "The basis says how far the indicator can be trusted to say what its source says.",
            "Use `transcribed`, `secondary` or `interpretation`.",
        }
        UNKNOWN_SOURCE = "load::unknown-source" {
            "An indicator's `source` names an id that is not declared under `sources`.",
            "A reader could not find the source the indicator comes from.",
            "Declare the source under `sources` (id, citation, url), or fix the id.",
        }
        QUESTION_TYPE = "load::question-type" {
            "A question has an unknown `type`.",
            "The type decides which answers are valid and how conditions read them.",
            "Use yesno, integer, number, choice, choices or text.",
        }
        NOT_APPLICABLE = "load::not-applicable" {
            "A key does not apply to this question type (`options` on a yes/no question, `min` on text).",
            "It would be ignored.",
            "Remove the key or change the type.",
        }
        BOUNDS = "load::bounds" {
            "`max` is below `min`.",
            "No answer could be valid.",
            "Swap or correct the bounds.",
        }
        POSITIVE_RULE = "load::positive-rule" {
            "A dimension's `positive` rule is not recognised.",
            "The dimension could never be judged.",
            "Write `ilo`, `{at_least: k}` or `{score_at_least: x}`.",
        }
        STRENGTH = "load::strength" {
            "An indicator's `strength` is not strong, medium or weak.",
            "Strength decides dimension positivity.",
            "Use `strong`, `medium` or `weak`, or a numeric `weight`.",
        }
        MISSING_STRENGTH = "load::missing-strength" {
            "An indicator has neither `strength` nor `weight`, or its dimension uses the ILO rule and it has no `strength`.",
            "The ILO rule counts strong, medium and weak indicators.",
            "Add a `strength`, or give the dimension a count or score rule.",
        }
        HTCDS_STATUS = "load::htcds-status" {
            "An outcome's `htcds` is not an IOM HTCDS trafficking status.",
            "Exports to case-data standards rely on the exact value.",
            "Use PossibleVictimOfTrafficking or NotAVictimOfTrafficking.",
        }
        CONFIRMED_VICTIM_STATUS = "load::confirmed-victim-status" {
            "An outcome is mapped to the HTCDS status of a confirmed victim (`ActualVictimOfTrafficking`).",
            "A screening gives a signal, never an identification: formal identification is a legal or multidisciplinary decision, and a person wrongly labelled a victim is stigmatised.",
            "Use `htcds: PossibleVictimOfTrafficking`, or leave `htcds` out.",
        }
        LIMIT = "load::limit" {
            "A sandbox limit is outside 1 and its hard cap.",
            "Caps keep a rule set from exhausting the host.",
            "Choose a value within the cap shown.",
        }
        EMPTY = "load::empty" {
            "A required list (`questions`, `indicators`, `outcomes`, `decision`, `languages`) is empty.",
            "The rule set could not screen anything.",
            "Fill the list.",
        }
        DUPLICATE_ID = "load::duplicate-id" {
            "Two items of the same kind share an id.",
            "References and reports would be ambiguous.",
            "Rename one of them.",
        }
        UNKNOWN_GROUP = "load::unknown-group" {
            "A question names a group that is not declared.",
            "Forms could not place the question.",
            "Declare the group under `groups` or fix the id.",
        }
        UNKNOWN_DIMENSION = "load::unknown-dimension" {
            "An indicator names a dimension that is not declared.",
            "The indicator would count nowhere.",
            "Declare the dimension or fix the id.",
        }
        UNKNOWN_QUESTION = "load::unknown-question" {
            "An indicator's `reads` names a question that is not declared.",
            "The read set would be wrong.",
            "Fix the id.",
        }
        UNKNOWN_OUTCOME = "load::unknown-outcome" {
            "A decision rule gives an outcome that is not declared.",
            "The decision could return an outcome no one has worded.",
            "Declare the outcome or fix the id.",
        }
        DECISION_FALLS_THROUGH = "load::decision-falls-through" {
            "The last decision rule has a `when`.",
            "A case matching no rule would have no outcome.",
            "End the decision with a rule without `when`.",
        }
        POPULATION = "load::population" {
            "`population` is not `adult`, `child` or `any`.",
            "Tools choose the set for the person by it, and reports check a case's age against it.",
            "Write `population: adult` (18 and older), `child` (under 18) or `any` (rules that hold at every age).",
        }
        POPULATION_QUESTION = "load::population-question" {
            "A set for adults or children does not ask `under_18` as a yes/no question.",
            "Without the age answer a screening of a minor by an adult set (or of an adult by a child set) would pass unnoticed; with it, the report says so (`case::population-mismatch`).",
            "Add the shared question `under_18` (`type: yesno`, `audience: interviewer`: \"Is the person younger than 18?\"), or write `population: any` if the rules hold at every age.",
        }
        EXPLOITATION_FORM = "load::exploitation-form" {
            "An entry of `forms` is not a known form of exploitation.",
            "Tools and forms say which forms a set covers, in their own words, from this list.",
            "Use sexual, labour, begging, criminal, organ_removal, forced_marriage, illegal_adoption or surrogacy.",
        }
        AUDIENCE = "load::audience" {
            "A question's `audience` is not `person` or `interviewer`.",
            "Forms keep questions the interviewer answers alone apart from those put to the person.",
            "Write `audience: interviewer` for an observation or assessment that is never read out; leave it out for a question put to the person.",
        }
        TRANSLATION = "load::translation" {
            "An entry of `translations` is wrong: an unknown `status` or `covers`, a language not in `languages`, or the set's first language marked as covering only the questions.",
            "Tools and forms mark unverified translations on screen; a mark on the wrong language, or a first language that cannot fill in every text, would mislead.",
            "Write `translations: {pl: {status: unverified, covers: questions, note: \"...\"}}` for a language listed in `languages` (not the first).",
        }
    }
    /// Conditions and decision rules, compiled when a rule set loads.
    compile {
        SYNTAX = "compile::syntax" {
            "A condition is not valid Rhai, or uses something the sandbox forbids (`eval`, `print`, `debug`, `import`).",
            "The indicator cannot be evaluated.",
            "Fix the script at the position shown.",
        }
        UNKNOWN_QUESTION = "compile::unknown-question" {
            "A condition reads `obs.<id>` for a question that does not exist.",
            "The read would always be unknown: the indicator could never be present.",
            "Fix the id (see the suggestion) or add the question.",
        }
        ASK_IF_ORDER = "compile::ask-if-order" {
            "An `ask_if` reads a question that is not asked before it.",
            "A form asks questions in order; it cannot depend on a later answer.",
            "Move the question after the one it depends on.",
        }
        TYPE = "compile::type" {
            "A condition mixes types: compares a number with text, uses a number as true/false, looks for text in a number.",
            "The condition would never be true, or always fail.",
            "Compare like with like; choice answers are option ids (text).",
        }
        NOT_A_CONDITION = "compile::not-a-condition" {
            "A condition gives something other than true or false.",
            "An indicator is present or absent, nothing else.",
            "Compare the value, e.g. `obs.hours_per_week > 48`.",
        }
        REGEX = "compile::regex" {
            "A `matches` pattern is not a valid regular expression, or is too large.",
            "The pattern could never be used.",
            "Fix the pattern (Rust regex syntax; matching is case-insensitive).",
        }
        DYNAMIC_READ = "compile::dynamic-read" {
            "A scripted condition reads answers in a way that cannot be resolved before screening (`obs[key]` with a computed key, `obs` passed to a function).",
            "Reports list the answers each indicator read, and tri-state rules depend on them.",
            "Read `obs.<id>` directly, or list the questions under `reads:`.",
        }
        IMPORT = "compile::import" {
            "A script imports a module.",
            "Rule sets may not load code from outside themselves.",
            "Put shared functions in a `.rhai` file of the rule set; they are available to every condition.",
        }
        LIBRARY_STATEMENT = "compile::library-statement" {
            "A `.rhai` library has statements outside functions.",
            "Libraries are loaded once; top-level statements would never run as intended.",
            "Keep only `fn` definitions in `.rhai` files.",
        }
        OBS_IN_DECISION = "compile::obs-in-decision" {
            "A decision rule reads an answer.",
            "Decisions combine indicator states; answers belong in indicators.",
            "Make an indicator for the answer and use `present(\"indicator\")`.",
        }
        DECISION_FUNCTION = "compile::decision-function" {
            "A decision rule calls something that is not a decision helper.",
            "Decisions are declarative so that herken can check them and compute what may change them.",
            "Use positive, positive_count, present, present_count, unknown_count or score.",
        }
        DECISION_ARGUMENT = "compile::decision-argument" {
            "A decision helper got something other than a quoted id or a list of quoted ids.",
            "Ids are checked when the set loads.",
            "Write `positive(\"dimension_id\")` or `present_count([\"a\", \"b\"])`.",
        }
        UNKNOWN_REFERENCE = "compile::unknown-reference" {
            "A decision helper names a dimension or indicator that does not exist.",
            "The rule would never hold as intended.",
            "Fix the id (see the suggestion).",
        }
        UNKNOWN_FUNCTION = "compile::unknown-function" {
            "A scripted condition calls a function that neither Rhai nor the rule set's `.rhai` library defines, or calls it with a different number of arguments.",
            "The condition would fail every time it runs: the indicator would be in error (or unknown) for every case, found only at screening time.",
            "Fix the name (see the suggestion) or the number of arguments, or define the function in a `.rhai` file of the set.",
        }
        ASSIGNMENT = "compile::assignment" {
            "A condition assigns (`obs.x = true`, a single `=`) where it should compare (`==`).",
            "An assignment gives no true or false: the indicator would never be present, and nothing would say why.",
            "Write `==` to compare, or just `obs.x` for a yes/no answer.",
        }
        UNKNOWN_OPTION = "compile::unknown-option" {
            "A condition compares a choice answer with text that is not one of the question's options (`obs.sector == \"agricultur\"`), or looks for such an option.",
            "Answers are option ids: the comparison could never hold, so the indicator could never be present.",
            "Use one of the question's option ids (see the suggestion), or add the option to the question.",
        }
        NEVER_HOLDS = "compile::never-holds" {
            "A comparison can never hold for any answer the question accepts: a number beyond its `min` or `max`, or a fraction compared with a whole-number answer.",
            "The part of the condition that uses it is dead: the indicator is present less often than its author thinks, or never.",
            "Fix the number or the question's `min`/`max` (a typo such as `> 600` for `> 60` is common).",
        }
        CONSTANT_CONDITION = "compile::constant-condition" {
            "A condition gives the same result whatever the answers: an indicator that can never be present, one that is present for every answer, or an `ask_if` that is never true.",
            "A constant indicator is not a signal: it either never counts or always counts, and the decision rules built on it mislead.",
            "Make the condition depend on the answers; look for `||` where `&&` was meant, a comparison with itself, or a negation too many.",
        }
        UNREACHABLE_RULE = "compile::unreachable-rule" {
            "A decision rule's condition can never hold, whatever the indicators' states: it contradicts itself (`positive(\"a\") && !positive(\"a\")`) or asks for more than the set has (`present_count() > 5` with 3 indicators).",
            "The rule can never decide: its outcome may never be given, and the author's intent is lost silently.",
            "Fix the condition; `herken check` names the part that can never hold where it can.",
        }
        SHADOWED_RULE = "compile::shadowed-rule" {
            "A decision rule can hold, but never decides: whenever its condition holds, an earlier rule's condition holds too, and the first rule that holds decides.",
            "The rule is dead. Often a broader rule stands before a narrower one, or a rule stands after the final rule without `when`.",
            "Move the rule before the rules named in the message, or narrow them.",
        }
        UNREACHABLE_OUTCOME = "compile::unreachable-outcome" {
            "No case can get this outcome: every decision rule that gives it can never decide (unreachable or shadowed).",
            "Its label and advice would never be shown, and a reader of the set is misled about what it can conclude.",
            "Add or fix a decision rule that gives the outcome, or remove the outcome.",
        }
        DECISION_SHAPE = "compile::decision-shape" {
            "A decision rule uses statements, functions or other shapes beyond one condition over the helpers.",
            "Decisions stay declarative and analysable.",
            "Put scripted logic in an indicator; keep the decision a condition.",
        }
    }
    /// Warnings: the set loads, but something is likely wrong.
    check {
        MISSING_TRANSLATION = "check::missing-translation" {
            "A text lacks one of the rule set's `languages`.",
            "Users in that language would see another language.",
            "Add the translation.",
        }
        UNUSED_QUESTION = "check::unused-question" {
            "No indicator (and no `ask_if`) reads this question.",
            "Asking it burdens the person without changing the result.",
            "Use it in a condition or remove it.",
        }
        UNUSED_OUTCOME = "check::unused-outcome" {
            "No decision rule gives this outcome.",
            "Its label and advice would never be shown.",
            "Add a rule for it or remove it.",
        }
        UNQUALIFIED_VICTIM = "check::unqualified-victim" {
            "An outcome's label or advice says \"victim\" / \"slachtoffer\" without \"possible\", \"potential\", \"presumed\", \"mogelijk\" or \"vermoedelijk\" in the three words before it.",
            "A screening gives a signal, never an identification; a frontline worker reads the label aloud or writes it in a file, and a person wrongly called a victim is stigmatised.",
            "Write \"possible victim\" / \"mogelijk slachtoffer\", or reword (\"signals of trafficking\").",
        }
        REGEX_NEVER_MATCHES = "check::regex-never-matches" {
            "A `matches` pattern can match no text at all.",
            "The indicator could never be present.",
            "Fix the pattern; try it on examples of the text it should find.",
        }
        ANALYSIS_LIMIT = "check::analysis-limit" {
            "The decision analysis could not settle, within its work limit, whether a decision rule can decide.",
            "Unreachable and shadowed rules are errors; a rule the analysis could not settle may be one.",
            "Simplify the rule (fewer arithmetic combinations of counts), or check it with test cases that reach it.",
        }
        UNTESTED_INDICATOR = "check::untested-indicator" {
            "No test case sees this indicator present (or absent, or unknown).",
            "Untested conditions hide mistakes.",
            "Add test cases; `herken test` shows coverage.",
        }
        UNTESTED_OUTCOME = "check::untested-outcome" {
            "No test case produces this outcome.",
            "Its rule was never exercised.",
            "Add a test case that reaches it.",
        }
        NO_POPULATION = "check::no-population" {
            "The set does not say who it is for (`population`).",
            "A tool cannot choose the right set for the person, and a report cannot say that a set for adults screened a minor.",
            "Add `population: adult`, `child` or `any` (and, for adult and child sets, the question `under_18`).",
        }
        NO_FORMS = "check::no-forms" {
            "The set does not say which forms of exploitation it covers (`forms`).",
            "Forms and summaries explain what each chosen set is for, and why sets' outcomes can differ.",
            "Add e.g. `forms: [labour]`.",
        }
        NO_GUIDANCE = "check::no-guidance" {
            "The set has no `guidance` on holding the conversation.",
            "A screening can put a person at risk: asked within earshot of a companion or the employer, through a companion as interpreter, or with the screen in view. The interviewer should read how to hold it safely before the first question.",
            "Add `guidance:` items: speak with the person alone; an independent professional interpreter; the screen out of sight; what confidentiality does and does not cover.",
        }
    }
    /// A rule set's own test files.
    test {
        FORMAT = "test::format" {
            "A test file or case does not have the expected shape.",
            "The case cannot run.",
            "See rules/README.md, section Test cases.",
        }
        UNKNOWN_KEY = "test::unknown-key" {
            "A test case or its `expect` has an unknown key.",
            "A misspelt expectation would silently check nothing.",
            "Fix the key (see the suggestion).",
        }
        UNKNOWN_REFERENCE = "test::unknown-reference" {
            "An expectation names an indicator, dimension, question, outcome or rule that does not exist.",
            "It could never hold.",
            "Fix the id.",
        }
        CONTRADICTION = "test::contradiction" {
            "A test case expects the same indicator in two states (`present` and `absent`), or the same dimension positive and negative.",
            "The case could never pass, whatever the rule set does: one of the two expectations is a mistake.",
            "Keep the state the case is meant to show and remove the other.",
        }
        FAILED = "test::failed" {
            "A test case's expectation does not hold: screening its answers gives another outcome, deciding rule, indicator state, dimension or next question than it expects.",
            "Either the rule set or the case is wrong; a set whose own cases fail does not do what its author wrote down.",
            "Run `herken test <set>` to see every mismatch and the actual result, then fix the rule or the expectation.",
        }
    }
    /// A case's answers.
    case {
        NOT_AN_OBJECT = "case::not-an-object" {
            "A case is not a JSON object of answers.",
            "Answers are looked up by question id.",
            "Write `{\"question_id\": answer, ...}`.",
        }
        UNKNOWN_QUESTION = "case::unknown-question" {
            "A case answers a question the rule set does not have.",
            "A misspelt id would otherwise pass as unknown — and unknown is not no.",
            "Fix the id (see the suggestion).",
        }
        WRONG_TYPE = "case::wrong-type" {
            "An answer has the wrong type for its question.",
            "It cannot be read as intended.",
            "Yes/no: true/false; numbers: a number; choice: an option id; choices: a list of option ids; unknown: null.",
        }
        OUT_OF_BOUNDS = "case::out-of-bounds" {
            "A number is outside the question's `min`/`max`.",
            "It is most likely a typing error.",
            "Correct the answer.",
        }
        UNKNOWN_OPTION = "case::unknown-option" {
            "A choice answer is not one of the question's options.",
            "It cannot match any condition.",
            "Use an option id (see the suggestion).",
        }
        TOO_LONG = "case::too-long" {
            "A text answer is longer than 64 KB.",
            "Free text is for short narratives; huge inputs slow screening down.",
            "Shorten the text.",
        }
        POPULATION_MISMATCH = "case::population-mismatch" {
            "The case's `under_18` answer puts the person outside the population the set is written for: a minor screened by a set for adults, or an adult by a set for children. A warning in the report; the screening itself goes on.",
            "Rules for adults and for children differ (for a child, the means of coercion need not be shown, and the routes of help differ): an outcome by the wrong set can mislead. A screening of a person under 18 never uses an adult rule without the report saying so.",
            "Screen the case with a set for the person's population as well (e.g. `ilo-2009-child-labour` for a minor), and read that set's outcome; if the age is uncertain and the person may be a minor, treat them as a minor.",
        }
        TOO_MANY_KEYS = "case::too-many-keys" {
            "A case has more than 1,000 keys that are not questions of the rule set.",
            "Real cases have a few extra keys (a case id, a date); millions of them are a mistake or an attack, and would hold memory while the case is read.",
            "Give the case's answers by question id, and leave other data out.",
        }
        TOO_MANY_ERRORS = "case::too-many-errors" {
            "A case has more than 100 problems: the first 100 are reported, then how many more.",
            "A list of thousands of errors helps no one and would hold memory.",
            "Fix the problems reported (often one mistake, such as the wrong rule set, causes them all) and read the case again.",
        }
        DUPLICATE_KEY = "case::duplicate-key" {
            "A case gives the same key twice.",
            "A reader would keep one of the two answers silently; which one depends on the reader.",
            "Give each question one answer.",
        }
        INVALID_JSON = "case::invalid-json" {
            "A case is not valid JSON.",
            "Nothing in it can be read.",
            "Fix the JSON at the line and column shown.",
        }
    }
    /// Indicators in error while screening.
    eval {
        OPERATION_LIMIT = "eval::operation-limit" {
            "A scripted condition ran out of operations (an endless or very long loop).",
            "The sandbox stops runaway scripts so screening never hangs.",
            "Fix the loop, or raise `limits.operations` within its cap.",
        }
        CALL_DEPTH_LIMIT = "eval::call-depth-limit" {
            "A scripted condition nested function calls too deeply (unbounded recursion).",
            "Deep recursion would exhaust the stack.",
            "Fix the recursion, or raise `limits.call_depth` within its cap.",
        }
        SIZE_LIMIT = "eval::size-limit" {
            "A scripted condition built a string, array or map beyond its limit.",
            "Runaway data would exhaust memory.",
            "Fix the script, or raise the size limit within its cap.",
        }
        NOT_A_CONDITION = "eval::not-a-condition" {
            "A scripted condition gave something other than true or false.",
            "An indicator is present or absent, nothing else.",
            "Make the script's last expression a condition.",
        }
        SCRIPT_ERROR = "eval::script-error" {
            "A condition failed while running (a missing function, a type error, division by zero).",
            "The indicator cannot be judged for this case.",
            "Fix the script at the position shown.",
        }
        ERROR = "eval::error" {
            "An indicator is in error without a recorded reason.",
            "The indicator cannot be judged for this case.",
            "Screen the case with `herken screen` to see the indicator's error, and report it if none is shown.",
        }
    }
    /// Bundles (one-file rule sets).
    bundle {
        FORMAT = "bundle::format" {
            "A bundle is not valid JSON or not a herken bundle.",
            "It cannot be loaded.",
            "Recreate it with `herken bundle`.",
        }
        VERSION = "bundle::version" {
            "A bundle has a format version this engine does not read.",
            "Its content may mean something else.",
            "Recreate it with this herken version.",
        }
        HASH_MISMATCH = "bundle::hash-mismatch" {
            "A bundle's content does not match its SHA-256.",
            "It was altered or damaged after it was made.",
            "Get the bundle again from its source, or recreate it.",
        }
        RULESET = "bundle::ruleset" {
            "The rule set inside a bundle does not load.",
            "It cannot screen.",
            "Run `herken check` on the rule set and recreate the bundle.",
        }
        DUPLICATE_KEY = "bundle::duplicate-key" {
            "A bundle's JSON has a key twice in one object.",
            "A reader would keep one of them unseen.",
            "Recreate the bundle with `herken bundle`.",
        }
        IDENTITY_MISMATCH = "bundle::identity-mismatch" {
            "The rule set inside a bundle is not the id and version the bundle declares.",
            "The bundle would pass for another rule set or version.",
            "Recreate the bundle with `herken bundle`.",
        }
        NEEDS_FULL_MODULE = "bundle::needs-full-module" {
            "The lean WASM module (built without the Rhai interpreter and without pattern matching) was given a bundle it cannot screen with: its compiled form has scripted conditions or conditions that use `matches` (the error names them).",
            "The lean module screens only with conditions compiled to herken's native form, without patterns; the others need the full module.",
            "Open the bundle with the full module (the intake page does this by itself), or write the named conditions in the shapes `herken check` compiles natively (see rules/README.md); make bundles with this version's `herken bundle`.",
        }
        NO_COMPILED_FORM = "bundle::no-compiled-form" {
            "A WASM module was given a bundle without a compiled form (bundle format 1, made before `herken bundle` wrote one). Neither browser module reads rule files: both screen with the compiled form.",
            "The bundle cannot be opened in the browser; the CLI still opens it from its rule files.",
            "Make the bundle again with this version's `herken bundle` (and sign it again if it was signed).",
        }
        UNSIGNED = "bundle::unsigned" {
            "Trusted keys were given, and the bundle has no signature.",
            "Unsigned bundles could come from anyone.",
            "Get the signed bundle from its publisher (`herken bundle --sign-key`).",
        }
        UNTRUSTED_KEY = "bundle::untrusted-key" {
            "A bundle's signature is valid but made by a key that is not trusted.",
            "Anyone can sign with a key of their own.",
            "Get the bundle from its publisher, or trust their key (check its fingerprint).",
        }
        TAMPERED = "bundle::tampered" {
            "A bundle's content was changed (and re-hashed) after it was signed.",
            "The rules are not the ones the signer published.",
            "Get the bundle again from its publisher.",
        }
        SIGNATURE_MOVED = "bundle::signature-moved" {
            "A bundle carries a signature made for another bundle.",
            "It vouches for nothing in this one.",
            "Get the bundle again from its publisher.",
        }
        SIGNATURE_INVALID = "bundle::signature-invalid" {
            "A bundle's signature does not verify.",
            "It or what it names was altered; a claimed signature must be valid.",
            "Get the bundle again from its publisher.",
        }
        SIGNATURE_MALFORMED = "bundle::signature-malformed" {
            "A bundle's `signature` is not a signature herken reads.",
            "A claimed signature must be valid, with or without trusted keys.",
            "Get the bundle again, or sign it with this herken version.",
        }
    }
    /// Rows of `herken batch`.
    batch {
        MALFORMED_ROW = "batch::malformed-row" {
            "A CSV row cannot be read (an unclosed quote, a stray quote, or a different number of fields than the header).",
            "The row's answers cannot be assigned to their columns.",
            "Fix the row at the line shown; the other rows are scored as usual.",
        }
        ROW_TOO_LONG = "batch::row-too-long" {
            "A row is longer than the batch reader accepts (1 MiB).",
            "Real rows are a few kilobytes; a huge one is a mistake and would hold memory.",
            "Check the input at the line shown: often a missing line break or an unclosed quote.",
        }
        INVALID_UTF8 = "batch::invalid-utf8" {
            "A row is not valid UTF-8.",
            "Its text cannot be read reliably.",
            "Convert the input to UTF-8 (for example with `iconv`).",
        }
        INVALID_JSON = "batch::invalid-json" {
            "A JSONL row is not valid JSON.",
            "Nothing in the row can be read.",
            "Fix the JSON at the line shown.",
        }
        NOT_AN_OBJECT = "batch::not-an-object" {
            "A JSONL row is valid JSON but not an object of answers.",
            "Answers are read by key.",
            "Write each row as `{\"question_id\": answer, ...}`.",
        }
        WRONG_TYPE = "batch::wrong-type" {
            "A cell cannot be read as an answer to its question (text where a number is needed, a yes/no word herken does not know, an option the question does not have).",
            "The answer cannot be used; the row is kept with this reason.",
            "Fix the value, or map its codes in a mapping file (`--map`).",
        }
        UNKNOWN_CODE = "batch::unknown-code" {
            "A cell's value is not one of the codes its mapping gives for that column.",
            "An unmapped code could mean anything; guessing would bias the results.",
            "Add the code to the column's `codes` in the mapping, or fix the value.",
        }
        CONFLICTING_COLUMNS = "batch::conflicting-columns" {
            "Several columns mapped to one question give different answers.",
            "Only one answer can count, and choosing one would hide the disagreement.",
            "Fix the data, or map only one of the columns to the question.",
        }
        NO_ROUTE = "batch::no-route" {
            "The row matches none of the mapping's `routes`, so no routed rule set screens it.",
            "Screening it with a set written for another population or form of exploitation (an adult set for a minor) would give a wrong result without a word.",
            "Add a route for rows like it (a route without `when` catches every other row), or fix the routing columns' values.",
        }
        INTERNAL_ERROR = "batch::internal-error" {
            "Scoring a row failed inside herken.",
            "It is a bug; the row is kept with this reason and the run goes on.",
            "Report it, with the row if it can be shared.",
        }
    }
    /// Options of the WASM module's calls.
    options {
        INVALID = "options::invalid" {
            "Options given to the WASM module have an unknown field or a value of the wrong type: `screen()`'s, or `fromBundle()`'s (a trusted key that is not a public key, an empty `trustedKeys`).",
            "A misspelt option would silently be ignored; a lost list of trusted keys would open unsigned bundles.",
            "Use `lang`, `allowUnknownKeys` and `nextQuestions` for `screen()`; `trustedKeys` with the publishers' public keys (the `.pub` files) for `fromBundle()`.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_well_formed_and_named_after_themselves() {
        for (i, c) in ALL.iter().enumerate() {
            assert!(ALL[i + 1..].iter().all(|o| o != c), "{c} twice");
            let d = c.doc();
            assert!(
                !d.meaning.is_empty() && !d.why.is_empty() && !d.fix.is_empty(),
                "{c} is documented in part"
            );
        }
        for (name, code) in NAMES {
            let (_, rest) = code.as_str().split_once("::").expect("stage::name");
            assert_eq!(rest.to_uppercase().replace('-', "_"), *name, "{code}");
        }
        for stage in STAGES {
            assert!(
                stage.codes.iter().all(|c| c.stage() == stage.name),
                "{stage:?}"
            );
            assert!(!stage.about.is_empty(), "{}", stage.name);
        }
    }

    #[test]
    fn codes_read_back_from_their_text() {
        for c in ALL {
            assert_eq!(Code::find(c.as_str()), Some(*c));
            let json = serde_json::to_string(c).expect("serialises");
            assert_eq!(serde_json::from_str::<Code>(&json).expect("reads back"), *c);
        }
        assert_eq!(Code::find("load::no-such-code"), None);
    }
}
