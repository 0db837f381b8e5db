//! A load balancer's target health check: an HTTP GET of the health path on the
//! container's published port, with ALB's defaults (every 30 s, 5 s timeout, healthy
//! after 5 successes in a row, unhealthy after 2 failures, success code 200), the
//! timings divided by the time scale.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const INTERVAL: f64 = 30.0;
const TIMEOUT: f64 = 5.0;
const HEALTHY_THRESHOLD: u32 = 5;
const UNHEALTHY_THRESHOLD: u32 = 2;
/// Shortest real interval and timeout, however fast the simulation runs.
const FLOOR: Duration = Duration::from_millis(20);

/// The probe's timings in real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeTimings {
    /// Between two checks.
    pub interval: Duration,
    /// How long one check may take.
    pub timeout: Duration,
}

impl ProbeTimings {
    /// ALB's default timings at `time_scale` simulated seconds per real second.
    #[must_use]
    pub fn scaled(time_scale: f64) -> Self {
        let scale = if time_scale > 0.0 { time_scale } else { 1.0 };
        let real = |secs: f64| {
            Duration::try_from_secs_f64(secs / scale)
                .unwrap_or(FLOOR)
                .max(FLOOR)
        };
        Self {
            interval: real(INTERVAL),
            timeout: real(TIMEOUT),
        }
    }
}

/// Counts results in a row and says when the target's state changes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TargetState {
    healthy: Option<bool>,
    successes: u32,
    failures: u32,
}

impl TargetState {
    /// Take one check's result (`Err` holds ELB's reason); returns the new state
    /// `(healthy, reason)` when it changed.
    pub fn record(&mut self, result: Result<(), String>) -> Option<(bool, Option<String>)> {
        match result {
            Ok(()) => {
                self.successes += 1;
                self.failures = 0;
                (self.successes >= HEALTHY_THRESHOLD && self.healthy != Some(true)).then(|| {
                    self.healthy = Some(true);
                    (true, None)
                })
            }
            Err(reason) => {
                self.failures += 1;
                self.successes = 0;
                (self.failures >= UNHEALTHY_THRESHOLD && self.healthy != Some(false)).then(|| {
                    self.healthy = Some(false);
                    (false, Some(reason))
                })
            }
        }
    }
}

/// One health check: GET `path` from `addr`; `Err` holds ELB's description of a
/// failure (`Health checks failed with these codes: [404]`, `Request timed out`...).
///
/// # Errors
/// ELB's reason when the check fails.
pub async fn check(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(), String> {
    let code = tokio::time::timeout(timeout, get(addr, path))
        .await
        .map_err(|_| "Request timed out".to_owned())?
        .map_err(|_| "Health checks failed".to_owned())?;
    if code == 200 {
        Ok(())
    } else {
        Err(format!("Health checks failed with these codes: [{code}]"))
    }
}

/// The status code of `GET path` from `addr`.
async fn get(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ELB-HealthChecker/2.0\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .filter(|_| line.starts_with("HTTP/"))
        .ok_or_else(|| std::io::Error::other("not an HTTP response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_after_five_successes_unhealthy_after_two_failures() {
        let mut state = TargetState::default();
        for _ in 0..4 {
            assert_eq!(state.record(Ok(())), None);
        }
        assert_eq!(state.record(Ok(())), Some((true, None)));
        assert_eq!(state.record(Ok(())), None);
        let fail = || Err("Health checks failed with these codes: [500]".to_owned());
        assert_eq!(state.record(fail()), None);
        assert_eq!(
            state.record(fail()),
            Some((
                false,
                Some("Health checks failed with these codes: [500]".to_owned())
            ))
        );
        assert_eq!(state.record(fail()), None);
    }

    #[test]
    fn timings_are_alb_defaults_divided_by_the_scale_with_a_floor() {
        let t = ProbeTimings::scaled(10.0);
        assert_eq!(t.interval, Duration::from_secs(3));
        assert_eq!(t.timeout, Duration::from_millis(500));
        assert_eq!(ProbeTimings::scaled(1e6).interval, FLOOR);
    }
}
