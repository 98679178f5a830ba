//! Every diagnostic and error code with what it means, why it matters and how to fix it:
//! the source of `herken explain <code>` and of the code list in `rules/README.md`.

/// The documentation of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeDoc {
    pub code: &'static str,
    /// What the code means.
    pub meaning: &'static str,
    /// Why it matters to a rule author or user.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

const fn doc(
    code: &'static str,
    meaning: &'static str,
    why: &'static str,
    fix: &'static str,
) -> CodeDoc {
    CodeDoc {
        code,
        meaning,
        why,
        fix,
    }
}

/// All codes, grouped by stage.
pub const CODES: &[CodeDoc] = &[
    // The manifest's structure.
    doc(
        "load::no-manifest",
        "The rule-set folder has no `ruleset.yaml`.",
        "Without a manifest there is no rule set.",
        "Add `ruleset.yaml`, or point `--rules` at the right folder.",
    ),
    doc(
        "load::file-too-large",
        "A rule file is larger than 4 MiB.",
        "Real manifests are tens of kilobytes; a huge file is a mistake or an attack on the host.",
        "Split or shorten the file.",
    ),
    doc(
        "load::yaml-syntax",
        "The YAML cannot be parsed.",
        "Nothing after the error can be read.",
        "Fix the YAML at the position shown: indentation, an unclosed bracket or quote, a tab.",
    ),
    doc(
        "load::yaml-alias",
        "A YAML alias (`*name`) is used.",
        "Aliases make rule sets hard to review and can expand without bound (\"billion laughs\").",
        "Write the value out in full.",
    ),
    doc(
        "load::yaml-anchor",
        "A YAML anchor (`&name`) is used.",
        "Anchors exist only for aliases, which are refused.",
        "Remove the anchor.",
    ),
    doc(
        "load::yaml-tag",
        "A YAML tag (`!name`) is used.",
        "Tags change how values are read; rule sets need none.",
        "Remove the tag.",
    ),
    doc(
        "load::yaml-too-deep",
        "The YAML nests deeper than 64 levels.",
        "No rule set needs that depth; deep nesting can exhaust the stack.",
        "Flatten the structure.",
    ),
    doc(
        "load::duplicate-key",
        "A key appears twice in one mapping.",
        "YAML would silently keep one of the two values.",
        "Remove or rename one of them.",
    ),
    doc(
        "load::format-version",
        "`format` names a version this engine does not read.",
        "The meaning of the file depends on its format version.",
        "Use `format: 1`, or a newer herken.",
    ),
    doc(
        "load::missing-key",
        "A required key is missing.",
        "The item cannot be used without it.",
        "Add the key named in the message.",
    ),
    doc(
        "load::unknown-key",
        "A key is not part of the format.",
        "A misspelt key would otherwise be silently ignored.",
        "Fix the spelling (see the suggestion) or remove the key.",
    ),
    doc(
        "load::wrong-type",
        "A value has the wrong type (text where a list is needed, …).",
        "The value cannot be read as intended.",
        "Write the type the message names; quote text that YAML reads as a number or boolean.",
    ),
    doc(
        "load::invalid-id",
        "An id has characters that are not allowed.",
        "Question ids are read in conditions as `obs.<id>`; ids appear in reports and exports.",
        "Use lowercase letters, digits and `_` (snake_case; kebab-case for the rule-set and decision-rule ids).",
    ),
    doc(
        "load::invalid-language",
        "A language code is not a two-letter code.",
        "Texts are looked up by language code.",
        "Use ISO 639-1 codes such as `nl` and `en`.",
    ),
    doc(
        "load::version",
        "`version` is not a semantic version.",
        "Reports carry the version; researchers compare results across versions.",
        "Write `MAJOR.MINOR.PATCH`, e.g. `1.0.0`.",
    ),
    doc(
        "load::status",
        "`status` is not one of `draft`, `reviewed`, `verified`.",
        "The status tells every user how far the set has been checked against its sources; reports, `herken list` and the intake page show it.",
        "Write `draft`, `reviewed` (every indicator names its source) or `verified` (every indicator transcribed from the primary text, with its location).",
    ),
    doc(
        "load::status-reviewed",
        "The set says `status: reviewed`, but an indicator names no source.",
        "`reviewed` promises a reader that every indicator can be traced to a source; one without a source breaks that promise.",
        "Give the indicator `source: {id, location, basis}`, or lower `status` to `draft`.",
    ),
    doc(
        "load::status-verified",
        "The set says `status: verified`, but an indicator is not `basis: transcribed` with a `location`.",
        "`verified` promises that every indicator was checked against the primary text and can be found there; one taken from a secondary text or interpreted breaks that promise.",
        "Transcribe the indicator from the primary text and record where (`location: \"p. 3, table 1, item 4\"`, `basis: transcribed`), or lower `status` to `reviewed`.",
    ),
    doc(
        "load::source-text",
        "An indicator's `source` is free text instead of `{id, location, basis}`.",
        "A status is only as good as the provenance of each indicator, which herken can check only when it is structured.",
        "Write `source: {id: <a source under `sources`>, location: \"p. 3, table 1, item 4\", basis: transcribed}`; `basis` is `transcribed` (copied from the primary text), `secondary` (from a text about it) or `interpretation` (the author's reading); put any other remark under `note`.",
    ),
    doc(
        "load::source-basis",
        "An indicator's `source` has an unknown `basis`.",
        "The basis says how far the indicator can be trusted to say what its source says.",
        "Use `transcribed`, `secondary` or `interpretation`.",
    ),
    doc(
        "load::unknown-source",
        "An indicator's `source` names an id that is not declared under `sources`.",
        "A reader could not find the source the indicator comes from.",
        "Declare the source under `sources` (id, citation, url), or fix the id.",
    ),
    doc(
        "load::question-type",
        "A question has an unknown `type`.",
        "The type decides which answers are valid and how conditions read them.",
        "Use yesno, integer, number, choice, choices or text.",
    ),
    doc(
        "load::not-applicable",
        "A key does not apply to this question type (`options` on a yes/no question, `min` on text).",
        "It would be ignored.",
        "Remove the key or change the type.",
    ),
    doc(
        "load::bounds",
        "`max` is below `min`.",
        "No answer could be valid.",
        "Swap or correct the bounds.",
    ),
    doc(
        "load::positive-rule",
        "A dimension's `positive` rule is not recognised.",
        "The dimension could never be judged.",
        "Write `ilo`, `{at_least: k}` or `{score_at_least: x}`.",
    ),
    doc(
        "load::strength",
        "An indicator's `strength` is not strong, medium or weak.",
        "Strength decides dimension positivity.",
        "Use `strong`, `medium` or `weak`, or a numeric `weight`.",
    ),
    doc(
        "load::missing-strength",
        "An indicator has neither `strength` nor `weight`, or its dimension uses the ILO rule and it has no `strength`.",
        "The ILO rule counts strong, medium and weak indicators.",
        "Add a `strength`, or give the dimension a count or score rule.",
    ),
    doc(
        "load::htcds-status",
        "An outcome's `htcds` is not an IOM HTCDS trafficking status.",
        "Exports to case-data standards rely on the exact value.",
        "Use PossibleVictimOfTrafficking or NotAVictimOfTrafficking.",
    ),
    doc(
        "load::confirmed-victim-status",
        "An outcome is mapped to the HTCDS status of a confirmed victim (`ActualVictimOfTrafficking`).",
        "A screening gives a signal, never an identification: formal identification is a legal or multidisciplinary decision, and a person wrongly labelled a victim is stigmatised.",
        "Use `htcds: PossibleVictimOfTrafficking`, or leave `htcds` out.",
    ),
    doc(
        "load::limit",
        "A sandbox limit is outside 1 and its hard cap.",
        "Caps keep a rule set from exhausting the host.",
        "Choose a value within the cap shown.",
    ),
    doc(
        "load::empty",
        "A required list (`questions`, `indicators`, `outcomes`, `decision`, `languages`) is empty.",
        "The rule set could not screen anything.",
        "Fill the list.",
    ),
    doc(
        "load::duplicate-id",
        "Two items of the same kind share an id.",
        "References and reports would be ambiguous.",
        "Rename one of them.",
    ),
    doc(
        "load::unknown-group",
        "A question names a group that is not declared.",
        "Forms could not place the question.",
        "Declare the group under `groups` or fix the id.",
    ),
    doc(
        "load::unknown-dimension",
        "An indicator names a dimension that is not declared.",
        "The indicator would count nowhere.",
        "Declare the dimension or fix the id.",
    ),
    doc(
        "load::unknown-question",
        "An indicator's `reads` names a question that is not declared.",
        "The read set would be wrong.",
        "Fix the id.",
    ),
    doc(
        "load::unknown-outcome",
        "A decision rule gives an outcome that is not declared.",
        "The decision could return an outcome no one has worded.",
        "Declare the outcome or fix the id.",
    ),
    doc(
        "load::decision-falls-through",
        "The last decision rule has a `when`.",
        "A case matching no rule would have no outcome.",
        "End the decision with a rule without `when`.",
    ),
    // Conditions.
    doc(
        "compile::syntax",
        "A condition is not valid Rhai, or uses something the sandbox forbids (`eval`, `print`, `debug`, `import`).",
        "The indicator cannot be evaluated.",
        "Fix the script at the position shown.",
    ),
    doc(
        "compile::unknown-question",
        "A condition reads `obs.<id>` for a question that does not exist.",
        "The read would always be unknown: the indicator could never be present.",
        "Fix the id (see the suggestion) or add the question.",
    ),
    doc(
        "compile::ask-if-order",
        "An `ask_if` reads a question that is not asked before it.",
        "A form asks questions in order; it cannot depend on a later answer.",
        "Move the question after the one it depends on.",
    ),
    doc(
        "compile::type",
        "A condition mixes types: compares a number with text, uses a number as true/false, looks for text in a number.",
        "The condition would never be true, or always fail.",
        "Compare like with like; choice answers are option ids (text).",
    ),
    doc(
        "compile::not-a-condition",
        "A condition gives something other than true or false.",
        "An indicator is present or absent, nothing else.",
        "Compare the value, e.g. `obs.hours_per_week > 48`.",
    ),
    doc(
        "compile::regex",
        "A `matches` pattern is not a valid regular expression, or is too large.",
        "The pattern could never be used.",
        "Fix the pattern (Rust regex syntax; matching is case-insensitive).",
    ),
    doc(
        "compile::dynamic-read",
        "A scripted condition reads answers in a way that cannot be resolved before screening (`obs[key]` with a computed key, `obs` passed to a function).",
        "Reports list the answers each indicator read, and tri-state rules depend on them.",
        "Read `obs.<id>` directly, or list the questions under `reads:`.",
    ),
    doc(
        "compile::import",
        "A script imports a module.",
        "Rule sets may not load code from outside themselves.",
        "Put shared functions in a `.rhai` file of the rule set; they are available to every condition.",
    ),
    doc(
        "compile::library-statement",
        "A `.rhai` library has statements outside functions.",
        "Libraries are loaded once; top-level statements would never run as intended.",
        "Keep only `fn` definitions in `.rhai` files.",
    ),
    doc(
        "compile::obs-in-decision",
        "A decision rule reads an answer.",
        "Decisions combine indicator states; answers belong in indicators.",
        "Make an indicator for the answer and use `present(\"indicator\")`.",
    ),
    doc(
        "compile::decision-function",
        "A decision rule calls something that is not a decision helper.",
        "Decisions are declarative so that herken can check them and compute what may change them.",
        "Use positive, positive_count, present, present_count, unknown_count or score.",
    ),
    doc(
        "compile::decision-argument",
        "A decision helper got something other than a quoted id or a list of quoted ids.",
        "Ids are checked when the set loads.",
        "Write `positive(\"dimension_id\")` or `present_count([\"a\", \"b\"])`.",
    ),
    doc(
        "compile::unknown-reference",
        "A decision helper names a dimension or indicator that does not exist.",
        "The rule would never hold as intended.",
        "Fix the id (see the suggestion).",
    ),
    doc(
        "compile::decision-shape",
        "A decision rule uses statements, functions or other shapes beyond one condition over the helpers.",
        "Decisions stay declarative and analysable.",
        "Put scripted logic in an indicator; keep the decision a condition.",
    ),
    // Warnings.
    doc(
        "check::missing-translation",
        "A text lacks one of the rule set's `languages`.",
        "Users in that language would see another language.",
        "Add the translation.",
    ),
    doc(
        "check::unused-question",
        "No indicator (and no `ask_if`) reads this question.",
        "Asking it burdens the person without changing the result.",
        "Use it in a condition or remove it.",
    ),
    doc(
        "check::unused-outcome",
        "No decision rule gives this outcome.",
        "Its label and advice would never be shown.",
        "Add a rule for it or remove it.",
    ),
    doc(
        "check::unqualified-victim",
        "An outcome's label or advice says \"victim\" / \"slachtoffer\" without \"possible\", \"potential\", \"presumed\", \"mogelijk\" or \"vermoedelijk\" in the three words before it.",
        "A screening gives a signal, never an identification; a frontline worker reads the label aloud or writes it in a file, and a person wrongly called a victim is stigmatised.",
        "Write \"possible victim\" / \"mogelijk slachtoffer\", or reword (\"signals of trafficking\").",
    ),
    doc(
        "check::unreachable-rule",
        "A decision rule comes after a rule without `when`.",
        "It can never decide.",
        "Move it before the catch-all rule.",
    ),
    doc(
        "check::regex-never-matches",
        "A `matches` pattern can match no text at all.",
        "The indicator could never be present.",
        "Fix the pattern; try it on examples of the text it should find.",
    ),
    doc(
        "check::untested-indicator",
        "No test case sees this indicator present (or absent, or unknown).",
        "Untested conditions hide mistakes.",
        "Add test cases; `herken test` shows coverage.",
    ),
    doc(
        "check::untested-outcome",
        "No test case produces this outcome.",
        "Its rule was never exercised.",
        "Add a test case that reaches it.",
    ),
    // Test files.
    doc(
        "test::format",
        "A test file or case does not have the expected shape.",
        "The case cannot run.",
        "See rules/README.md, section Test cases.",
    ),
    doc(
        "test::unknown-key",
        "A test case or its `expect` has an unknown key.",
        "A misspelt expectation would silently check nothing.",
        "Fix the key (see the suggestion).",
    ),
    doc(
        "test::unknown-reference",
        "An expectation names an indicator, dimension, question, outcome or rule that does not exist.",
        "It could never hold.",
        "Fix the id.",
    ),
    // Cases.
    doc(
        "case::not-an-object",
        "A case is not a JSON object of answers.",
        "Answers are looked up by question id.",
        "Write `{\"question_id\": answer, ...}`.",
    ),
    doc(
        "case::unknown-question",
        "A case answers a question the rule set does not have.",
        "A misspelt id would otherwise pass as unknown — and unknown is not no.",
        "Fix the id (see the suggestion).",
    ),
    doc(
        "case::wrong-type",
        "An answer has the wrong type for its question.",
        "It cannot be read as intended.",
        "Yes/no: true/false; numbers: a number; choice: an option id; choices: a list of option ids; unknown: null.",
    ),
    doc(
        "case::out-of-bounds",
        "A number is outside the question's `min`/`max`.",
        "It is most likely a typing error.",
        "Correct the answer.",
    ),
    doc(
        "case::unknown-option",
        "A choice answer is not one of the question's options.",
        "It cannot match any condition.",
        "Use an option id (see the suggestion).",
    ),
    doc(
        "case::too-long",
        "A text answer is longer than 64 KB.",
        "Free text is for short narratives; huge inputs slow screening down.",
        "Shorten the text.",
    ),
    // Evaluation.
    doc(
        "eval::operation-limit",
        "A scripted condition ran out of operations (an endless or very long loop).",
        "The sandbox stops runaway scripts so screening never hangs.",
        "Fix the loop, or raise `limits.operations` within its cap.",
    ),
    doc(
        "eval::call-depth-limit",
        "A scripted condition nested function calls too deeply (unbounded recursion).",
        "Deep recursion would exhaust the stack.",
        "Fix the recursion, or raise `limits.call_depth` within its cap.",
    ),
    doc(
        "eval::size-limit",
        "A scripted condition built a string, array or map beyond its limit.",
        "Runaway data would exhaust memory.",
        "Fix the script, or raise the size limit within its cap.",
    ),
    doc(
        "eval::not-a-condition",
        "A scripted condition gave something other than true or false.",
        "An indicator is present or absent, nothing else.",
        "Make the script's last expression a condition.",
    ),
    doc(
        "eval::script-error",
        "A condition failed while running (a missing function, a type error, division by zero).",
        "The indicator cannot be judged for this case.",
        "Fix the script at the position shown.",
    ),
    // Bundles.
    doc(
        "bundle::format",
        "A bundle is not valid JSON or not a herken bundle.",
        "It cannot be loaded.",
        "Recreate it with `herken bundle`.",
    ),
    doc(
        "bundle::version",
        "A bundle has a format version this engine does not read.",
        "Its content may mean something else.",
        "Recreate it with this herken version.",
    ),
    doc(
        "bundle::hash-mismatch",
        "A bundle's content does not match its SHA-256.",
        "It was altered or damaged after it was made.",
        "Get the bundle again from its source, or recreate it.",
    ),
    doc(
        "bundle::ruleset",
        "The rule set inside a bundle does not load.",
        "It cannot screen.",
        "Run `herken check` on the rule set and recreate the bundle.",
    ),
    doc(
        "bundle::duplicate-key",
        "A bundle's JSON has the same key twice in one object.",
        "A reader would silently keep one of them: what loads may not be what was checked or signed.",
        "Recreate the bundle with `herken bundle`; never edit a bundle by hand.",
    ),
    doc(
        "bundle::identity-mismatch",
        "The rule set inside a bundle has another id or version than the bundle declares.",
        "The bundle would be taken for another rule set or version than the one it screens with.",
        "Recreate the bundle with `herken bundle` from the rule-set folder.",
    ),
    doc(
        "bundle::unsigned",
        "Trusted keys were given, and the bundle carries no signature (or it was stripped).",
        "Unsigned bundles could come from anyone; with trusted keys, only their signatures count.",
        "Get the signed bundle from its publisher, who signs it with `herken bundle --sign-key`.",
    ),
    doc(
        "bundle::untrusted-key",
        "A bundle's signature is valid, but made by a key that is not among the trusted keys.",
        "Anyone can sign a bundle with a key of their own: only the trusted keys say who published it.",
        "Get the bundle from its publisher, or add the publisher's public key (compare its fingerprint with them first).",
    ),
    doc(
        "bundle::tampered",
        "A bundle's signature was made for the same rule set and version but other content: the content was changed, and its hash recomputed, after signing.",
        "The rules are not the ones the signer published.",
        "Get the bundle again from its publisher.",
    ),
    doc(
        "bundle::signature-moved",
        "A bundle carries a valid signature that was made for another bundle (another rule set, version or format).",
        "A signature copied from another bundle vouches for nothing in this one.",
        "Get the bundle again from its publisher.",
    ),
    doc(
        "bundle::signature-invalid",
        "A bundle's signature names this bundle but does not verify with its key.",
        "The signature or what it names was altered, or it was never made with that key: a bundle that claims a signature must carry a valid one.",
        "Get the bundle again from its publisher.",
    ),
    doc(
        "bundle::signature-malformed",
        "A bundle's `signature` is not a signature herken reads (its shape, algorithm, key or value).",
        "A bundle that claims a signature must carry a valid one, with or without trusted keys.",
        "Get the bundle again from its publisher, or recreate and sign it with this herken version.",
    ),
];

