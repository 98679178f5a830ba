//! Bundles: one self-contained JSON file per rule set (every rule file inlined, with the
//! content SHA-256), for the browser and for distribution, optionally signed by whoever
//! published it.
//!
//! [`Bundle::open`] is the one way to load a bundle, and it decides under a [`TrustPolicy`]:
//! - the JSON is strict: duplicate keys anywhere are refused, and so is any field or file a
//!   bundle does not have (only `ruleset.yaml` and `*.rhai` files at the top);
//! - the content must match the recorded SHA-256;
//! - a signature, when present, must be well-formed, valid, and made for this bundle (its
//!   format, id, version and content hash) — even when no key is trusted: a bundle that
//!   claims a signature carries a valid one or is refused;
//! - with trusted keys given, anything but a valid signature by one of them is refused (fail
//!   closed);
//! - the rule set inside must load, and its id and version must be the ones the bundle
//!   declares (and, when signed, the ones the signature covers).
//!
//! A bundle of format 2 also carries the rule set's compiled form (`crate::compiled`), with
//! its own SHA-256 (`compiled_sha256`), which the signature's claims then include: the
//! signature binds the files and the compiled form alike, and neither can be swapped, added or
//! stripped without refusal. An engine built with Rhai (the CLI, the full WASM module) compiles
//! the files, as for format 1; one built without it (the lean WASM module) screens from the
//! compiled form ([`Bundle::open_compiled`]).
//!
//! A signature is Ed25519 over `herken-bundle-signature-v1\n` followed by the compact JSON of
//! [`SignedClaims`] (`{"herken_bundle":1,"id":…,"version":…,"sha256":…}`, in that order, and
//! `"compiled_sha256":…` last in format 2). The
//! content hash covers every file path and text, so the signature covers everything the
//! engine reads from a bundle. A key's [fingerprint](PublicKey::fingerprint) is `ed25519:`
//! and the first 16 bytes of the SHA-256 of its 32 raw bytes, in lowercase hex.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::codes::{self, Code};
#[cfg(feature = "rhai")]
use crate::compile::load;
use crate::compiled;
use crate::diagnostic::Diagnostic;
use crate::model::CompiledRuleSet;
use crate::sources::Sources;

/// The bundle format version this engine writes for rule files alone, and reads.
pub const BUNDLE_FORMAT: u32 = 1;

/// The bundle format with the compiled form beside the rule files, which this engine also
/// writes ([`Bundle::with_compiled`]) and reads.
pub const BUNDLE_FORMAT_COMPILED: u32 = 2;

/// The signature algorithm herken writes and reads.
const ALGORITHM: &str = "ed25519";

/// What a signature's message starts with (domain separation).
const SIGNATURE_CONTEXT: &str = "herken-bundle-signature-v1\n";

/// The first word of a key file as `herken keygen` writes it.
const SECRET_KEY_LABEL: &str = "herken-secret-key";
const PUBLIC_KEY_LABEL: &str = "herken-public-key";

/// A rule set in one file. Read with [`Bundle::from_json`] or [`Bundle::open`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    /// The bundle format version ([`BUNDLE_FORMAT`]).
    pub herken_bundle: u32,
    /// The rule set's id (the manifest's).
    pub id: String,
    /// The rule set's version (the manifest's).
    pub version: String,
    /// SHA-256 of the rule files, as [`Sources::sha256`] computes it.
    pub sha256: String,
    /// SHA-256 of the compiled form (format 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled_sha256: Option<String>,
    /// Who published the bundle, when signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<BundleSignature>,
    /// Rule files by path (`ruleset.yaml`, `*.rhai`).
    pub files: BTreeMap<String, String>,
    /// The rule set's compiled form (format 2) as compact JSON text, for engines built
    /// without Rhai.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled: Option<String>,
}

/// A bundle's signature: who made it, over what, and the signature itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleSignature {
    /// `ed25519`.
    pub algorithm: String,
    /// The signer's public key, 64 hex digits.
    pub key: String,
    /// What was signed; must be this bundle's format, id, version and content hash.
    pub signed: SignedClaims,
    /// The Ed25519 signature, 128 hex digits.
    pub value: String,
}

/// What a signature vouches for: the bundle's identity and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedClaims {
    /// The bundle format version.
    pub herken_bundle: u32,
    /// The rule set's id.
    pub id: String,
    /// The rule set's version.
    pub version: String,
    /// The content hash.
    pub sha256: String,
    /// The compiled form's hash (format 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled_sha256: Option<String>,
}

impl SignedClaims {
    /// The bytes a signature is made over.
    fn message(&self) -> Vec<u8> {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{SIGNATURE_CONTEXT}{json}").into_bytes()
    }
}

