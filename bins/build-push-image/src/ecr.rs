//! The ECR control plane: the account's registry host, the login token,
//! and the repository (checked, or created the way the spec wants it).

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
};
use portfolio_core::config::Ecr as EcrSettings;
use portfolio_core::{Actions, AwsError};

use crate::auth::Credentials;
use crate::error::Error;

/// `<account>.dkr.ecr.<region>.amazonaws.com` of the caller's account.
pub async fn registry_host(sts: &aws_sdk_sts::Client, region: &str) -> Result<String, Error> {
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| AwsError::new("sts:GetCallerIdentity", &err))?;
    let account = identity
        .account()
        .ok_or_else(|| AwsError::other("sts:GetCallerIdentity", "the answer names no account"))?;
    Ok(format!("{account}.dkr.ecr.{region}.amazonaws.com"))
}

/// Registry credentials from ECR GetAuthorizationToken, password masked.
pub async fn credentials(
    ecr: &aws_sdk_ecr::Client,
    actions: &Actions,
) -> Result<Credentials, Error> {
    let response = ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(|err| AwsError::new("ecr:GetAuthorizationToken", &err))?;
    let token = response
        .authorization_data()
        .first()
        .and_then(|data| data.authorization_token())
        .ok_or(Error::BadToken)?;
    Credentials::from_ecr_token(token, actions)
}

/// What the build needs to know about the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// Tags cannot move (`IMMUTABLE`).
    pub immutable: bool,
    /// The repository was created by this run.
    pub created: bool,
}

/// Looks the repository up; creates it when missing and `create` is set
/// (scan on push, encryption and tag mutability from `settings`).
pub async fn ensure_repository(
    ecr: &aws_sdk_ecr::Client,
    name: &str,
    registry: &str,
    create: bool,
    settings: &EcrSettings,
) -> Result<Repository, Error> {
    let found = ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await;
    match found {
        Ok(response) => {
            let immutable = response.repositories().first().is_some_and(|r| {
                matches!(
                    r.image_tag_mutability(),
                    Some(ImageTagMutability::Immutable)
                )
            });
            Ok(Repository {
                immutable,
                created: false,
            })
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError::is_repository_not_found_exception) =>
        {
            if !create {
                return Err(Error::MissingRepository {
                    repository: name.to_owned(),
                    registry: registry.to_owned(),
                });
            }
            create_repository(ecr, name, settings).await
        }
        Err(err) => Err(AwsError::new("ecr:DescribeRepositories", &err)
            .on(name)
            .into()),
    }
}

async fn create_repository(
    ecr: &aws_sdk_ecr::Client,
    name: &str,
    settings: &EcrSettings,
) -> Result<Repository, Error> {
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
        immutable,
        created: true,
    })
}
