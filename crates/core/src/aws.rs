//! AWS client setup shared by every tool.
//!
//! The standard credential chain and environment (`AWS_REGION`,
//! `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by aws-config itself; this module only adds the region fallback
//! from the configuration and the standard retry mode.

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Region used when neither a flag, the AWS environment nor the
/// configuration names one: the architecture spec's region.
pub const FALLBACK_REGION: &str = "us-east-1";

/// The region chain every tool uses, for its clients and for anything it
/// writes (log configuration, `${REGION}`): `explicit` (a flag), then
/// `AWS_REGION` / `AWS_DEFAULT_REGION`, then the AWS profile, then
/// `configured` (portfolio-ci.yaml), then [`FALLBACK_REGION`].
///
/// Instance metadata is not asked: a file that names a region is the
/// user's choice and beats a guess from the machine the job runs on, and a
/// laptop does not wait for a metadata endpoint that is not there.
pub fn region_chain(explicit: Option<String>, configured: Option<String>) -> RegionProviderChain {
    let fallback = configured.unwrap_or_else(|| FALLBACK_REGION.to_owned());
    RegionProviderChain::first_try(explicit.map(Region::new))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
        .or_else(Region::new(fallback))
}

/// The region [`region_chain`] settles on.
pub async fn region(explicit: Option<String>, configured: Option<String>) -> String {
    region_chain(explicit, configured)
        .region()
        .await
        .map_or_else(|| FALLBACK_REGION.to_owned(), |region| region.to_string())
}

/// Loads the shared SDK configuration.
///
/// `region` is the explicit choice (a flag); [`region_chain`] decides the
/// rest. Retries use the standard mode with `max_attempts` attempts in all.
pub async fn load(
    region: Option<String>,
    configured: Option<String>,
    max_attempts: u32,
) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(region_chain(region, configured))
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts.max(1)))
        .load()
        .await
}