/// An Ed25519 public key: whose signatures a caller trusts.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey")
            .field(&self.fingerprint())
            .finish()
    }
}

impl PublicKey {
    /// A key from its 32 bytes.
    ///
    /// # Errors
    /// When the bytes are not an Ed25519 public key (not a point of the curve).
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(&bytes)
            .map(|_| Self(bytes))
            .map_err(|_| KeyError::NotAKey)
    }

    /// Reads a public key: a key file as `herken keygen` writes it (`herken-public-key
    /// ed25519 <64 hex digits>`, lines starting with `#` ignored), or the bare key as 64 hex
    /// digits or base64.
    ///
    /// # Errors
    /// A secret key (never to be handed out as a trusted key), or text that is not a key.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        match key_line(text)? {
            KeyLine::Labelled(SECRET_KEY_LABEL, _) => Err(KeyError::SecretGiven),
            KeyLine::Labelled(_, key) | KeyLine::Bare(key) => Self::from_bytes(key_bytes(key)?),
        }
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The key file `herken keygen` writes (with the fingerprint as a comment).
    pub fn to_file_text(&self) -> String {
        format!(
            "# herken public key {}: give it to whoever loads your bundles\n{PUBLIC_KEY_LABEL} {ALGORITHM} {}\n",
            self.fingerprint(),
            self.to_hex()
        )
    }

    /// A short name for the key to compare by eye: `ed25519:` and the first 16 bytes of the
    /// SHA-256 of the key's 32 bytes, as 32 lowercase hex digits.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0);
        format!("{ALGORITHM}:{}", hex(&digest[..16]))
    }
}

/// An Ed25519 secret key, for signing bundles. Its bytes are wiped when it is dropped.
pub struct SecretKey(SigningKey);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretKey")
            .field(&self.public_key().fingerprint())
            .finish()
    }
}

impl SecretKey {
    /// A secret key from 32 random bytes (any 32 bytes are a key).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(bytes))
    }

    /// Reads a secret key file as `herken keygen` writes it (`herken-secret-key ed25519 <64
    /// hex digits>`, lines starting with `#` ignored). Only that form is read: a bare key
    /// could as well be a public one.
    ///
    /// # Errors
    /// A public key, or anything but a secret key file.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        match key_line(text).map_err(|_| KeyError::Unlabelled)? {
            KeyLine::Labelled(SECRET_KEY_LABEL, key) => Ok(Self::from_bytes(&key_bytes(key)?)),
            KeyLine::Labelled(..) => Err(KeyError::PublicGiven),
            KeyLine::Bare(_) => Err(KeyError::Unlabelled),
        }
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// The key file `herken keygen` writes.
    pub fn to_file_text(&self) -> String {
        format!(
            "# herken secret key of {}: signs bundles; keep it private\n{SECRET_KEY_LABEL} {ALGORITHM} {}\n",
            self.public_key().fingerprint(),
            hex(self.0.as_bytes())
        )
    }
}

/// Why a text is not the key asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a key in any form herken reads.
    Malformed(String),
    /// 32 bytes that are not an Ed25519 public key.
    NotAKey,
    /// A secret key where a public key belongs.
    SecretGiven,
    /// A public key where the secret key belongs.
    PublicGiven,
    /// A bare key where a secret key file belongs.
    Unlabelled,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "not a key: {why}"),
            Self::NotAKey => f.write_str("not an Ed25519 public key"),
            Self::SecretGiven => f.write_str(
                "this is a secret key: trust the public key (the `.pub` file), and keep this one private",
            ),
            Self::PublicGiven => f.write_str(
                "this is a public key: signing needs the secret key (`herken keygen -o FILE` wrote it to FILE, not FILE.pub)",
            ),
            Self::Unlabelled => f.write_str(
                "not a secret key file: give the file `herken keygen -o FILE` wrote to FILE (it starts with `herken-secret-key ed25519`)",
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// The one line of a key file that holds the key.
enum KeyLine<'t> {
    /// `<label> ed25519 <key>`, with a known label.
    Labelled(&'static str, &'t str),
    /// Just the key.
    Bare(&'t str),
}

fn key_line(text: &str) -> Result<KeyLine<'_>, KeyError> {
    let mut lines = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Err(KeyError::Malformed(
            "a key file has one line with the key (besides `#` comments)".into(),
        ));
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    match words[..] {
        [key] => Ok(KeyLine::Bare(key)),
        [label, algorithm, key] => {
            let label = [SECRET_KEY_LABEL, PUBLIC_KEY_LABEL]
                .into_iter()
                .find(|l| *l == label)
                .ok_or_else(|| {
                    KeyError::Malformed(format!(
                        "expected `{PUBLIC_KEY_LABEL}` or `{SECRET_KEY_LABEL}` at the start"
                    ))
                })?;
            if algorithm != ALGORITHM {
                return Err(KeyError::Malformed(format!(
                    "herken keys are `{ALGORITHM}`, not `{algorithm}`"
                )));
            }
            Ok(KeyLine::Labelled(label, key))
        }
        _ => Err(KeyError::Malformed(
            "expected `herken-public-key ed25519 <key>`, or the key alone".into(),
        )),
    }
}

