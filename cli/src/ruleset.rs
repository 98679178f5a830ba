//! Finding and reading rule sets: a folder on disk, a bundle file (`*.bundle.json`, opened
//! under the trust policy of `--trusted-key`) or a bundled set by id.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use herken_engine::{
    Bundle, BundleError, CompiledRuleSet, Diagnostic, Loaded, MANIFEST_FILE, PublicKey,
    SignatureState, Sources, TrustPolicy, codes, load,
};

use crate::error::CliError;
use crate::render;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled set used when `--rules` is not given.
pub const DEFAULT_RULES: &str = "ilo-2009-adult-labour";

/// A rule set's files as read, before loading.
#[derive(Debug)]
pub struct RuleSetFiles {
    /// How the user named it (a path or a bundled id).
    pub name: String,
    /// The folder, for rule sets on disk (diagnostics show paths under it).
    pub dir: Option<PathBuf>,
    pub sources: Sources,
    /// `tests/*.yaml`, by path relative to the rule-set folder.
    pub tests: BTreeMap<String, String>,
    /// Where `tests/…` files are when they come from another folder (`herken test --tests`).
    pub tests_dir: Option<PathBuf>,
    /// For a bundle file: the bundle, checked under the trust policy.
    pub bundle: Option<BundleFile>,
}

/// A bundle file as read: its signature already checked under the trust policy, its rule set
/// not yet loaded.
#[derive(Debug)]
pub struct BundleFile {
    pub path: PathBuf,
    pub bundle: Bundle,
    pub trust: TrustPolicy,
    pub signature: SignatureState,
}

/// `--trusted-key FILE`, repeatable: which publishers' signatures a command accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TrustArgs {
    /// Accept only bundles with a valid signature by this public key (a `.pub` file `herken
    /// keygen` wrote, or the key as 64 hex digits); repeat for several publishers. Rule-set
    /// folders and bundled ids are refused then, as unsigned.
    #[arg(long = "trusted-key", value_name = "FILE")]
    pub trusted_keys: Vec<PathBuf>,
}

impl TrustArgs {
    /// The trust policy: no keys, or the keys read from their files.
    ///
    /// # Errors
    /// A key file that cannot be read or holds no public key, named.
    pub fn policy(&self) -> Result<TrustPolicy, CliError> {
        let mut keys = Vec::new();
        for path in &self.trusted_keys {
            let text = read_text(path)?;
            let key = PublicKey::from_text(&text).map_err(|e| {
                CliError::input(format!("`{}`: not a trusted key: {e}", path.display()))
            })?;
            keys.push(key);
        }
        Ok(TrustPolicy::trusting(keys))
    }
}

/// A refused bundle as a one-line error: the file, the code, why.
pub fn bundle_error(path: &Path, e: &BundleError) -> CliError {
    CliError::input(format!("`{}`: error[{}]: {e}", path.display(), e.code()))
}

impl render::Files for RuleSetFiles {
    fn display_path(&self, file: &str) -> String {
        RuleSetFiles::display_path(self, file)
    }

    fn text(&self, file: &str) -> Option<&str> {
        RuleSetFiles::text(self, file)
    }
}

impl RuleSetFiles {
    /// The path to show for a file of this rule set.
    pub fn display_path(&self, file: &str) -> String {
        if let (Some(dir), Some(name)) = (&self.tests_dir, file.strip_prefix("tests/")) {
            return dir.join(name).display().to_string();
        }
        match (&self.dir, &self.bundle) {
            (Some(dir), _) => dir.join(file).display().to_string(),
            (None, Some(b)) => format!("<bundle {}>/{file}", b.path.display()),
            (None, None) => format!("<bundled {}>/{file}", self.name),
        }
    }

    /// Loads the rule set: a bundle through [`Bundle::compile`] (trust, then identity), a
    /// folder or bundled set directly. `Err(Ok(diagnostics))` when the rule set does not load,
    /// `Err(Err(_))` when the bundle is refused for another reason.
    pub fn load(&self) -> Result<Loaded, Result<Vec<Diagnostic>, CliError>> {
        match &self.bundle {
            None => load(&self.sources).map_err(Ok),
            Some(b) => match b.bundle.compile(&b.trust) {
                Ok(opened) => Ok(Loaded {
                    rules: opened.rules,
                    warnings: opened.warnings,
                }),
                Err(BundleError::RuleSet(diagnostics)) => Err(Ok(diagnostics)),
                Err(e) => Err(Err(bundle_error(&b.path, &e))),
            },
        }
    }

