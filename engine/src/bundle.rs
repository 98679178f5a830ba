//! Bundles: one self-contained JSON file per rule set (every rule file inlined, with the
//! content SHA-256), for the browser and for distribution. Every load verifies the hash.
//!
//! A bundle may also carry an Ed25519 `signature` by whoever published it, over
//! [`Bundle::signed_message`] (a domain-separated line set naming the id, version and content
//! hash). A caller that holds the publisher's public key loads with [`Bundle::load_verified`],
//! which fails closed: with a key given, an unsigned or wrongly signed bundle is refused.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::codes::{self, Code};
use crate::compile::{Loaded, load};
use crate::diagnostic::Diagnostic;
use crate::sources::Sources;

/// The bundle format version this engine writes and reads.
pub const BUNDLE_FORMAT: u32 = 1;

/// A rule set in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The bundle format version ([`BUNDLE_FORMAT`]).
    pub herken_bundle: u32,
    /// The rule set's id.
    pub id: String,
    /// The rule set's version.
    pub version: String,
    /// SHA-256 of the rule files, as [`Sources::sha256`] computes it.
    pub sha256: String,
    /// Ed25519 signature (128 hex digits) over [`Bundle::signed_message`], when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Rule files by path (`ruleset.yaml`, `*.rhai`).
    pub files: BTreeMap<String, String>,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// Not JSON, or not a bundle's shape.
    Format(String),
    /// A bundle format this engine does not read.
    Version(u32),
    /// The content does not match the recorded hash: altered or damaged.
    Hash {
        /// The hash the bundle says it has.
        recorded: String,
        /// The hash of its content.
        computed: String,
    },
    /// The rule set inside does not load.
    RuleSet(Vec<Diagnostic>),
    /// A key was given but the bundle carries no signature.
    Unsigned,
    /// The signature is malformed, was not made with the given key for this content, or the
    /// key itself is not a valid Ed25519 public key.
    BadSignature(String),
}

impl BundleError {
    /// A stable code, as the CLI and the WASM module report it.
    pub fn code(&self) -> Code {
        match self {
            Self::Format(_) => codes::bundle::FORMAT,
            Self::Version(_) => codes::bundle::VERSION,
            Self::Hash { .. } => codes::bundle::HASH_MISMATCH,
            Self::RuleSet(_) => codes::bundle::RULESET,
            Self::Unsigned => codes::bundle::UNSIGNED,
            Self::BadSignature(_) => codes::bundle::BAD_SIGNATURE,
        }
    }
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(m) => write!(f, "not a herken bundle: {m}"),
            Self::Version(v) => write!(
                f,
                "bundle format {v} is not supported (this engine reads {BUNDLE_FORMAT})"
            ),
            Self::Hash { recorded, computed } => write!(
                f,
                "the bundle's content does not match its sha256 (recorded {recorded}, computed {computed}): it was altered or damaged"
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
            Self::Unsigned => f.write_str(
                "the bundle is not signed, and a signature was required (a public key was given)",
            ),
            Self::BadSignature(why) => write!(
                f,
                "the bundle's signature does not verify with the given key: {why}"
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
            signature: None,
            files,
        }
    }

    /// What a signature covers: a domain-separated text naming the bundle format, the rule
    /// set's id and version, and the content hash (so a signature cannot be moved to another
    /// bundle, nor the content changed under it).
    pub fn signed_message(&self) -> String {
        format!(
            "herken-bundle-v{BUNDLE_FORMAT}\n{}\n{}\n{}",
            self.id, self.version, self.sha256
        )
    }

    /// Signs the bundle with an Ed25519 secret key (32 bytes), replacing any signature.
    pub fn sign(&mut self, secret_key: &[u8; 32]) {
        let key = SigningKey::from_bytes(secret_key);
        let signature = key.sign(self.signed_message().as_bytes());
        self.signature = Some(hex(&signature.to_bytes()));
    }

