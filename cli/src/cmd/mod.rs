//! One module per subcommand.

pub mod bundle;
pub mod check;
pub mod list;
pub mod screen;
pub mod test;
