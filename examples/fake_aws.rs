//! The tests' fake IAM Identity Center as a standalone server, for trying ssox by hand:
//!
//!     cargo run --example fake_aws -- 600    # serve for 600 s on 127.0.0.1, print the URL
//!     AWS_ENDPOINT_URL_SSO=URL AWS_ENDPOINT_URL_SSO_OIDC=URL ssox login -p dev
//!
//! It serves three accounts: `dev` (111111111111) and `prod` (222222222222), each with the
//! roles `admin` and `readOnly`, and `Shared Services` (333333333333) with
//! `AdministratorAccess`, `Billing` and `ReadOnlyAccess`. A browser (PKCE) login is approved
//! at once; a device-code login waits until its verification URL is visited (`curl` will
//! do). It issues tokens and role credentials, and stops by itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::pedantic,
    reason = "test code: a failed unwrap is a failed test, and pedantic style helps no one there"
)]

#[allow(
    dead_code,
    reason = "the example serves the fake as it is; the knobs the tests turn stay unused here"
)]
#[path = "../tests/support/fake_aws.rs"]
mod fake_aws;

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let fake = fake_aws::FakeAws::start();
    println!("{}", fake.url());
    eprintln!("fake IAM Identity Center on {} for {secs} s", fake.url());
    std::thread::sleep(std::time::Duration::from_secs(secs));
    eprintln!("served {} requests", fake.total_requests());
}
