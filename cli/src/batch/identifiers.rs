//! `--check-identifiers`: warns about columns that look like they hold direct identifiers
//! (names, e-mail addresses, phone numbers, Dutch BSNs, passport numbers, IBANs), judged on the
//! first rows before scoring starts and again, when the run ends, on a sample drawn evenly from
//! the whole input ([`Reservoir`]). A warning never quotes a value.
//!
//! These are heuristics: checksummed kinds (IBAN mod 97, the BSN 11-test) and e-mail addresses
//! are specific, so one matching value is enough; phone, passport and name patterns also fit
//! other data, so they need at least half of a column's values. A name is recognised by its
//! shape (capitalised words, `Achternaam, Voornaam`) or by a common given name in it (then also
//! lowercase, and however often the same name repeats); a shape-only match also needs varied
//! values, so that categories such as `Case Management` are not taken for names.
//!
//! Free-text values are searched too: an e-mail address, an IBAN, a labelled BSN, a phone
//! number or a given name followed by a surname anywhere in the text is a match. JSONL values
//! nested in objects and lists are scanned under their path (`contact.email`, `notes[]`).

use std::collections::{HashMap, HashSet};

use super::input::{Fields, RawData, RawRow};

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

    /// Whether `matches` of `values` sampled values are enough to warn; `known` of the
    /// matches are names with a common given name in them, `distinct` how many different
    /// name-like values were seen.
    fn enough(self, matches: u64, values: u64, known: u64, distinct: usize) -> bool {
        match self {
            Kind::Email | Kind::Iban => matches >= 1,
            Kind::Bsn | Kind::Phone | Kind::Passport => matches >= 1 && matches * 2 >= values,
            Kind::Name => {
                matches >= 1
                    && matches * 2 >= values
                    && (known * 2 >= matches || distinct as u64 * 2 >= matches)
            }
        }
    }
}

/// What looks like an identifier in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub column: String,
    /// `None` when only the column's name suggests an identifier.
    pub kind: Option<Kind>,
    /// Whether the matches were found inside free text rather than as whole values.
    pub in_text: bool,
    pub matches: u64,
    pub values: u64,
}

