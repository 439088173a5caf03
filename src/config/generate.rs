//! Which profiles `ssox configure` writes, and which it removes, for the accounts and roles an
//! SSO token can reach. Pure: the merged config and the listing in, a [`Plan`] out; the
//! editor (`config::edit`) turns the plan into text.
//!
//! The rules, all deterministic so a second run changes nothing:
//! - A role that already has a profile using the same start URL, account and role is left
//!   alone, whatever the profile's name and whoever wrote it.
//! - Names come from a template; each placeholder's value is normalised to the characters
//!   the config parser accepts (a run of anything else becomes one `-`).
//! - A name that two roles would share, or that an existing profile already has, is a clash:
//!   each role involved gets `-ACCOUNT_ID` added, then `-ROLE`, then a number, and the clash
//!   is reported.
//! - Generated profiles carry `ssox_generated = true` (a key the SDKs ignore). Only those,
//!   of the same SSO session, are removed when their role is gone, and only with `--prune`.

use std::collections::{BTreeMap, BTreeSet};

use super::parse::is_identifier;
use super::resolve::sso_profile;
use super::{ConfigSet, FileKind};

/// The key that marks a profile as written by `ssox configure`.
pub const MARKER: &str = "ssox_generated";

/// How long the account name may be in a profile name: AWS allows 50 characters, but the
/// portal is not trusted to keep to that.
const ACCOUNT_NAME_MAX: usize = 64;

/// An AWS account id: 12 digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Why the portal's answer cannot be written into a profile, if it cannot: an account id is
/// 12 digits, and a role name is what IAM allows (`[\w+=,.@-]`, 1 to 64 characters). Real
/// AWS never answers otherwise; an endpoint override, an intercepting proxy or a bug could,
/// and anything else would reach the config file (a line break there writes new keys).
pub fn invalid(a: &Assignment) -> Option<String> {
    use crate::error::{NAME_IN_MESSAGE, clip, escaped};
    if !is_account_id(&a.account_id) {
        return Some(format!(
            "account id `{}` (not 12 digits)",
            clip(&escaped(&a.account_id), NAME_IN_MESSAGE)
        ));
    }
    let role_ok = (1..=64).contains(&a.role_name.len())
        && a.role_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !role_ok {
        return Some(format!(
            "role `{}` in account {} (not an IAM role name)",
            clip(&escaped(&a.role_name), NAME_IN_MESSAGE),
            a.account_id
        ));
    }
    None
}

/// The template `ssox configure` names profiles with unless told otherwise.
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// One role in one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assignment {
    pub account_name: String,
    pub account_id: String,
    pub role_name: String,
}

/// The sso-session the profiles use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSpec {
    pub name: String,
    pub start_url: String,
    pub region: String,
}

const PLACEHOLDERS: [&str; 4] = ["account_name", "account_id", "role_name", "session"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(&'static str),
}

/// A checked profile-name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
    has_account_id: bool,
}

impl Template {
    /// Fails with the reason when a placeholder is unknown or unclosed, or the literal text
    /// holds a character no profile name may have.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("`{{` without `}}` in the template `{text}`"))?;
            let name = &after[..close];
            let field = PLACEHOLDERS.iter().find(|p| **p == name).ok_or_else(|| {
                format!(
                    "unknown placeholder `{{{name}}}` in the template; use {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                )
            })?;
            pieces.push(Piece::Field(field));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        for p in &pieces {
            if let Piece::Text(t) = p
                && (!is_identifier(t) || t.contains('}'))
            {
                return Err(format!(
                    "the template's text `{t}` is not allowed in a profile name; use only letters, digits and _ - / . % @ : +"
                ));
            }
        }
        if !pieces.iter().any(|p| matches!(p, Piece::Field(_))) {
            return Err(format!(
                "the template `{text}` has no placeholder, so every profile would get the same name"
            ));
        }
        let has_account_id = pieces.contains(&Piece::Field("account_id"));
        Ok(Self {
            pieces,
            has_account_id,
        })
    }

    /// The profile name for `a`.
    pub fn render(&self, a: &Assignment, session: &str) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => {
                    let value = match *f {
                        "account_name" => {
                            let n = normalise(&a.account_name, &a.account_id);
                            let cut: String = n.chars().take(ACCOUNT_NAME_MAX).collect();
                            cut.trim_end_matches('-').to_string()
                        }
                        "account_id" => normalise(&a.account_id, "account"),
                        "role_name" => normalise(&a.role_name, "role"),
                        _ => normalise(session, "sso"),
                    };
                    out.push_str(&value);
                }
            }
        }
        out
    }
}

/// `value` with each run of characters a profile name cannot hold turned into one `-`, and
/// no `-` at either end; `fallback` when nothing is left.
pub fn normalise(value: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut gap = false;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c) {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        normalise_fallback(fallback)
    } else {
        out.to_string()
    }
}

fn normalise_fallback(fallback: &str) -> String {
    let f: String = fallback
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if f.is_empty() { "x".into() } else { f }
}

/// A profile the plan adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    pub name: String,
    pub assignment: Assignment,
}

