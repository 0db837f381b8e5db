//! Secrets, private registry credentials and the ECR token, read the way ECS's task
//! execution role reads them (SSM `GetParameters`, Secrets Manager `GetSecretValue`,
//! ECR `GetAuthorizationToken`), with the texts ECS writes when one cannot be had.
//! Values are returned, never logged.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use base64::Engine as _;
use serde_json::Value;

use super::StartFailure;

/// SSM `GetParameters` takes at most this many names.
const SSM_BATCH: usize = 10;

/// One secret of a container: the variable it fills and where its value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    /// An SSM parameter: its region (from an ARN) and name.
    Ssm {
        /// The region of the ARN, if `valueFrom` was one.
        region: Option<String>,
        /// The parameter name.
        name: String,
    },
    /// A Secrets Manager secret, `arn:...:secret:NAME[:json-key[:version-stage[:version-id]]]`.
    Asm {
        /// The region of the ARN.
        region: String,
        /// The secret's ARN without the suffixes.
        secret_id: String,
        /// The JSON key whose value is wanted, if any.
        json_key: Option<String>,
        /// The version stage, if any.
        version_stage: Option<String>,
        /// The version id, if any.
        version_id: Option<String>,
    },
}

impl Source {
    /// Where `value_from` points: a Secrets Manager ARN, else SSM (a name or an ARN).
    pub(super) fn parse(value_from: &str) -> Self {
        let parts: Vec<&str> = value_from.split(':').collect();
        let non_empty = |i: usize| {
            parts
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| (*s).to_owned())
        };
        if parts.len() >= 7 && parts[0] == "arn" && parts[2] == "secretsmanager" {
            return Source::Asm {
                region: parts[3].to_owned(),
                secret_id: parts[..7].join(":"),
                json_key: non_empty(7),
                version_stage: non_empty(8),
                version_id: non_empty(9),
            };
        }
        if parts.len() >= 6 && parts[0] == "arn" && parts[2] == "ssm" {
            let resource = parts[5..].join(":");
            if let Some(rest) = resource.strip_prefix("parameter") {
                // `parameter/a/b` names `/a/b`; `parameter/x` names `x`.
                let name = match rest.strip_prefix('/') {
                    Some(flat) if !flat.contains('/') => flat.to_owned(),
                    _ => rest.to_owned(),
                };
                return Source::Ssm {
                    region: Some(parts[3].to_owned()),
                    name,
                };
            }
        }
        Source::Ssm {
            region: None,
            name: value_from.to_owned(),
        }
    }
}

/// Clients of moto (or any endpoint) with the stand-in's fixed credentials.
#[derive(Debug, Clone)]
pub(super) struct Aws {
    sdk: SdkConfig,
}