impl Finding {
    pub fn message(&self) -> String {
        match self.kind {
            Some(kind) if self.in_text => format!(
                "column `{}` holds free text containing {} ({} of {} sampled values); direct identifiers do not belong in research data: remove or pseudonymise them",
                self.column,
                kind.describe(),
                self.matches,
                self.values
            ),
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

    /// The same column and the same judgement (to report a finding once).
    pub fn same(&self, other: &Finding) -> bool {
        self.column == other.column && self.kind == other.kind && self.in_text == other.in_text
    }
}

#[derive(Debug, Default)]
struct ColumnScan {
    name: String,
    values: u64,
    hits: [u64; 6],
    /// Matches inside free text, per kind.
    text_hits: [u64; 6],
    /// Name matches with a common given name in them.
    known_names: u64,
    /// Hashes of the values that looked like names (how varied they are).
    names: HashSet<u64>,
}

/// Collects sampled values per column, in the order columns are first seen.
#[derive(Debug, Default)]
pub struct Scanner {
    columns: Vec<ColumnScan>,
    index: HashMap<String, usize>,
}

const MAX_DISTINCT: usize = 10_000;
/// Columns scanned at most (a JSONL input can name a new key on every row).
const MAX_COLUMNS: usize = 10_000;

impl Scanner {
    pub fn add(&mut self, column: &str, value: &str) {
        let i = match self.index.get(column) {
            Some(&i) => i,
            None if self.columns.len() >= MAX_COLUMNS => return,
            None => {
                self.columns.push(ColumnScan {
                    name: column.to_owned(),
                    ..ColumnScan::default()
                });
                self.index.insert(column.to_owned(), self.columns.len() - 1);
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
            if kind == Kind::Name {
                if has_given_name(v) {
                    scan.known_names += 1;
                }
                if scan.names.len() < MAX_DISTINCT {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    v.to_lowercase().hash(&mut h);
                    scan.names.insert(h.finish());
                }
            }
        } else if v.contains(char::is_whitespace) {
            for kind in find_in_text(v) {
                scan.text_hits[kind as usize] += 1;
            }
        }
    }

    /// Adds a JSON value under `path`, walking into objects (`path.key`) and lists (`path[]`).
    pub fn add_json(&mut self, path: &str, value: &serde_json::Value, depth: usize) {
        match value {
            serde_json::Value::String(s) => self.add(path, s),
            serde_json::Value::Number(n) => self.add(path, &n.to_string()),
            serde_json::Value::Object(map) if depth < 16 => {
                for (k, v) in map {
                    self.add_json(&format!("{path}.{k}"), v, depth + 1);
                }
            }
            serde_json::Value::Array(items) if depth < 16 => {
                let inner = format!("{path}[]");
                for v in items {
                    self.add_json(&inner, v, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Adds one row: CSV fields by header column, or a JSONL object's values by key.
    pub fn add_row(&mut self, data: &RawData, header: Option<&[String]>) {
        match (data, header) {
            (RawData::Fields(fields), Some(h)) => self.add_fields(fields, h),
            (RawData::Json(bytes), _) => {
                if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes) {
                    for (k, v) in &map {
                        self.add_json(k, v, 0);
                    }
                }
            }
            _ => {}
        }
    }

    fn add_fields(&mut self, fields: &Fields, header: &[String]) {
        for (c, v) in header.iter().zip(fields.iter()) {
            self.add(c, v);
        }
    }

    /// The columns to warn about, in first-seen order.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in &self.columns {
            let whole = Kind::ALL
                .into_iter()
                .find(|&k| k.enough(c.hits[k as usize], c.values, c.known_names, c.names.len()));
            let text = Kind::ALL
                .into_iter()
                .find(|&k| c.text_hits[k as usize] >= 1);
            if let Some(kind) = whole {
                out.push(Finding {
                    column: c.name.clone(),
                    kind: Some(kind),
                    in_text: false,
                    matches: c.hits[kind as usize],
                    values: c.values,
                });
            } else if let Some(kind) = text {
                out.push(Finding {
                    column: c.name.clone(),
                    kind: Some(kind),
                    in_text: true,
                    matches: c.text_hits[kind as usize],
                    values: c.values,
                });
            } else if named_like_identifier(&c.name) {
                out.push(Finding {
                    column: c.name.clone(),
                    kind: None,
                    in_text: false,
                    matches: 0,
                    values: c.values,
                });
            }
        }
        out
    }
}

/// Scans rows (CSV fields by header column, or JSONL values by key path).
pub fn scan(rows: &[RawRow], header: Option<&[String]>) -> Vec<Finding> {
    let mut scanner = Scanner::default();
    for row in rows {
        scanner.add_row(&row.data, header);
    }
    scanner.findings()
}

/// A uniform sample of a fixed number of rows from a stream of unknown length (Vitter's
/// algorithm R), with a fixed seed so that the same input always gives the same warnings.
#[derive(Debug)]
pub struct Reservoir {
    capacity: usize,
    seen: u64,
    rows: Vec<RawData>,
    state: u64,
}

impl Reservoir {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            seen: 0,
            rows: Vec::with_capacity(capacity.min(4096)),
            state: 0x6865_726b_656e_0001,
        }
    }

    /// Offers the next row of the input; unreadable rows are not sampled.
    pub fn offer(&mut self, data: &RawData) {
        let copy = match data {
            RawData::Fields(f) => RawData::Fields(f.clone()),
            RawData::Json(b) => RawData::Json(b.clone()),
            RawData::Bad(_) => return,
        };
        self.seen += 1;
        if self.rows.len() < self.capacity {
            self.rows.push(copy);
            return;
        }
        let j = self.next() % self.seen;
        if let Some(slot) = usize::try_from(j).ok().and_then(|j| self.rows.get_mut(j)) {
            *slot = copy;
        }
    }

    /// Whether the next offered row would be kept for certain or may be: offering costs a copy,
    /// so the reader asks first. Always true while the sample is not full.
    pub fn wants(&mut self) -> bool {
        if self.rows.len() < self.capacity {
            return true;
        }
        // The same draw decides as in `offer`: peek by drawing here, and remember the draw.
        let j = self.peek() % (self.seen + 1);
        if j < self.capacity as u64 {
            true
        } else {
            // Not kept: count the row and advance the generator as `offer` would have.
            self.seen += 1;
            self.next();
            false
        }
    }

    /// Rows seen and rows kept.
    pub fn counts(&self) -> (u64, usize) {
        (self.seen, self.rows.len())
    }

    pub fn findings(&self, header: Option<&[String]>) -> Vec<Finding> {
        let mut scanner = Scanner::default();
        for row in &self.rows {
            scanner.add_row(row, header);
        }
        scanner.findings()
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        let z = self.peek();
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    }

    fn peek(&self) -> u64 {
        let mut z = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
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

/// An IBAN (spaces or dashes allowed) whose ISO 13616 mod-97 check gives 1.
pub fn is_iban(v: &str) -> bool {
    let s: Vec<u8> = v
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'-'))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    iban_checksum(&s)
}

/// The mod-97 check of an IBAN without separators, uppercase.
fn iban_checksum(s: &[u8]) -> bool {
    if !(15..=34).contains(&s.len())
        || !s[..2].iter().all(u8::is_ascii_uppercase)
        || !s[2..4].iter().all(u8::is_ascii_digit)
        || !s.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in s[4..].iter().chain(s[..4].iter()) {
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

/// Lowercase name particles (`van`, `de`, `der`, …) that stand between given name and surname.
const PARTICLES: &[&str] = &[
    "van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "da", "di", "du", "la", "le",
    "von", "al", "el", "bin",
];

/// A personal name: by shape, two to five words, at least two capitalised (`Jan`, `El-Amin`,
/// `O'Brien`) and the others name particles; `Achternaam, Voornaam`; or, in any case, two to
/// four words of letters of which one is a common given name (`jan jansen`).
pub fn is_name(v: &str) -> bool {
    if let Some((surname, given)) = v.split_once(',') {
        let (surname, given) = (surname.trim(), given.trim());
        let words = |t: &str| t.split_whitespace().count();
        return (1..=3).contains(&words(surname))
            && (1..=3).contains(&words(given))
            && !given.contains(',')
            && all_letters(surname)
            && all_letters(given)
            && (has_given_name(given)
                || (capitalised_words(surname) >= 1 && capitalised_words(given) >= 1));
    }
    let words: Vec<&str> = v.split_whitespace().collect();
    if !(2..=5).contains(&words.len()) {
        return false;
    }
    if words.len() <= 4 && all_letters(v) && has_given_name(v) {
        return true;
    }
    let mut capitalised = 0;
    for w in &words {
        if PARTICLES.contains(w) {
            continue;
        }
        if !is_capitalised(w) {
            return false;
        }
        capitalised += 1;
    }
    capitalised >= 2
}

/// `Jan`, `El-Amin`, `O'Brien`: an uppercase letter, then letters (some lowercase), `-`, `'`.
fn is_capitalised(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    first.is_uppercase()
        && !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
        && rest.iter().any(|c| c.is_lowercase())
}

fn capitalised_words(t: &str) -> usize {
    t.split_whitespace().filter(|w| is_capitalised(w)).count()
}

/// Only letters, spaces, `-` and `'`.
fn all_letters(t: &str) -> bool {
    t.chars()
        .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '-' | '\''))
        && t.chars().any(char::is_alphabetic)
}

/// Common given names of the people herken's users meet (Dutch, Polish, Romanian, Bulgarian,
/// Ukrainian, Moroccan, Turkish, Nigerian, Eritrean, Vietnamese, Chinese, Filipino, Latin
/// American, English), lowercase without diacritics. Words that are also common vocabulary in
/// research data (`will`, `may`, `grace`, `joy`, month names, `said`) are left out.
const GIVEN_NAMES: &[&str] = &[
    // Dutch
    "jan",
    "piet",
    "kees",
    "henk",
    "gerrit",
    "willem",
    "johannes",
    "hendrik",
    "cornelis",
    "pieter",
    "klaas",
    "dirk",
    "bram",
    "daan",
    "sem",
    "lucas",
    "levi",
    "finn",
    "luuk",
    "noah",
    "thijs",
    "jeroen",
    "sander",
    "bas",
    "ruud",
    "wim",
    "joost",
    "marco",
    "anna",
    "emma",
    "julia",
    "sophie",
    "tess",
    "sanne",
    "lisa",
    "eva",
    "fleur",
    "lotte",
    "johanna",
    "ingrid",
    "anouk",
    "femke",
    "marieke",
    "petra",
    "annemarie",
    "ilse",
    "inge",
    "mieke",
    "wilma",
    "yvonne",
    "marloes",
    "esther",
    "linda",
    "sandra",
    "monique",
    // Polish
    "piotr",
    "krzysztof",
    "andrzej",
    "tomasz",
    "pawel",
    "michal",
    "marcin",
    "jakub",
    "grzegorz",
    "wojciech",
    "katarzyna",
    "agnieszka",
    "malgorzata",
    "joanna",
    "magdalena",
    "ewa",
    "monika",
    "zofia",
    "barbara",
    "dorota",
    "beata",
    // Romanian, Moldovan
    "ion",
    "ioan",
    "gheorghe",
    "vasile",
    "constantin",
    "mihai",
    "andrei",
    "alexandru",
    "elena",
    "ioana",
    "mariana",
    "florin",
    "cristina",
    "adriana",
    "gabriela",
    "daniela",
    "andreea",
    "bogdan",
    "catalin",
    "ionut",
    "nicolae",
    "dumitru",
    "florentina",
    "georgiana",
    // Bulgarian, Ukrainian, Russian
    "georgi",
    "dimitar",
    "ivan",
    "nikolai",
    "petar",
    "stoyan",
    "mariya",
    "ivanka",
    "oleksandr",
    "olena",
    "olga",
    "natalia",
    "tetiana",
    "svetlana",
    "sergei",
    "serhii",
    "dmytro",
    "yulia",
    "irina",
    "oksana",
    "vladimir",
    "viktor",
    "tatiana",
    "ludmila",
    // Arabic, Moroccan, Turkish, Afghan, Syrian
    "mohamed",
    "mohammed",
    "muhammad",
    "mohammad",
    "ahmed",
    "ahmad",
    "ali",
    "hassan",
    "hussein",
    "omar",
    "youssef",
    "yusuf",
    "fatima",
    "fatma",
    "aisha",
    "khadija",
    "amina",
    "mustafa",
    "mehmet",
    "ayse",
    "emine",
    "zeynep",
    "hatice",
    "ibrahim",
    "ismail",
    "karim",
    "rachid",
    "abdel",
    "abdul",
    "abdullah",
    "nadia",
    "samira",
    "yasmina",
    "hamza",
    "bilal",
    "mahmoud",
    // Nigerian, Ghanaian
    "chinedu",
    "chioma",
    "ngozi",
    "emeka",
    "oluwaseun",
    "adaeze",
    "ifeoma",
    "tunde",
    "bola",
    "funmi",
    "osas",
    "osaretin",
    "efosa",
    "osagie",
    "eghosa",
    "kwame",
    "kofi",
    "ama",
    "abena",
    "adwoa",
    "chukwuemeka",
    "nkechi",
    "obinna",
    // Eritrean, Ethiopian
    "yonas",
    "tesfay",
    "tesfaye",
    "dawit",
    "mulu",
    "selam",
    "hagos",
    "berhane",
    "merhawi",
    "senait",
    "saba",
    "abrham",
    "kidane",
    "semhar",
    // Vietnamese, Chinese, Filipino, Thai
    "nguyen",
    "minh",
    "linh",
    "hoa",
    "tuan",
    "huong",
    "thanh",
    "wei",
    "xiaoming",
    "jing",
    "mei",
    "ying",
    "maricel",
    "jocelyn",
    "rodrigo",
    "somchai",
    // Latin American, Iberian, English, general
    "jose",
    "juan",
    "carlos",
    "luis",
    "jorge",
    "miguel",
    "ana",
    "carmen",
    "rosa",
    "lucia",
    "maria",
    "joao",
    "pedro",
    "john",
    "james",
    "michael",
    "david",
    "robert",
    "mary",
    "sarah",
    "elizabeth",
    "jennifer",
    "thomas",
    "peter",
    "paul",
    "daniel",
    "samuel",
    "joseph",
    "mariam",
    "helen",
    "priya",
    "rahul",
];

/// Whether a word of `v` is a common given name (any case, diacritics ignored).
fn has_given_name(v: &str) -> bool {
    v.split(|c: char| c.is_whitespace() || matches!(c, ',' | '-'))
        .any(is_given_name)
}

fn is_given_name(word: &str) -> bool {
    if word.len() < 2 || word.len() > 24 {
        return false;
    }
    let folded: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_diacritic)
        .collect();
    GIVEN_NAMES.contains(&folded.as_str())
}

/// The base letter of a letter with a diacritic common in the names above (`ł` → `l`).
fn fold_diacritic(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ą' | 'ă' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'é' | 'è' | 'ê' | 'ë' | 'ę' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ś' | 'š' | 'ș' | 'ş' => 's',
        'ț' | 'ţ' => 't',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// Lengths of IBANs by country, for the countries herken's users meet most (an IBAN inside
/// free text is only taken with its country's exact length, so that a code followed by other
/// words is not mistaken for one).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"NL", 18),
    (b"BE", 16),
    (b"DE", 22),
    (b"GB", 22),
    (b"FR", 27),
    (b"ES", 24),
    (b"IT", 27),
    (b"PT", 25),
    (b"PL", 28),
    (b"RO", 24),
    (b"BG", 22),
    (b"HU", 28),
    (b"CZ", 24),
    (b"SK", 24),
    (b"LT", 20),
    (b"LV", 21),
    (b"EE", 20),
    (b"UA", 29),
    (b"MD", 24),
    (b"TR", 26),
    (b"AT", 20),
    (b"LU", 20),
    (b"IE", 22),
    (b"GR", 27),
];

/// The kinds of identifier found inside a free text (each kind once).
pub fn find_in_text(text: &str) -> Vec<Kind> {
    let mut found = Vec::new();
    let mut note = |k: Kind| {
        if !found.contains(&k) {
            found.push(k);
        }
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let trim = |w: &str| -> String {
        w.trim_matches(|c: char| {
            matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '"' | '\'' | '!' | '?'
            )
        })
        .trim_end_matches('.')
        .to_owned()
    };
    let lower = text.to_lowercase();
    let labelled_bsn = ["bsn", "burgerservicenummer", "sofinummer", "sofi-nummer"]
        .iter()
        .any(|l| lower.contains(l));
    // Words that are part of an IBAN already found (its groups are not read as a phone number).
    let mut consumed = 0;
    for (i, raw) in words.iter().enumerate() {
        if i < consumed {
            continue;
        }
        let w = trim(raw);
        if w.contains('@') && is_email(&w) {
            note(Kind::Email);
        }
        // A labelled BSN: `BSN 111222333`, `bsn: 111.222.333`.
        if labelled_bsn && w.chars().filter(char::is_ascii_digit).count() == 9 && is_bsn(&w) {
            note(Kind::Bsn);
        }
        // An IBAN, written together or in groups separated by spaces or dashes.
        let upper = w.to_ascii_uppercase();
        let b = upper.as_bytes();
        let country = (b.len() >= 4
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..4].iter().all(u8::is_ascii_digit))
        .then(|| IBAN_LENGTHS.iter().find(|(c, _)| c[..] == b[..2]))
        .flatten();
        if let Some(&(_, len)) = country {
            let mut acc: Vec<u8> = Vec::new();
            let mut end = i;
            for next in &words[i..] {
                end += 1;
                acc.extend(
                    trim(next)
                        .bytes()
                        .filter(|c| *c != b'-')
                        .map(|c| c.to_ascii_uppercase()),
                );
                if acc.len() >= len {
                    break;
                }
            }
            if acc.len() >= len && iban_checksum(&acc[..len]) {
                note(Kind::Iban);
                consumed = end;
                continue;
            }
        }
        // A phone number: `+` or `0`, then digits in groups (one word or several).
        let starts = w.trim_start_matches('(');
        if starts.starts_with('+') || starts.starts_with('0') {
            let mut acc = String::new();
            for next in &words[i..] {
                let t = trim(next);
                if t.is_empty()
                    || !t.chars().all(|c| {
                        c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | '/')
                    })
                {
                    break;
                }
                if !acc.is_empty() {
                    acc.push(' ');
                }
                acc.push_str(&t);
                if is_phone(&acc) {
                    note(Kind::Phone);
                    break;
                }
            }
        }
        // A given name followed by a surname: `Anna de Vries`, `Piotr Nowak`.
        if is_capitalised(&w) && is_given_name(&w) {
            let next = words[i + 1..]
                .iter()
                .map(|x| trim(x))
                .find(|x| !PARTICLES.contains(&x.as_str()));
            if next.is_some_and(|x| is_capitalised(&x)) {
                note(Kind::Name);
            }
        }
    }
    found
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

