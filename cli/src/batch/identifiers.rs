//! `--check-identifiers`: before scoring, warns about columns that look like they hold direct
//! identifiers (names, e-mail addresses, phone numbers, Dutch BSNs, passport numbers, IBANs),
//! judged on a sample of rows. A warning never quotes a value.
//!
//! These are heuristics: checksummed kinds (IBAN mod 97, the BSN 11-test) and e-mail addresses
//! are specific, so one matching value is enough; phone, passport and name patterns also fit
//! other data, so they need at least half of a column's values (and names, varied values).

use std::collections::HashSet;

use super::input::{RawData, RawRow};

/// What a value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Email,
    Iban,
    Bsn,
    Phone,
    Passport,
    Name,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Email,
        Kind::Iban,
        Kind::Bsn,
        Kind::Phone,
        Kind::Passport,
        Kind::Name,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Email => "e-mail addresses",
            Kind::Iban => "bank account numbers (IBANs with a valid checksum)",
            Kind::Bsn => "Dutch citizen service numbers (BSNs passing the 11-test)",
            Kind::Phone => "phone numbers",
            Kind::Passport => "passport numbers",
            Kind::Name => "personal names",
        }
    }

    /// Whether `matches` of `values` sampled values are enough to warn.
    fn enough(self, matches: u64, values: u64, distinct: usize) -> bool {
        match self {
            Kind::Email | Kind::Iban => matches >= 1,
            Kind::Bsn | Kind::Phone | Kind::Passport => matches >= 1 && matches * 2 >= values,
            Kind::Name => matches >= 1 && matches * 2 >= values && distinct as u64 * 2 >= matches,
        }
    }
}

/// What looks like an identifier in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub column: String,
    /// `None` when only the column's name suggests an identifier.
    pub kind: Option<Kind>,
    pub matches: u64,
    pub values: u64,
}

impl Finding {
    pub fn message(&self) -> String {
        match self.kind {
            Some(kind) => format!(
                "column `{}` looks like it holds {} ({} of {} sampled values); direct identifiers do not belong in research data: remove or pseudonymise them",
                self.column,
                kind.describe(),
                self.matches,
                self.values
            ),
            None => format!(
                "column `{}` is named like a direct identifier; check that it holds none",
                self.column
            ),
        }
    }
}

#[derive(Debug, Default)]
struct ColumnScan {
    name: String,
    values: u64,
    hits: [u64; 6],
    /// Hashes of the values that looked like names (how varied they are).
    names: HashSet<u64>,
}

/// Collects sampled values per column, in the order columns are first seen.
#[derive(Debug, Default)]
pub struct Scanner {
    columns: Vec<ColumnScan>,
}

const MAX_DISTINCT: usize = 10_000;

impl Scanner {
    pub fn add(&mut self, column: &str, value: &str) {
        let i = match self.columns.iter().position(|c| c.name == column) {
            Some(i) => i,
            None => {
                self.columns.push(ColumnScan {
                    name: column.to_owned(),
                    ..ColumnScan::default()
                });
                self.columns.len() - 1
            }
        };
        let scan = &mut self.columns[i];
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        scan.values += 1;
        if let Some(kind) = classify(v) {
            scan.hits[kind as usize] += 1;
            if kind == Kind::Name && scan.names.len() < MAX_DISTINCT {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                v.hash(&mut h);
                scan.names.insert(h.finish());
            }
        }
    }

    /// The columns to warn about, in first-seen order.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in &self.columns {
            let found = Kind::ALL
                .into_iter()
                .find(|&k| k.enough(c.hits[k as usize], c.values, c.names.len()));
            if let Some(kind) = found {
                out.push(Finding {
                    column: c.name.clone(),
                    kind: Some(kind),
                    matches: c.hits[kind as usize],
                    values: c.values,
                });
            } else if named_like_identifier(&c.name) {
                out.push(Finding {
                    column: c.name.clone(),
                    kind: None,
                    matches: 0,
                    values: c.values,
                });
            }
        }
        out
    }
}