    /// Checks the signature against an Ed25519 public key (32 bytes). Fails closed: a bundle
    /// without a signature is refused.
    ///
    /// # Errors
    /// [`BundleError::Unsigned`] or [`BundleError::BadSignature`].
    pub fn verify_signature(&self, public_key: &[u8; 32]) -> Result<(), BundleError> {
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| BundleError::BadSignature("the public key is not a valid key".into()))?;
        let Some(text) = &self.signature else {
            return Err(BundleError::Unsigned);
        };
        let bytes: [u8; 64] = unhex(text)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| BundleError::BadSignature("not 128 hex digits".into()))?;
        key.verify_strict(
            self.signed_message().as_bytes(),
            &Signature::from_bytes(&bytes),
        )
        .map_err(|_| BundleError::BadSignature("altered, or signed with another key".into()))
    }

    /// Reads a bundle and checks its format, hash and — always — its signature with
    /// `public_key`.
    ///
    /// # Errors
    /// As [`Bundle::from_json`], or as [`Bundle::verify_signature`].
    pub fn from_json_verified(json: &str, public_key: &[u8; 32]) -> Result<Self, BundleError> {
        let bundle = Self::from_json(json)?;
        bundle.verify_signature(public_key)?;
        Ok(bundle)
    }

    /// Verifies (hash and signature) and loads the rule set in one step.
    ///
    /// # Errors
    /// As [`Bundle::from_json_verified`], or the rule set's diagnostics.
    pub fn load_verified(json: &str, public_key: &[u8; 32]) -> Result<Loaded, BundleError> {
        let bundle = Self::from_json_verified(json, public_key)?;
        load(&bundle.sources()).map_err(BundleError::RuleSet)
    }

    /// Canonical JSON of the bundle.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a bundle and checks its format and hash.
    ///
    /// # Errors
    /// Malformed JSON, an unsupported format or a content hash that does not match.
    pub fn from_json(json: &str) -> Result<Self, BundleError> {
        let bundle: Bundle =
            serde_json::from_str(json).map_err(|e| BundleError::Format(e.to_string()))?;
        if bundle.herken_bundle != BUNDLE_FORMAT {
            return Err(BundleError::Version(bundle.herken_bundle));
        }
        let computed = bundle.sources().sha256();
        if computed != bundle.sha256 {
            return Err(BundleError::Hash {
                recorded: bundle.sha256.clone(),
                computed,
            });
        }
        Ok(bundle)
    }

    /// The rule files, as the engine loads them.
    pub fn sources(&self) -> Sources {
        Sources {
            files: self.files.clone(),
        }
    }

    /// Verifies and loads the rule set in one step.
    ///
    /// # Errors
    /// As [`Bundle::from_json`], or the rule set's diagnostics.
    pub fn load(json: &str) -> Result<Loaded, BundleError> {
        let bundle = Self::from_json(json)?;
        load(&bundle.sources()).map_err(BundleError::RuleSet)
    }
}

/// The Ed25519 public key (32 bytes) that belongs to a secret key.
pub fn public_key(secret_key: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret_key)
        .verifying_key()
        .to_bytes()
}

/// Reads a 32-byte key written as 64 hex digits or as base64 (44 characters with padding),
/// with surrounding white space ignored — the form `herken keygen` writes.
///
/// # Errors
/// A message saying what the text is instead.
pub fn key_from_text(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = if text.len() == 64 {
        unhex(text)
    } else {
        unbase64(text)
    };
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            format!(
                "a key is 32 bytes written as 64 hex digits or as base64; found {} characters",
                text.chars().count()
            )
        })
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
    fn keys_read_as_hex_or_base64() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
        assert_eq!(key_from_text(&hex(&key)), Ok(key));
        // base64 of the same 32 bytes (standard alphabet, padded).
        let b64 = "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=";
        assert_eq!(key_from_text(&format!("  {b64}\n")), Ok(key));
        assert!(key_from_text("abc").is_err());
        assert!(key_from_text(&"zz".repeat(32)).is_err());
    }
}