/// A 32-byte key written as 64 hex digits or as base64.
fn key_bytes(text: &str) -> Result<[u8; 32], KeyError> {
    let bytes = if text.len() == 64 {
        unhex(text)
    } else {
        unbase64(text)
    };
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            KeyError::Malformed(format!(
                "a key is 32 bytes written as 64 hex digits or as base64; found {} characters",
                text.chars().count()
            ))
        })
}

/// Which signers a caller trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustPolicy {
    trusted_keys: Vec<PublicKey>,
}

impl TrustPolicy {
    /// No key trusted: an unsigned bundle loads, and a signed one only when its signature is
    /// valid (who made it is reported, not vouched for).
    pub fn no_keys() -> Self {
        Self::default()
    }

    /// Only bundles with a valid signature by one of `keys` load (with no keys, as
    /// [`Self::no_keys`]).
    pub fn trusting(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut trusted_keys: Vec<PublicKey> = keys.into_iter().collect();
        trusted_keys.dedup();
        Self { trusted_keys }
    }

    /// The trusted keys.
    pub fn trusted_keys(&self) -> &[PublicKey] {
        &self.trusted_keys
    }

    /// Whether a bundle must be signed by a trusted key.
    pub fn requires_signature(&self) -> bool {
        !self.trusted_keys.is_empty()
    }
}

/// Who signed an opened bundle, as far as the trust policy could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureState {
    /// No signature (and none was required).
    Unsigned,
    /// A valid signature by this key; no key was trusted, so nothing says who holds it.
    Signed(PublicKey),
    /// A valid signature by this key, one of the trusted keys.
    Trusted(PublicKey),
}

impl SignatureState {
    /// `unsigned`, `signed` or `trusted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::Signed(_) => "signed",
            Self::Trusted(_) => "trusted",
        }
    }

    /// The signer's key, when signed.
    pub fn key(&self) -> Option<&PublicKey> {
        match self {
            Self::Unsigned => None,
            Self::Signed(key) | Self::Trusted(key) => Some(key),
        }
    }
}

