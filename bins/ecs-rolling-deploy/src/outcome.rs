//! How the deployment of one service ended, its exit code and its name in
//! outputs, and how several services' outcomes combine into one exit code.

use std::fmt;

use serde::Serialize;

use crate::error::{NOT_ROLLED_BACK, ROLLED_BACK, SUPERSEDED, TIMED_OUT, UNHEALTHY};
use crate::order::Newer;
use portfolio_core::release::Release;

/// The end of following one service's deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    /// rolloutState COMPLETED (and the smoke check passed, if any).
    Completed,
    /// Started and not followed (`--no-wait`).
    Started,
    /// FAILED by the circuit breaker, with ECS rolling back.
    RolledBack,
    /// FAILED and nothing rolls it back.
    Failed,
    /// The timeout was reached first.
    TimedOut {
        /// Whether this run rolled the deployment back.
        rolled_back: bool,
    },
    /// A deployment this run did not start became PRIMARY.
    Superseded {
        /// Its id.
        by: String,
        /// The release it deploys, when its task definition records one.
        #[serde(skip_serializing_if = "Option::is_none")]
        by_release: Option<Release>,
    },
    /// COMPLETED, but the smoke check never answered 2xx.
    Unhealthy {
        /// Whether this run rolled back to the previous definition.
        rolled_back: bool,
    },
    /// The service runs, or is deploying, a release from a newer commit:
    /// nothing was registered or updated (`--allow-older` deploys anyway).
    #[serde(rename = "superseded")]
    Older {
        /// The newer release, how it was found newer, its deployment.
        newer: Newer,
    },
    /// SIGINT or SIGTERM.
    Cancelled {
        /// Whether this run rolled the deployment back.
        rolled_back: bool,
    },
    /// The service was not updated: its UpdateService failed (or an earlier
    /// one did) after another service had started deploying.
    NotStarted {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// The process exit code for this outcome alone.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Completed | Outcome::Started => portfolio_core::exit::SUCCESS,
            Outcome::RolledBack => ROLLED_BACK,
            Outcome::Failed => NOT_ROLLED_BACK,
            Outcome::TimedOut { .. } => TIMED_OUT,
            Outcome::Superseded { .. } | Outcome::Older { .. } => SUPERSEDED,
            Outcome::Unhealthy { .. } => UNHEALTHY,
            Outcome::Cancelled { .. } => portfolio_core::exit::INTERRUPTED,
            Outcome::NotStarted { .. } => portfolio_core::exit::FAILED,
        }
    }

    /// The short name used in outputs (`completed`, `rolled-back`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Started => "started",
            Outcome::RolledBack => "rolled-back",
            Outcome::Failed => "failed",
            Outcome::TimedOut { .. } => "timed-out",
            Outcome::Superseded { .. } | Outcome::Older { .. } => "superseded",
            Outcome::Unhealthy { .. } => "unhealthy",
            Outcome::Cancelled { .. } => "cancelled",
            Outcome::NotStarted { .. } => "not-started",
        }
    }

    /// True when the deployment did not end as asked.
    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Completed | Outcome::Started)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rolled = |yes: bool| if yes { ", rolled back" } else { "" };
        match self {
            Outcome::Completed => f.write_str("completed"),
            Outcome::Started => f.write_str("started, not followed (--no-wait)"),
            Outcome::RolledBack => {
                f.write_str("failed: the circuit breaker tripped and ECS rolls back")
            }
            Outcome::Failed => f.write_str("failed, not rolled back"),
            Outcome::TimedOut { rolled_back } => {
                write!(f, "timed out{}", rolled(*rolled_back))
            }
            Outcome::Superseded { by, by_release } => {
                write!(f, "superseded by deployment {by}")?;
                match by_release {
                    Some(release) => write!(f, " of release {release}"),
                    None => Ok(()),
                }
            }
            Outcome::Older { newer } => write!(
                f,
                "superseded by the newer release {}, {} (deployment {}); not updated",
                newer.release, newer.basis, newer.deployment
            ),
            Outcome::Unhealthy { rolled_back } => {
                write!(
                    f,
                    "completed but the smoke check failed{}",
                    rolled(*rolled_back)
                )
            }
            Outcome::Cancelled { rolled_back } => {
                write!(f, "cancelled{}", rolled(*rolled_back))
            }
            Outcome::NotStarted { reason } => write!(f, "not deployed: {reason}"),
        }
    }
}

/// The exit code of a run over several services: 130 when cancelled, else
/// the highest code (so a failure is never hidden by a success).
pub fn combined_exit_code<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> u8 {
    outcomes
        .into_iter()
        .map(Outcome::exit_code)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_help() {
        assert_eq!(Outcome::Completed.exit_code(), 0);
        assert_eq!(Outcome::Started.exit_code(), 0);
        assert!(!Outcome::Started.is_failure());
        assert_eq!(Outcome::RolledBack.exit_code(), 3);
        assert_eq!(Outcome::Failed.exit_code(), 4);
        assert_eq!(Outcome::TimedOut { rolled_back: true }.exit_code(), 5);
        let superseded = Outcome::Superseded {
            by: "x".into(),
            by_release: None,
        };
        assert_eq!(superseded.exit_code(), 6);
        assert_eq!(Outcome::Unhealthy { rolled_back: false }.exit_code(), 7);
        assert_eq!(Outcome::Cancelled { rolled_back: false }.exit_code(), 130);
        let not_started = Outcome::NotStarted { reason: "x".into() };
        assert_eq!(not_started.exit_code(), 1);
    }

    #[test]
    fn a_failure_wins_over_success_and_cancel_over_all() {
        let done = Outcome::Completed;
        let failed = Outcome::RolledBack;
        let cancelled = Outcome::Cancelled { rolled_back: true };
        assert_eq!(combined_exit_code([&done, &failed]), 3);
        assert_eq!(combined_exit_code([&failed, &cancelled, &done]), 130);
        assert_eq!(combined_exit_code([&done]), 0);
        assert_eq!(combined_exit_code([]), 0);
    }
}
