//! One file per subcommand; `main` picks one. A command reads its settings, then uses the
//! layers below it (config, provider, sso, child, output) and nothing beside or above it:
//! shared work lives in those layers, never in another command.

pub mod completions;
pub mod configure;
pub mod console;
pub mod doctor;
pub mod login;
pub mod logout;
pub mod profiles;
pub mod run;
