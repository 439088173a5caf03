//! The AWS Sign-In service, in its two uses: the console federation endpoint
//! (`federation`: credentials in, a console login URL out) and `aws login` sessions
//! (`login_session` profiles): their cache files shared with the AWS CLI and the SDKs
//! (`cache`), the P-256 key and DPoP proofs that bind a session's tokens (`dpop`), the
//! CreateOAuth2Token call (`oauth`), the one locked refresh across processes (`session`) and
//! the browser sign-in (`flow`).

pub mod cache;
pub mod dpop;
mod federation;
pub mod flow;
pub mod oauth;
pub mod session;

pub use federation::Federation;
