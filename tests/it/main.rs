//! Black-box tests of the ssox binary, grouped by behaviour. One test binary (one link on a
//! 2-core machine); the harness is in tests/support.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::pedantic,
    reason = "test code: a failed unwrap is a failed test, and pedantic style helps no one there"
)]

#[path = "../support/mod.rs"]
mod support;

mod chains;
mod configure;
mod console;
mod containers;
mod errors;
mod exec_mode;
mod interop;
mod login;
mod network;
mod outputs;
mod parity;
mod server;
mod token;
mod tooling;
