//! Which proxy a call goes through, decided from the environment the way the AWS CLI does
//! it: `https_proxy`/`HTTPS_PROXY` for https URLs and `http_proxy`/`HTTP_PROXY` for http ones
//! (lower case first, as Python reads them), else `all_proxy`/`ALL_PROXY` (curl's and the
//! Rust SDK's fallback; botocore itself ignores it). `no_proxy`/`NO_PROXY` bypasses the proxy
//! by Python's rule: `*` for every host, else a comma-separated list of host names, each
//! matching itself and its subdomains (a leading dot is ignored), with or without `:port`.
//! A proxy given without a scheme is `http://` (botocore's fix-up). Pure.

use crate::env::Env;

/// One proxy variable as set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    value: String,
    name: &'static str,
}

fn read(env: &Env, lower: &'static str, upper: &'static str) -> Option<Var> {
    [lower, upper].into_iter().find_map(|name| {
        env.get(name).map(|v| Var {
            value: v.trim().to_string(),
            name,
        })
    })
}

/// The proxy settings of the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    http: Option<Var>,
    https: Option<Var>,
    all: Option<Var>,
    no_proxy: Option<Var>,
}

/// The proxy a call goes through, and which variable named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    /// With any user name and password in it: for the connector only, never for messages.
    pub url: String,
    pub var: &'static str,
}

impl ProxyChoice {
    /// The URL without the password, for messages: `http://user:***@proxy:3128`.
    pub fn shown(&self) -> String {
        redact(&self.url)
    }

    /// `http://proxy:3128 (from HTTPS_PROXY)`.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.shown(), self.var)
    }
}

/// How a call reaches its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// `NO_PROXY` names the host (the variable that did).
    Bypassed(&'static str),
    Proxy(ProxyChoice),
}

impl Route {
    pub fn proxy(&self) -> Option<&ProxyChoice> {
        match self {
            Route::Proxy(p) => Some(p),
            Route::Direct | Route::Bypassed(_) => None,
        }
    }

    /// `via proxy http://p:3128 (from HTTPS_PROXY)`, `direct (NO_PROXY)`, or `direct`.
    pub fn describe(&self) -> String {
        match self {
            Route::Direct => "direct".into(),
            Route::Bypassed(var) => format!("direct ({var} names the host)"),
            Route::Proxy(p) => format!("via proxy {}", p.describe()),
        }
    }
}

impl Proxies {
    pub fn from_env(env: &Env) -> Self {
        Self {
            http: read(env, "http_proxy", "HTTP_PROXY"),
            https: read(env, "https_proxy", "HTTPS_PROXY"),
            all: read(env, "all_proxy", "ALL_PROXY"),
            no_proxy: read(env, "no_proxy", "NO_PROXY"),
        }
    }

    /// How a call to `url` goes out.
    pub fn route(&self, url: &str) -> Route {
        let Some((scheme, host, port)) = split_url(url) else {
            return Route::Direct;
        };
        let var = match scheme.as_str() {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        }
        .or(self.all.as_ref());
        let Some(var) = var.filter(|v| !v.value.is_empty()) else {
            return Route::Direct;
        };
        if let Some(np) = &self.no_proxy
            && bypassed(&np.value, &host, port)
        {
            return Route::Bypassed(np.name);
        }
        let url = if var.value.starts_with("http:") || var.value.starts_with("https:") {
            var.value.clone()
        } else if var.value.starts_with("//") {
            format!("http:{}", var.value)
        } else if var.value.contains("://") {
            // Another scheme (socks5://): handed on as it is, refused where it is used.
            var.value.clone()
        } else {
            format!("http://{}", var.value)
        };
        Route::Proxy(ProxyChoice { url, var: var.name })
    }
}

/// Scheme, host (lower case, IPv6 without brackets) and port of a URL.
fn split_url(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let default = if scheme == "https" { 443 } else { 80 };
    let port = port.and_then(|p| p.parse().ok()).unwrap_or(default);
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// Python's `proxy_bypass_environment`.
fn bypassed(no_proxy: &str, host: &str, port: u16) -> bool {
    if no_proxy.trim() == "*" {
        return true;
    }
    let with_port = format!("{host}:{port}");
    no_proxy
        .split(',')
        .map(|n| n.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .any(|name| {
            let dotted = format!(".{name}");
            host == name
                || with_port == name
                || host.ends_with(&dotted)
                || with_port.ends_with(&dotted)
        })
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(env: &[(&str, &str)], url: &str) -> Route {
        Proxies::from_env(&Env::from_pairs(env.iter().copied())).route(url)
    }

    fn proxy_url(r: &Route) -> Option<&str> {
        r.proxy().map(|p| p.url.as_str())
    }

    #[test]
    fn the_scheme_picks_the_variable_and_lower_case_wins() {
        let env = [
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://plain:2"),
        ];
        assert_eq!(
            proxy_url(&route(&env, "https://a.example")),
            Some("http://lower:1")
        );
        assert_eq!(
            proxy_url(&route(&env, "http://a.example")),
            Some("http://plain:2")
        );
        assert_eq!(route(&[], "https://a.example"), Route::Direct);
        let all = [("ALL_PROXY", "proxy.corp:3128")];
        let r = route(&all, "https://a.example");
        assert_eq!(proxy_url(&r), Some("http://proxy.corp:3128"));
        assert_eq!(r.proxy().unwrap().var, "ALL_PROXY");
    }

    #[test]
    fn no_proxy_matches_hosts_and_their_subdomains_as_python_does() {
        let env = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", " .corp.example, 127.0.0.1 ,host.local:8443"),
        ];
        assert_eq!(
            route(&env, "https://sso.corp.example/x"),
            Route::Bypassed("NO_PROXY")
        );
        assert_eq!(
            route(&env, "https://corp.example"),
            Route::Bypassed("NO_PROXY")
        );
        assert_eq!(
            route(&env, "https://127.0.0.1:9/"),
            Route::Bypassed("NO_PROXY")
        );
        assert_eq!(
            route(&env, "https://host.local:8443"),
            Route::Bypassed("NO_PROXY")
        );
        assert!(route(&env, "https://host.local").proxy().is_some());
        assert!(route(&env, "https://notcorp.example").proxy().is_some());
        let star = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")];
        assert_eq!(route(&star, "https://x"), Route::Bypassed("no_proxy"));
    }

    #[test]
    fn passwords_never_show() {
        let env = [("HTTPS_PROXY", "http://alice:s3cret@p.corp:8080")];
        let r = route(&env, "https://x");
        assert_eq!(
            r.describe(),
            "via proxy http://alice:***@p.corp:8080 (from HTTPS_PROXY)"
        );
        assert_eq!(redact("http://p:1/path"), "http://p:1/path");
    }
}
