//! What ECS does before a task's containers can start: registry auth for its images.
//!
//! A minimal stand-in with the API of the full checks (image resolution, secrets):
//! it gets the ECR authorization token for images of the configured registry, as the
//! ECS agent does with the task execution role, and resolves nothing else (no digests,
//! no secrets).

use aws_sdk_ecr as ecr;

use crate::plane::LaunchOrder;

/// Where the checks find the registry and the AWS APIs.
#[derive(Debug, Clone, Default)]
pub struct ChecksConfig {
    /// The registry standing in for ECR's data plane, if any.
    pub registry: Option<RegistryAccess>,
    /// The AWS endpoint (ECR, SSM, Secrets Manager), e.g. moto's.
    pub aws_endpoint: Option<String>,
}

/// A registry whose images need ECR's authorization token.
#[derive(Debug, Clone)]
pub struct RegistryAccess {
    /// `HOST:PORT` as image references name it.
    pub host: String,
    /// Whether it speaks plain HTTP.
    pub insecure: bool,
}

/// Runs the checks of a launch order.
#[derive(Debug)]
pub struct Checks {
    config: ChecksConfig,
}

/// What a task needs to start, once the checks passed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepared {
    /// `(container, sha256 digest)` of the images resolved.
    pub digests: Vec<(String, String)>,
    /// `(container, environment variable, value)` of the secrets read.
    pub secrets: Vec<(String, String, String)>,
    /// `(user, password)` for the registry, when an image lives there.
    pub registry_auth: Option<(String, String)>,
}

/// Why a task cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    /// The container the reason belongs to, if one.
    pub container: Option<String>,
    /// ECS's text.
    pub reason: String,
}

impl Checks {
    /// Checks with `config`.
    ///
    /// # Errors
    /// Never in this minimal version.
    pub fn new(config: ChecksConfig) -> Result<Checks, crate::Error> {
        Ok(Checks { config })
    }

    /// Run the checks of `order`.
    ///
    /// # Errors
    /// A [`StartFailure`] when the registry's authorization token cannot be had.
    pub async fn prepare(&self, order: &LaunchOrder) -> Result<Prepared, StartFailure> {
        let (Some(registry), Some(endpoint)) = (&self.config.registry, &self.config.aws_endpoint)
        else {
            return Ok(Prepared::default());
        };
        let prefix = format!("{}/", registry.host);
        let uses_registry = order
            .definition
            .get("containerDefinitions")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("image").and_then(serde_json::Value::as_str))
            .any(|image| image.starts_with(&prefix));
        if !uses_registry {
            return Ok(Prepared::default());
        }
        let password = ecr_password(endpoint, &order.region)
            .await
            .map_err(|detail| StartFailure {
                container: None,
                reason: format!(
                    "ResourceInitializationError: unable to pull secrets or registry auth: {detail}"
                ),
            })?;
        Ok(Prepared {
            registry_auth: Some(("AWS".to_owned(), password)),
            ..Prepared::default()
        })
    }
}

/// The password in ECR's authorization token (`base64("AWS:<password>")`).
async fn ecr_password(endpoint: &str, region: &str) -> Result<String, String> {
    use base64::Engine as _;
    // The task execution role's identity; the local AWS stand-in accepts any.
    let credentials =
        aws_credential_types::Credentials::new("ecs-sim", "ecs-sim", None, None, "ecs-sim");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .load()
        .await;
    let answer = ecr::Client::new(&config)
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| {
            format!(
                "ecr:GetAuthorizationToken: {}",
                ecr::error::DisplayErrorContext(e)
            )
        })?;
    let token = answer
        .authorization_data()
        .first()
        .and_then(|d| d.authorization_token())
        .ok_or("ecr:GetAuthorizationToken returned no token")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|e| format!("ecr authorization token: {e}"))?;
    String::from_utf8_lossy(&decoded)
        .strip_prefix("AWS:")
        .map(str::to_owned)
        .ok_or_else(|| "ecr authorization token is not AWS:<password>".to_owned())
}
