//! The generated documentation: man pages (clap_mangen, plus the sections clap cannot know)
//! and the shell completions in completions/. A test regenerates them in memory and fails,
//! naming the command that rewrites them, when the checked-in copies differ.

#[cfg(test)]
#[allow(
    clippy::format_push_string,
    reason = "building roff text line by line reads best as push_str(&format!(..))"
)]
mod tests {
    use std::path::PathBuf;

    use clap::CommandFactory;

    use crate::cli::Cli;
    use crate::commands::completions;
    use crate::error::EXIT_STATUS_TABLE;

    const REGENERATE: &str = "UPDATE_GENERATED=1 cargo test --locked generated_files";

    /// Variables ssox reads, sets or removes, for ENVIRONMENT.
    const ENVIRONMENT: &[(&str, &str)] = &[
        (
            "AWS_PROFILE, AWS_DEFAULT_PROFILE",
            "The profile when -p is not given (in that order), else \"default\". Removed from PROGRAM's environment.",
        ),
        (
            "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
            "Where the config and credentials files are (default ~/.aws/config and ~/.aws/credentials).",
        ),
        (
            "AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL",
            "Endpoint overrides for the SSO portal, SSO OIDC and STS, resolved as botocore does (then [services] and endpoint_url in the profile); AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns them off.",
        ),
        (
            "AWS_REGION, AWS_DEFAULT_REGION",
            "The region, after --region and before the profile's region (the SDKs' order), for PROGRAM and for ssox's own STS calls. Set for PROGRAM: both replaced with --region, else only a missing one filled in.",
        ),
        (
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY (also lower case)",
            "The proxy for https and http calls (ALL_PROXY when the other is unset), and the hosts reached directly.",
        ),
        (
            "AWS_CA_BUNDLE",
            "A PEM file of CA certificates trusted besides the system roots (else the profile's ca_bundle).",
        ),
        (
            "AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT",
            "Select the FIPS and dual-stack endpoints (else use_fips_endpoint and use_dualstack_endpoint in the profile).",
        ),
        (
            "AWS_DEFAULT_OUTPUT, AWS_ENDPOINT_URL_<SERVICE>, AWS_RETRY_MODE and the other SDK variables",
            "Set for PROGRAM from the profile's settings (output, [services] endpoints, retry_mode, ...) unless already set; see README.",
        ),
        (
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION",
            "Set for PROGRAM (exec mode). Inherited values are removed first, with AWS_SECURITY_TOKEN, AWS_CREDENTIAL_FILE, AWS_SDK_LOAD_CONFIG, AWS_ACCESS_KEY, AWS_SECRET_KEY, AWS_ACCOUNT_ID and the container and web-identity variables. Read only for credential_source = Environment.",
        ),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "Set for PROGRAM with --server, instead of the key variables.",
        ),
        (
            "SSOX_PROFILE",
            "Set for PROGRAM to the profile name, for shell prompts.",
        ),
        (
            "SSOX_HTTP_TIMEOUT",
            "Seconds one network call may take, retries included (default 10).",
        ),
        (
            "SSOX_CREDENTIAL_PROCESS_CHAIN",
            "Set by ssox for a credential_process it runs; stops a process that calls ssox for its own profile from looping.",
        ),
        (
            "BROWSER",
            "The browser for logins (a :-separated list; %s stands for the URL). Else open, wslview or xdg-open.",
        ),
        (
            "NO_COLOR",
            "When set and not empty, ssox profiles prints no colour.",
        ),
        ("HOME", "Where ~/.aws is."),
    ];

    const FILES: &[(&str, &str)] = &[
        (
            "~/.aws/config",
            "Profiles, sso-sessions and services sections (read).",
        ),
        (
            "~/.aws/credentials",
            "Profiles with keys (read; -c writes one section of it).",
        ),
        (
            "~/.aws/sso/cache/SHA1.json",
            "SSO tokens, named by the sha1 of the sso-session name or of a legacy profile's start URL, in the AWS CLI v2's format; SHA1.lock beside each serialises refreshes and logins.",
        ),
        (
            "~/.aws/sso/cache/SHA1.json (registration)",
            "OIDC client registrations, keyed as the AWS CLI keys them.",
        ),
        (
            "~/.aws/cli/cache/SHA1.json",
            "Role credentials from SSO, AssumeRole and AssumeRoleWithWebIdentity, keyed and written as the AWS CLI does.",
        ),
    ];

    const EXAMPLES: &[(&str, &str)] = &[
        (
            "Run Terraform with the role's credentials:",
            "ssox -p my-dev-profile -- terraform plan",
        ),
        ("Run an R job:", "ssox -p my-dev-profile -- Rscript job.R"),
        (
            "A Makefile target:",
            "deploy:\n\tssox -p dev -- terraform apply -auto-approve",
        ),
        (
            "Put the credentials into the current shell:",
            "eval \"$(ssox -p my-dev-profile --env-export)\"\nexport $(ssox -p my-dev-profile --env-export)",
        ),
        (
            "Write them into ~/.aws/credentials for tools that only read that file:",
            "ssox -p my-dev-profile --credentials-file-profile my-dev-profile",
        ),
        (
            "Use ssox as another profile's credential_process:",
            "[profile old-tool]\ncredential_process = ssox -p my-dev-profile --json",
        ),
        (
            "Keep a long job's credentials fresh:",
            "ssox -p my-dev-profile --server -- terraform apply",
        ),
        (
            "Log in over SSH:",
            "ssox login -p my-dev-profile --use-device-code",
        ),
    ];

    fn esc(s: &str) -> String {
        s.replace('\\', "\\e").replace('-', "\\-")
    }

    fn line(s: &str) -> String {
        let e = esc(s);
        if e.starts_with(['.', '\'']) {
            format!("\\&{e}")
        } else {
            e
        }
    }

    fn extra_sections() -> String {
        let mut r = String::from(".SH \"EXIT STATUS\"\n");
        for row in EXIT_STATUS_TABLE.lines().skip(1) {
            let (code, text) = row.trim().split_once(' ').unwrap();
            r.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", line(text.trim())));
        }
        r.push_str(".SH ENVIRONMENT\n");
        for (name, text) in ENVIRONMENT {
            r.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(name), line(text)));
        }
        r.push_str(".SH FILES\n");
        for (name, text) in FILES {
            r.push_str(&format!(".TP\n\\fI{}\\fR\n{}\n", esc(name), line(text)));
        }
        r.push_str(".SH EXAMPLES\n");
        for (what, cmd) in EXAMPLES {
            r.push_str(&format!(".PP\n{}\n.PP\n.RS 4\n.nf\n", line(what)));
            for l in cmd.lines() {
                r.push_str(&line(l));
                r.push('\n');
            }
            r.push_str(".fi\n.RE\n");
        }
        r.push_str(".SH \"SEE ALSO\"\n\\fBssox\\-login\\fR(1), \\fBssox\\-logout\\fR(1), \\fBssox\\-profiles\\fR(1), \\fBssox\\-doctor\\fR(1), \\fBssox\\-completions\\fR(1), \\fBaws\\fR(1), https://docs.aws.amazon.com/sdkref/latest/guide/file\\-format.html\n");
        r
    }

    fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
        // The man pages name the release, not the commit `--version` adds: they are checked
        // in, and must not change with every commit.
        let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
        let mut out = Vec::new();
        let man = clap_mangen::Man::new(cmd.clone());
        let mut buf = Vec::new();
        man.render_title(&mut buf).unwrap();
        man.render_name_section(&mut buf).unwrap();
        man.render_synopsis_section(&mut buf).unwrap();
        man.render_description_section(&mut buf).unwrap();
        man.render_options_section(&mut buf).unwrap();
        man.render_subcommands_section(&mut buf).unwrap();
        buf.extend_from_slice(extra_sections().as_bytes());
        man.render_version_section(&mut buf).unwrap();
        out.push((PathBuf::from("man/ssox.1"), buf));
        for sub in cmd.get_subcommands() {
            let name = format!("ssox-{}", sub.get_name());
            let mut buf = Vec::new();
            clap_mangen::Man::new(
                sub.clone()
                    .name(&*Box::leak(name.clone().into_boxed_str()))
                    .version(env!("CARGO_PKG_VERSION")),
            )
            .render(&mut buf)
            .unwrap();
            out.push((PathBuf::from(format!("man/{name}.1")), buf));
        }
        out
    }

    fn generated() -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = man_pages();
        for shell in completions::SHELLS {
            files.push((
                PathBuf::from("completions").join(completions::file_name(shell)),
                completions::script(shell).into_bytes(),
            ));
        }
        files
    }

    #[test]
    fn generated_files_are_current() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let update = std::env::var_os("UPDATE_GENERATED").is_some();
        let mut stale = Vec::new();
        for (rel, bytes) in generated() {
            let path = root.join(&rel);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
                stale.push(rel.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "out of date: {}; regenerate with `{REGENERATE}`",
            stale.join(", ")
        );
    }

    #[test]
    fn readme_carries_the_same_exit_status_table_as_help() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        for row in EXIT_STATUS_TABLE.lines().skip(1) {
            let (code, text) = row.trim().split_once(' ').unwrap();
            let want = format!("| {code} | {} |", text.trim());
            assert!(readme.contains(&want), "README.md lacks {want:?}");
        }
    }

    #[test]
    fn the_man_page_documents_every_option_and_the_exit_statuses() {
        let pages = man_pages();
        let all: String = pages
            .iter()
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .collect();
        let mut missing = Vec::new();
        let mut check = |cmd: &clap::Command| {
            for arg in cmd.get_arguments() {
                if let Some(long) = arg.get_long()
                    && !all.contains(&format!("\\-\\-{}", long.replace('-', "\\-")))
                {
                    missing.push(format!("{} --{long}", cmd.get_name()));
                }
            }
        };
        let cmd = Cli::command();
        check(&cmd);
        cmd.get_subcommands().for_each(&mut check);
        assert!(missing.is_empty(), "undocumented: {missing:?}");
        for section in [
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                all.contains(&format!(".SH \"{section}\""))
                    || all.contains(&format!(".SH {section}")),
                "{section}"
            );
        }
    }
}
