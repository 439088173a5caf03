//! The AWS SDKs' cross-SDK conformance vectors, run against our parser, file locator and
//! chain resolver. They are read from `../shared/conformance` beside the repository (or
//! `SSOX_CONFORMANCE_DIR`), never copied into it. Where they are absent, each test says so
//! in one line and passes without checking anything, unless `SSOX_REQUIRE_PEERS` is set
//! (CI sets it), which makes their absence a failure.

use super::resolve::{Base, resolve_chain};
use super::{ConfigSet, FileKind, FilePaths, Origin, Prop, Section};
use crate::env::Env;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn load(name: &str) -> Option<Value> {
    let dir = std::env::var_os("SSOX_CONFORMANCE_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
        PathBuf::from,
    );
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) if std::env::var_os("SSOX_REQUIRE_PEERS").is_none() => {
            // Written to the stream itself: eprintln! would be captured with the passing test.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "skipped: conformance vectors {} not readable ({e}); set SSOX_CONFORMANCE_DIR\n",
                    path.display()
                )
                .as_bytes(),
            );
            None
        }
        Err(e) => panic!("conformance vectors {}: {e}", path.display()),
    }
}

fn as_json(sections: &BTreeMap<String, Section>) -> Value {
    Value::Object(
        sections
            .iter()
            .map(|(name, s)| {
                let props: Map<String, Value> = s
                    .props
                    .iter()
                    .map(|(k, p)| (k.clone(), Value::String(p.value.clone())))
                    .collect();
                (name.clone(), Value::Object(props))
            })
            .collect(),
    )
}

#[test]
fn passes_every_profile_parser_conformance_case() {
    let Some(data) = load("profile-parser-tests.json") else {
        return;
    };
    let cases = data["tests"].as_array().unwrap();
    assert!(cases.len() >= 65, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut set = ConfigSet::default();
        let mut result = Ok(());
        for (key, kind) in [
            ("configFile", FileKind::Config),
            ("credentialsFile", FileKind::Credentials),
        ] {
            if let Some(text) = case["input"][key].as_str()
                && result.is_ok()
            {
                result = set.merge_text(text, kind);
            }
        }
        let output = &case["output"];
        if let Some(want) = output["errorContaining"].as_str() {
            let err = result.expect_err(name);
            assert!(err.message.contains(want), "{name}: got {:?}", err.message);
            continue;
        }
        result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            as_json(&set.profiles),
            output["config"]["profiles"],
            "{name}"
        );
        if let Some(sessions) = output["config"].get("sso_sessions") {
            assert_eq!(as_json(&set.sso_sessions), *sessions, "{name}");
        }
    }
}