    fn kinds(rows: &[&str]) -> Vec<(Option<Kind>, bool)> {
        let mut s = Scanner::default();
        for r in rows {
            s.add("c", r);
        }
        s.findings().iter().map(|f| (f.kind, f.in_text)).collect()
    }

    #[test]
    fn names_that_repeat_are_lowercase_or_written_surname_first() {
        // The same two people on every row: few distinct values, still names.
        let repeated: Vec<&str> = ["Anna de Vries", "Piotr Nowak"].repeat(10);
        assert_eq!(kinds(&repeated), [(Some(Kind::Name), false)]);
        assert_eq!(
            kinds(&["jan jansen", "maria lopez", "ion popescu"]),
            [(Some(Kind::Name), false)]
        );
        assert_eq!(
            kinds(&["Jansen, Jan", "Vries, Anna de", "Popescu, Ion"]),
            [(Some(Kind::Name), false)]
        );
        assert_eq!(classify("jansen, jan"), Some(Kind::Name));
        assert_eq!(classify("Kowalska, Małgorzata"), Some(Kind::Name));
        // Categories stay categories, however often they repeat.
        let categories: Vec<&str> = ["Case Management", "Hotline Call"].repeat(10);
        assert!(kinds(&categories).is_empty());
        for code in [
            "forced labour",
            "sexual exploitation",
            "no, not asked",
            "yes, unknown",
        ] {
            assert_eq!(classify(code), None, "{code}");
        }
    }

