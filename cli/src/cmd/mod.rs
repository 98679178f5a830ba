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
pub mod xlsform;
