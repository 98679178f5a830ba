//! `herken keygen`: an Ed25519 key pair for signing bundles (`herken bundle --sign-key`).
//!
//! Writes the secret key to the given file (`herken-secret-key ed25519 <64 hex digits>`,
//! readable by its owner only) and the public key next to it with `.pub` appended
//! (`herken-public-key ed25519 <64 hex digits>`); whoever loads bundles trusts the public key
//! (`Bundle::open` with a `TrustPolicy`). Both files name the key's fingerprint in a comment,
//! and the command prints it, for comparing keys by eye.

use std::io::Write;
use std::path::{Path, PathBuf};

use herken_engine::SecretKey;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// File for the secret key; the public key goes to the same path with `.pub` appended.
    #[arg(long, short)]
    output: PathBuf,
    /// Replace key files that already exist.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &Args, err: &mut dyn Write) -> Result<(), CliError> {
    let secret_path = &args.output;
    let mut public_path = secret_path.clone().into_os_string();
    public_path.push(".pub");
    let public_path = PathBuf::from(public_path);
    for path in [secret_path, &public_path] {
        if path.exists() && !args.force {
            return Err(CliError::usage(format!(
                "`{}` exists; give another path, or --force to replace it",
                path.display()
            )));
        }
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CliError::input(format!("cannot get random bytes for a key: {e}")))?;
    let secret = SecretKey::from_bytes(&bytes);
    bytes.fill(0);
    let public = secret.public_key();
    write_key(secret_path, &secret.to_file_text(), true)?;
    write_key(&public_path, &public.to_file_text(), false)?;
    writeln!(
        err,
        "wrote the secret key to {} (keep it private) and the public key to {}\nfingerprint {}",
        secret_path.display(),
        public_path.display(),
        public.fingerprint()
    )?;
    Ok(())
}

fn write_key(path: &Path, text: &str, secret: bool) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| CliError::io(format_args!("cannot write `{}`", path.display()), &e))
}

/// Reads a secret key file written by `herken keygen`; a public key (or anything else) is
/// refused with the reason.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, CliError> {
    let text = crate::ruleset::read_text(path)?;
    SecretKey::from_text(&text).map_err(|e| CliError::input(format!("`{}`: {e}", path.display())))
}