/// A bundle that passed every check of its trust policy, with its compiled rule set.
#[derive(Debug)]
pub struct OpenedBundle {
    /// The compiled rule set.
    pub rules: CompiledRuleSet,
    /// The rule set's warnings (its errors would have refused the bundle).
    pub warnings: Vec<Diagnostic>,
    /// Who signed the bundle, as far as the trust policy could tell.
    pub signature: SignatureState,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleError {
    /// Not JSON, or not a bundle's shape.
    Format(String),
    /// The same key twice in one JSON object (a reader would keep one of them, unseen).
    DuplicateKey(String),
    /// A bundle format this engine does not read.
    Version(u32),
    /// The content does not match the recorded hash: altered or damaged.
    Hash {
        /// The hash the bundle records.
        recorded: String,
        /// The hash of its content.
        computed: String,
    },
    /// A signature that is not one: wrong shape, algorithm, key or value.
    SignatureMalformed(String),
    /// A well-formed signature for this bundle that does not verify: forged or altered.
    SignatureInvalid,
    /// A valid signature, made for another rule set or version.
    SignatureMoved {
        /// The rule set the signature was made for.
        signed_id: String,
        /// Its version.
        signed_version: String,
    },
    /// A valid signature for this id and version but other content: the content was changed
    /// (and its hash recomputed) after signing.
    Tampered {
        /// The content hash the signature was made for.
        signed_sha256: String,
    },
    /// Trusted keys were given, and the bundle carries no signature.
    Unsigned,
    /// A valid signature by a key that is not trusted.
    UntrustedKey {
        /// The signer's key fingerprint.
        fingerprint: String,
    },
    /// The rule set inside does not load.
    RuleSet(Vec<Diagnostic>),
    /// The bundle has no compiled form (format 1), and it was to be opened by it: in the WASM
    /// modules, which do not read rule files, or by [`Bundle::open_compiled`].
    NoCompiledForm,
    /// The engine has no Rhai interpreter (the lean WASM module), and the bundle's compiled
    /// form has conditions only the full module runs: scripts, and (in an engine without
    /// pattern matching) conditions that use `matches`.
    NeedsFullModule {
        /// Conditions that are scripts (`indicator `x``, `the `ask_if` of question `y``).
        scripted: Vec<String>,
        /// Conditions that use `matches`, when this engine has no pattern matching.
        patterns: Vec<String>,
    },
    /// The rule set inside is not the one the bundle declares.
    IdentityMismatch {
        /// The id and version the bundle declares.
        declared: (String, String),
        /// The id and version of the rule set inside.
        inside: (String, String),
    },
}

impl BundleError {
    /// A stable code, as the CLI and the WASM module report it.
    pub fn code(&self) -> Code {
        match self {
            Self::Format(_) => codes::bundle::FORMAT,
            Self::DuplicateKey(_) => codes::bundle::DUPLICATE_KEY,
            Self::Version(_) => codes::bundle::VERSION,
            Self::Hash { .. } => codes::bundle::HASH_MISMATCH,
            Self::SignatureMalformed(_) => codes::bundle::SIGNATURE_MALFORMED,
            Self::SignatureInvalid => codes::bundle::SIGNATURE_INVALID,
            Self::SignatureMoved { .. } => codes::bundle::SIGNATURE_MOVED,
            Self::Tampered { .. } => codes::bundle::TAMPERED,
            Self::Unsigned => codes::bundle::UNSIGNED,
            Self::UntrustedKey { .. } => codes::bundle::UNTRUSTED_KEY,
            Self::RuleSet(_) => codes::bundle::RULESET,
            Self::NoCompiledForm => codes::bundle::NO_COMPILED_FORM,
            Self::NeedsFullModule { .. } => codes::bundle::NEEDS_FULL_MODULE,
            Self::IdentityMismatch { .. } => codes::bundle::IDENTITY_MISMATCH,
        }
    }
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(m) => write!(f, "not a herken bundle: {m}"),
            Self::DuplicateKey(m) => write!(f, "the bundle's JSON has a {m}"),
            Self::Version(v) => write!(
                f,
                "bundle format {v} is not supported (this engine reads {BUNDLE_FORMAT} and {BUNDLE_FORMAT_COMPILED})"
            ),
            Self::Hash { recorded, computed } => write!(
                f,
                "the bundle's content does not match its sha256 (recorded {recorded}, computed {computed}): it was altered or damaged"
            ),
            Self::SignatureMalformed(why) => {
                write!(f, "the bundle's signature is not a signature: {why}")
            }
            Self::SignatureInvalid => f.write_str(
                "the bundle's signature does not verify: it or what it names was altered",
            ),
            Self::SignatureMoved {
                signed_id,
                signed_version,
            } => write!(
                f,
                "the bundle carries a signature made for another bundle (`{signed_id}` {signed_version})"
            ),
            Self::Tampered { signed_sha256 } => write!(
                f,
                "the bundle's content was changed after it was signed (signed content sha256 {signed_sha256})"
            ),
            Self::Unsigned => f.write_str(
                "the bundle is not signed, and a signature by a trusted key is required",
            ),
            Self::UntrustedKey { fingerprint } => write!(
                f,
                "the bundle is signed by {fingerprint}, which is not among the trusted keys"
            ),
            Self::RuleSet(d) => {
                let errors: Vec<String> = d
                    .iter()
                    .filter(|d| d.is_error())
                    .map(ToString::to_string)
                    .collect();
                write!(
                    f,
                    "the bundled rule set does not load: {}",
                    errors.join("; ")
                )
            }
            Self::NoCompiledForm => f.write_str(
                "the bundle has no compiled form (bundle format 1), and the browser modules screen only with one: make the bundle again with this version's `herken bundle`",
            ),
            Self::NeedsFullModule { scripted, patterns } => {
                let mut parts = Vec::new();
                if !scripted.is_empty() {
                    parts.push(format!(
                        "{} {} a script (no Rhai interpreter here)",
                        scripted.join(", "),
                        if scripted.len() == 1 { "is" } else { "are" }
                    ));
                }
                if !patterns.is_empty() {
                    parts.push(format!(
                        "{} {} `matches` (no pattern matching here)",
                        patterns.join(", "),
                        if patterns.len() == 1 { "uses" } else { "use" }
                    ));
                }
                write!(
                    f,
                    "this lean module cannot screen with the rule set: {}; open it with the full module",
                    parts.join("; ")
                )
            }
            Self::IdentityMismatch { declared, inside } => write!(
                f,
                "the bundle declares `{}` {} but holds the rule set `{}` {}",
                declared.0, declared.1, inside.0, inside.1
            ),
        }
    }
}

impl std::error::Error for BundleError {}