#[test]
fn passes_every_linux_file_location_case() {
    let Some(data) = load("file-location-tests.json") else {
        return;
    };
    let mut ran = 0;
    for case in data["tests"].as_array().unwrap() {
        if case["platform"] != "linux" {
            continue;
        }
        ran += 1;
        let env = Env::from_pairs(
            case["environment"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
        );
        let paths = FilePaths::from_env(&env);
        let name = case["name"].as_str().unwrap();
        assert_eq!(
            paths.config.to_str().unwrap(),
            case["configLocation"],
            "{name}"
        );
        assert_eq!(
            paths.credentials.to_str().unwrap(),
            case["credentialsLocation"],
            "{name}"
        );
        if let Some(profile) = case["profile"].as_str() {
            assert_eq!(
                crate::settings::profile_name(None, &env).0,
                profile,
                "{name}"
            );
        }
    }
    assert!(ran >= 4, "{ran} linux cases");
}

fn sections_from(value: &Value) -> BTreeMap<String, Section> {
    let origin = Origin {
        file: FileKind::Config,
        line: 1,
    };
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(name, props)| {
                    let mut s = Section::new(name, origin);
                    for (k, v) in props.as_object().unwrap() {
                        s.props.insert(
                            k.clone(),
                            Prop {
                                value: v.as_str().unwrap().to_string(),
                                origin,
                            },
                        );
                    }
                    (name.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn chain_json(chain: &super::resolve::Chain) -> Value {
    let mut links = Vec::new();
    let put = |m: &mut Map<String, Value>, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.to_string(), json!(v));
        }
    };
    let mut m = Map::new();
    let base = match &chain.base {
        Base::AccessKey {
            access_key_id,
            secret_access_key,
            session_token,
            account_id,
            ..
        } => {
            put(&mut m, "access_key_id", Some(access_key_id.expose()));
            put(
                &mut m,
                "secret_access_key",
                Some(secret_access_key.expose()),
            );
            put(
                &mut m,
                "session_token",
                session_token.as_ref().map(crate::secret::Secret::expose),
            );
            put(&mut m, "account_id", account_id.as_deref());
            json!({ "AccessKey": m })
        }
        Base::NamedSource { source, .. } => json!({ "NamedSource": source.name() }),
        Base::WebIdentity {
            role_arn,
            token_file,
            session_name,
            ..
        } => {
            put(&mut m, "role_arn", Some(role_arn));
            put(&mut m, "web_identity_token_file", Some(token_file));
            put(&mut m, "role_session_name", session_name.as_deref());
            json!({ "WebIdentityToken": m })
        }
        Base::Sso(s) => {
            put(&mut m, "sso_session", s.session_name.as_deref());
            put(&mut m, "sso_region", Some(&s.region));
            put(&mut m, "sso_start_url", Some(&s.start_url));
            put(&mut m, "sso_account_id", s.account_id.as_deref());
            put(&mut m, "sso_role_name", s.role_name.as_deref());
            json!({ "Sso": m })
        }
        Base::Process { command, .. } => json!({ "CredentialProcess": command }),
        Base::Login(l) => json!({ "LoginSession": l.session }),
    };
    links.push(base);
    for role in &chain.roles {
        let mut m = Map::new();
        put(&mut m, "role_arn", Some(&role.role_arn));
        put(&mut m, "external_id", role.external_id.as_deref());
        put(&mut m, "role_session_name", role.session_name.as_deref());
        links.push(json!({ "AssumeRole": m }));
    }
    json!({ "ProfileChain": links })
}

#[test]
fn passes_every_assume_role_chain_conformance_case() {
    let Some(data) = load("assume-role-tests.json") else {
        return;
    };
    let cases = data.as_array().unwrap();
    assert!(cases.len() >= 28, "{} cases", cases.len());
    for case in cases {
        let docs = case["docs"].as_str().unwrap();
        let set = ConfigSet {
            profiles: sections_from(&case["input"]["profiles"]),
            sso_sessions: sections_from(&case["input"]["sso_sessions"]),
            ..ConfigSet::default()
        };
        let got = resolve_chain(&set, case["input"]["selected_profile"].as_str().unwrap());
        if let Some(want) = case["output"]["Error"].as_str() {
            let err = got.expect_err(docs).to_string();
            assert!(err.contains(want), "{docs}: got {err:?}, want {want:?}");
        } else {
            assert_eq!(
                chain_json(&got.unwrap_or_else(|e| panic!("{docs}: {e}"))),
                case["output"],
                "{docs}"
            );
        }
    }
}

#[test]
fn names_the_cycle_it_found() {
    let mut set = ConfigSet::default();
    set.merge_text(
        "[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nrole_arn = arn:b\nsource_profile = a\n",
        FileKind::Config,
    )
    .unwrap();
    let err = resolve_chain(&set, "a").unwrap_err().to_string();
    assert!(err.contains("a -> b -> a"), "{err}");
}

#[test]
fn suggests_close_profile_names() {
    let mut set = ConfigSet::default();
    set.merge_text(
        "[profile dev]\n[profile prod]\n[profile dev-admin]\n[profile zzz]\n",
        FileKind::Config,
    )
    .unwrap();
    assert_eq!(set.similar_profiles("dve"), vec!["dev"]);
    assert_eq!(set.similar_profiles("dev"), vec!["dev", "dev-admin"]);
    assert!(set.similar_profiles("qqqqqqq").is_empty());
}

#[test]
fn legacy_and_session_profiles_carry_their_sso_settings() {
    let mut set = ConfigSet::default();
    set.merge_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
         [sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access, ,x\n\
         [profile old]\nsso_start_url = https://y/start\nsso_region = us-east-1\nsso_account_id = 2\nsso_role_name = q\nsso_registration_scopes = ignored\n",
        FileKind::Config,
    )
    .unwrap();
    let Base::Sso(s) = resolve_chain(&set, "dev").unwrap().base else {
        panic!()
    };
    assert_eq!(s.token_cache_input(), "corp");
    assert_eq!(s.registration_scopes, vec!["sso:account:access", "x"]);
    let Base::Sso(s) = resolve_chain(&set, "old").unwrap().base else {
        panic!()
    };
    assert_eq!(s.token_cache_input(), "https://y/start");
    assert!(!s.registration_scopes_set);
}

#[test]
fn quoted_section_names_are_read_as_botocore_reads_them() {
    let mut set = ConfigSet::default();
    set.merge_text(
        "[profile 'team prof']\nsso_session = my corp\nsso_account_id = 1\nsso_role_name = r\n\
         [sso-session \"my corp\"]\nsso_start_url = https://x/start\nsso_region = us-east-1\n\
         [profile 'a' 'b']\nregion = x\n[profile 'open]\nregion = y\n",
        FileKind::Config,
    )
    .unwrap();
    assert_eq!(set.profiles.keys().collect::<Vec<_>>(), ["team prof"]);
    let Base::Sso(s) = resolve_chain(&set, "team prof").unwrap().base else {
        panic!()
    };
    assert_eq!(s.session_name.as_deref(), Some("my corp"));
    assert_eq!(s.token_cache_input(), "my corp");
}

#[test]
fn file_overrides_expand_variables_then_the_home_directory() {
    let env = Env::from_pairs([
        ("HOME", "/home/u"),
        ("ALT", "/srv/alt"),
        ("AWS_CONFIG_FILE", "$ALT/config-${ALT}x-$NOPE"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/creds"),
    ]);
    let paths = FilePaths::from_env(&env);
    assert_eq!(
        paths.config.to_str().unwrap(),
        "/srv/alt/config-/srv/altx-$NOPE"
    );
    assert_eq!(paths.credentials.to_str().unwrap(), "/home/u/creds");
    let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "~root/c")]);
    assert!(FilePaths::from_env(&env).config.ends_with("c"));
    assert!(!FilePaths::from_env(&env).config.starts_with("~"));
}

