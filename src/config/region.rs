//! Which region a run uses, for PROGRAM and for ssox's own STS calls, in the order of the
//! AWS SDKs, the AWS CLI and aws-vault: `--region`, then `AWS_REGION`, then
//! `AWS_DEFAULT_REGION`, then the selected profile's `region`. Pure.

use super::Section;
use crate::env::Env;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(&'static str),
    Profile(String),
    /// No region anywhere: ssox's own STS calls use us-east-1, PROGRAM gets none.
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    pub name: String,
    pub source: Source,
}

impl RegionChoice {
    /// `eu-west-1 (from AWS_REGION)`, for `doctor` and `-v`.
    pub fn describe(&self) -> String {
        let from = match &self.source {
            Source::Flag => "--region".to_string(),
            Source::Env(var) => (*var).to_string(),
            Source::Profile(p) => format!("profile {p} region"),
            Source::Default => "the default, as no region is set".to_string(),
        };
        format!("{} (from {from})", self.name)
    }
}

/// The region, if any is set.
pub fn choose(flag: Option<&str>, env: &Env, profile: Option<&Section>) -> Option<RegionChoice> {
    let pick = |name: &str, source| {
        Some(RegionChoice {
            name: name.to_string(),
            source,
        })
    };
    if let Some(r) = flag.filter(|r| !r.is_empty()) {
        return pick(r, Source::Flag);
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env.get(var) {
            return pick(r, Source::Env(var));
        }
    }
    let p = profile?;
    pick(p.get_nonempty("region")?, Source::Profile(p.name.clone()))
}

/// An AWS partition's sign-in and console hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    /// The federation endpoint's base URL (`/federation` follows).
    pub signin: &'static str,
    /// The console's base URL.
    pub console: &'static str,
}

/// The partition a region belongs to, by its name as the AWS partitions file matches it:
/// `cn-*` is aws-cn, `us-gov-*` aws-us-gov, the isolated `*-iso*-*` regions have no public
/// sign-in endpoint (`None`), every other region is aws.
pub fn partition(region: &str) -> Option<Partition> {
    if region.starts_with("cn-") {
        Some(Partition {
            name: "aws-cn",
            signin: "https://signin.amazonaws.cn",
            console: "https://console.amazonaws.cn",
        })
    } else if region.starts_with("us-gov-") {
        Some(Partition {
            name: "aws-us-gov",
            signin: "https://signin.amazonaws-us-gov.com",
            console: "https://console.amazonaws-us-gov.com",
        })
    } else if region.split('-').any(|part| part.starts_with("iso")) {
        None
    } else {
        Some(Partition {
            name: "aws",
            signin: "https://signin.aws.amazon.com",
            console: "https://console.aws.amazon.com",
        })
    }
}

/// The region of ssox's own STS calls: the run's region, else us-east-1 (as the AWS CLI).
pub fn for_sts(flag: Option<&str>, env: &Env, profile: Option<&Section>) -> RegionChoice {
    choose(flag, env, profile).unwrap_or(RegionChoice {
        name: "us-east-1".to_string(),
        source: Source::Default,
    })
}

/// Regions named in "did you mean" (new ones are accepted by their shape, see `is_region`).
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// Whether `r` has the shape of an AWS region: AREA-[gov-|iso…-]DIRECTION-N, with the areas
/// and compass words AWS uses, so that a typo (`eu-wst-1`) is caught and a region newer than
/// this list is not refused.
pub fn is_region(r: &str) -> bool {
    const AREAS: [&str; 11] = [
        "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn", "eusc",
    ];
    const WAYS: [&str; 9] = [
        "north",
        "south",
        "east",
        "west",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
    ];
    let parts: Vec<&str> = r.split('-').collect();
    let (Some(area), Some(n)) = (parts.first(), parts.last()) else {
        return false;
    };
    let middle = &parts[1..parts.len().saturating_sub(1).max(1)];
    let way_ok = match middle {
        [way] => WAYS.contains(way),
        [kind, way] => {
            // us-gov-west-1, us-isob-east-1, eusc-de-east-1
            let kind_ok = *kind == "gov"
                || (kind.starts_with("iso") && kind.len() <= 5)
                || (kind.len() == 2 && kind.bytes().all(|b| b.is_ascii_lowercase()));
            kind_ok && WAYS.contains(way)
        }
        _ => false,
    };
    AREAS.contains(area)
        && way_ok
        && (1..=2).contains(&n.len())
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// The region a start URL names, as newer IAM Identity Center portals do:
/// `https://ssoins-….portal.REGION.app.aws[/…]`.
pub fn of_start_url(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let inner = host.strip_suffix(".app.aws")?;
    let (_, region) = inner.rsplit_once(".portal.")?;
    is_region(region).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_urls_of_newer_portals_name_their_region() {
        assert_eq!(
            of_start_url("https://ssoins-7223a3d4e1f8c2b0.portal.eu-west-1.app.aws").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            of_start_url("https://ssoins-1.portal.us-gov-west-1.app.aws/start/").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(of_start_url("https://d-0123456789.awsapps.com/start"), None);
        assert_eq!(of_start_url("https://x.portal.nowhere-1.app.aws"), None);
        assert_eq!(of_start_url("http://x.portal.eu-west-1.app.aws"), None);
    }

    #[test]
    fn partitions_follow_the_region_name() {
        assert_eq!(
            partition("eu-west-1").unwrap().signin,
            "https://signin.aws.amazon.com"
        );
        assert_eq!(partition("cn-north-1").unwrap().name, "aws-cn");
        assert_eq!(
            partition("us-gov-west-1").unwrap().console,
            "https://console.amazonaws-us-gov.com"
        );
        assert_eq!(partition("us-east-1").unwrap().name, "aws");
        assert!(partition("us-iso-east-1").is_none());
        assert!(partition("us-isob-east-1").is_none());
    }
    use crate::config::{ConfigSet, FileKind};

    #[test]
    fn the_flag_then_the_environment_then_the_profile() {
        let mut set = ConfigSet::default();
        set.merge_text(
            "[profile p]\nregion = us-west-2\n[profile q]\n",
            FileKind::Config,
        )
        .unwrap();
        let p = set.profile("p");
        let both = Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-2"),
        ]);
        let default_only = Env::from_pairs([("AWS_DEFAULT_REGION", "eu-west-2")]);
        let name = |c: Option<RegionChoice>| c.map(|c| c.name);
        assert_eq!(
            name(choose(Some("ap-south-1"), &both, p)).as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(name(choose(None, &both, p)).as_deref(), Some("eu-west-1"));
        assert_eq!(
            name(choose(None, &default_only, p)).as_deref(),
            Some("eu-west-2")
        );
        let from_profile = choose(None, &Env::default(), p).unwrap();
        assert_eq!(from_profile.describe(), "us-west-2 (from profile p region)");
        assert_eq!(choose(None, &Env::default(), set.profile("q")), None);
        assert_eq!(
            for_sts(None, &Env::default(), set.profile("q")).name,
            "us-east-1"
        );
    }
}
