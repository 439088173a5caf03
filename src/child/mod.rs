//! The child side: the environment PROGRAM gets (`env`, pure), becoming PROGRAM (`exec`), and
//! running it under the loopback credentials endpoint (`server`). Uses the provider (the
//! server renews through it) and the leaves; never a command.

pub mod env;
pub mod exec;
pub mod server;
pub mod signals;
