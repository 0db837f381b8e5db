//! Admin endpoints for tests and demos (never throttled):
//!
//! - `GET /__admin/health`: `{"status":"ok","now":<simulated epoch seconds>,...}`
//!   (also the time scale, throttle rate and consistency delay)
//! - `POST /__admin/pause?seconds=N`: close the listener for N real seconds, so clients
//!   get "connection refused"; the answer is sent before the listener closes.
//! - `POST /__admin/throttle?rate=P`: answer that share (0..1) of calls with
//!   ThrottlingException.
//! - `POST /__admin/image-digests` with `{"image":"<reference>","digest":"sha256:..."}`:
//!   tasks launched from now on with exactly that image reference report that
//!   `imageDigest` (tasks already launched keep theirs).
//! - `POST /__admin/consistency-delay?seconds=N`: deployments started by UpdateService
//!   from now on show in the read APIs N simulated seconds late (eventual consistency).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::shared::{Control, Shared};

fn query_f64(uri: &Uri, key: &str) -> Option<f64> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

/// `GET /__admin/health`.
pub async fn health(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({
        "status": "ok",
        "now": shared.clock.now(),
        "timeScale": shared.clock.scale(),
        "throttleRate": shared.throttle_rate(),
        "consistencyDelay": shared.lock().lag.delay,
    }))
    .into_response()
}

/// `POST /__admin/pause?seconds=N`.
pub async fn pause(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let Some(seconds) = query_f64(&uri, "seconds").filter(|s| s.is_finite() && *s >= 0.0) else {
        return bad_request("pause needs ?seconds=N (N >= 0)");
    };
    let duration = Duration::from_secs_f64(seconds.min(3600.0));
    if shared.control.send(Control::Pause(duration, None)).is_err() {
        return bad_request("the server is stopping");
    }
    Json(json!({"paused": seconds})).into_response()
}

/// `POST /__admin/throttle?rate=P`.
pub async fn throttle(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let Some(rate) = query_f64(&uri, "rate").filter(|r| (0.0..=1.0).contains(r)) else {
        return bad_request("throttle needs ?rate=P (0 <= P <= 1)");
    };
    shared.set_throttle_rate(rate);
    Json(json!({"throttleRate": rate})).into_response()
}

/// `POST /__admin/image-digests` with `{"image": "...", "digest": "sha256:..."}`.
pub async fn image_digest(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(image), Some(digest)) = (
        request.get("image").and_then(serde_json::Value::as_str),
        request.get("digest").and_then(serde_json::Value::as_str),
    ) else {
        return bad_request(
            r#"image-digests needs a JSON body {"image": "...", "digest": "sha256:..."}"#,
        );
    };
    if let Err(err) = shared.lock().image_digests.register(image, digest) {
        return bad_request(&err.to_string());
    }
    Json(json!({"image": image, "digest": digest})).into_response()
}

/// `POST /__admin/consistency-delay?seconds=N`.
pub async fn consistency_delay(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let Some(seconds) = query_f64(&uri, "seconds").filter(|s| s.is_finite() && *s >= 0.0) else {
        return bad_request("consistency-delay needs ?seconds=N (N >= 0)");
    };
    shared.lock().lag.delay = seconds;
    Json(json!({"consistencyDelay": seconds})).into_response()
}