/// Roles that wanted the same name, and the names they got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub wanted: String,
    /// Whether an existing profile already had the name.
    pub taken: bool,
    pub given: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Write `[sso-session NAME]`: the config has none of that name.
    pub add_session: bool,
    pub add: Vec<NewProfile>,
    /// Roles that already have a profile: (role, the profile's name).
    pub present: Vec<(Assignment, String)>,
    /// Generated profiles whose role is gone, removed (`--prune`).
    pub remove: Vec<String>,
    /// Generated profiles whose role is gone, kept (no `--prune`).
    pub stale: Vec<String>,
    pub clashes: Vec<Clash>,
}

impl Plan {
    pub fn changes_nothing(&self) -> bool {
        !self.add_session && self.add.is_empty() && self.remove.is_empty()
    }
}

pub struct Options<'a> {
    pub session: &'a SessionSpec,
    pub template: &'a Template,
    /// Only these roles are wanted (`--pick`); every role when `None`.
    pub chosen: Option<&'a BTreeSet<Assignment>>,
    pub prune: bool,
}

/// A start URL as the portal sees it: surrounding space and a trailing `/` do not matter.
fn same_url(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

/// The role an existing profile uses, if it is an SSO profile of this start URL.
fn existing_role(set: &ConfigSet, name: &str, start_url: &str) -> Option<(String, String)> {
    let section = set.profile(name)?;
    let sso = sso_profile(set, section).ok()??;
    if !same_url(&sso.start_url, start_url) {
        return None;
    }
    Some((sso.account_id?, sso.role_name?))
}

/// Generated profiles of this session whose role is not in `listing`: (removed, kept).
fn gone(
    set: &ConfigSet,
    listing: &[Assignment],
    session: &SessionSpec,
    prune: bool,
) -> (Vec<String>, Vec<String>) {
    let (mut remove, mut stale) = (Vec::new(), Vec::new());
    let listed: BTreeSet<(&str, &str)> = listing
        .iter()
        .map(|a| (a.account_id.as_str(), a.role_name.as_str()))
        .collect();
    for (name, section) in &set.profiles {
        let generated = section
            .props
            .get(MARKER)
            .is_some_and(|p| p.origin.file == FileKind::Config && p.value == "true");
        if !generated || section.get("sso_session") != Some(session.name.as_str()) {
            continue;
        }
        let Some((account, role)) = existing_role(set, name, &session.start_url) else {
            continue;
        };
        if !listed.contains(&(account.as_str(), role.as_str())) {
            if prune {
                remove.push(name.clone());
            } else {
                stale.push(name.clone());
            }
        }
    }
    (remove, stale)
}

/// Decides what `ssox configure` changes. `listing` is everything the token can reach.
pub fn plan(set: &ConfigSet, listing: &[Assignment], opts: &Options<'_>) -> Plan {
    let session = opts.session;
    let mut plan = Plan {
        add_session: !set.sso_sessions.contains_key(&session.name),
        ..Plan::default()
    };
    // Which existing profile, if any, already gives each role.
    let mut have: BTreeMap<(String, String), String> = BTreeMap::new();
    for name in set.profiles.keys() {
        if let Some(key) = existing_role(set, name, &session.start_url) {
            have.entry(key).or_insert_with(|| name.clone());
        }
    }
    (plan.remove, plan.stale) = gone(set, listing, session, opts.prune);
    let mut wanted: Vec<&Assignment> = Vec::new();
    let mut listing: Vec<&Assignment> = listing.iter().collect();
    listing.sort();
    for a in listing {
        let key = (a.account_id.clone(), a.role_name.clone());
        if let Some(name) = have.get(&key) {
            plan.present.push((a.clone(), name.clone()));
        } else if opts.chosen.is_none_or(|c| c.contains(a)) {
            wanted.push(a);
        }
    }
    let removed: BTreeSet<&str> = plan.remove.iter().map(String::as_str).collect();
    let existing: BTreeSet<&str> = set
        .profiles
        .keys()
        .map(String::as_str)
        .filter(|n| !removed.contains(n))
        .collect();
    let mut groups: BTreeMap<String, Vec<&Assignment>> = BTreeMap::new();
    for a in &wanted {
        groups
            .entry(opts.template.render(a, &session.name))
            .or_default()
            .push(a);
    }
    let clean =
        |name: &str, members: &[&Assignment]| members.len() == 1 && !existing.contains(name);
    // Clean names are reserved first, so a suffixed name never takes one of them.
    let mut used: BTreeSet<String> = existing.iter().map(|n| (*n).to_string()).collect();
    used.extend(
        groups
            .iter()
            .filter(|(name, members)| clean(name, members))
            .map(|(name, _)| name.clone()),
    );
    for (name, members) in &groups {
        if clean(name, members) {
            plan.add.push(NewProfile {
                name: name.clone(),
                assignment: members[0].clone(),
            });
            continue;
        }
        let mut members = members.clone();
        members.sort();
        // `name-ACCOUNT` only where that alone tells the roles apart.
        let by_account = |a: &Assignment| format!("{name}-{}", normalise(&a.account_id, "account"));
        let mut given = Vec::new();
        for a in &members {
            let alone = !opts.template.has_account_id
                && members
                    .iter()
                    .filter(|b| by_account(b) == by_account(a))
                    .count()
                    == 1;
            let unique = unique_name(name, a, alone, &used);
            used.insert(unique.clone());
            given.push(unique.clone());
            plan.add.push(NewProfile {
                name: unique,
                assignment: (*a).clone(),
            });
        }
        plan.clashes.push(Clash {
            wanted: name.clone(),
            taken: existing.contains(name.as_str()),
            given,
        });
    }
    plan.add.sort_by(|x, y| x.assignment.cmp(&y.assignment));
    plan
}

/// The first free one of `name-ACCOUNT` (if `by_account`: that alone tells this role from
/// the others it clashes with), `name-ACCOUNT-ROLE`, `name-ACCOUNT-ROLE-2`, ….
fn unique_name(name: &str, a: &Assignment, by_account: bool, used: &BTreeSet<String>) -> String {
    let account = normalise(&a.account_id, "account");
    let role = normalise(&a.role_name, "role");
    let mut candidates = Vec::new();
    if by_account {
        candidates.push(format!("{name}-{account}"));
    }
    let base = format!("{name}-{account}-{role}");
    candidates.push(base.clone());
    if let Some(free) = candidates.into_iter().find(|c| !used.contains(c)) {
        return free;
    }
    // One of the first len + 2 numbers is free: `used` holds only len names.
    (2..used.len() + 3)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !used.contains(c))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, id: &str, role: &str) -> Assignment {
        Assignment {
            account_name: name.into(),
            account_id: id.into(),
            role_name: role.into(),
        }
    }

    fn session() -> SessionSpec {
        SessionSpec {
            name: "corp".into(),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "us-east-1".into(),
        }
    }

    fn set(text: &str) -> ConfigSet {
        let mut s = ConfigSet::default();
        s.merge_text(text, FileKind::Config).unwrap();
        s
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.add.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn names_are_normalised_to_what_the_parser_accepts() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(
            t.render(&a("Data (EU) — prod", "1", "Admin Access"), "corp"),
            "Data-EU-prod.Admin-Access"
        );
        assert_eq!(t.render(&a("日本", "123", "r"), "corp"), "123.r");
        for name in ["Data-EU-prod.Admin-Access", "123.r"] {
            assert!(is_identifier(name));
        }
    }

    #[test]
    fn templates_with_unknown_or_unclosed_placeholders_or_bad_text_are_refused() {
        assert!(
            Template::parse("{account_name}.{role}")
                .unwrap_err()
                .contains("`{role}`")
        );
        assert!(
            Template::parse("{account_name")
                .unwrap_err()
                .contains("without")
        );
        assert!(
            Template::parse("a b {role_name}")
                .unwrap_err()
                .contains("not allowed")
        );
        assert!(
            Template::parse("fixed")
                .unwrap_err()
                .contains("no placeholder")
        );
        assert!(Template::parse("{session}/{account_id}/{role_name}").is_ok());
    }

    #[test]
    fn clashes_resolve_the_same_way_whatever_the_listing_order() {
        let t = Template::parse("{account_name}").unwrap();
        let listing = vec![a("dev", "2", "x"), a("dev", "1", "x"), a("dev", "1", "y")];
        let opts = Options {
            session: &session(),
            template: &t,
            chosen: None,
            prune: false,
        };
        let p1 = plan(&set(""), &listing, &opts);
        let mut reversed = listing.clone();
        reversed.reverse();
        let p2 = plan(&set(""), &reversed, &opts);
        assert_eq!(p1, p2);
        let mut got = names(&p1);
        got.sort_unstable();
        assert_eq!(got, ["dev-1-x", "dev-1-y", "dev-2"]);
        assert_eq!(p1.clashes.len(), 1);
    }

    #[test]
    fn a_role_with_a_profile_of_any_name_is_left_alone() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let config = "[profile mine]\nsso_start_url = https://corp.awsapps.com/start/\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = x\n";
        let opts = Options {
            session: &session(),
            template: &t,
            chosen: None,
            prune: false,
        };
        let p = plan(
            &set(config),
            &[a("dev", "1", "x"), a("dev", "1", "y")],
            &opts,
        );
        assert_eq!(names(&p), ["dev.y"]);
        assert_eq!(p.present, vec![(a("dev", "1", "x"), "mine".to_string())]);
        assert!(p.add_session);
    }

    #[test]
    fn only_generated_profiles_of_this_session_are_pruned() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
            [profile gone]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = x\nssox_generated = true\n\
            [profile handmade]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = y\n";
        let mut opts = Options {
            session: &session(),
            template: &t,
            chosen: None,
            prune: false,
        };
        let p = plan(&set(config), &[], &opts);
        assert_eq!(p.stale, ["gone"]);
        assert!(p.remove.is_empty() && p.changes_nothing());
        opts.prune = true;
        let p = plan(&set(config), &[], &opts);
        assert_eq!(p.remove, ["gone"]);
    }
}
