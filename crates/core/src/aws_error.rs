//! The one way a failed AWS call becomes an error of a tool.
//!
//! Every tool wraps the SDK's `SdkError<E, R>` in an [`AwsError`]: the
//! operation in IAM form (`ecs:UpdateService`, which is also the permission
//! to grant), what it was about, the service's error code and message, and
//! for failures that never reached the service (no credentials, an
//! unreachable endpoint, a timeout) the chain of causes. It is a
//! [`Failure`] (exit 1) with a hint for the common cases, so a tool only
//! adds a `Aws(#[from] AwsError)` variant to its own error type.
//!
//! The message is kept as text, not as the SDK error, so the type has no SDK
//! generics and is the same in every tool; the classification
//! ([`AwsErrorKind`]) and the code stay typed for callers that decide what
//! to do from them (retry, or report a rejection).

use std::error::Error;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::exit::Failure;

/// What kind of failure an [`AwsError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// The service answered with an error (`code` and `message` are its own).
    Service,
    /// No credentials could be loaded (or their provider failed).
    Credentials,
    /// The request could not be sent: the endpoint is unreachable.
    Unreachable,
    /// No answer in time.
    Timeout,
    /// An answer came back that could not be read.
    Response,
    /// The request could not be built.
    Request,
    /// The call succeeded but its answer was not what the tool needs.
    Other,
}

/// A failed AWS call, with what the user needs to act on it.
///
/// Displays as `ecs:UpdateService on portfolio-dev/backend failed:
/// AccessDeniedException: User ... is not authorized ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The operation in IAM form (`ecr:DescribeImages`).
    pub operation: &'static str,
    /// The resource it was about (a repository, `cluster/service`), if any.
    pub target: Option<String>,
    /// The service's error code (`AccessDeniedException`), when it answered.
    pub code: Option<String>,
    /// The service's message, or the chain of causes of a failure that
    /// never reached the service.
    pub message: String,
    /// What kind of failure this is.
    pub kind: AwsErrorKind,
}

