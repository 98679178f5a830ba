//! `herken bundle`: one self-contained JSON file of a rule set, with its content SHA-256.

use std::io::Write;
use std::path::PathBuf;

use herken_engine::{Bundle, BundleError, TrustPolicy};

use crate::error::CliError;
use crate::ruleset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder, bundle file (`*.bundle.json`) or bundled id.
    rules: String,
    /// Where to write the bundle (standard output when left out).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Sign the bundle with this Ed25519 secret key file, as `herken keygen` writes it (the
    /// `.pub` file is the public key, for those who load the bundle).
    #[arg(long, value_name = "FILE")]
    sign_key: Option<PathBuf>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules, &args.trust.policy()?)?;
    // Only a rule set that loads is bundled.
    let rules = ruleset::compile(&files, err)?;
    // With the compiled form, for the lean WASM module (which has no Rhai to compile with).
    let mut bundle = Bundle::new(rules.id(), rules.version(), &files.sources).with_compiled(&rules);
    let mut signer = None;
    if let Some(path) = &args.sign_key {
        let key = crate::cmd::keygen::read_secret_key(path)?;
        bundle.sign(&key);
        signer = Some(key.public_key());
    }
    let json = bundle.to_json();
    // What is written opens as it will for those who load it (and, signed, as trusted by its
    // own key).
    let trust = TrustPolicy::trusting(signer);
    if let Err(e) = Bundle::open(&json, &trust) {
        return Err(CliError::input(format!(
            "the bundle does not open ({}): {e}",
            e.code()
        )));
    }
    // And from its compiled form, as the lean WASM module opens it, or else the full one.
    match Bundle::open_compiled(&json, &trust) {
        Ok(_) => {}
        Err(e @ BundleError::NeedsFullModule { .. }) => {
            writeln!(err, "note: {e}")?;
            if let Err(e) = Bundle::open_compiled_with_scripts(&json, &trust) {
                return Err(CliError::input(format!(
                    "the bundle's compiled form does not open in the full module ({}): {e}",
                    e.code()
                )));
            }
        }
        Err(e) => {
            return Err(CliError::input(format!(
                "the bundle's compiled form does not open ({}): {e}",
                e.code()
            )));
        }
    }
    // The lean module has no pattern matching either (this engine has).
    let head: serde_json::Value = bundle
        .compiled
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let patterns: Vec<&str> = head["patterns"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    if !patterns.is_empty() {
        writeln!(
            err,
            "note: {} {} `matches`: the lean WASM module hands this set to the full one",
            patterns.join(", "),
            if patterns.len() == 1 { "uses" } else { "use" }
        )?;
    }
    match &args.output {
        None => writeln!(out, "{json}")?,
        Some(path) => {
            std::fs::write(path, json + "\n")
                .map_err(|e| CliError::io(format_args!("cannot write `{}`", path.display()), &e))?;
            writeln!(
                err,
                "wrote {} ({} {}, sha256 {}{})",
                path.display(),
                rules.id(),
                rules.version(),
                bundle.sha256,
                signer.map_or(String::new(), |key| format!(
                    ", signed by {}",
                    key.fingerprint()
                ))
            )?;
        }
    }
    Ok(())
}