    #[test]
    fn labelled_bsns_and_ibans_with_dashes() {
        assert_eq!(kinds(&["BSN 111222333"]), [(Some(Kind::Bsn), true)]);
        assert_eq!(kinds(&["bsn: 111.222.333"]), [(Some(Kind::Bsn), true)]);
        assert_eq!(classify("NL91-ABNA-0417-1643-00"), Some(Kind::Iban));
        // An unlabelled nine-digit number in text is not taken for a BSN.
        assert!(kinds(&["dossier 111222333 afgesloten"]).is_empty());
    }

    #[test]
    fn identifiers_inside_free_text() {
        for (text, kind) in [
            (
                "Zij is bereikbaar via anna.devries@example.org na 18u",
                Kind::Email,
            ),
            (
                "loon werd gestort op NL91 ABNA 0417 1643 00 van de werkgever",
                Kind::Iban,
            ),
            ("loon op rekening NL91-ABNA-0417-1643-00.", Kind::Iban),
            ("bel haar op 06-12345678 of +31 6 1234 5678", Kind::Phone),
            ("zegt dat Anna de Vries haar paspoort heeft", Kind::Name),
            ("the recruiter, Piotr Nowak, kept the passports", Kind::Name),
        ] {
            assert_eq!(find_in_text(text), [kind], "{text}");
        }
        for text in [
            "werkt 70 uur per week, 7 dagen, zonder contract",
            "Hotline call in 2019; referred to Case Management",
            "schuld van 2500 euro aan de bemiddelaar",
            "NL staff interviewed the person twice",
        ] {
            assert!(
                find_in_text(text).is_empty(),
                "{text}: {:?}",
                find_in_text(text)
            );
        }
    }