impl AwsError {
    /// The failure of `operation` as the SDK returned it.
    pub fn new<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + Error + 'static,
        R: fmt::Debug + 'static,
    {
        let (kind, code, message) = match err {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                let message = match inner.message() {
                    Some(message) => message.to_owned(),
                    None if inner.code().is_some() => String::new(),
                    None => chain(inner),
                };
                (
                    AwsErrorKind::Service,
                    inner.code().map(str::to_owned),
                    message,
                )
            }
            _ if lacks_credentials(err) => {
                // What each provider of the chain said is detail for -v;
                // the message and the hint say what to do.
                tracing::debug!("{operation}: the credential chain: {}", causes(err));
                (
                    AwsErrorKind::Credentials,
                    None,
                    "no usable AWS credentials (-v shows what each provider of the chain said)"
                        .to_owned(),
                )
            }
            SdkError::DispatchFailure(failure) if failure.is_timeout() => (
                AwsErrorKind::Timeout,
                None,
                format!("no answer in time: {}", causes(err)),
            ),
            SdkError::DispatchFailure(_) => (
                AwsErrorKind::Unreachable,
                None,
                format!("cannot reach the endpoint: {}", causes(err)),
            ),
            SdkError::TimeoutError(_) => (
                AwsErrorKind::Timeout,
                None,
                format!("no answer in time: {}", causes(err)),
            ),
            SdkError::ResponseError(_) => (
                AwsErrorKind::Response,
                None,
                format!("unreadable answer: {}", causes(err)),
            ),
            SdkError::ConstructionFailure(_) => (
                AwsErrorKind::Request,
                None,
                format!("cannot build the request: {}", causes(err)),
            ),
            _ => (AwsErrorKind::Other, None, chain(err)),
        };
        AwsError {
            operation,
            target: None,
            code,
            message,
            kind,
        }
    }

    /// A failure of `operation` that is not the SDK's: an answer that
    /// lacks what the tool needs, or a request the tool could not build.
    pub fn other(operation: &'static str, message: impl Into<String>) -> Self {
        AwsError {
            operation,
            target: None,
            code: None,
            message: message.into(),
            kind: AwsErrorKind::Other,
        }
    }

    /// The same failure, about `target` (a repository, `cluster/service`).
    #[must_use]
    pub fn on(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// True when the service answered with error code `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// True for failures worth another try later: throttling, timeouts, an
    /// unreachable endpoint, an unreadable answer, a server-side error.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            AwsErrorKind::Unreachable | AwsErrorKind::Timeout | AwsErrorKind::Response => true,
            AwsErrorKind::Service => self.code.as_deref().is_some_and(|code| {
                is_throttling(code)
                    || matches!(
                        code,
                        "ServerException"
                            | "ServiceUnavailable"
                            | "ServiceUnavailableException"
                            | "InternalFailure"
                            | "InternalServerError"
                    )
            }),
            AwsErrorKind::Credentials | AwsErrorKind::Request | AwsErrorKind::Other => false,
        }
    }

    /// `AWS_ENDPOINT_URL_<SERVICE>` of the operation's service
    /// (`ecs:...` gives `AWS_ENDPOINT_URL_ECS`, `logs:...` gives
    /// `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`).
    fn endpoint_variable(&self) -> Option<String> {
        let (service, _) = self.operation.split_once(':')?;
        let id = match service {
            "logs" => "CLOUDWATCH_LOGS".to_owned(),
            other => other.to_uppercase().replace('-', "_"),
        };
        Some(format!("AWS_ENDPOINT_URL_{id}"))
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if let Some(target) = &self.target {
            write!(f, " on {target}")?;
        }
        f.write_str(" failed: ")?;
        match (&self.code, self.message.is_empty()) {
            (Some(code), true) => f.write_str(code),
            (Some(code), false) => write!(f, "{code}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl Error for AwsError {}

impl Failure for AwsError {
    fn hint(&self) -> Option<String> {
        const SET_CREDENTIALS: &str = "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
             or use aws-actions/configure-aws-credentials in a workflow";
        match self.kind {
            AwsErrorKind::Credentials => return Some(SET_CREDENTIALS.to_owned()),
            AwsErrorKind::Unreachable | AwsErrorKind::Timeout => {
                let service = self
                    .endpoint_variable()
                    .map(|name| format!(" or {name}"))
                    .unwrap_or_default();
                return Some(format!(
                    "check the network and AWS_REGION; if AWS_ENDPOINT_URL{service} is set, \
                     it must point at a running endpoint"
                ));
            }
            _ => {}
        }
        let code = self.code.as_deref()?;
        if code.starts_with("ExpiredToken") {
            Some(
                "the session credentials have expired: renew them (aws sso login, a new \
                 AWS_SESSION_TOKEN, or aws-actions/configure-aws-credentials in a workflow)"
                    .to_owned(),
            )
        } else if code.starts_with("AccessDenied") || code == "UnauthorizedOperation" {
            let on = self
                .target
                .as_ref()
                .map(|target| format!(" on {target}"))
                .unwrap_or_default();
            Some(format!(
                "the credentials in use lack the IAM permission {}{on}: grant it to their \
                 role or user, or use other credentials (AWS_PROFILE)",
                self.operation
            ))
        } else if matches!(
            code,
            "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "InvalidSignatureException"
        ) {
            Some(format!(
                "AWS did not accept the credentials: {SET_CREDENTIALS}, with keys that are valid \
                 for this account"
            ))
        } else if is_throttling(code) {
            Some(
                "AWS throttled the calls even after retries: wait a little and run again, \
                 with fewer runs at once against this account"
                    .to_owned(),
            )
        } else {
            None
        }
    }
}

/// True for the error codes of throttling.
fn is_throttling(code: &str) -> bool {
    code.contains("Throttl")
        || matches!(
            code,
            "TooManyRequestsException" | "RequestLimitExceeded" | "SlowDown"
        )
}

/// True when a credentials provider's error is among the causes of `err`
/// (or, for providers that wrap it in their own type, its text says so).
fn lacks_credentials(err: &(dyn Error + 'static)) -> bool {
    let mut source = Some(err);
    while let Some(cause) = source {
        if cause.is::<CredentialsError>() {
            return true;
        }
        source = cause.source();
    }
    let text = chain(err);
    text.contains("no credentials") || text.contains("CredentialsNotLoaded")
}

/// The causes of `err` (not its own text, which only names the SDK's
/// category), joined with `: `.
fn causes(err: &(dyn Error + 'static)) -> String {
    match err.source() {
        Some(source) => chain(source),
        None => err.to_string(),
    }
}

/// `err` and its causes on one line, skipping the connector's bare kind
/// (`io error`, `other`) and causes whose text is already there.
fn chain(err: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(err);
    while let Some(cause) = source {
        if !cause.is::<ConnectorError>() {
            let text = cause.to_string();
            if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
                parts.push(text);
            }
        }
        source = cause.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests;
