//! Where one service's calls go, how (directly or through which proxy), and why.

use super::proxy::Route;
use crate::config::endpoints::Service;

/// Where one service's calls go, how, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: Service,
    pub region: String,
    pub url: String,
    /// Where the URL came from: an override (`AWS_ENDPOINT_URL_SSO`, `[services x] sso`, ...)
    /// or the SDK's endpoint rules for the region (with FIPS or dual-stack where asked).
    pub source: String,
    /// Whether the URL is an override handed to the SDK as it is.
    pub overridden: bool,
    pub route: Route,
}

impl Target {
    /// `url (from source)`, and the proxy if one is used, for `-v` and `doctor`.
    pub fn describe(&self) -> String {
        match &self.route {
            Route::Direct => format!("{} (from {})", self.url, self.source),
            route => format!("{} (from {}), {}", self.url, self.source, route.describe()),
        }
    }

    /// `scheme://host[:port]` of the URL: where a browser is sent for a service's
    /// authorize page (an override's path is dropped, as the AWS CLI does).
    pub fn origin(&self) -> String {
        let url = &self.url;
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        format!("{scheme}://{host}")
    }

    /// Whether a connection to it speaks TLS (to the service, or to an https proxy).
    pub(super) fn tls(&self) -> bool {
        self.url.starts_with("https:")
            || self
                .route
                .proxy()
                .is_some_and(|p| p.url.starts_with("https:"))
    }
}