impl Bundle {
    /// Bundles a rule set's sources (only rule files are kept).
    pub fn new(id: &str, version: &str, sources: &Sources) -> Self {
        let files = sources
            .files
            .iter()
            .filter(|(p, _)| Sources::is_rule_file(p))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        Self {
            herken_bundle: BUNDLE_FORMAT,
            id: id.to_owned(),
            version: version.to_owned(),
            sha256: sources.sha256(),
            compiled_sha256: None,
            signature: None,
            files,
            compiled: None,
        }
    }

    /// The bundle with `rules`' compiled form added (format 2), replacing any signature (sign
    /// after this). `rules` must be the rule set compiled from this bundle's files.
    #[must_use]
    pub fn with_compiled(mut self, rules: &CompiledRuleSet) -> Self {
        let form = compiled::write(rules);
        self.herken_bundle = BUNDLE_FORMAT_COMPILED;
        self.compiled_sha256 = Some(compiled::digest(&form));
        self.compiled = Some(form);
        self.signature = None;
        self
    }

    /// What a signature of this bundle covers.
    pub fn claims(&self) -> SignedClaims {
        SignedClaims {
            herken_bundle: self.herken_bundle,
            id: self.id.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            compiled_sha256: self.compiled_sha256.clone(),
        }
    }

    /// Signs the bundle, replacing any signature.
    pub fn sign(&mut self, key: &SecretKey) {
        let signed = self.claims();
        let value = key.0.sign(&signed.message());
        self.signature = Some(BundleSignature {
            algorithm: ALGORITHM.to_owned(),
            key: key.public_key().to_hex(),
            signed,
            value: hex(&value.to_bytes()),
        });
    }

    /// Canonical JSON of the bundle.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a bundle and checks everything that needs no trust decision and no rule set:
    /// strict JSON, format, files, content hash, and that a signature, if any, is valid and
    /// made for this bundle. [`Bundle::open`] does this and the rest.
    ///
    /// # Errors
    /// The first check that fails, as a [`BundleError`].
    pub fn from_json(json: &str) -> Result<Self, BundleError> {
        let json = json.strip_prefix('\u{feff}').unwrap_or(json);
        // Any key twice, anywhere: whichever one a reader kept, it may not be what was checked.
        // One pass: `RawBundle` refuses a field twice (serde's derive), a file twice and a key
        // twice inside the signature (its readers here); the compiled form, JSON inside a
        // string, gets its own check below.
        let raw: RawBundle = serde_json::from_str(json).map_err(|e| {
            let message = e.to_string();
            if let Some(rest) = message.strip_prefix("duplicate field") {
                return BundleError::DuplicateKey(format!("{DUPLICATE_KEY}{rest}"));
            }
            if message.starts_with(DUPLICATE_KEY) {
                return BundleError::DuplicateKey(message);
            }
            // Another format's fields may mean something else: say which format it is.
            let format = serde_json::from_str::<Value>(json)
                .ok()
                .and_then(|v| v.get("herken_bundle").and_then(Value::as_u64));
            match format.filter(|v| {
                ![BUNDLE_FORMAT, BUNDLE_FORMAT_COMPILED]
                    .map(u64::from)
                    .contains(v)
            }) {
                Some(v) => BundleError::Version(u32::try_from(v).unwrap_or(u32::MAX)),
                None => BundleError::Format(e.to_string()),
            }
        })?;
        let bundle = Bundle {
            herken_bundle: raw.herken_bundle,
            id: raw.id,
            version: raw.version,
            sha256: raw.sha256,
            compiled_sha256: raw.compiled_sha256,
            signature: raw
                .signature
                .map(|v| read_signature(&v).map_err(BundleError::SignatureMalformed))
                .transpose()?,
            files: raw.files,
            compiled: raw.compiled,
        };
        match (
            bundle.herken_bundle,
            bundle.compiled.is_some(),
            bundle.compiled_sha256.is_some(),
        ) {
            (BUNDLE_FORMAT, false, false) | (BUNDLE_FORMAT_COMPILED, true, true) => {}
            (BUNDLE_FORMAT, ..) => {
                return Err(BundleError::Format(
                    "a bundle of format 1 has no `compiled` or `compiled_sha256`".into(),
                ));
            }
            (BUNDLE_FORMAT_COMPILED, ..) => {
                return Err(BundleError::Format(
                    "a bundle of format 2 has both `compiled` and `compiled_sha256`".into(),
                ));
            }
            (other, ..) => return Err(BundleError::Version(other)),
        }
        if let Some(path) = bundle.files.keys().find(|p| !Sources::is_rule_file(p)) {
            return Err(BundleError::Format(format!(
                "`{path}` is not a rule file (a bundle holds `ruleset.yaml` and `*.rhai` files, at the top)"
            )));
        }
        let computed = bundle.sources().sha256();
        if computed != bundle.sha256 {
            return Err(BundleError::Hash {
                recorded: bundle.sha256.clone(),
                computed,
            });
        }
        if let (Some(form), Some(recorded)) = (&bundle.compiled, &bundle.compiled_sha256) {
            serde_json::from_str::<NoDuplicateKeys>(form).map_err(|e| {
                let message = format!("compiled form: {e}");
                if e.to_string().starts_with(DUPLICATE_KEY) {
                    BundleError::DuplicateKey(message)
                } else {
                    BundleError::Format(message)
                }
            })?;
            let computed = compiled::digest(form);
            if &computed != recorded {
                return Err(BundleError::Hash {
                    recorded: recorded.clone(),
                    computed,
                });
            }
        }
        bundle.signer()?;
        Ok(bundle)
    }