/// A section's name, and each key with its value and line.
type Located = (String, Vec<(String, String, usize)>);

/// Every section of `set` with its values and the line each came from.
fn with_origins(sections: &BTreeMap<String, Section>) -> Vec<Located> {
    sections
        .iter()
        .map(|(n, s)| {
            let props = s
                .props
                .iter()
                .map(|(k, p)| (k.clone(), p.value.clone(), p.origin.line))
                .collect();
            (n.clone(), props)
        })
        .collect()
}

/// `load_for(P)` reads of P (and what P's chain names) exactly what a full load reads.
fn check_partial_equals_full(config: Option<&str>, credentials: Option<&str>, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let paths = FilePaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
    };
    if let Some(t) = config {
        std::fs::write(&paths.config, t).unwrap();
    }
    if let Some(t) = credentials {
        std::fs::write(&paths.credentials, t).unwrap();
    }
    let full = match ConfigSet::load(&paths) {
        Ok(full) => full,
        Err(e) => {
            // The same error, at the same line, whatever the profile asked for.
            let partial = ConfigSet::load_for(&paths, "any", None).unwrap_err();
            assert_eq!(partial.to_string(), e.to_string(), "{what}");
            return;
        }
    };
    // Checked whole (no stamps), then checked once and indexed, then read through the index.
    let stamps = super::Stamps {
        dir: dir.path().join("checked"),
        now: crate::timefmt::now() + 3600,
    };
    let ways = [None, Some(&stamps), Some(&stamps)];
    for (name, stamps) in full
        .profiles
        .keys()
        .flat_map(|n| ways.iter().map(move |s| (n, *s)))
    {
        let partial = ConfigSet::load_for(&paths, name, stamps)
            .unwrap()
            .unwrap_or_else(|| panic!("{what}: {name} not found"));
        let got = with_origins(&partial.profiles);
        let want: Vec<_> = with_origins(&full.profiles)
            .into_iter()
            .filter(|(n, _)| partial.profiles.contains_key(n))
            .collect();
        assert_eq!(got, want, "{what}: profile {name}");
        assert!(partial.profiles.contains_key(name));
        let sessions: Vec<_> = with_origins(&full.sso_sessions)
            .into_iter()
            .filter(|(n, _)| partial.sso_sessions.contains_key(n))
            .collect();
        assert_eq!(
            with_origins(&partial.sso_sessions),
            sessions,
            "{what}: {name}"
        );
        // The chain resolves alike.
        assert_eq!(
            resolve_chain(&partial, name).map(|c| chain_json(&c)),
            resolve_chain(&full, name).map(|c| chain_json(&c)),
            "{what}: chain of {name}"
        );
    }
    assert!(
        ConfigSet::load_for(&paths, "no-such-profile", None)
            .unwrap()
            .is_none()
    );
}