    /// How the set was named, and for a bundle who signed it: `x.bundle.json (bundle signed
    /// by ed25519:…, a trusted key)`.
    pub fn title(&self) -> String {
        let Some(b) = &self.bundle else {
            return self.name.clone();
        };
        let signature = match b.signature {
            SignatureState::Unsigned => "unsigned".to_owned(),
            SignatureState::Signed(key) => format!("signed by {}", key.fingerprint()),
            SignatureState::Trusted(key) => {
                format!("signed by {}, a trusted key", key.fingerprint())
            }
        };
        format!("{} (bundle, {signature})", self.name)
    }

    /// The text of a file, for quoting source lines in diagnostics.
    pub fn text(&self, file: &str) -> Option<&str> {
        self.sources
            .files
            .get(file)
            .or_else(|| self.tests.get(file))
            .map(String::as_str)
    }
}

/// Ids of the bundled rule sets.
pub fn bundled_ids() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(id, _)| *id)
}

/// Finds a rule set: an existing folder, a bundle file, else a bundled id; under `trust`,
/// only a bundle signed by a trusted key.
///
/// # Errors
/// Nothing found, a file that is no bundle, or a bundle refused (with its code).
pub fn find(spec: &str, trust: &TrustPolicy) -> Result<RuleSetFiles, CliError> {
    let files = find_any(spec, trust)?;
    if trust.requires_signature() && files.bundle.is_none() {
        let what = if files.dir.is_some() {
            "a rule-set folder"
        } else {
            "a bundled set"
        };
        return Err(CliError::input(format!(
            "`{spec}`: error[{}]: `--trusted-key` accepts only bundles signed by a trusted key, and this is {what} (unsigned); make a signed bundle with `herken bundle --sign-key`",
            codes::bundle::UNSIGNED
        )));
    }
    Ok(files)
}

fn find_any(spec: &str, trust: &TrustPolicy) -> Result<RuleSetFiles, CliError> {
    let path = Path::new(spec);
    if path.is_dir() {
        return read_dir(spec, path);
    }
    if path.exists() {
        if spec.ends_with(".json") {
            return read_bundle(spec, path, trust);
        }
        return Err(CliError::usage(format!(
            "`{spec}` is a file; a rule set is a folder with `{MANIFEST_FILE}` (give the folder), a bundle file `*.bundle.json`, or a bundled id"
        )));
    }
    if let Some((id, files)) = BUNDLED.iter().find(|(id, _)| *id == spec) {
        let mut sources = Sources::new();
        let mut tests = BTreeMap::new();
        for (rel, text) in files.iter() {
            if rel.starts_with("tests/") {
                tests.insert((*rel).to_owned(), (*text).to_owned());
            } else {
                sources.files.insert((*rel).to_owned(), (*text).to_owned());
            }
        }
        return Ok(RuleSetFiles {
            name: (*id).to_owned(),
            dir: None,
            sources,
            tests,
            tests_dir: None,
            bundle: None,
        });
    }
    let bundled: Vec<_> = bundled_ids().collect();
    Err(CliError::usage(format!(
        "no rule set `{spec}`: not a folder, not a bundle file and not a bundled set (bundled: {})",
        bundled.join(", ")
    )))
}

/// Reads a bundle file and checks it as far as needs no rule set: strict JSON, content hash,
/// signature, trust. Loading ([`RuleSetFiles::load`]) checks the rest.
fn read_bundle(spec: &str, path: &Path, trust: &TrustPolicy) -> Result<RuleSetFiles, CliError> {
    let json = read_text(path)?;
    let bundle = Bundle::from_json(&json).map_err(|e| bundle_error(path, &e))?;
    let signature = bundle.verify(trust).map_err(|e| bundle_error(path, &e))?;
    Ok(RuleSetFiles {
        name: spec.to_owned(),
        dir: None,
        sources: bundle.sources(),
        tests: BTreeMap::new(),
        tests_dir: None,
        bundle: Some(BundleFile {
            path: path.to_path_buf(),
            bundle,
            trust: trust.clone(),
            signature,
        }),
    })
}

