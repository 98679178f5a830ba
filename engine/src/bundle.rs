//! Bundles: one self-contained JSON file per rule set (every rule file inlined, with the
//! content SHA-256), for the browser and for distribution. Every load verifies the hash.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compile::{Loaded, Sources, load};
use crate::diagnostic::Diagnostic;

/// The bundle format version this engine writes and reads.
pub const BUNDLE_FORMAT: u32 = 1;

/// A rule set in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub herken_bundle: u32,
    pub id: String,
    pub version: String,
    /// SHA-256 of the rule files, as [`Sources::sha256`] computes it.
    pub sha256: String,
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
    Hash { recorded: String, computed: String },
    /// The rule set inside does not load.
    RuleSet(Vec<Diagnostic>),
}

impl BundleError {
    /// A stable code, as the CLI and the WASM module report it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "bundle::format",
            Self::Version(_) => "bundle::version",
            Self::Hash { .. } => "bundle::hash-mismatch",
            Self::RuleSet(_) => "bundle::ruleset",
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
            files,
        }
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
