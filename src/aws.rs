//! What every AWS SDK client of ssox shares: one HTTPS stack (rustls with ring), explicit
//! timeouts, the standard retry policy, and a current-thread runtime built only when a
//! network call is about to happen. Nothing here reads a default region or credential
//! chain, so no client ever probes EC2 instance metadata.

use std::time::Duration;

use aws_sdk_sso::config::SharedHttpClient;
use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use crate::env::Env;

/// Default bound on one network call (all its retries included), in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

/// The per-call time bound: `SSOX_HTTP_TIMEOUT` seconds, else [`DEFAULT_TIMEOUT_SECS`].
pub fn call_timeout(env: &Env) -> Duration {
    let secs = env
        .get("SSOX_HTTP_TIMEOUT")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    Duration::from_secs_f64(secs.min(3600.0))
}

pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

pub fn timeouts(total: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(total.min(Duration::from_secs(3)))
        .operation_attempt_timeout(total)
        .operation_timeout(total)
        .build()
}

pub fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// A runtime for the network legs; the warm path never builds one.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// How an SDK call failed, the same for every service: the transport (timeout, unreachable)
/// or the service's answer (status, error code, message).
pub enum CallError {
    Timeout,
    Unreachable(String),
    Service {
        status: u16,
        code: String,
        message: String,
    },
    Other(String),
}

pub fn call_error<E>(err: &aws_sdk_sso::error::SdkError<E>) -> CallError
where
    E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_sso::error::SdkError;
    match err {
        SdkError::TimeoutError(_) => CallError::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => CallError::Timeout,
        SdkError::DispatchFailure(_) => CallError::Unreachable(crate::error::source_chain(err)),
        SdkError::ServiceError(se) => CallError::Service {
            status: se.raw().status().as_u16(),
            code: se.err().code().unwrap_or("").to_string(),
            message: se.err().message().unwrap_or("").to_string(),
        },
        _ => CallError::Other(crate::error::source_chain(err)),
    }
}
