//! `herken verify`: what a bundle file is, who signed it, and whether it opens under the trust
//! policy of `--trusted-key`.
//!
//! Exit codes: 0 when the bundle opens (with trusted keys: signed by one of them), 1 when it is
//! refused (the code says why), 2 when the bundle or a key file cannot be read at all.

use std::io::Write;
use std::path::PathBuf;

use herken_engine::{
    Bundle, BundleError, CompiledRuleSet, PublicKey, SignatureState, Sources, TrustPolicy,
};
use serde_json::{Value, json};

use crate::Format;
use crate::error::CliError;
use crate::render::Escaping;
use crate::ruleset::{self, TrustArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle file (`*.bundle.json`, as `herken bundle` writes it).
    bundle: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
}

/// What a bundle says about itself, read leniently so that a refused bundle can still be
/// described (nothing here is trusted: the verdict comes from [`Bundle::open`]).
#[derive(Debug, Default)]
struct Declared {
    format: Option<u64>,
    id: Option<String>,
    version: Option<String>,
    sha256: Option<String>,
    /// The content hash computed from the files, when they are readable.
    computed: Option<String>,
    /// The key the signature names, when it names one that is a key.
    signer: Option<PublicKey>,
    signed: bool,
}

fn declared(json: &str) -> Declared {
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
        return Declared::default();
    };
    let text = |field: &str| map.get(field).and_then(Value::as_str).map(str::to_owned);
    let computed = map
        .get("files")
        .and_then(Value::as_object)
        .and_then(|files| {
            let mut sources = Sources::new();
            for (path, text) in files {
                sources
                    .files
                    .insert(path.clone(), text.as_str()?.to_owned());
            }
            Some(sources.sha256())
        });
    let signature = map.get("signature");
    let signer = signature
        .and_then(|s| s.get("key"))
        .and_then(Value::as_str)
        .and_then(|k| PublicKey::from_text(k).ok());
    Declared {
        format: map.get("herken_bundle").and_then(Value::as_u64),
        id: text("id"),
        version: text("version"),
        sha256: text("sha256"),
        computed,
        signer,
        signed: signature.is_some(),
    }
}

/// What a bundle's compiled form is worth, checked once the bundle opens: whether it is the
/// form this engine writes from the bundle's own rule files (the signature covers its hash;
/// this says the publisher's tool compiled the same rules), and which browser module can screen
/// with it: the lean one (no Rhai) or the full one (Rhai for scripted conditions). Neither reads
/// rule files.
#[derive(Debug)]
enum CompiledForm {
    /// Format 1: no compiled form; no browser module opens the bundle.
    Absent,
    /// The compiled form, as this engine writes it from the rule files or not, and what the
    /// lean and the full module say of it (`None`: it opens).
    Present {
        matches_files: bool,
        lean: Option<BundleError>,
        full: Option<BundleError>,
    },
}

fn compiled_form(text: &str, trust: &TrustPolicy, rules: &CompiledRuleSet) -> CompiledForm {
    let Ok(bundle) = Bundle::from_json(text) else {
        return CompiledForm::Absent;
    };
    let Some(stored) = bundle.compiled.as_deref() else {
        return CompiledForm::Absent;
    };
    let written = Bundle::new(rules.id(), rules.version(), &Sources::new()).with_compiled(rules);
    CompiledForm::Present {
        matches_files: written.compiled.as_deref() == Some(stored),
        lean: Bundle::open_compiled(text, trust).err(),
        full: Bundle::open_compiled_with_scripts(text, trust).err(),
    }
}

impl CompiledForm {
    fn to_json(&self) -> Value {
        match self {
            Self::Absent => {
                json!({"present": false, "lean_module": false, "full_module": false})
            }
            Self::Present {
                matches_files,
                lean,
                full,
            } => json!({
                "present": true,
                "matches_rule_files": matches_files,
                "lean_module": lean.is_none(),
                "lean_module_error": lean.as_ref().map(|e| json!({"code": e.code().as_str(), "message": e.to_string()})),
                "full_module": full.is_none(),
                "full_module_error": full.as_ref().map(|e| json!({"code": e.code().as_str(), "message": e.to_string()})),
            }),
        }
    }

