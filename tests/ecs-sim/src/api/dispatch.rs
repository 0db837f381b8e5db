//! Route a request to ECS or CloudWatch Logs by its `X-Amz-Target`, after fault
//! injection (throttling), body parsing and region detection.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ecs::{self, Call};
use super::errors::ApiError;
use super::logs;
use crate::shared::Shared;

/// Target prefix of ECS operations.
pub const ECS_PREFIX: &str = "AmazonEC2ContainerServiceV20141113";
/// Target prefix of CloudWatch Logs operations.
pub const LOGS_PREFIX: &str = "Logs_20140328";

/// The axum handler for every API call.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = header(&headers, "x-amz-target").unwrap_or_default();
    match respond(&shared, &headers, &body) {
        Ok(v) => {
            let mut res = (StatusCode::OK, v.to_string()).into_response();
            res.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("application/x-amz-json-1.1"),
            );
            res
        }
        Err(e) => {
            tracing::debug!(target = %target, error = %e, "request failed");
            e.into_response()
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The region of the SigV4 credential scope (`Credential=AKID/DATE/REGION/SERVICE/...`),
/// or us-east-1.
#[must_use]
pub fn region_from(headers: &HeaderMap) -> String {
    header(headers, "authorization")
        .and_then(|auth| {
            let cred = auth.split("Credential=").nth(1)?;
            let scope = cred.split([',', ' ']).next()?;
            let region = scope.split('/').nth(2)?;
            (!region.is_empty()).then(|| region.to_owned())
        })
        .unwrap_or_else(|| "us-east-1".to_owned())
}

fn respond(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let target = header(headers, "x-amz-target").unwrap_or_default();
    let (prefix, op) = target.split_once('.').unwrap_or(("", target));
    if prefix != ECS_PREFIX && prefix != LOGS_PREFIX {
        return Err(ApiError::unknown_operation(target));
    }
    shared.count_request();
    if shared.should_throttle() {
        return Err(ApiError::throttled());
    }
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::new("SerializationException", e.to_string()))?
    };
    let region = region_from(headers);
    let now = shared.clock.now();
    let mut model = shared.lock();
    model.advance(now);
    if prefix == ECS_PREFIX {
        tracing::debug!(op, "ecs call");
        ecs::call(&mut model, &Call { region, now }, op, &body)
    } else {
        logs::call(&model.logs, op, &body)
    }
}
