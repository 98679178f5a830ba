//! Deterministic synthetic intake cases: a splitmix64 generator and one JSON object per case,
//! keys in question order (as an intake form exports them).
//!
//! Each case draws a profile first, so a run holds a realistic mix of outcomes: how often a
//! concern is answered "yes" (none, rare, some, many) and how much is left unanswered (little,
//! some, half). Unknown answers are written three ways (key left out, `null`, `"unknown"`), a
//! few yes/no answers as `"yes"`/`"no"`, numbers near the middle of their range.

use std::fmt::Write as _;

use herken_engine::{ChoiceOption, CompiledRuleSet, QuestionType};

/// splitmix64 (Steele, Lea and Flood 2014): tiny, fast and good enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Words for free-text answers; some are what keyword patterns look for.
const WORDS: &[&str] = &[
    "ik",
    "werk",
    "op",
    "een",
    "boerderij",
    "en",
    "de",
    "baas",
    "heeft",
    "mijn",
    "paspoort",
    "passport",
    "schuld",
    "debt",
    "uren",
    "hours",
    "slapen",
    "in",
    "container",
    "geld",
    "money",
    "bedreigd",
    "threatened",
    "familie",
    "family",
    "niet",
    "weg",
    "kan",
    "cannot",
    "leave",
];

/// `n` cases for `rules`, from `seed`, as JSON text (one object each, no newline).
pub fn cases(rules: &CompiledRuleSet, n: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| case(rules, &mut rng)).collect()
}

/// One case as JSON text.
pub fn case(rules: &CompiledRuleSet, rng: &mut SplitMix64) -> String {
    let concern = *rng.pick(&[0.0, 0.02, 0.02, 0.08, 0.08, 0.25]);
    let unknown = *rng.pick(&[0.02, 0.02, 0.15, 0.5]);
    let mut out = String::with_capacity(2048);
    out.push('{');
    let mut first = true;
    for q in rules.questions() {
        let answer = if rng.chance(unknown) {
            match rng.below(20) {
                0..=11 => continue,
                12..=16 => "null".to_owned(),
                _ => "\"unknown\"".to_owned(),
            }
        } else {
            answer(q.kind(), q.min(), q.max(), q.options(), concern, rng)
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(q.id());
        out.push_str("\":");
        out.push_str(&answer);
    }
    out.push('}');
    out
}

fn answer(
    kind: QuestionType,
    min: Option<f64>,
    max: Option<f64>,
    options: &[ChoiceOption],
    concern: f64,
    rng: &mut SplitMix64,
) -> String {
    let lo = min.unwrap_or(0.0);
    let hi = max.unwrap_or(100.0);
    match kind {
        QuestionType::YesNo => {
            let yes = rng.chance(concern);
            match (rng.chance(0.05), yes) {
                (true, true) => "\"yes\"".into(),
                (true, false) => "\"no\"".into(),
                (false, yes) => yes.to_string(),
            }
        }
        QuestionType::Integer => {
            // Mostly ordinary values, more often high under a concerning profile.
            let base = 20 + rng.below(30) + rng.below(30);
            let extra = if rng.chance(concern * 2.0) {
                rng.below(40)
            } else {
                0
            };
            ((base + extra) as f64).clamp(lo, hi).to_string()
        }
        QuestionType::Number => {
            let x = lo + (hi - lo) * (rng.unit() + rng.unit()) / 2.0;
            format!("{:.1}", x.clamp(lo, hi))
        }
        QuestionType::Choice => {
            let id = if options.is_empty() {
                "x"
            } else {
                rng.pick(options).id()
            };
            format!("\"{id}\"")
        }
        QuestionType::Choices => {
            let picked: Vec<String> = options
                .iter()
                .filter(|_| rng.chance(0.3))
                .map(|o| format!("\"{}\"", o.id()))
                .collect();
            format!("[{}]", picked.join(","))
        }
        QuestionType::Text => {
            let n = 20 + rng.below(40);
            let mut s = String::from("\"");
            for i in 0..n {
                if i > 0 {
                    s.push(' ');
                }
                let _ = write!(s, "{}", rng.pick(WORDS));
            }
            s.push('"');
            s
        }
    }
}
