//! What a simulated task does, chosen by the docker label `ecs-sim.behavior`.
//!
//! The label lives in a container definition's `dockerLabels`. Values: `healthy` (the
//! default), `crash`, `unhealthy`, `pull-error`, `slow:<seconds>`, `flaky:<percent>` and
//! `exit:<code>`. The container's environment variable [`ENV`] (from the definition, or
//! a RunTask container override) wins over the label, so one revision can run as a
//! healthy service and as a one-off task that fails.

use std::fmt;
use std::str::FromStr;

/// The docker label that selects a task's behaviour.
pub const LABEL: &str = "ecs-sim.behavior";

/// The environment variable that selects a task's behaviour, over [`LABEL`].
pub const ENV: &str = "ECS_SIM_BEHAVIOR";

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
    /// The essential container runs its command and exits with this code soon after
    /// start (a one-off task's end; in a service, a task that stops).
    Exit(i32),
}

/// A label value that names no known behaviour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {LABEL} value {0:?} (expected healthy, crash, unhealthy, pull-error, slow:<seconds>, flaky:<percent> or exit:<code>)"
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
        if kind == "exit" {
            return arg.trim().parse().map(Self::Exit).map_err(|_| bad());
        }
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
            Self::Exit(code) => write!(f, "exit:{code}"),
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