/// Scans sampled rows (CSV fields by header column, or JSONL string and number values).
pub fn scan(rows: &[RawRow], header: Option<&[String]>) -> Vec<Finding> {
    let mut scanner = Scanner::default();
    for row in rows {
        match (&row.data, header) {
            (RawData::Fields(fields), Some(h)) => {
                for (c, v) in h.iter().zip(fields.iter()) {
                    scanner.add(c, v);
                }
            }
            (RawData::Json(bytes), _) => {
                if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes) {
                    for (k, v) in &map {
                        match v {
                            serde_json::Value::String(s) => scanner.add(k, s),
                            serde_json::Value::Number(n) => scanner.add(k, &n.to_string()),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    scanner.findings()
}

/// The first kind a value fits, most specific first.
pub fn classify(v: &str) -> Option<Kind> {
    if is_email(v) {
        Some(Kind::Email)
    } else if is_iban(v) {
        Some(Kind::Iban)
    } else if is_bsn(v) {
        Some(Kind::Bsn)
    } else if is_phone(v) {
        Some(Kind::Phone)
    } else if is_passport(v) {
        Some(Kind::Passport)
    } else if is_name(v) {
        Some(Kind::Name)
    } else {
        None
    }
}

fn named_like_identifier(column: &str) -> bool {
    let lower: String = column
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const PARTS: [&str; 17] = [
        "name",
        "naam",
        "email",
        "phone",
        "telefoon",
        "mobile",
        "mobiel",
        "passport",
        "paspoort",
        "iban",
        "address",
        "adres",
        "birth",
        "geboort",
        "bsn",
        "socialsecurity",
        "postcode",
    ];
    PARTS.iter().any(|p| lower.contains(p))
}

pub fn is_email(v: &str) -> bool {
    if v.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// An IBAN (spaces allowed) whose ISO 13616 mod-97 check gives 1.
pub fn is_iban(v: &str) -> bool {
    let s: Vec<u8> = v
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&s.len())
        || !s[..2].iter().all(u8::is_ascii_uppercase)
        || !s[2..4].iter().all(u8::is_ascii_digit)
        || !s.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in s[4..].iter().chain(&s[..4]) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            rem = (rem * 100 + u32::from(b - b'A' + 10)) % 97;
        }
    }
    rem == 1
}

/// A Dutch BSN: 9 digits (8 with a leading zero dropped), passing the 11-test
/// 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11).
pub fn is_bsn(v: &str) -> bool {
    let digits: Vec<u32> = v
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '-'))
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()
        .unwrap_or_default();
    let digits = match digits.len() {
        9 => digits,
        8 => std::iter::once(0).chain(digits).collect(),
        _ => return false,
    };
    if digits.iter().all(|d| *d == 0) {
        return false;
    }
    let sum: i64 = digits
        .iter()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
        .map(|(d, w)| i64::from(*d) * w)
        .sum();
    sum % 11 == 0
}

/// A phone number: `+` or a leading 0, then 9–15 digits with spaces, dashes, dots or brackets.
pub fn is_phone(v: &str) -> bool {
    let start = v.trim_start_matches('(');
    if !(start.starts_with('+') || start.starts_with('0')) {
        return false;
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/'))
    {
        return false;
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    (9..=15).contains(&digits) && v.matches('+').count() <= 1
}

/// A passport number: the Dutch form (two letters, six letters or digits, a digit; no `O`) or
/// the common one or two letters followed by seven digits.
pub fn is_passport(v: &str) -> bool {
    let b = v.as_bytes();
    let letter = |c: &u8| c.is_ascii_uppercase() && *c != b'O';
    let dutch = b.len() == 9
        && b[..2].iter().all(letter)
        && b[2..8].iter().all(|c| letter(c) || c.is_ascii_digit())
        && b[8].is_ascii_digit();
    let common = (8..=9).contains(&b.len()) && {
        let letters = b.len() - 7;
        b[..letters].iter().all(u8::is_ascii_uppercase)
            && b[letters..].iter().all(u8::is_ascii_digit)
    };
    dutch || common
}

/// A personal name: two to five words, at least two capitalised (`Jan`, `El-Amin`, `O'Brien`),
/// the others lowercase name particles (`van`, `de`, `der`, …).
pub fn is_name(v: &str) -> bool {
    const PARTICLES: [&str; 18] = [
        "van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "da", "di", "du", "la", "le",
        "von", "al", "el", "bin",
    ];
    let words: Vec<&str> = v.split_whitespace().collect();
    if !(2..=5).contains(&words.len()) {
        return false;
    }
    let mut capitalised = 0;
    for w in &words {
        if PARTICLES.contains(w) {
            continue;
        }
        let mut chars = w.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        let rest: Vec<char> = chars.collect();
        let ok = first.is_uppercase()
            && !rest.is_empty()
            && rest
                .iter()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
            && rest.iter().any(|c| c.is_lowercase());
        if !ok {
            return false;
        }
        capitalised += 1;
    }
    capitalised >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_and_not_research_codes() {
        assert_eq!(classify("j.jansen@example.org"), Some(Kind::Email));
        assert_eq!(classify("NL91 ABNA 0417 1643 00"), Some(Kind::Iban));
        assert_eq!(classify("GB82WEST12345698765432"), Some(Kind::Iban));
        assert_eq!(
            classify("NL91ABNA0417164301"),
            None,
            "IBAN with a wrong checksum"
        );
        assert_eq!(classify("111222333"), Some(Kind::Bsn));
        assert_eq!(classify("123456782"), Some(Kind::Bsn));
        assert_eq!(classify("123456789"), None, "fails the 11-test");
        assert_eq!(classify("06-12345678"), Some(Kind::Phone));
        assert_eq!(classify("+31 20 123 4567"), Some(Kind::Phone));
        assert_eq!(classify("NW92HF3L1"), Some(Kind::Passport));
        assert_eq!(classify("X1234567"), Some(Kind::Passport));
        assert_eq!(classify("Jan van der Berg"), Some(Kind::Name));
        assert_eq!(classify("Fatima El-Amin"), Some(Kind::Name));
        for code in [
            "-99",
            "1",
            "0",
            "18--20",
            "NL",
            "2019",
            "Case Management;Hotline",
            "yes",
        ] {
            assert_eq!(classify(code), None, "{code}");
        }
    }

    #[test]
    fn warns_per_column_with_counts_and_no_values() {
        let mut s = Scanner::default();
        for i in 0..10 {
            s.add("contact", &format!("person{i}@example.org"));
            s.add("ref", if i < 3 { "111222333" } else { "2" });
            s.add(
                "who",
                &format!("Anna Jansen{}", "abcdefghij".as_bytes()[i] as char),
            );
            s.add("source", "Case Management");
            s.add("voornaam", "");
        }
        let found = s.findings();
        let names: Vec<(&str, Option<Kind>)> =
            found.iter().map(|f| (f.column.as_str(), f.kind)).collect();
        assert_eq!(
            names,
            [
                ("contact", Some(Kind::Email)),
                ("who", Some(Kind::Name)),
                ("voornaam", None)
            ]
        );
        assert!(!found[0].message().contains("example.org"));
    }
}
