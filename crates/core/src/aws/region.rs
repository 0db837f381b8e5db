//! Which region a run uses, and why.
//!
//! `--region` first, then the region portfolio-ci.yaml names for the
//! environment (`environments.<env>.region`, else the top-level `region`),
//! then `AWS_REGION` / `AWS_DEFAULT_REGION`, then the AWS profile, then
//! [`FALLBACK_REGION`]. The file beats the AWS environment because
//! `aws-actions/configure-aws-credentials` always exports `AWS_REGION`: a
//! multi-region configuration must deploy where the file says, whatever
//! region the credentials step was given. Instance metadata is not asked: a
//! laptop does not wait for a metadata endpoint that is not there.

use std::fmt;

use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;

/// Region used when neither a flag, the configuration, the AWS environment
/// nor the profile names one: the architecture spec's region.
pub const FALLBACK_REGION: &str = "us-east-1";

/// The environment variables that name a region, in the SDK's order.
const REGION_VARIABLES: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Where a run's region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    /// `--region`.
    Flag,
    /// portfolio-ci.yaml (`environments.<env>.region` or `region`).
    Config,
    /// An environment variable (`AWS_REGION` or `AWS_DEFAULT_REGION`).
    Environment(&'static str),
    /// The AWS profile's `region`.
    Profile,
    /// Nothing named one: [`FALLBACK_REGION`].
    Default,
}

/// The region a run uses, where it came from, and the environment variable
/// it overrode, if one named another region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    /// The region's name.
    pub name: String,
    /// Where it came from.
    pub source: RegionSource,
    /// An environment variable and its value that named a different region
    /// and lost to the flag or the file.
    pub overridden: Option<(&'static str, String)>,
}

impl RegionChoice {
    /// The region every lower source loses to, as `--region` would give it.
    pub fn explicit(name: &str) -> RegionChoice {
        RegionChoice {
            name: name.to_owned(),
            source: RegionSource::Flag,
            overridden: None,
        }
    }

    /// Settles the region from `explicit` (the flag), `configured` (the
    /// file), the variables `variable` returns and the `profile`'s region.
    pub fn choose(
        explicit: Option<String>,
        configured: Option<String>,
        variable: impl Fn(&str) -> Option<String>,
        profile: Option<String>,
    ) -> RegionChoice {
        let from_environment = REGION_VARIABLES.iter().find_map(|name| {
            variable(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| (*name, value))
        });
        let (name, source) = match (explicit, configured, &from_environment, profile) {
            (Some(name), ..) => (name, RegionSource::Flag),
            (None, Some(name), ..) => (name, RegionSource::Config),
            (None, None, Some((variable, value)), _) => {
                (value.clone(), RegionSource::Environment(variable))
            }
            (None, None, None, Some(name)) => (name, RegionSource::Profile),
            (None, None, None, None) => (FALLBACK_REGION.to_owned(), RegionSource::Default),
        };
        let overridden = from_environment.filter(|(_, value)| *value != name);
        RegionChoice {
            name,
            source,
            overridden,
        }
    }

    /// [`RegionChoice::choose`] with this process's environment and AWS
    /// profile (the profile is read only when nothing before it names a
    /// region).
    pub async fn resolve(explicit: Option<String>, configured: Option<String>) -> RegionChoice {
        let variable = |name: &str| std::env::var(name).ok();
        let needs_profile = explicit.is_none()
            && configured.is_none()
            && REGION_VARIABLES
                .iter()
                .all(|name| variable(name).is_none_or(|value| value.trim().is_empty()));
        let profile = if needs_profile {
            ProfileFileRegionProvider::new()
                .region()
                .await
                .map(|region| region.to_string())
        } else {
            None
        };
        RegionChoice::choose(explicit, configured, variable, profile)
    }
}

impl fmt::Display for RegionChoice {
    /// `eu-west-1 (portfolio-ci.yaml; AWS_REGION=us-east-1 not used)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            RegionSource::Flag => "--region",
            RegionSource::Config => "portfolio-ci.yaml",
            RegionSource::Environment(variable) => variable,
            RegionSource::Profile => "the AWS profile",
            RegionSource::Default => "default",
        };
        write!(f, "{} ({source}", self.name)?;
        if let Some((variable, value)) = &self.overridden {
            write!(f, "; {variable}={value} not used")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn choose(
        explicit: Option<&str>,
        configured: Option<&str>,
        env: &[(&str, &str)],
        profile: Option<&str>,
    ) -> String {
        RegionChoice::choose(
            explicit.map(str::to_owned),
            configured.map(str::to_owned),
            variables(env),
            profile.map(str::to_owned),
        )
        .to_string()
    }

    #[test]
    fn the_file_beats_the_region_configure_aws_credentials_exports() {
        assert_eq!(
            choose(
                None,
                Some("eu-west-1"),
                &[("AWS_REGION", "us-east-1")],
                None
            ),
            "eu-west-1 (portfolio-ci.yaml; AWS_REGION=us-east-1 not used)"
        );
        assert_eq!(
            choose(
                None,
                Some("eu-west-1"),
                &[("AWS_REGION", "eu-west-1")],
                None
            ),
            "eu-west-1 (portfolio-ci.yaml)"
        );
    }

    #[test]
    fn the_flag_beats_everything() {
        assert_eq!(
            choose(
                Some("ap-south-1"),
                Some("eu-west-1"),
                &[("AWS_DEFAULT_REGION", "us-east-1")],
                Some("us-west-2")
            ),
            "ap-south-1 (--region; AWS_DEFAULT_REGION=us-east-1 not used)"
        );
    }

    #[test]
    fn without_the_file_the_aws_environment_then_the_profile_then_the_default() {
        assert_eq!(
            choose(
                None,
                None,
                &[
                    ("AWS_REGION", "eu-central-1"),
                    ("AWS_DEFAULT_REGION", "us-east-2")
                ],
                Some("us-west-2")
            ),
            "eu-central-1 (AWS_REGION)"
        );
        assert_eq!(
            choose(
                None,
                None,
                &[("AWS_REGION", " "), ("AWS_DEFAULT_REGION", "us-east-2")],
                None
            ),
            "us-east-2 (AWS_DEFAULT_REGION)"
        );
        assert_eq!(
            choose(None, None, &[], Some("us-west-2")),
            "us-west-2 (the AWS profile)"
        );
        assert_eq!(choose(None, None, &[], None), "us-east-1 (default)");
    }
}