    /// The key that made this bundle's signature, after checking that the signature is
    /// well-formed, valid, and made for this bundle; `None` when unsigned.
    ///
    /// # Errors
    /// [`BundleError::SignatureMalformed`], [`BundleError::SignatureInvalid`],
    /// [`BundleError::SignatureMoved`] or [`BundleError::Tampered`].
    pub fn signer(&self) -> Result<Option<PublicKey>, BundleError> {
        let Some(signature) = &self.signature else {
            return Ok(None);
        };
        if signature.algorithm != ALGORITHM {
            return Err(BundleError::SignatureMalformed(format!(
                "the algorithm is `{}`, herken signs with `{ALGORITHM}`",
                signature.algorithm
            )));
        }
        let key = unhex(&signature.key)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                BundleError::SignatureMalformed("the key is not 64 hex digits".into())
            })?;
        let key = PublicKey::from_bytes(key)
            .map_err(|e| BundleError::SignatureMalformed(format!("the key is {e}")))?;
        let value = unhex(&signature.value)
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or_else(|| {
                BundleError::SignatureMalformed("the value is not 128 hex digits".into())
            })?;
        let verifying = VerifyingKey::from_bytes(&key.0)
            .map_err(|_| BundleError::SignatureMalformed("the key is not a key".into()))?;
        verifying
            .verify_strict(&signature.signed.message(), &Signature::from_bytes(&value))
            .map_err(|_| BundleError::SignatureInvalid)?;
        let signed = &signature.signed;
        if (signed.herken_bundle, &signed.id, &signed.version)
            != (self.herken_bundle, &self.id, &self.version)
        {
            return Err(BundleError::SignatureMoved {
                signed_id: signed.id.clone(),
                signed_version: signed.version.clone(),
            });
        }
        if signed.sha256 != self.sha256 {
            return Err(BundleError::Tampered {
                signed_sha256: signed.sha256.clone(),
            });
        }
        // The compiled form added, stripped or swapped after signing.
        if signed.compiled_sha256 != self.compiled_sha256 {
            return Err(BundleError::Tampered {
                signed_sha256: signed
                    .compiled_sha256
                    .clone()
                    .unwrap_or_else(|| "(no compiled form)".into()),
            });
        }
        Ok(Some(key))
    }

    /// Opens a bundle under a trust policy: every check in the [module docs](self), then
    /// the rule set compiled from its files — or, in an engine built without Rhai, read from
    /// its compiled form ([`Bundle::open_compiled`]). The one way a bundle becomes a rule set
    /// that screens.
    ///
    /// # Errors
    /// The first check that fails, as a [`BundleError`] with its code.
    pub fn open(json: &str, trust: &TrustPolicy) -> Result<OpenedBundle, BundleError> {
        let bundle = Self::from_json(json)?;
        #[cfg(feature = "rhai")]
        return bundle.compile(trust);
        #[cfg(not(feature = "rhai"))]
        return bundle.read_compiled(trust, cfg!(feature = "scripts"));
    }

    /// Opens a bundle as the lean WASM module does, whichever engine this is: every check
    /// of [`Bundle::open`], then the rule set read from the compiled form instead of compiled
    /// from the files. Refused with [`BundleError::NoCompiledForm`] when the bundle has no
    /// compiled form, and with [`BundleError::NeedsFullModule`] when its form has scripted
    /// conditions (named in the error).
    ///
    /// # Errors
    /// The first check that fails, as a [`BundleError`] with its code.
    pub fn open_compiled(json: &str, trust: &TrustPolicy) -> Result<OpenedBundle, BundleError> {
        Self::from_json(json)?.read_compiled(trust, false)
    }

    /// Opens a bundle as the full WASM module does: as [`Bundle::open_compiled`], with the
    /// conditions that stayed scripts compiled from the compiled form by the sandboxed Rhai
    /// engine (with the rule set's `*.rhai` library), to run exactly as when the rule files
    /// are compiled.
    ///
    /// # Errors
    /// The first check that fails, as a [`BundleError`] with its code.
    #[cfg(feature = "scripts")]
    pub fn open_compiled_with_scripts(
        json: &str,
        trust: &TrustPolicy,
    ) -> Result<OpenedBundle, BundleError> {
        Self::from_json(json)?.read_compiled(trust, true)
    }

    /// [`Bundle::verify`], then the rule set read from the compiled form (its scripts compiled
    /// when `scripts`, else refused) and checked against the id and version the bundle
    /// declares.
    fn read_compiled(
        self,
        trust: &TrustPolicy,
        scripts: bool,
    ) -> Result<OpenedBundle, BundleError> {
        let signature = self.verify(trust)?;
        let Some(form) = self.compiled else {
            return Err(BundleError::NoCompiledForm);
        };
        let rules = compiled::read(&form, &self.sha256, scripts).map_err(|e| match e {
            compiled::ReadError::NeedsFullModule { scripted, patterns } => {
                BundleError::NeedsFullModule { scripted, patterns }
            }
            compiled::ReadError::Invalid(why) => BundleError::Format(why),
        })?;
        if (rules.id.as_str(), rules.version.as_str()) != (self.id.as_str(), self.version.as_str())
        {
            return Err(BundleError::IdentityMismatch {
                declared: (self.id, self.version),
                inside: (rules.id.clone(), rules.version.clone()),
            });
        }
        Ok(OpenedBundle {
            rules,
            warnings: Vec::new(),
            signature,
        })
    }

    /// Who signed the bundle, decided under a trust policy: with trusted keys, anything but a
    /// valid signature by one of them is refused.
    ///
    /// # Errors
    /// The signature errors of [`Bundle::signer`], [`BundleError::Unsigned`] or
    /// [`BundleError::UntrustedKey`].
    pub fn verify(&self, trust: &TrustPolicy) -> Result<SignatureState, BundleError> {
        Ok(match self.signer()? {
            None if trust.requires_signature() => return Err(BundleError::Unsigned),
            None => SignatureState::Unsigned,
            Some(key) if trust.trusted_keys.contains(&key) => SignatureState::Trusted(key),
            Some(key) if trust.requires_signature() => {
                return Err(BundleError::UntrustedKey {
                    fingerprint: key.fingerprint(),
                });
            }
            Some(key) => SignatureState::Signed(key),
        })
    }

    /// [`Bundle::verify`], then the rule set loaded and checked against the id and version the
    /// bundle declares: what [`Bundle::open`] does after reading the JSON.
    ///
    /// # Errors
    /// The first check that fails, as a [`BundleError`] with its code.
    #[cfg(feature = "rhai")]
    pub fn compile(&self, trust: &TrustPolicy) -> Result<OpenedBundle, BundleError> {
        let signature = self.verify(trust)?;
        let loaded = load(&self.sources()).map_err(BundleError::RuleSet)?;
        let rules = loaded.rules;
        if (rules.id.as_str(), rules.version.as_str()) != (self.id.as_str(), self.version.as_str())
        {
            return Err(BundleError::IdentityMismatch {
                declared: (self.id.clone(), self.version.clone()),
                inside: (rules.id.clone(), rules.version.clone()),
            });
        }
        Ok(OpenedBundle {
            rules,
            warnings: loaded.warnings,
            signature,
        })
    }

    /// The bundle's files as a rule set's sources.
    pub fn sources(&self) -> Sources {
        Sources {
            files: self.files.clone(),
        }
    }
}

