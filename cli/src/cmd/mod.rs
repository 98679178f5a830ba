//! One module per subcommand.

pub mod batch;
pub mod bundle;
pub mod check;
pub mod explain;
pub mod guided;
pub mod keygen;
pub mod list;
pub mod new;
pub mod questions;
pub mod schema;
pub mod screen;
pub mod simulate;
pub mod synth;
pub mod test;
pub mod verify;
pub mod xlsform;

/// `--lang` must be a language the set is written in: a silent fallback would show another
/// language than the one asked for.
pub fn check_language(
    rules: &herken_engine::CompiledRuleSet,
    lang: &str,
) -> Result<(), crate::error::CliError> {
    if rules.languages().iter().any(|l| l == lang) {
        return Ok(());
    }
    Err(crate::error::CliError::usage(format!(
        "rule set `{}` is not written in `{lang}`; its languages: {}",
        rules.id(),
        rules.languages().join(", ")
    )))
}
