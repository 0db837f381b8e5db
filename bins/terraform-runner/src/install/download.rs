//! GET with retries: connection failures, timeouts, 408, 429 and 5xx are
//! tried again (four attempts, waiting 1 s, 2 s, 4 s between them); any
//! other status ends at once, since asking again cannot change it.

use std::time::Duration;

use reqwest::StatusCode;

use crate::error::Error;

const ATTEMPTS: u32 = 4;

/// An HTTP client for release downloads.
#[derive(Debug, Clone)]
pub struct Downloader {
    client: reqwest::Client,
}

impl Downloader {
    /// A client with connection and overall timeouts.
    pub fn new() -> Result<Downloader, Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(300))
            .user_agent(concat!(
                "portfolio-ci-terraform-runner/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|err| Error::Installer {
                reason: format!("cannot set up the HTTP client: {err}"),
            })?;
        Ok(Downloader { client })
    }

    /// The body of `url`.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, Error> {
        let mut attempt = 1;
        loop {
            match self.try_get(url).await {
                Ok(body) => return Ok(body),
                Err((reason, transient)) if transient && attempt < ATTEMPTS => {
                    tracing::warn!("GET {url}: {reason}; trying again");
                    tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
                    attempt += 1;
                }
                Err((reason, transient)) => {
                    let reason = if transient {
                        format!("{reason} (after {ATTEMPTS} attempts)")
                    } else {
                        reason
                    };
                    return Err(Error::Download {
                        url: url.to_owned(),
                        reason,
                    });
                }
            }
        }
    }

    /// One attempt: the body, or why not and whether another may succeed.
    async fn try_get(&self, url: &str) -> Result<Vec<u8>, (String, bool)> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|err| (describe(&err), !err.is_builder()))?;
        let status = response.status();
        if !status.is_success() {
            let transient = status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT;
            return Err((format!("HTTP {status}"), transient));
        }
        let body = response
            .bytes()
            .await
            .map_err(|err| (describe(&err), true))?;
        Ok(body.to_vec())
    }
}

/// The error and its causes on one line.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
