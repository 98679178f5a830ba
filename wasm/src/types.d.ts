
/** One answer: yes/no is `true`/`false`; `null`, `"unknown"` or a missing key is unknown (never no). */
export type Answer = boolean | number | string | string[] | null;

/** A case: answers by question id. */
export type Observations = Record<string, Answer>;

export interface BundleOptions {
  /** Public keys of the publishers you trust: the text of a `.pub` file as `herken keygen` writes it
   *  (`herken-public-key ed25519 <64 hex digits>`), or the bare key as 64 hex digits or base64.
   *  With keys given, only a bundle with a valid signature by one of them opens (fail closed).
   *  Leave the option out to open unsigned bundles too; a bundle that carries a signature must
   *  carry a valid one either way. An empty list is refused (`options::invalid`). */
  trustedKeys?: string[];
}

export interface ScreenOptions {
  /** Language of labels and advice (default `"nl"`; the rule set's first language when it lacks this one). */
  lang?: string;
  /** Accept answers to questions this rule set does not ask (one intake feeding several sets). Default false. */
  allowUnknownKeys?: boolean;
  /** Rank the next questions (default true). */
  nextQuestions?: boolean;
}

/** The report: exactly the JSON of `herken screen --format json`. A screening signal, never a determination. */
export interface Report {
  /** `status`: how far the set has been checked against its sources, lowest first. */
  ruleset: { id: string; version: string; status: "draft" | "reviewed" | "verified"; sha256: string };
  /** `herken x.y.z` */
  engine: string;
  language: string;
  outcome: {
    id: string;
    /** 0 for the lowest outcome, counting up in the rule set's order. */
    level: number;
    label: string;
    advice: string;
    /** The decision rule that gave the outcome. */
    decided_by: string;
    /** That rule's condition as written; absent for the default rule without one. */
    condition?: string;
    /** Whether answering the unknown questions could still give a higher outcome. */
    may_rise: boolean;
    /** The highest outcome unanswered questions could lead to, when `may_rise`: id and label. */
    could_rise_to?: string;
    could_rise_to_label?: string;
    /** IOM HTCDS trafficking status, if the outcome has one. */
    htcds?: string;
  };
  dimensions: Array<{
    id: string;
    label: string;
    positive: boolean;
    /** The rule that makes it positive, as the rule set writes it. */
    rule: "ilo" | { at_least: number } | { score_at_least: number };
    /** When positive, the first clause of the rule that holds. */
    clause?: "2_strong" | "1_strong_1_medium_or_weak" | "3_medium" | "2_medium_1_weak" | "at_least" | "score_at_least";
    counts: { strong: number; medium: number; weak: number };
    score: number;
    /** Present indicators. */
    indicators: string[];
    /** Indicators still unknown. */
    unknown: string[];
  }>;
  indicators: Array<{
    id: string;
    label: string;
    dimension: string;
    strength?: "strong" | "medium" | "weak";
    weight: number;
    state: "present" | "absent" | "unknown" | "error";
    /** The answers the condition read, by question id (`null` when unknown). */
    reads: Record<string, Answer>;
    error?: { code: string; message: string; at?: string };
  }>;
  /** Applicable questions without an answer, in question order. */
  unanswered: string[];
  /** Unanswered questions that feed an unknown indicator, most promising first. */
  next_questions: Array<{ id: string; question: string; could_raise_to?: string; indicators: string[] }>;
  diagnostics: Array<{ code: string; message: string }>;
}

export type QuestionType = "yesno" | "integer" | "number" | "choice" | "choices" | "text";

export interface Question {
  id: string;
  type: QuestionType;
  group?: string;
  text: string;
  help?: string;
  unit?: string;
  min?: number;
  max?: number;
  /** For `choice` and `choices`. */
  options?: Array<{ id: string; label: string }>;
  /** The condition (Rhai source) under which the question is asked; evaluate it with `applicable()`. */
  ask_if?: string;
  /** Indicators whose condition reads this question. */
  indicators: string[];
}

/** What `questions(lang)` returns: the engine's form, the JSON `herken questions --format json`
 *  prints — enough to render a form. */
export interface Questionnaire {
  ruleset: { id: string; version: string; sha256: string; title: string; status: "draft" | "reviewed" | "verified"; languages: string[] };
  /** The language actually used (the rule set's first when it lacks the one asked for). */
  language: string;
  /** Form groups in order with their question ids; ungrouped questions come last, in a group with id `"other"`. */
  groups: Array<{ id: string; title: string; questions: string[] }>;
  questions: Question[];
  description: string;
  /** Outcomes from lowest (level 0) to highest, with advice. */
  outcomes: Array<{ id: string; level: number; label: string; advice: string; htcds?: string }>;
  dimensions: Array<{ id: string; label: string; description?: string }>;
}