    /// The `compiled` and `browser` lines of the human output.
    fn human(&self) -> (String, String) {
        match self {
            Self::Absent => (
                "none (bundle format 1)".to_owned(),
                "neither module: the browser modules screen with a compiled form; make the bundle \
                 again with `herken bundle`"
                    .to_owned(),
            ),
            Self::Present {
                matches_files,
                lean,
                full,
            } => (
                if *matches_files {
                    "matches the rule files (written again from them by this herken)".to_owned()
                } else {
                    "does NOT match what this herken writes from the rule files (another \
                     version of herken, or altered before signing)"
                        .to_owned()
                },
                match (lean, full) {
                    (None, _) => "the lean module opens it".to_owned(),
                    (Some(e), None) => format!("full module only: error[{}]: {e}", e.code()),
                    (Some(_), Some(e)) => format!("neither module: error[{}]: {e}", e.code()),
                },
            ),
        }
    }
}

pub fn run(args: &Args, out: &mut dyn Write, _err: &mut dyn Write) -> Result<(), CliError> {
    let trust = args.trust.policy()?;
    if args.bundle.is_dir() {
        return Err(CliError::usage(format!(
            "`{}` is a folder; `herken verify` checks a bundle file (`herken bundle` writes one)",
            args.bundle.display()
        )));
    }
    let text = ruleset::read_text(&args.bundle)?;
    let said = declared(&text);
    let verdict = Bundle::open(&text, &trust);
    let path = args.bundle.display().to_string();
    let hash_ok = match (&said.sha256, &said.computed) {
        (Some(recorded), Some(computed)) => Some(recorded == computed),
        _ => None,
    };
    let signature = match &verdict {
        Ok(opened) => opened.signature.as_str(),
        Err(_) if said.signed => "refused",
        Err(_) => "unsigned",
    };
    let trusted = matches!(
        verdict.as_ref().map(|o| o.signature),
        Ok(SignatureState::Trusted(_))
    );
    let form = verdict
        .as_ref()
        .ok()
        .map(|opened| compiled_form(&text, &trust, &opened.rules));
    match args.format {
        Format::Json => {
            let value = json!({
                "path": path,
                "ok": verdict.is_ok(),
                "format": said.format,
                "id": said.id,
                "version": said.version,
                "sha256": said.sha256,
                "content_hash_ok": hash_ok,
                "signature": {
                    "state": signature,
                    "key": said.signer.map(|k| k.to_hex()),
                    "fingerprint": said.signer.map(|k| k.fingerprint()),
                },
                "trusted_keys": trust.trusted_keys().iter().map(PublicKey::fingerprint).collect::<Vec<_>>(),
                "trusted": trusted,
                "compiled_form": form.as_ref().map(CompiledForm::to_json),
                "error": verdict.as_ref().err().map(|e| json!({"code": e.code().as_str(), "message": e.to_string()})),
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )?;
        }
        Format::Human | Format::Junit | Format::Markdown => {
            let mut out = Escaping::new(out);
            let unknown = || "?".to_owned();
            writeln!(
                out,
                "{path}: {}",
                match (&verdict, trusted) {
                    (Ok(_), true) => "ok, signed by a trusted key",
                    (Ok(_), false) => "ok",
                    (Err(_), _) => "REFUSED",
                }
            )?;
            writeln!(
                out,
                "  rule set   {} {}",
                said.id.clone().unwrap_or_else(unknown),
                said.version.clone().unwrap_or_else(unknown)
            )?;
            writeln!(
                out,
                "  format     herken bundle {}",
                said.format.map_or_else(unknown, |f| f.to_string())
            )?;
            writeln!(
                out,
                "  content    sha256 {} ({})",
                said.sha256.clone().unwrap_or_else(unknown),
                match hash_ok {
                    Some(true) => "matches the content",
                    Some(false) => "does NOT match the content",
                    None => "cannot be checked",
                }
            )?;
            let by = said
                .signer
                .map(|k| format!(" by {}", k.fingerprint()))
                .unwrap_or_default();
            let signature = match (&verdict, signature) {
                (_, "unsigned") => "none".to_owned(),
                (Ok(_), "trusted") => format!("valid{by}, a trusted key"),
                (Ok(_), _) => format!(
                    "valid{by}; no key trusted, so nothing says who holds it (give --trusted-key)"
                ),
                (Err(_), _) => format!("refused{by}"),
            };
            writeln!(out, "  signature  {signature}")?;
            if let Some(form) = &form {
                let (compiled, browser) = form.human();
                writeln!(out, "  compiled   {compiled}")?;
                writeln!(out, "  browser    {browser}")?;
            }
            if let Err(e) = &verdict {
                writeln!(out, "  error[{}]: {e}", e.code())?;
            }
        }
    }
    match verdict {
        Ok(_) => Ok(()),
        Err(e) => Err(CliError::findings(format!(
            "`{path}` is refused ({})",
            e.code()
        ))),
    }
}