/// How a duplicate key error starts (serde_json adds the line and column).
const DUPLICATE_KEY: &str = "duplicate key";
/// A bundle as its JSON has it, the signature still as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a herken bundle (a JSON object)")]
struct RawBundle {
    herken_bundle: u32,
    id: String,
    version: String,
    sha256: String,
    #[serde(default)]
    compiled_sha256: Option<String>,
    /// Present (even as `null`) means claimed: a bundle without a signature leaves it out.
    #[serde(default, deserialize_with = "present")]
    signature: Option<Value>,
    #[serde(deserialize_with = "files")]
    files: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "present_text")]
    compiled: Option<String>,
}

/// Present (even as `null`, which is then refused) means claimed.
fn present_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    deserializer.deserialize_any(StrictValue).map(Some)
}

/// A bundle's files by path, refusing a path twice.
fn files<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Files;
    impl<'de> Visitor<'de> for Files {
        type Value = BTreeMap<String, String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the rule files by path (a JSON object of texts)")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut files = BTreeMap::new();
            while let Some(path) = map.next_key::<String>()? {
                if files.contains_key(&path) {
                    return Err(de::Error::custom(format!("{DUPLICATE_KEY} `{path}`")));
                }
                let text = map.next_value::<String>()?;
                files.insert(path, text);
            }
            Ok(files)
        }
    }
    deserializer.deserialize_map(Files)
}

