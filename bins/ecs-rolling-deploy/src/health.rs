//! The smoke check after COMPLETED: GET the health URL until it answers
//! 2xx, or give up after the health timeout.

use std::time::Duration;

use tokio::time::Instant;

/// How often the URL is tried.
const EVERY: Duration = Duration::from_secs(2);

/// Result of a smoke check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// A 2xx answer with this status.
    Passed(u16),
    /// The last answer or error before the timeout.
    Failed(String),
}

/// Tries `url` until it answers 2xx or `timeout` passes.
pub async fn check(url: &str, timeout: Duration) -> Health {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10).min(timeout.max(Duration::from_secs(1))))
        .build()
    {
        Ok(client) => client,
        Err(err) => return Health::Failed(format!("cannot build an HTTP client: {err}")),
    };
    let deadline = Instant::now() + timeout;
    loop {
        let last = match client.get(url).send().await {
            Ok(response) if response.status().is_success() => {
                return Health::Passed(response.status().as_u16());
            }
            Ok(response) => format!("HTTP {}", response.status()),
            Err(err) => portfolio_core::exit::render(&err).replace('\n', " "),
        };
        if Instant::now() + EVERY >= deadline {
            return Health::Failed(last);
        }
        tokio::time::sleep(EVERY).await;
    }
}