    #[test]
    fn nested_json_values_are_scanned_under_their_path() {
        let mut s = Scanner::default();
        let row: serde_json::Value = serde_json::json!({
            "contact": {"email": "p@example.org", "phones": ["06-12345678"]},
            "deceived_about_job": "yes"
        });
        if let serde_json::Value::Object(map) = &row {
            for (k, v) in map {
                s.add_json(k, v, 0);
            }
        }
        let found: Vec<(String, Option<Kind>)> = s
            .findings()
            .into_iter()
            .map(|f| (f.column, f.kind))
            .collect();
        assert_eq!(
            found,
            [
                ("contact.email".to_owned(), Some(Kind::Email)),
                ("contact.phones[]".to_owned(), Some(Kind::Phone))
            ]
        );
    }

    #[test]
    fn the_reservoir_samples_the_whole_stream_the_same_way_each_time() {
        let draw = || {
            let mut r = Reservoir::new(100);
            for i in 0..100_000u32 {
                let data = RawData::Json(i.to_string().into_bytes());
                if r.wants() {
                    r.offer(&data);
                }
            }
            let kept: Vec<u32> = r
                .rows
                .iter()
                .filter_map(|d| match d {
                    RawData::Json(b) => std::str::from_utf8(b).ok()?.parse().ok(),
                    _ => None,
                })
                .collect();
            (r.counts(), kept)
        };
        let (counts, kept) = draw();
        assert_eq!(counts, (100_000, 100));
        assert_eq!(draw().1, kept, "deterministic");
        // Evenly spread: each tenth of the stream holds some of the sample.
        for tenth in 0..10 {
            let n = kept.iter().filter(|&&i| i / 10_000 == tenth).count();
            assert!((2..=25).contains(&n), "tenth {tenth}: {n}");
        }
    }
}