/// The documentation of a code, if it exists.
pub fn explain(code: &str) -> Option<&'static CodeDoc> {
    CODES.iter().find(|d| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the engine can emit is documented (the sources are scanned for code strings).
    #[test]
    fn every_emitted_code_is_documented() {
        let sources = [
            include_str!("bundle.rs"),
            include_str!("compile.rs"),
            include_str!("cond.rs"),
            include_str!("evaluate.rs"),
            include_str!("manifest.rs"),
            include_str!("observation.rs"),
            include_str!("testcase.rs"),
            include_str!("yaml.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            for (i, _) in source.match_indices("::") {
                let start = source[..i].rfind('"').map_or(i, |q| q + 1);
                let end = source[i..].find('"').map_or(i, |q| i + q);
                let code = &source[start..end];
                let stage = &source[start..i];
                let is_code = ["load", "compile", "check", "test", "case", "eval", "bundle"]
                    .contains(&stage)
                    && code[stage.len() + 2..]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-')
                    && code.len() > stage.len() + 2;
                if is_code && explain(code).is_none() {
                    missing.push(code.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "undocumented codes: {missing:?}");
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        for (i, d) in CODES.iter().enumerate() {
            assert!(
                CODES[i + 1..].iter().all(|o| o.code != d.code),
                "{} twice",
                d.code
            );
            assert!(
                d.code.contains("::") && !d.meaning.is_empty() && !d.fix.is_empty(),
                "{}",
                d.code
            );
        }
    }
}
