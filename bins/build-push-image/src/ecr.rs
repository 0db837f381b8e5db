//! The ECR control plane: the login (token and registry host from
//! GetAuthorizationToken; ECR Public's from its own call), and the
//! repository (checked, or created the way the spec wants it) with its tag
//! mutability rules.
//!
//! The registry host is the `proxyEndpoint` ECR returns, never built by
//! hand: it differs by partition (`amazonaws.com.cn`) and endpoint kind
//! (FIPS, dual-stack `on.aws`). Calls about a repository carry
//! `registryId` when the registry is another account's.

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
};
use portfolio_core::config::Ecr as EcrSettings;
use portfolio_core::{Actions, AwsError};

use crate::auth::Credentials;
use crate::error::Error;
use crate::mutability::TagRules;

/// One registry logged in to: its host and credentials.
#[derive(Debug, Clone)]
pub struct Login {
    /// `<account>.dkr.ecr.<region>.amazonaws.com` (the proxy endpoint
    /// without its scheme).
    pub registry: String,
    /// User `AWS` and the token's password (masked).
    pub credentials: Credentials,
}

/// Logs in to the caller's registry, or to each of `registry_ids`
/// (account ids), with one GetAuthorizationToken call (its token opens
/// every registry the caller may use); the password is masked before it
/// is returned. The host of another account's registry is the caller's
/// proxy endpoint with that account's id in front, so the partition and
/// endpoint kind stay ECR's.
pub async fn login(
    ecr: &aws_sdk_ecr::Client,
    registry_ids: &[String],
    actions: &Actions,
) -> Result<Vec<Login>, Error> {
    let response = ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(|err| AwsError::new("ecr:GetAuthorizationToken", &err))?;
    let data = response.authorization_data().first().ok_or_else(|| {
        AwsError::other(
            "ecr:GetAuthorizationToken",
            "the answer holds no authorization data",
        )
    })?;
    let token = data.authorization_token().ok_or(Error::BadToken)?;
    let credentials = Credentials::from_ecr_token(token, actions)?;
    let own = data.proxy_endpoint().map(registry_host).ok_or_else(|| {
        AwsError::other(
            "ecr:GetAuthorizationToken",
            "the answer names no proxyEndpoint",
        )
    })?;
    if registry_ids.is_empty() {
        return Ok(vec![Login {
            registry: own,
            credentials,
        }]);
    }
    let suffix = match own.split_once('.') {
        Some((account, suffix)) if registry_id_of(&own).as_deref() == Some(account) => suffix,
        _ => {
            return Err(AwsError::other(
                "ecr:GetAuthorizationToken",
                format!("the proxy endpoint {own} is not an account's registry"),
            )
            .into());
        }
    };
    Ok(registry_ids
        .iter()
        .map(|id| Login {
            registry: format!("{id}.{suffix}"),
            credentials: credentials.clone(),
        })
        .collect())
}

/// The one registry host of ECR Public.
pub const PUBLIC_REGISTRY: &str = "public.ecr.aws";
/// The only region where ECR Public hands out authorization tokens.
pub const PUBLIC_AUTH_REGION: &str = "us-east-1";

/// Logs in to ECR Public (`public.ecr.aws`) with the `ecr-public`
/// GetAuthorizationToken call of `client` (a client in
/// [`PUBLIC_AUTH_REGION`]); the password is masked before it is returned.
/// ECR Public answers with one authorization and no proxy endpoint: the
/// host is always [`PUBLIC_REGISTRY`].
pub async fn login_public(
    client: &aws_sdk_ecrpublic::Client,
    actions: &Actions,
) -> Result<Login, Error> {
    const OPERATION: &str = "ecr-public:GetAuthorizationToken";
    let response = client
        .get_authorization_token()
        .send()
        .await
        .map_err(|err| AwsError::new(OPERATION, &err))?;
    let token = response
        .authorization_data()
        .and_then(aws_sdk_ecrpublic::types::AuthorizationData::authorization_token)
        .ok_or_else(|| AwsError::other(OPERATION, "the answer holds no authorization token"))?;
    Ok(Login {
        registry: PUBLIC_REGISTRY.to_owned(),
        credentials: Credentials::from_ecr_token(token, actions)?,
    })
}

/// The registry host of a proxy endpoint: `https://HOST` -> `HOST`.
pub fn registry_host(endpoint: &str) -> String {
    endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The account id of an ECR private registry host
/// (`<12 digits>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, dual-stack
/// `<12 digits>.dkr-ecr[-fips].<region>.on.aws`); `None` for any other host.
pub fn registry_id_of(host: &str) -> Option<String> {
    let mut labels = host.split('.');
    let account = labels.next()?;
    let service = labels.next()?;
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && service.starts_with("dkr"))
    .then(|| account.to_owned())
}

/// What the build needs to know about the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// Which tags may move to another image.
    pub rules: TagRules,
    /// The repository was created by this run.
    pub created: bool,
}

