//! AWS JSON 1.1 error responses: `{"__type": "...", "message": "..."}`, HTTP 400, with
//! the `x-amzn-errortype` header the SDKs also read.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::Rejection;

/// An error as the AWS API reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The `__type`, e.g. `ClusterNotFoundException`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// An error of type `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// InvalidParameterException.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    /// ClientException.
    pub fn client(message: impl Into<String>) -> Self {
        Self::new("ClientException", message)
    }

    /// ThrottlingException "Rate exceeded".
    #[must_use]
    pub fn throttled() -> Self {
        Self::new("ThrottlingException", "Rate exceeded")
    }

    /// UnknownOperationException.
    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("The operation {target:?} is not supported by ecs-sim."),
        )
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let code = match &r {
            Rejection::ClusterNotFound => "ClusterNotFoundException",
            Rejection::ServiceNotFound => "ServiceNotFoundException",
            Rejection::ServiceNotActive => "ServiceNotActiveException",
            Rejection::InvalidParameter(_) => "InvalidParameterException",
            Rejection::Client(_) => "ClientException",
            Rejection::ServiceDeploymentNotFound => "ServiceDeploymentNotFoundException",
            Rejection::Conflict(_) => "ConflictException",
        };
        Self::new(code, r.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.code, "message": self.message}).to_string();
        let mut res = (StatusCode::BAD_REQUEST, body).into_response();
        let headers = res.headers_mut();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        res
    }
}
