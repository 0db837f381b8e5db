//! AwsError from SDK errors built by hand: service errors from their
//! metadata, and the failures that never reach the service.

use std::io;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::error::ErrorMetadata;

use super::*;
use crate::exit::{FAILED, render};

type Sdk = SdkError<ErrorMetadata, ()>;

fn service(code: Option<&str>, message: Option<&str>) -> Sdk {
    let mut meta = ErrorMetadata::builder();
    if let Some(code) = code {
        meta = meta.code(code);
    }
    if let Some(message) = message {
        meta = meta.message(message);
    }
    SdkError::service_error(meta.build(), ())
}

fn no_credentials() -> Sdk {
    let provider = CredentialsError::not_loaded("no providers in chain provided credentials");
    SdkError::dispatch_failure(ConnectorError::other(Box::new(provider), None))
}

fn refused() -> Sdk {
    let io = io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused");
    SdkError::dispatch_failure(ConnectorError::io(Box::new(io)))
}

#[test]
fn a_service_error_keeps_its_code_message_and_target() {
    let err = AwsError::new(
        "ecs:UpdateService",
        &service(
            Some("AccessDeniedException"),
            Some("User: arn:aws:iam::1:user/ci is not authorized to perform: ecs:UpdateService"),
        ),
    )
    .on("portfolio-dev/backend");
    assert_eq!(
        err.to_string(),
        "ecs:UpdateService on portfolio-dev/backend failed: AccessDeniedException: \
         User: arn:aws:iam::1:user/ci is not authorized to perform: ecs:UpdateService"
    );
    assert_eq!(err.kind, AwsErrorKind::Service);
    assert!(err.has_code("AccessDeniedException"));
    assert!(!err.has_code("ClientException"));
    assert_eq!(err.exit_code(), FAILED);
    assert!(!err.is_transient());
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains("IAM permission ecs:UpdateService on portfolio-dev/backend"),
        "{hint}"
    );
    // One line, nothing more for `finish` to add.
    assert_eq!(render(&err), err.to_string());
}

#[test]
fn without_a_target_or_message_the_code_alone_is_shown() {
    let err = AwsError::new(
        "ecr:GetAuthorizationToken",
        &service(Some("AccessDenied"), None),
    );
    assert_eq!(
        err.to_string(),
        "ecr:GetAuthorizationToken failed: AccessDenied"
    );
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains("IAM permission ecr:GetAuthorizationToken:"),
        "{hint}"
    );
}

#[test]
fn a_service_error_without_metadata_shows_the_error_itself() {
    let err = AwsError::new("ecs:ListTasks", &service(None, None));
    assert_eq!(err.code, None);
    assert!(err.message.starts_with("Error"), "{}", err.message);
    assert!(!err.message.is_empty());
}

#[test]
fn missing_credentials_say_how_to_provide_them() {
    let err = AwsError::new("sts:GetCallerIdentity", &no_credentials());
    assert_eq!(err.kind, AwsErrorKind::Credentials);
    assert_eq!(err.code, None);
    let text = err.to_string();
    assert_eq!(
        text,
        "sts:GetCallerIdentity failed: no usable AWS credentials (-v shows what each provider \
         of the chain said)"
    );
    assert!(!err.is_transient());
    let hint = err.hint().unwrap_or_default();
    for needed in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        "aws-actions/configure-aws-credentials",
    ] {
        assert!(hint.contains(needed), "{needed}: {hint}");
    }
}

#[test]
fn an_unreachable_endpoint_names_the_endpoint_variables() {
    let err = AwsError::new("ecs:DescribeServices", &refused()).on("portfolio-dev/backend");
    assert_eq!(err.kind, AwsErrorKind::Unreachable);
    assert_eq!(
        err.to_string(),
        "ecs:DescribeServices on portfolio-dev/backend failed: \
         cannot reach the endpoint: Connection refused"
    );
    assert!(err.is_transient());
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains("AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_ECS"),
        "{hint}"
    );

    let logs = AwsError::new("logs:GetLogEvents", &refused());
    let hint = logs.hint().unwrap_or_default();
    assert!(hint.contains("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"), "{hint}");
}

#[test]
fn a_timeout_keeps_its_cause() {
    let err = AwsError::new(
        "ecr:DescribeImages",
        &Sdk::timeout_error("HTTP read timeout occurred after 10s"),
    );
    assert_eq!(err.kind, AwsErrorKind::Timeout);
    assert_eq!(
        err.to_string(),
        "ecr:DescribeImages failed: no answer in time: HTTP read timeout occurred after 10s"
    );
    assert!(err.is_transient());
    assert!(
        err.hint()
            .unwrap_or_default()
            .contains("AWS_ENDPOINT_URL_ECR")
    );
}

#[test]
fn expired_tokens_invalid_keys_and_throttling_have_hints() {
    let expired = AwsError::new(
        "ecr:DescribeImages",
        &service(
            Some("ExpiredTokenException"),
            Some("The security token included in the request is expired"),
        ),
    );
    assert!(expired.hint().unwrap_or_default().contains("expired"));
    assert!(!expired.is_transient());

    let invalid = AwsError::new(
        "sts:GetCallerIdentity",
        &service(
            Some("InvalidClientTokenId"),
            Some("The security token is invalid"),
        ),
    );
    assert!(invalid.hint().unwrap_or_default().contains("AWS_PROFILE"));

    let throttled = AwsError::new(
        "ecs:DescribeServices",
        &service(Some("ThrottlingException"), Some("Rate exceeded")),
    );
    assert!(throttled.is_transient());
    assert!(throttled.hint().unwrap_or_default().contains("throttled"));
}

#[test]
fn other_codes_have_no_hint_and_are_not_transient() {
    let err = AwsError::new(
        "ecs:RegisterTaskDefinition",
        &service(Some("ClientException"), Some("Invalid 'cpu' setting")),
    );
    assert_eq!(err.hint(), None);
    assert!(!err.is_transient());
    assert!(err.has_code("ClientException"));
}

#[test]
fn a_failure_of_the_tool_reads_like_one_of_the_sdk() {
    let err = AwsError::other("ecs:UpdateService", "the answer has no PRIMARY deployment")
        .on("portfolio-dev/backend");
    assert_eq!(
        err.to_string(),
        "ecs:UpdateService on portfolio-dev/backend failed: the answer has no PRIMARY deployment"
    );
    assert_eq!(err.kind, AwsErrorKind::Other);
    assert_eq!(err.hint(), None);
    assert_eq!(err.exit_code(), FAILED);
}
