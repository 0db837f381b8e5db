//! AWS client setup shared by every tool.
//!
//! The standard credential chain and environment (`AWS_REGION`,
//! `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by aws-config itself; this module only adds the region fallback
//! from the configuration and the standard retry mode.

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Region used when neither a flag, the AWS environment nor the
/// configuration names one: the architecture spec's region.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Loads the shared SDK configuration.
///
/// `region` is the explicit choice (a flag); when `None`, the AWS
/// environment and profile decide, then `configured` (portfolio-ci.yaml),
/// then [`FALLBACK_REGION`]. Retries use the standard mode with
/// `max_attempts` attempts in all.
pub async fn load(
    region: Option<String>,
    configured: Option<String>,
    max_attempts: u32,
) -> SdkConfig {
    let fallback = configured.unwrap_or_else(|| FALLBACK_REGION.to_owned());
    let chain = RegionProviderChain::first_try(region.map(Region::new))
        .or_default_provider()
        .or_else(Region::new(fallback));
    aws_config::defaults(BehaviorVersion::latest())
        .region(chain)
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts.max(1)))
        .load()
        .await
}