/// Reads any JSON into a [`Value`], refusing an object with a key twice (serde_json's own
/// reader keeps the last).
#[derive(Clone, Copy)]
struct StrictValue;

impl<'de> de::DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE_KEY} `{key}`")));
            }
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Reads a signature as written, or says why it is not one.
fn read_signature(value: &Value) -> Result<BundleSignature, String> {
    fn object<'v>(
        value: &'v Value,
        what: &str,
        fields: &[&str],
    ) -> Result<&'v serde_json::Map<String, Value>, String> {
        let map = value
            .as_object()
            .ok_or_else(|| format!("{what} is not an object"))?;
        if let Some(unknown) = map.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(format!("{what} has an unknown field `{unknown}`"));
        }
        Ok(map)
    }
    fn text(map: &serde_json::Map<String, Value>, field: &str) -> Result<String, String> {
        map.get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("`{field}` is missing or not text"))
    }
    let map = object(value, "it", &["algorithm", "key", "signed", "value"])?;
    let signed = object(
        map.get("signed").unwrap_or(&Value::Null),
        "`signed`",
        &[
            "herken_bundle",
            "id",
            "version",
            "sha256",
            "compiled_sha256",
        ],
    )?;
    Ok(BundleSignature {
        algorithm: text(map, "algorithm")?,
        key: text(map, "key")?,
        signed: SignedClaims {
            herken_bundle: signed
                .get("herken_bundle")
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or("`herken_bundle` is missing or not a format number")?,
            id: text(signed, "id")?,
            version: text(signed, "version")?,
            sha256: text(signed, "sha256")?,
            compiled_sha256: signed
                .contains_key("compiled_sha256")
                .then(|| text(signed, "compiled_sha256"))
                .transpose()?,
        },
        value: text(map, "value")?,
    })
}

/// Reads any JSON, refusing an object with a key twice (serde_json keeps the last).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        // Keys borrowed from the text where they have no escapes (the compiled form's
        // thousands of keys, no copy each).
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key_seed(KeyText)? {
            if keys.contains(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE_KEY} `{key}`")));
            }
            map.next_value::<NoDuplicateKeys>()?;
            keys.insert(key);
        }
        Ok(self)
    }
}

/// A key as text: borrowed from the JSON where it can be.
struct KeyText;

impl<'de> de::DeserializeSeed<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_read_as_key_files_hex_or_base64() {
        let key = SecretKey::from_bytes(&[7; 32]).public_key();
        assert_eq!(PublicKey::from_text(&key.to_file_text()), Ok(key));
        assert_eq!(PublicKey::from_text(&key.to_hex()), Ok(key));
        assert_eq!(
            PublicKey::from_text(&format!("  {}\n", key.to_hex())),
            Ok(key)
        );
        // base64 (standard alphabet, padded) of the bytes 0, 7, 14, …
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
        let b64 = "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=";
        assert_eq!(key_bytes(b64), Ok(bytes));
        assert!(PublicKey::from_text("abc").is_err());
        assert!(PublicKey::from_text(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn secret_and_public_keys_are_never_confused() {
        let secret = SecretKey::from_bytes(&[9; 32]);
        let public = secret.public_key();
        assert_eq!(
            PublicKey::from_text(&secret.to_file_text()),
            Err(KeyError::SecretGiven)
        );
        assert_eq!(
            SecretKey::from_text(&public.to_file_text()).map(|k| k.public_key()),
            Err(KeyError::PublicGiven)
        );
        assert_eq!(
            SecretKey::from_text(&public.to_hex()).map(|k| k.public_key()),
            Err(KeyError::Unlabelled)
        );
        let again = SecretKey::from_text(&secret.to_file_text()).expect("reads back");
        assert_eq!(again.public_key(), public);
    }

    #[test]
    fn fingerprints_name_keys_briefly() {
        let key = SecretKey::from_bytes(&[1; 32]).public_key();
        let fingerprint = key.fingerprint();
        assert!(fingerprint.starts_with("ed25519:"), "{fingerprint}");
        assert_eq!(fingerprint.len(), "ed25519:".len() + 32);
        assert_ne!(
            fingerprint,
            SecretKey::from_bytes(&[2; 32]).public_key().fingerprint()
        );
    }
}
