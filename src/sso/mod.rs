//! Everything IAM Identity Center: the token cache shared with the AWS CLI, the token
//! lifecycle (refresh, login, the cross-process lock), OIDC, the SSO portal, and logout.

pub mod login;
pub mod logout;
pub mod oidc;
pub mod portal;
pub mod session;
pub mod token_cache;

use std::path::PathBuf;

use crate::env::Env;

/// `~/.aws/sso/cache`; like the AWS CLI, not configurable.
pub fn cache_dir(env: &Env) -> PathBuf {
    env.home_dir().join(".aws").join("sso").join("cache")
}