#[test]
fn reading_only_what_a_profile_needs_reads_it_as_a_full_load_does() {
    check_partial_equals_full(
        Some(
            "[default]\nregion = a\n[profile default]\nregion = b\n\
             [profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\nservices = mine\n\
             [sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n\
             [profile dev]\nregion = later ; wins\n\
             [profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n\
             [profile from-creds]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = keys\n\
             [services mine]\nsts =\n  endpoint_url = http://localhost:1\n\
             [profile 'team prof']\nregion = q\n[profile devx]\nregion = not-dev\n\
             [profile \"quoted default\" ]\nregion = r\n[ profile default ]\nregion = c\n",
        ),
        Some("[keys]\naws_access_key_id = A\naws_secret_access_key = S\n[dev]\nregion = creds\n"),
        "hand-written",
    );
    let Some(data) = load("profile-parser-tests.json") else {
        return;
    };
    for case in data["tests"].as_array().unwrap() {
        check_partial_equals_full(
            case["input"]["configFile"].as_str(),
            case["input"]["credentialsFile"].as_str(),
            case["name"].as_str().unwrap(),
        );
    }
}

/// Config files in a fresh directory, and stamps taken an hour from now (when the files are
/// long still).
fn stamped_files() -> (tempfile::TempDir, FilePaths, super::Stamps) {
    let dir = tempfile::tempdir().unwrap();
    let paths = FilePaths {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
    };
    let stamps = super::Stamps {
        dir: dir.path().join("checked"),
        now: crate::timefmt::now() + 3600,
    };
    (dir, paths, stamps)
}

#[test]
fn a_stamp_vouches_for_one_version_of_a_file_and_any_change_voids_it() {
    use super::Stamps;
    let (_dir, paths, stamps) = stamped_files();
    let old = std::time::SystemTime::now() - std::time::Duration::from_hours(1);
    let write = |text: &str| {
        std::fs::write(&paths.config, text).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&paths.config)
            .unwrap()
            .set_modified(old)
            .unwrap();
    };
    let good = "[profile a]\nregion = x\n[profile b]\nregion = y\n";
    write(good);
    let first = ConfigSet::load_for(&paths, "b", Some(&stamps))
        .unwrap()
        .unwrap();
    assert_eq!(
        std::fs::read_dir(&stamps.dir).unwrap().count(),
        1,
        "stamped"
    );
    let again = ConfigSet::load_for(&paths, "b", Some(&stamps))
        .unwrap()
        .unwrap();
    assert_eq!(with_origins(&again.profiles), with_origins(&first.profiles));
    // Any change (here: a syntax error in a section b does not need) is found again.
    write("[profile a]\nnot a property\n[profile b]\nregion = y\n");
    let e = ConfigSet::load_for(&paths, "b", Some(&stamps)).unwrap_err();
    assert!(e.to_string().contains(":2: Expected an '=' sign"), "{e}");
    // A file changed within the last seconds is checked whole every time: no stamp yet.
    let fresh = tempfile::tempdir().unwrap();
    let recent = Stamps {
        dir: fresh.path().join("checked"),
        now: crate::timefmt::now(),
    };
    std::fs::write(&paths.config, good).unwrap();
    ConfigSet::load_for(&paths, "b", Some(&recent))
        .unwrap()
        .unwrap();
    assert!(!recent.dir.exists(), "a file this recent gets no stamp");
}