/// An ECR repository: its name, and the account whose registry holds it
/// when that is not the caller's.
#[derive(Debug, Clone, Copy)]
pub struct RepositoryId<'a> {
    /// Repository name.
    pub name: &'a str,
    /// `registryId` of another account's registry.
    pub registry_id: Option<&'a str>,
}

/// Looks the repository up; creates it when missing and `create` is set
/// (scan on push, encryption and tag mutability from `settings`).
pub async fn ensure_repository(
    ecr: &aws_sdk_ecr::Client,
    repository: RepositoryId<'_>,
    registry: &str,
    create: bool,
    settings: &EcrSettings,
) -> Result<Repository, Error> {
    let name = repository.name;
    let found = ecr
        .describe_repositories()
        .set_registry_id(repository.registry_id.map(str::to_owned))
        .repository_names(name)
        .send()
        .await;
    // Not found: an error, or (moto, another registry id) an empty list.
    match found {
        Ok(response) => {
            let matching = response.repositories().iter().find(|r| {
                r.repository_name() == Some(name)
                    && repository
                        .registry_id
                        .is_none_or(|id| r.registry_id() == Some(id))
            });
            if let Some(found) = matching {
                return Ok(Repository {
                    rules: TagRules::of(
                        found.image_tag_mutability(),
                        found.image_tag_mutability_exclusion_filters(),
                    ),
                    created: false,
                });
            }
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError::is_repository_not_found_exception) =>
        {}
        Err(err) => {
            return Err(AwsError::new("ecr:DescribeRepositories", &err)
                .on(name)
                .into());
        }
    }
    if !create {
        return Err(Error::MissingRepository {
            repository: name.to_owned(),
            registry: registry.to_owned(),
        });
    }
    create_repository(ecr, repository, settings).await
}

async fn create_repository(
    ecr: &aws_sdk_ecr::Client,
    repository: RepositoryId<'_>,
    settings: &EcrSettings,
) -> Result<Repository, Error> {
    let name = repository.name;
    let immutable = settings.tag_mutability == "IMMUTABLE";
    let encryption = EncryptionConfiguration::builder()
        .encryption_type(EncryptionType::from(settings.encryption.as_str()))
        .build()
        .map_err(|err| {
            AwsError::other(
                "ecr:CreateRepository",
                format!("cannot build the request: {err}"),
            )
            .on(name)
        })?;
    ecr.create_repository()
        .set_registry_id(repository.registry_id.map(str::to_owned))
        .repository_name(name)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(settings.scan_on_push)
                .build(),
        )
        .encryption_configuration(encryption)
        .image_tag_mutability(if immutable {
            ImageTagMutability::Immutable
        } else {
            ImageTagMutability::Mutable
        })
        .send()
        .await
        .map_err(|err| AwsError::new("ecr:CreateRepository", &err).on(name))?;
    Ok(Repository {
        rules: if immutable {
            TagRules::immutable()
        } else {
            TagRules::mutable()
        },
        created: true,
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecr::operation::get_authorization_token::GetAuthorizationTokenOutput;
    use aws_sdk_ecr::types::AuthorizationData;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use base64::Engine;

    use super::*;

    /// The logins for `ids` when ECR answers with `endpoint`.
    async fn logins(endpoint: &'static str, ids: &[&str]) -> Vec<String> {
        let token = mock!(aws_sdk_ecr::Client::get_authorization_token).then_output(move || {
            GetAuthorizationTokenOutput::builder()
                .authorization_data(
                    AuthorizationData::builder()
                        .authorization_token(
                            base64::engine::general_purpose::STANDARD.encode("AWS:pw"),
                        )
                        .proxy_endpoint(endpoint)
                        .build(),
                )
                .build()
        });
        let ecr = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&token]);
        let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        login(&ecr, &ids, &Actions::disabled())
            .await
            .unwrap()
            .into_iter()
            .map(|login| login.registry)
            .collect()
    }

    #[tokio::test]
    async fn registry_hosts_keep_the_partition_and_endpoint_kind_of_ecr() {
        assert_eq!(
            logins(
                "https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                &[]
            )
            .await,
            ["123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"]
        );
        assert_eq!(
            logins(
                "https://123456789012.dkr-ecr.us-east-1.on.aws",
                &["210987654321", "111122223333"]
            )
            .await,
            [
                "210987654321.dkr-ecr.us-east-1.on.aws",
                "111122223333.dkr-ecr.us-east-1.on.aws"
            ]
        );
    }

    #[test]
    fn account_ids_come_only_from_ecr_private_hosts() {
        for (host, id) in [
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                Some("123456789012"),
            ),
            (
                "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
                Some("123456789012"),
            ),
            (
                "123456789012.dkr-ecr.us-east-1.on.aws",
                Some("123456789012"),
            ),
            (
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                Some("123456789012"),
            ),
            ("public.ecr.aws", None),
            ("127.0.0.1:5000", None),
            ("12345.dkr.ecr.eu-west-1.amazonaws.com", None),
        ] {
            assert_eq!(registry_id_of(host).as_deref(), id, "{host}");
        }
    }
}
