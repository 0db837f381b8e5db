//! Follows OUR deployment of one service until it ends: polls
//! DescribeServices at an adaptive pace (and DescribeServiceDeployments of
//! ours when the snapshot alone cannot tell), prints one line per change
//! and each new service event, rides out throttling and outages until the
//! deadline, and records the deployment states for the rollout picture.

use std::collections::HashSet;
use std::time::Duration;

use portfolio_core::AwsError;
use portfolio_core::output::Progress;
use tokio::time::Instant;

use crate::ecs;
use crate::error::Error;
use crate::judge::{self, Tracked, Verdict};
use crate::pace::{Pace, Seen};
use crate::settings::Target;
use crate::view::ServiceView;

/// How following ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// rolloutState COMPLETED.
    Completed,
    /// FAILED, with ECS rolling back.
    RolledBack {
        /// The rollback deployment's id.
        rollback: String,
    },
    /// FAILED without rollback.
    Failed,
    /// Replaced by a deployment this run did not start.
    Superseded {
        /// Its id.
        by: String,
    },
    /// The deadline passed first.
    TimedOut,
}

/// A deployment state seen at a time (for the rollout picture).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mark {
    /// Deployment id.
    pub id: String,
    /// Its rolloutState.
    pub state: String,
    /// When ECS last updated it (epoch seconds), else when it was created.
    pub at: Option<f64>,
    /// When the deployment was created.
    pub created_at: Option<f64>,
}

/// What following saw.
#[derive(Debug, Clone)]
pub struct Followed {
    /// How it ended.
    pub end: End,
    /// The last snapshot of the service.
    pub view: Option<ServiceView>,
    /// Deployment states in the order seen.
    pub marks: Vec<Mark>,
}

/// One service's deployment being followed.
#[derive(Debug)]
pub struct Follower<'a> {
    /// ECS.
    pub ecs: &'a aws_sdk_ecs::Client,
    /// Where lines go.
    pub progress: &'a Progress,
    /// The service.
    pub target: &'a Target,
    /// OUR deployment.
    pub ours: Tracked,
    /// The ARN of its service deployment, when known (else found with
    /// ListServiceDeployments when needed).
    pub service_deployment: Option<String>,
    /// When to give up.
    pub deadline: Instant,
    /// The longest pause between polls (`--max-poll-interval`).
    pub max_poll_interval: Option<Duration>,
    /// Keep following the rollback until it settles.
    pub wait_for_rollback: bool,
    /// Event ids already shown (or older than the run).
    pub seen_events: HashSet<String>,
}

impl Follower<'_> {
    /// Polls until the deployment ends or the deadline passes.
    pub async fn run(mut self) -> Result<Followed, Error> {
        let mut pace = Pace::with_cap(self.max_poll_interval);
        let mut last_line = String::new();
        let mut marks: Vec<Mark> = Vec::new();
        let mut last_view = None;
        let mut outage = false;
        // Once ours FAILED with a rollback, it may drop out of the list when
        // the rollback completes: remember the rollback's id.
        let mut failed: Option<String> = None;
        loop {
            if Instant::now() >= self.deadline {
                return Ok(Followed {
                    end: End::TimedOut,
                    view: last_view,
                    marks,
                });
            }
            let seen = match describe(self.ecs, self.target).await {
                Ok(view) => 'seen: {
                    if outage {
                        self.line("ECS answers again");
                        outage = false;
                    }
                    let mut changed = self.print_events(&view);
                    let status = match judge::needs_record(&view, &self.ours) {
                        true => match self.record().await {
                            Record::Status(status) => status,
                            Record::Retry(message) => {
                                self.outage(&mut outage, &message);
                                break 'seen Seen::Error;
                            }
                        },
                        false => None,
                    };
                    let judged = judge::judge(&view, &self.ours, status.as_deref());
                    let verdict = match (judged, &failed) {
                        (Verdict::Superseded { .. } | Verdict::InProgress, Some(known))
                            if view.deployment(&self.ours.id).is_none() =>
                        {
                            Verdict::RolledBack {
                                rollback: known.clone(),
                            }
                        }
                        (verdict, _) => verdict,
                    };
                    let rollback = match &verdict {
                        Verdict::RolledBack { rollback } => Some(rollback.clone()),
                        _ => None,
                    };
                    if rollback.is_some() {
                        failed.clone_from(&rollback);
                    }
                    let line = [Some(self.ours.id.as_str()), rollback.as_deref()]
                        .into_iter()
                        .flatten()
                        .filter_map(|id| view.deployment(id))
                        .map(judge::describe)
                        .collect::<Vec<_>>()
                        .join("; ");
                    if let Some(ours) = view.deployment(&self.ours.id) {
                        self.progress
                            .status_of(&self.target.key, &judge::describe(ours));
                    }
                    if !line.is_empty() && line != last_line {
                        self.line(&line);
                        last_line = line;
                        changed = true;
                    }
                    record(&mut marks, &view, &self.ours.id, rollback.as_deref());
                    let end = self.end_of(&view, verdict);
                    last_view = Some(view);
                    if let Some(end) = end {
                        return Ok(Followed {
                            end,
                            view: last_view,
                            marks,
                        });
                    }
                    if changed { Seen::Change } else { Seen::Same }
                }
                Err(err) if err.transient => {
                    self.outage(&mut outage, &err.message);
                    Seen::Error
                }
                Err(err) => return Err(err.error),
            };
            let delay = pace.next(seen);
            let now = Instant::now();
            tokio::time::sleep_until((now + delay).min(self.deadline.max(now))).await;
        }
    }

    fn end_of(&self, view: &ServiceView, verdict: Verdict) -> Option<End> {
        match verdict {
            Verdict::InProgress => None,
            Verdict::Completed => Some(End::Completed),
            Verdict::Failed => Some(End::Failed),
            Verdict::Superseded { by } => Some(End::Superseded { by }),
            Verdict::RolledBack { rollback } if self.wait_for_rollback => {
                match judge::judge(view, &Tracked::listed(view, &rollback), None) {
                    Verdict::InProgress => None,
                    _ => Some(End::RolledBack { rollback }),
                }
            }
            Verdict::RolledBack { rollback } => Some(End::RolledBack { rollback }),
        }
    }

    /// The status of our service deployment, or why it cannot be read now.
    async fn record(&mut self) -> Record {
        let arn = if let Some(arn) = &self.service_deployment {
            arn.clone()
        } else {
            let found = ecs::find_service_deployment(
                self.ecs,
                self.target,
                &self.ours.id,
                self.ours.created_at,
            )
            .await;
            match found {
                Ok(arn) => {
                    self.service_deployment = Some(arn.clone());
                    arn
                }
                Err(err) => return Record::failed(&err),
            }
        };
        match ecs::service_deployment_status(self.ecs, self.target, &arn).await {
            Ok(status) => Record::Status(status),
            Err(err) => Record::failed(&err),
        }
    }

    /// Says once per outage that ECS did not answer.
    fn outage(&self, outage: &mut bool, message: &str) {
        if !*outage {
            self.line(&format!("ECS did not answer ({message}); retrying"));
            *outage = true;
        }
    }

    fn line(&self, text: &str) {
        self.progress.line(&format!("{}: {text}", self.target.key));
    }

    /// Prints events not shown before, oldest first; true when there were any.
    fn print_events(&mut self, view: &ServiceView) -> bool {
        let fresh: Vec<_> = view
            .events
            .iter()
            .filter(|e| !self.seen_events.contains(&e.id))
            .collect();
        for event in fresh.iter().rev() {
            self.line(&format!("event: {}", event.message));
        }
        let any = !fresh.is_empty();
        self.seen_events
            .extend(view.events.iter().map(|e| e.id.clone()));
        any
    }
}