fn read_dir(spec: &str, dir: &Path) -> Result<RuleSetFiles, CliError> {
    let manifest = dir.join(MANIFEST_FILE);
    if !manifest.is_file() {
        return Err(CliError::usage(format!(
            "`{}` has no `{MANIFEST_FILE}`",
            dir.display()
        )));
    }
    let mut sources = Sources::new();
    sources
        .files
        .insert(MANIFEST_FILE.to_owned(), read_text(&manifest)?);
    for (name, entry) in files_ending(dir, &[".rhai"])? {
        sources.files.insert(name, read_text(&entry)?);
    }
    let tests_dir = dir.join("tests");
    let tests = if tests_dir.is_dir() {
        read_tests_dir(&tests_dir)?
    } else {
        BTreeMap::new()
    };
    Ok(RuleSetFiles {
        name: spec.to_owned(),
        dir: Some(dir.to_path_buf()),
        sources,
        tests,
        tests_dir: None,
        bundle: None,
    })
}

/// The test files (`*.yaml`, `*.yml`) in a folder, keyed `tests/<name>` as in a rule set.
///
/// # Errors
/// A folder or file that cannot be read, named.
pub fn read_tests_dir(dir: &Path) -> Result<BTreeMap<String, String>, CliError> {
    let mut tests = BTreeMap::new();
    for (name, entry) in files_ending(dir, &[".yaml", ".yml"])? {
        tests.insert(format!("tests/{name}"), read_text(&entry)?);
    }
    Ok(tests)
}

/// The files directly in `dir` whose names end in one of `endings`, with their names, in the
/// order [`list`] gives them.
fn files_ending(dir: &Path, endings: &[&str]) -> Result<Vec<(String, PathBuf)>, CliError> {
    Ok(list(dir)?
        .into_iter()
        .filter(|entry| entry.is_file())
        .filter_map(|entry| {
            let name = entry.file_name()?.to_str()?.to_owned();
            endings
                .iter()
                .any(|e| name.ends_with(e))
                .then_some((name, entry))
        })
        .collect())
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = fs::read_dir(dir)
        .map_err(|e| CliError::io(format_args!("cannot read `{}`", dir.display()), &e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    Ok(paths)
}

/// Reads a UTF-8 text file, naming it in every error.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    let bytes = fs::read(path)
        .map_err(|e| CliError::io(format_args!("cannot read `{}`", path.display()), &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        CliError::input(format!(
            "`{}` is not valid UTF-8 (at byte {at})",
            path.display()
        ))
    })
}

/// Loads a rule set; on errors prints every diagnostic to `err` and fails with exit code 2.
pub fn compile(
    files: &RuleSetFiles,
    err: &mut dyn std::io::Write,
) -> Result<CompiledRuleSet, CliError> {
    match files.load() {
        Ok(loaded) => Ok(loaded.rules),
        Err(Err(refused)) => Err(refused),
        Err(Ok(diagnostics)) => {
            let errors: Vec<Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            render::diagnostics(err, files, &errors)?;
            Err(CliError::input(format!(
                "rule set `{}` has {} error{}; run `herken check {}` for details",
                files.name,
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                files.name
            )))
        }
    }
}

/// Finds and loads a rule set under `trust` ([`find`], then [`compile`]).
pub fn open(
    spec: &str,
    trust: &TrustPolicy,
    err: &mut dyn std::io::Write,
) -> Result<CompiledRuleSet, CliError> {
    compile(&find(spec, trust)?, err)
}

/// Opens every rule set of `specs`, in order, to be shared between threads; a set given twice
/// (by id, whatever the spelling) is a usage error.
///
/// # Errors
/// As [`open`], and a set given twice.
pub fn open_all(
    specs: &[String],
    trust: &TrustPolicy,
    err: &mut dyn std::io::Write,
) -> Result<Vec<std::sync::Arc<CompiledRuleSet>>, CliError> {
    let mut sets: Vec<std::sync::Arc<CompiledRuleSet>> = Vec::with_capacity(specs.len());
    for spec in specs {
        let set = open(spec, trust, err)?;
        if sets.iter().any(|s| s.id() == set.id()) {
            return Err(CliError::usage(format!(
                "rule set `{}` is given twice",
                set.id()
            )));
        }
        sets.push(std::sync::Arc::new(set));
    }
    Ok(sets)
}
