//! Terraform's S3 backend on moto: the state bucket, a backend config file
//! that points at it (with `use_lockfile = true`, real S3 locking), and a
//! look at the lock object.
//!
//! moto does not check signatures, so plain HTTP/1.1 over a TcpStream with
//! a well-formed but unsigned `Authorization` header (objects written by
//! terraform are private: anonymous reads get 403) is enough, and keeps this
//! module free of an SDK.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What moto needs to treat a request as coming from the `testing` user.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";

/// Sends one request without a body; returns the status code and the body.
fn request(endpoint: &str, method: &str, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let host = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other(format!("not an http:// endpoint: {endpoint}")))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTHORIZATION}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |at| at + 4);
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no HTTP status in: {head:.80}")))?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Err(std::io::Error::other("chunked responses are not supported"));
    }
    Ok((status, response[split..].to_vec()))
}

/// Creates `bucket` in the S3 of moto at `endpoint`.
pub fn create_bucket(endpoint: &str, bucket: &str) -> std::io::Result<()> {
    match request(endpoint, "PUT", &format!("/{bucket}"))?.0 {
        200 => Ok(()),
        other => Err(std::io::Error::other(format!(
            "PUT /{bucket} answered {other}"
        ))),
    }
}

/// Whether `key` exists in `bucket` (a HEAD request).
pub fn object_exists(endpoint: &str, bucket: &str, key: &str) -> std::io::Result<bool> {
    match request(endpoint, "HEAD", &format!("/{bucket}/{key}"))?.0 {
        200 => Ok(true),
        404 => Ok(false),
        other => Err(std::io::Error::other(format!(
            "HEAD /{bucket}/{key} answered {other}"
        ))),
    }
}

/// The content of `key` in `bucket`, `None` if there is no such object.
pub fn get_object(endpoint: &str, bucket: &str, key: &str) -> std::io::Result<Option<Vec<u8>>> {
    match request(endpoint, "GET", &format!("/{bucket}/{key}"))? {
        (200, body) => Ok(Some(body)),
        (404, _) => Ok(None),
        (other, _) => Err(std::io::Error::other(format!(
            "GET /{bucket}/{key} answered {other}"
        ))),
    }
}

/// The lock object terraform's S3 backend writes beside the state.
pub fn lock_key(state_key: &str) -> String {
    format!("{state_key}.tflock")
}

/// An S3 backend config (`-backend-config` file) for the state `key` in
/// `bucket` on moto at `endpoint`, with S3-native locking.
pub fn s3_backend_config(endpoint: &str, bucket: &str, key: &str) -> String {
    format!(
        r#"bucket                      = "{bucket}"
key                         = "{key}"
region                      = "{region}"
endpoints                   = {{ s3 = "{endpoint}" }}
use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
use_lockfile                = true
"#,
        region = crate::TEST_REGION
    )
}