impl Aws {
    /// Clients of `endpoint` in `region` (secrets named by ARN use the ARN's region).
    pub(super) async fn new(endpoint: &str, region: &str) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                "testing", "testing", None, None, "ecs-sim",
            ))
            .load()
            .await;
        Self { sdk }
    }

    fn ssm(&self, region: &str) -> aws_sdk_ssm::Client {
        let config = aws_sdk_ssm::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_ssm::Client::from_conf(config)
    }

    fn asm(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        let config = aws_sdk_secretsmanager::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    }

    /// The `secrets` of `container` (named `name`), as `(container, variable, value)`.
    pub(super) async fn read_secrets(
        &self,
        name: &str,
        container: &Value,
        region: &str,
    ) -> Result<Vec<(String, String, String)>, StartFailure> {
        let wanted: Vec<(String, String)> = container
            .get("secrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let variable = s.get("name")?.as_str()?;
                let value_from = s.get("valueFrom")?.as_str()?;
                Some((variable.to_owned(), value_from.to_owned()))
            })
            .collect();
        let fail = |detail: String| StartFailure::resource(Some(name.to_owned()), &detail);
        let mut ssm: Vec<(String, String, String)> = Vec::new(); // variable, region, name
        let mut values = Vec::new();
        for (variable, value_from) in &wanted {
            match Source::parse(value_from) {
                Source::Ssm {
                    region: arn_region,
                    name: parameter,
                } => ssm.push((
                    variable.clone(),
                    arn_region.unwrap_or_else(|| region.to_owned()),
                    parameter,
                )),
                source @ Source::Asm { .. } => {
                    let value = self.secret_value(&source).await.map_err(fail)?;
                    values.push((name.to_owned(), variable.clone(), value));
                }
            }
        }
        let mut regions: Vec<&str> = ssm.iter().map(|(_, r, _)| r.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        for wanted_region in regions {
            let names: Vec<String> = ssm
                .iter()
                .filter(|(_, r, _)| r == wanted_region)
                .map(|(_, _, n)| n.clone())
                .collect();
            let found = self.parameters(wanted_region, &names).await.map_err(fail)?;
            for (variable, r, parameter) in &ssm {
                if r != wanted_region {
                    continue;
                }
                if let Some((_, value)) = found.iter().find(|(n, _)| n == parameter) {
                    values.push((name.to_owned(), variable.clone(), value.clone()));
                }
            }
        }
        Ok(values)
    }

    /// The values of SSM parameters `names` in `region`, as `(name, value)`.
    async fn parameters(
        &self,
        region: &str,
        names: &[String],
    ) -> Result<Vec<(String, String)>, String> {
        let client = self.ssm(region);
        let mut found = Vec::new();
        let mut invalid = Vec::new();
        for batch in names.chunks(SSM_BATCH) {
            let answer = client
                .get_parameters()
                .set_names(Some(batch.to_vec()))
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "unable to retrieve secrets from ssm: service call has been retried 1 time(s): {}",
                        describe(e.code(), e.message())
                    )
                })?;
            invalid.extend(answer.invalid_parameters().iter().cloned());
            for parameter in answer.parameters() {
                if let (Some(n), Some(v)) = (parameter.name(), parameter.value()) {
                    found.push((n.to_owned(), v.to_owned()));
                }
            }
        }
        // A name asked for and neither found nor listed as invalid is missing all the same.
        for n in names {
            if !found.iter().any(|(f, _)| f == n) && !invalid.contains(n) {
                invalid.push(n.clone());
            }
        }
        if invalid.is_empty() {
            Ok(found)
        } else {
            Err(format!(
                "unable to retrieve secrets from ssm: invalid parameters: {}",
                invalid.join(",")
            ))
        }
    }

    /// The value a Secrets Manager `source` names (the whole secret string, or one key
    /// of its JSON).
    async fn secret_value(&self, source: &Source) -> Result<String, String> {
        let Source::Asm {
            region,
            secret_id,
            json_key,
            version_stage,
            version_id,
        } = source
        else {
            return Err("unable to retrieve secret from asm: not a Secrets Manager ARN".into());
        };
        let answer = self
            .asm(region)
            .get_secret_value()
            .secret_id(secret_id)
            .set_version_stage(version_stage.clone())
            .set_version_id(version_id.clone())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "unable to retrieve secret from asm: service call has been retried 1 time(s): \
                     failed to fetch secret {secret_id} from secrets manager: {}",
                    describe(e.code(), e.message())
                )
            })?;
        let text = answer.secret_string().unwrap_or_default().to_owned();
        let Some(key) = json_key else {
            return Ok(text);
        };
        let value = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|json| json.get(key).cloned());
        match value {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err(format!(
                "unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key {key}"
            )),
        }
    }

    /// The `(username, password)` of `container`'s `repositoryCredentials`, if it has
    /// them (a Secrets Manager secret holding `{"username": ..., "password": ...}`).
    pub(super) async fn repository_credentials(
        &self,
        name: &str,
        container: &Value,
    ) -> Result<Option<(String, String)>, StartFailure> {
        let Some(parameter) = container
            .pointer("/repositoryCredentials/credentialsParameter")
            .and_then(Value::as_str)
        else {
            return Ok(None);
        };
        let fail = |detail: String| StartFailure::resource(Some(name.to_owned()), &detail);
        let source = Source::parse(parameter);
        let text = self.secret_value(&source).await.map_err(fail)?;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let field = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
        match (field("username"), field("password")) {
            (Some(user), Some(password)) => Ok(Some((user, password))),
            _ => Err(fail(format!(
                "unable to retrieve secret from asm: secret {parameter} does not hold a username and a password"
            ))),
        }
    }

    /// ECR's registry credentials in `region`: `GetAuthorizationToken`, whose token is
    /// `base64("AWS:<password>")`.
    pub(super) async fn ecr_auth(&self, region: &str) -> Result<(String, String), StartFailure> {
        let config = aws_sdk_ecr::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .build();
        let fail = |detail: String| {
            StartFailure::resource(
                None,
                &format!(
                    "unable to retrieve ecr registry auth: service call has been retried 3 time(s): {detail}"
                ),
            )
        };
        let answer = aws_sdk_ecr::Client::from_conf(config)
            .get_authorization_token()
            .send()
            .await
            .map_err(|e| fail(describe(e.code(), e.message())))?;
        answer
            .authorization_data()
            .iter()
            .find_map(|data| decode_token(data.authorization_token()?))
            .ok_or_else(|| fail("no usable authorization token in the answer".into()))
    }
}

/// `base64("USER:PASSWORD")` -> `(USER, PASSWORD)`.
fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// An AWS error as the Go SDK ECS uses prints it: `Code: message`.
fn describe(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => "RequestError: send request failed".to_owned(),
    }
}
