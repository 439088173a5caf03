//! What HTTPS trusts: the system's root certificates (read once per process, and only when
//! an https endpoint is called) plus, as in the AWS CLI, a CA bundle from `AWS_CA_BUNDLE`,
//! else from the profile's `ca_bundle` (the usual fix behind a TLS-inspecting proxy). The
//! bundle is read and checked here, so a bad file is one clear line, not a failed handshake.
//! Also how a certificate failure is put into words.

use std::path::PathBuf;

use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::Section;
use crate::env::Env;
use crate::error::{Error, Exit};

/// The extra CA bundle, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle {
    pub path: PathBuf,
    pub source: String,
}

impl CaBundle {
    /// `AWS_CA_BUNDLE`, else the selected profile's `ca_bundle`.
    pub fn choose(env: &Env, selected: Option<&Section>) -> Option<Self> {
        if let Some(p) = env.get("AWS_CA_BUNDLE") {
            return Some(Self {
                path: PathBuf::from(p),
                source: "AWS_CA_BUNDLE".into(),
            });
        }
        let profile = selected?;
        Some(Self {
            path: PathBuf::from(profile.get_nonempty("ca_bundle")?),
            source: format!("ca_bundle in profile {}", profile.name),
        })
    }

    /// `/etc/corp.pem (from AWS_CA_BUNDLE)`.
    pub fn describe(&self, env: &Env) -> String {
        format!("{} (from {})", env.tilde(&self.path), self.source)
    }

    /// The bundle's PEM bytes, after checking that every certificate in it can be a root.
    fn read(&self, env: &Env) -> Result<Vec<u8>, Error> {
        let shown = self.describe(env);
        let bad = |why: String| {
            Error::new(Exit::Config, format!("the CA bundle {shown} {why}"))
                .hint("point it at a PEM file of CA certificates, or unset it")
        };
        let pem = crate::fsutil::read_limited(&self.path, crate::fsutil::MAX_SMALL)
            .map_err(|e| bad(format!("cannot be read: {e}")))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("is not valid PEM ({})", pem_problem(&e))))?;
        if certs.is_empty() {
            return Err(bad("holds no certificate".into()));
        }
        let mut roots = rustls::RootCertStore::empty();
        for (i, cert) in certs.into_iter().enumerate() {
            roots.add(cert).map_err(|e| {
                bad(format!(
                    "has a certificate (number {}) that cannot be a root: {e}",
                    i + 1
                ))
            })?;
        }
        Ok(pem)
    }
}

/// What is wrong with a PEM file, in words (the parser's own text quotes bytes as numbers).
fn pem_problem(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error as Pem;
    match e {
        Pem::MissingSectionEnd { .. } => "a certificate has no END line: is the file cut short?",
        Pem::IllegalSectionStart { .. } => "a BEGIN line is malformed",
        Pem::Base64Decode(_) => "a certificate is not valid base64",
        Pem::SectionTooLarge => "a section is too large",
        _ => "it cannot be read as PEM",
    }
}

/// The TLS settings of every https client: system roots, plus the bundle if one is set.
pub fn context(bundle: Option<&CaBundle>, env: &Env) -> Result<TlsContext, Error> {
    let mut store = TrustStore::default();
    if let Some(b) = bundle {
        store = store.with_pem_certificate(b.read(env)?);
    }
    TlsContext::builder()
        .with_trust_store(store)
        .build()
        .map_err(|e| Error::new(Exit::Internal, format!("cannot set up TLS: {e}")))
}

/// A certificate failure in a few words, without the library's jargon.
pub fn describe(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "it is signed by an authority this machine does not trust".into(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "it is not valid for this host name".into()
            }
            C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
            C::Revoked => "it has been revoked".into(),
            C::BadSignature => "its signature is bad".into(),
            other => format!("it was rejected ({other:?})"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigSet, FileKind};

    #[test]
    fn the_variable_comes_before_the_profile() {
        let mut set = ConfigSet::default();
        set.merge_text("[profile p]\nca_bundle = /etc/p.pem\n", FileKind::Config)
            .unwrap();
        let p = set.profile("p");
        let env = Env::from_pairs([("AWS_CA_BUNDLE", "/etc/env.pem")]);
        assert_eq!(CaBundle::choose(&env, p).unwrap().source, "AWS_CA_BUNDLE");
        let from_profile = CaBundle::choose(&Env::default(), p).unwrap();
        assert_eq!(from_profile.path, PathBuf::from("/etc/p.pem"));
        assert_eq!(from_profile.source, "ca_bundle in profile p");
        assert_eq!(CaBundle::choose(&Env::default(), None), None);
    }

    #[test]
    fn a_bundle_that_is_not_pem_is_one_clear_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        let bundle = CaBundle {
            path: path.clone(),
            source: "AWS_CA_BUNDLE".into(),
        };
        let env = Env::default();
        assert!(
            bundle
                .read(&env)
                .unwrap_err()
                .message
                .contains("cannot be read")
        );
        std::fs::write(&path, "not a certificate\n").unwrap();
        assert!(
            bundle
                .read(&env)
                .unwrap_err()
                .message
                .contains("holds no certificate")
        );
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = bundle.read(&env).unwrap_err();
        assert_eq!(e.exit, Exit::Config);
        assert!(e.message.contains("cannot be a root"), "{}", e.message);
    }
}