fn record(marks: &mut Vec<Mark>, view: &ServiceView, ours: &str, rollback: Option<&str>) {
    for id in [Some(ours), rollback].into_iter().flatten() {
        let Some(d) = view.deployment(id) else {
            continue;
        };
        let known = marks
            .iter()
            .any(|m| m.id == d.id && m.state == d.rollout_state);
        if !known {
            marks.push(Mark {
                id: d.id.clone(),
                state: d.rollout_state.clone(),
                at: d.updated_at.or(d.created_at),
                created_at: d.created_at,
            });
        }
    }
}

/// What reading our service deployment gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Record {
    /// Its status; `None` when it cannot be known (not listed yet, not
    /// allowed): the snapshot decides alone.
    Status(Option<String>),
    /// ECS did not answer (this text): ask again at the next poll.
    Retry(String),
}

impl Record {
    /// A failed read: retried when transient, else not known.
    fn failed(err: &Error) -> Self {
        match err {
            Error::Core(portfolio_core::Error::Aws(aws)) if aws.is_transient() => {
                Record::Retry(err.to_string())
            }
            _ => {
                tracing::debug!("cannot read our service deployment: {err}");
                Record::Status(None)
            }
        }
    }
}

/// A failed DescribeServices, classified.
#[derive(Debug)]
pub struct PollError {
    /// Worth retrying.
    pub transient: bool,
    /// Short text.
    pub message: String,
    /// The error if it ends the run.
    pub error: Error,
}

/// DescribeServices of one service.
pub async fn describe(
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
) -> Result<ServiceView, PollError> {
    let output = ecs
        .describe_services()
        .cluster(&target.cluster)
        .services(&target.service)
        .send()
        .await
        .map_err(|err| {
            let (transient, error) = match err.as_service_error() {
                Some(e) if e.is_cluster_not_found_exception() => (
                    false,
                    Error::NotFound(format!("cluster '{}' not found", target.cluster)),
                ),
                _ => {
                    let aws = AwsError::new("ecs:DescribeServices", &err).on(target.label());
                    (aws.is_transient(), aws.into())
                }
            };
            PollError {
                transient,
                message: error.to_string(),
                error,
            }
        })?;
    output
        .services()
        .iter()
        .find(|s| s.status() != Some("INACTIVE"))
        .map(ServiceView::from)
        .ok_or_else(|| {
            let error = Error::NotFound(format!(
                "service '{}' not found in cluster '{}'",
                target.service, target.cluster
            ));
            PollError {
                transient: false,
                message: error.to_string(),
                error,
            }
        })
}
