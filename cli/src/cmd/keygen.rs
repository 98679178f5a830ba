//! `herken keygen`: an Ed25519 key pair for signing bundles (`herken bundle --sign-key`).
//!
//! Writes the secret key to the given file (64 hex digits, readable by its owner only) and the
//! public key next to it with `.pub` appended; whoever loads bundles verifies them with the
//! public key (`Bundle::load_verified`).

use std::io::Write;
use std::path::{Path, PathBuf};

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
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| CliError::input(format!("cannot get random bytes for a key: {e}")))?;
    let public = herken_engine::public_key(&secret);
    write_key(secret_path, &hex(&secret), true)?;
    write_key(&public_path, &hex(&public), false)?;
    writeln!(
        err,
        "wrote the secret key to {} (keep it private) and the public key to {}",
        secret_path.display(),
        public_path.display()
    )?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        .and_then(|mut f| writeln!(f, "{text}"))
        .map_err(|e| CliError::input(format!("cannot write `{}`: {e}", path.display())))
}

/// Reads a secret key file written by `herken keygen` (hex or base64).
pub fn read_secret_key(path: &Path) -> Result<[u8; 32], CliError> {
    let text = crate::ruleset::read_text(path)?;
    herken_engine::key_from_text(&text)
        .map_err(|e| CliError::input(format!("`{}`: {e}", path.display())))
}
