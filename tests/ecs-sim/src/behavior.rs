//! What a simulated task does, chosen by the docker label `ecs-sim.behavior`.
//!
//! The label lives in a container definition's `dockerLabels`. Values: `healthy` (the
//! default), `crash`, `unhealthy`, `pull-error`, `slow:<seconds>` and `flaky:<percent>`.

use std::fmt;
use std::str::FromStr;

/// The docker label that selects a task's behaviour.
pub const LABEL: &str = "ecs-sim.behavior";

/// How a simulated task behaves once launched.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Behavior {
    /// Starts, becomes healthy and keeps running.
    #[default]
    Healthy,
    /// The essential container exits with code 1 soon after start.
    Crash,
    /// Runs but fails its container health check, so ECS replaces it.
    Unhealthy,
    /// The image cannot be pulled: the task never reaches RUNNING.
    PullError,
    /// Healthy, but only this many simulated seconds after reaching RUNNING.
    Slow(f64),
    /// This percentage (0..=100) of tasks crash; the others are healthy.
    Flaky(f64),
}

/// A label value that names no known behaviour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {LABEL} value {0:?} (expected healthy, crash, unhealthy, pull-error, slow:<seconds> or flaky:<percent>)"
)]
pub struct ParseBehaviorError(pub String);

impl FromStr for Behavior {
    type Err = ParseBehaviorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim().to_ascii_lowercase();
        let bad = || ParseBehaviorError(s.to_owned());
        match value.as_str() {
            "" | "healthy" => return Ok(Self::Healthy),
            "crash" => return Ok(Self::Crash),
            "unhealthy" => return Ok(Self::Unhealthy),
            "pull-error" => return Ok(Self::PullError),
            _ => {}
        }
        let (kind, arg) = value.split_once(':').ok_or_else(bad)?;
        let number: f64 = arg
            .trim()
            .trim_end_matches(['s', '%'])
            .parse()
            .map_err(|_| bad())?;
        if !number.is_finite() || number < 0.0 {
            return Err(bad());
        }
        match kind {
            "slow" => Ok(Self::Slow(number)),
            "flaky" if number <= 100.0 => Ok(Self::Flaky(number)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Behavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Healthy => f.write_str("healthy"),
            Self::Crash => f.write_str("crash"),
            Self::Unhealthy => f.write_str("unhealthy"),
            Self::PullError => f.write_str("pull-error"),
            Self::Slow(s) => write!(f, "slow:{s}"),
            Self::Flaky(p) => write!(f, "flaky:{p}"),
        }
    }
}

/// The behaviour a label value selects; unknown values fall back to healthy.
#[must_use]
pub fn from_label(value: Option<&str>) -> Behavior {
    value.and_then(|v| v.parse().ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