/** What `guide(observations, asked, lang)` returns: the next step of a guided interview, as
 *  `herken screen --guided --format json` prints it (in a list, one step per set). The engine chooses the question (the one
 *  that brings the set's highest outcome closest to decided: reached, or out of reach), so the
 *  CLI, the WASM module and the page ask the same questions in the same order. */
export interface GuidedStep {
  /** The rule set's id. */
  ruleset: string;
  /** The language of the texts (the rule set's first when it lacks the one asked for). */
  language: string;
  /** How many of this set's questions have been asked: answered, or in `asked` (not known). */
  asked: number;
  /** The question to ask next; absent when no answer still to come can change the outcome
   *  (`settled`). It always applies to the answers so far (its `ask_if` is not false) and has
   *  not been asked. */
  next?: {
    id: string;
    /** The question in `language`. */
    question: string;
    /** Help for whoever asks it. */
    help?: string;
    /** `interviewer`: answered by the interviewer alone, never read out to the person. */
    audience: "person" | "interviewer";
    /** The indicators whose state the answer can still change. */
    indicators: string[];
  };
  /** The set's highest outcome, and whether the answers still to come can change whether it
   *  is given: `open` (they can), `reached` (every way they go gives it), `out_of_reach` (no
   *  way they go gives it). Sound: never `reached` or `out_of_reach` while some answers could
   *  say otherwise. */
  top: { id: string; label: string; status: "open" | "reached" | "out_of_reach" };
  /** The outcome with the answers so far (what `screen()` gives for the same case). */
  outcome: GuidedOutcome;
  /** No answer still to come gives an outcome below this one. */
  lowest: GuidedOutcome;
  /** No answer still to come gives an outcome above this one. */
  highest: GuidedOutcome;
  /** True when no answer still to come can change the outcome (`lowest` = `highest`); the
   *  interview can end here without changing the result. */
  settled: boolean;
}

/** An outcome in a guided step: `level` as in `Questionnaire.outcomes`. */
export interface GuidedOutcome {
  id: string;
  level: number;
  label: string;
}

export interface RuleSetInfo {
  id: string;
  version: string;
  sha256: string;
  /** By language code. */
  title: Record<string, string>;
  description: Record<string, string>;
  status: "draft" | "reviewed" | "verified";
  languages: string[];
  licence: string;
  sources: Array<{ id: string; citation: string; url?: string }>;
  /** `herken x.y.z` */
  engine: string;
  /** Who signed the bundle: `unsigned`; `signed` (a valid signature by `key`, but no trusted keys
   *  were given, so nothing says who holds it); or `trusted` (a valid signature by one of the
   *  `trustedKeys`). */
  signature: {
    state: "unsigned" | "signed" | "trusted";
    /** The signer's public key, 64 hex digits. */
    key?: string;
    /** The signer's key fingerprint: `ed25519:` and the first 16 bytes of the SHA-256 of the key, in hex. */
    fingerprint?: string;
  };
}

/** What every method throws: a JS `Error` with the CLI's code and message. */
export interface HerkenError extends Error {
  name: "HerkenError";
  /** `bundle::format`, `bundle::duplicate-key`, `bundle::version`, `bundle::hash-mismatch`,
   *  `bundle::tampered`, `bundle::signature-moved`, `bundle::signature-invalid`,
   *  `bundle::signature-malformed`, `bundle::unsigned`, `bundle::untrusted-key`,
   *  `bundle::ruleset`, `bundle::identity-mismatch`,
   *  `case::not-an-object`, `case::unknown-question`, `case::wrong-type`, `case::out-of-bounds`,
   *  `case::unknown-option`, `case::too-long`, `case::invalid-json`, `options::invalid` (also for a
   *  `guide()` `asked` that is not a list of question ids). */
  code: string;
  /** For case errors: the question the first problem is about. */
  field?: string;
  /** For case errors: every problem. */
  errors?: Array<{ code: string; field: string; message: string; help?: string }>;
  /** For `bundle::ruleset`: the rule set's diagnostics. */
  diagnostics?: Array<{ severity: "error" | "warning"; code: string; message: string; file: string; line: number; column: number; help?: string }>;
}