#[test]
fn an_index_that_disagrees_with_the_file_is_not_believed() {
    use super::{Identity, index};
    let (_dir, paths, stamps) = stamped_files();
    let before = "[profile a]\nregion = x\n[profile b]\nregion = y\n";
    // The same length, b elsewhere: as if the file changed and its times did not.
    let after = "[profile b]\nregion = z\n[profile a]\nregion = w\n";
    std::fs::write(&paths.config, after).unwrap();
    let id = Identity::of(&std::fs::metadata(&paths.config).unwrap());
    let entries: Vec<index::Entry> =
        index::entries(&super::parse::headers(before).unwrap()).unwrap();
    std::fs::create_dir(&stamps.dir).unwrap();
    std::fs::write(
        stamps.path(&paths.config),
        index::encode(id.0, false, &entries),
    )
    .unwrap();
    for (name, region) in [("b", "z"), ("a", "w")] {
        let set = ConfigSet::load_for(&paths, name, Some(&stamps))
            .unwrap()
            .unwrap();
        assert_eq!(set.profiles[name].get("region"), Some(region), "{name}");
    }
    // And the file is indexed anew, as it is: the next runs read through the index again.
    let anew: Vec<index::Entry> = index::entries(&super::parse::headers(after).unwrap()).unwrap();
    assert_eq!(
        std::fs::read(stamps.path(&paths.config)).unwrap(),
        index::encode(id.0, false, &anew)
    );
}

#[test]
fn a_large_file_merged_in_pieces_is_the_file_merged_whole() {
    // Duplicates across the cuts, a `[profile default]` after `[default]`, ignored sections.
    let mut text = String::from("[default]\nregion = plain\n");
    for i in 0..30_000 {
        use std::fmt::Write;
        let _ = write!(
            text,
            "[profile p{}]\nregion = r{i}\nsso_session = s\n  ; indented comment\n\n[odd{i}]\nx = 1\n",
            i % 9_000
        );
    }
    text.push_str("[profile default]\nregion = prefixed\n[sso-session s]\nsso_region = x\n");
    assert!(text.len() > 4 * super::PIECE_FROM);
    let whole = {
        let mut set = ConfigSet::default();
        set.merge_pieces(&text, FileKind::Config, 1).unwrap();
        set
    };
    let mut pieces = ConfigSet::default();
    pieces.merge_pieces(&text, FileKind::Config, 4).unwrap();
    assert_eq!(super::pieces(&text, 4).len(), 4);
    assert_eq!(
        with_origins(&pieces.profiles),
        with_origins(&whole.profiles)
    );
    assert_eq!(
        with_origins(&pieces.sso_sessions),
        with_origins(&whole.sso_sessions)
    );
    assert_eq!(pieces.ignored, whole.ignored);
    assert_eq!(pieces.profiles["default"].get("region"), Some("prefixed"));
    // An error in a late piece is the same error at the same line.
    let bad = format!("{text}[profile z]\nnot a property\n");
    let mut set = ConfigSet::default();
    let e = set.merge_pieces(&bad, FileKind::Config, 4).unwrap_err();
    let mut one = ConfigSet::default();
    assert_eq!(e, one.merge_pieces(&bad, FileKind::Config, 1).unwrap_err());
    assert_eq!(e.line, bad.lines().count());
}
