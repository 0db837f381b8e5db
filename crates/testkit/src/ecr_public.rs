//! A stand-in for the ECR Public control plane (moto has none): a loopback
//! HTTP server that speaks the service's JSON 1.1 protocol for
//! GetAuthorizationToken only.
//!
//! It answers as ECR Public does: `authorizationData` is one object
//! (`authorizationToken`, base64 of `AWS:<password>`, and `expiresAt`), not
//! a list as private ECR's. It checks what the real service enforces for a
//! login: the target `SpencerFrontendService.GetAuthorizationToken`, and a
//! SigV4 credential scope for region `us-east-1` and service `ecr-public`
//! (ECR Public authenticates in us-east-1 only); anything else gets the
//! JSON error a client reports. Point a client at it with
//! `AWS_ENDPOINT_URL_ECR_PUBLIC`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use tokio::sync::oneshot;

use crate::TestkitError;

const PROGRAM: &str = "ecr-public stand-in";
/// The JSON 1.1 target of the one operation answered.
pub const TARGET: &str = "SpencerFrontendService.GetAuthorizationToken";
/// How long a token is valid, as ECR Public's (12 hours).
const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// One request the stand-in answered (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The `X-Amz-Target` header.
    pub target: String,
    /// The region of the SigV4 credential scope.
    pub region: String,
    /// The service of the SigV4 credential scope.
    pub service: String,
}

/// A running stand-in, stopped when dropped.
#[derive(Debug)]
pub struct EcrPublic {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for EcrPublic {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl EcrPublic {
    /// Starts the stand-in on a free loopback port; its tokens carry user
    /// `AWS` and `password`. It is listening when this returns.
    pub fn start(password: &str) -> Result<EcrPublic, TestkitError> {
        let io = |source| TestkitError::Io {
            program: PROGRAM.to_owned(),
            source,
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
        listener.set_nonblocking(true).map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map_err(io)?;
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = State {
            token: base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}")),
            calls: Arc::clone(&calls),
        };
        let app = Router::new().route(
            "/",
            post(move |headers: HeaderMap| async move { state.answer(&headers) }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Ok(EcrPublic {
            addr,
            calls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_ECR_PUBLIC`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
struct State {
    token: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl State {
    fn answer(&self, headers: &HeaderMap) -> Response {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let target = text("x-amz-target");
        let (region, service) = scope(&text("authorization")).unwrap_or_default();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                target: target.clone(),
                region: region.clone(),
                service: service.clone(),
            });
        }
        if target != TARGET {
            return error(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("unknown operation {target}"),
            );
        }
        if region != "us-east-1" || service != "ecr-public" {
            return error(
                StatusCode::FORBIDDEN,
                "InvalidSignatureException",
                &format!(
                    "credential scope {region}/{service}: expected us-east-1/ecr-public \
                     (ECR Public authenticates in us-east-1 only)"
                ),
            );
        }
        let expires = SystemTime::now()
            .checked_add(TOKEN_LIFETIME)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let body = serde_json::json!({
            "authorizationData": {"authorizationToken": self.token, "expiresAt": expires}
        });
        json(StatusCode::OK, &body)
    }
}

/// Region and service of a SigV4 `Authorization` header's credential
/// scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`).
fn scope(authorization: &str) -> Option<(String, String)> {
    let credential = authorization
        .split([',', ' '])
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut parts = credential.split('/').skip(2);
    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({"__type": kind, "message": message}),
    )
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::scope;

    #[test]
    fn the_scope_is_read_from_the_authorization_header() {
        let header = "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/ecr-public/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            scope(header),
            Some(("us-east-1".to_owned(), "ecr-public".to_owned()))
        );
        assert_eq!(scope("none"), None);
    }
}
