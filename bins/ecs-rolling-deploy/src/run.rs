//! One run from start to end, its settings resolved: check the services
//! exist, build and register the task definitions, update the services,
//! follow every deployment concurrently, then explain, smoke-check and
//! publish the result. SIGINT/SIGTERM (the session's [`Cancel`]) are heard
//! from the first moment: before any deployment started the run just
//! stops; after, it stops following (and rolls back with
//! --rollback-on-cancel).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use portfolio_core::github::GitHub;
use portfolio_core::output::Progress;
use portfolio_core::{Aws, Cancel, Exit, Failure, Session};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::definition::{self, Source};
use crate::ecs::{self, Ours, Update};
use crate::error::Error;
use crate::follow::{self, End, Follower};
use crate::gantt;
use crate::github::GitHubDeployment;
use crate::health::{self, Health};
use crate::judge::Tracked;
use crate::one_off::{OneOff, TaskOutcome, TaskRun};
use crate::order::{self, Check};
use crate::outcome::Outcome;
use crate::report;
use crate::result::{RunResult, ServiceResult};
use crate::run_task::TaskSettings;
use crate::settings::{ServiceTags, Settings, Target};
use crate::tasks;
use crate::view::ServiceView;

/// A service whose deployment started.
#[derive(Debug, Clone)]
struct Started {
    target: Target,
    before: ServiceView,
    task_definition: String,
    ours: Ours,
    at: Instant,
    check: Check,
}

/// What every per-service task shares.
#[derive(Debug)]
struct Shared {
    settings: Settings,
    session: Session,
    ecs: aws_sdk_ecs::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    deadline: Instant,
}

impl Shared {
    /// Where progress lines go.
    fn progress(&self) -> &Progress {
        &self.session.progress
    }
}

/// Everything known before anything changes.
struct Prepared {
    before: Vec<ServiceView>,
    arns: Vec<String>,
    /// The ordering check of each service.
    checks: Vec<Check>,
    /// A service runs a newer release: nothing was registered (`arns` is
    /// empty) and nothing may change.
    superseded: bool,
}

/// Runs the deployment `settings` describe in `session` (which the
/// concurrent followers share); the outcome is the exit code.
pub async fn run(session: Session, settings: Settings) -> Result<Exit, Error> {
    let started = Instant::now();
    let aws = Aws::connect(&settings.aws, &session.progress).await;
    let ecs = aws.ecs();
    if let Some(only) = &settings.register_only {
        // No service: register, run the --run-task task there, report.
        let arn = session
            .cancel
            .guard(definition::register(
                &ecs,
                &only.definition,
                &settings.keep_null_value_keys,
            ))
            .await?;
        let task = match &settings.run_task {
            Some(task) => Some(
                OneOff {
                    ecs: &ecs,
                    logs: &aws.logs(),
                    progress: &session.progress,
                    cancel: &session.cancel,
                    cluster: &only.cluster,
                    task_definition: &arn,
                    settings: task,
                    deadline: Instant::now() + settings.timeout,
                    log_lines: settings.log_lines,
                }
                .run()
                .await?,
            ),
            None => None,
        };
        let mut run =
            RunResult::registered(arn, started.elapsed().as_secs_f64(), aws.calls().requests());
        if let Some(task) = task {
            run = run.with_run_task(task);
        }
        publish(&run, &session)?;
        return Ok(Exit(run.exit_code));
    }
    let prepared = match session
        .cancel
        .guard(prepare(&settings, &ecs, &session.progress))
        .await
    {
        Ok(prepared) => prepared,
        Err(Error::Core(portfolio_core::Error::Interrupted(signal))) => {
            session.progress.finish();
            session.progress.line(&format!(
                "{signal}: stopped before any deployment started; nothing was deployed"
            ));
            let run = RunResult::new(
                Vec::new(),
                started.elapsed().as_secs_f64(),
                aws.calls().requests(),
            )
            .cancelled();
            publish(&run, &session)?;
            return Ok(Exit(run.exit_code));
        }
        Err(err) => return Err(err),
    };
    if prepared.superseded {
        let run = superseded(&settings, &prepared, started, &aws);
        publish(&run, &session)?;
        return Ok(Exit(run.exit_code));
    }

    let github = match settings.github_deployment {
        true => {
            let context = GitHub::from_env(&session.actions);
            Some(GitHubDeployment::start(&context, &settings.env, &settings.describe()).await?)
        }
        false => None,
    };
    let description = settings.describe();
    let shared = Arc::new(Shared {
        deadline: Instant::now() + settings.timeout,
        logs: aws.logs(),
        ecs,
        session,
        settings,
    });
    let outcome = match shared.settings.run_task.clone() {
        None => deploy(&shared, prepared, started, &aws).await,
        Some(task) => match one_off(&shared, &task, &prepared).await {
            Ok(run) if run.outcome.allows_deploy() => deploy(&shared, prepared, started, &aws)
                .await
                .map(|result| result.with_run_task(run)),
            Ok(run) => Ok(not_deployed(&shared, &prepared, started, &aws, run)),
            Err(err) => Err(err),
        },
    };
    let published = outcome.and_then(|run| {
        publish(&run, &shared.session)?;
        Ok(run)
    });
    if let Some(github) = &github {
        finish_github(github, &published, &description, &shared.session).await;
    }
    published.map(|run| Exit(run.exit_code))
}

/// Checks that every service exists and runs no newer release, builds and
/// registers the definitions.
async fn prepare(
    settings: &Settings,
    ecs: &aws_sdk_ecs::Client,
    progress: &Progress,
) -> Result<Prepared, Error> {
    // Nothing changes until every service is known to exist.
    let mut before = Vec::with_capacity(settings.targets.len());
    for target in &settings.targets {
        before.push(follow::describe(ecs, target).await.map_err(|e| e.error)?);
    }
    // Nor while one runs a newer release.
    let checks = order::check_all(ecs, settings, &before, Path::new("."), progress).await?;
    let mut superseded = false;
    for (target, check) in settings.targets.iter().zip(&checks) {
        let (Some(ours), Some(newer)) = (&check.ours, &check.newer) else {
            continue;
        };
        if settings.allow_older {
            progress.line(&format!(
                "{}: deploying {ours} over the newer {} ({}): --allow-older",
                target.key, newer.release, newer.basis
            ));
        } else {
            progress.line(&order::refusal(target, ours, newer));
            superseded = true;
        }
    }
    if superseded {
        return Ok(Prepared {
            before,
            arns: Vec::new(),
            checks,
            superseded,
        });
    }
    let mut sources = Vec::with_capacity(settings.targets.len());
    for (target, view) in settings.targets.iter().zip(&before) {
        sources.push(definition::build(settings, ecs, target, &view.task_definition).await?);
    }
    let arns = definition::register_all(
        ecs,
        &settings.targets,
        &sources,
        &settings.keep_null_value_keys,
    )
    .await?;
    let mut shown = HashSet::new();
    for (source, arn) in sources.iter().zip(&arns) {
        if matches!(source, Source::Register(_)) && shown.insert(arn.clone()) {
            progress.line(&format!("registered {arn}"));
        }
    }
    Ok(Prepared {
        before,
        arns,
        checks,
        superseded,
    })
}

/// The result when a service runs a newer release: it is superseded, the
/// others are not updated either, nothing was registered.
fn superseded(
    settings: &Settings,
    prepared: &Prepared,
    started_at: Instant,
    aws: &Aws,
) -> RunResult {
    let first = settings
        .targets
        .iter()
        .zip(&prepared.checks)
        .find(|(_, check)| check.newer.is_some())
        .map_or("another service", |(target, _)| target.key.as_str());
    let results = settings
        .targets
        .iter()
        .zip(&prepared.before)
        .zip(&prepared.checks)
        .map(|((target, view), check)| {
            let outcome = match &check.newer {
                Some(newer) => Outcome::Older {
                    newer: newer.clone(),
                },
                None => Outcome::NotStarted {
                    reason: format!("not updated: {first} runs a newer release"),
                },
            };
            not_started(target, view, "", outcome, check)
        })
        .collect();
    RunResult::new(
        results,
        started_at.elapsed().as_secs_f64(),
        aws.calls().requests(),
    )
}

/// Updates the services one by one and follows the deployments started.
///
/// The first service whose update fails ends the run with that error while
/// nothing else changed; after one started, a failed update is that
/// service's result and the services already deploying are still followed
/// (the later ones are not updated). A signal stops the updates the same way.
async fn deploy(
    shared: &Arc<Shared>,
    prepared: Prepared,
    started_at: Instant,
    aws: &Aws,
) -> Result<RunResult, Error> {
    let targets = &shared.settings.targets;
    let cancel = &shared.session.cancel;
    let mut deployments = Vec::with_capacity(targets.len());
    let mut skipped = Vec::new();
    let mut failed: Option<String> = None;
    let items = targets
        .iter()
        .zip(prepared.before)
        .zip(&prepared.arns)
        .zip(prepared.checks);
    for (((target, view), arn), check) in items {
        let outcome = match (cancel.signal(), &failed) {
            (Some(_), _) => Some(Outcome::Cancelled { rolled_back: false }),
            (None, Some(first)) => Some(Outcome::NotStarted {
                reason: format!("not updated: the update of {first} failed first"),
            }),
            (None, None) => None,
        };
        if let Some(outcome) = outcome {
            skipped.push(not_started(target, &view, arn, outcome, &check));
            continue;
        }
        let update = Update {
            task_definition: arn,
            overrides: shared.settings.overrides,
            current: view.configuration.as_ref(),
            tags: &shared.settings.service_tags,
            desired_count: shared.settings.desired_count,
            force: shared.settings.force_new_deployment,
        };
        match ecs::update_service(&shared.ecs, target, &update).await {
            Ok(ours) => {
                let task_definition = ours.task_definition.clone().unwrap_or_else(|| arn.clone());
                shared.progress().line(&format!(
                    "{}: deployment {} started on {} ({task_definition}); the service's \
                     configuration: {}",
                    target.key,
                    ours.id,
                    target.label(),
                    ours.configuration
                ));
                deployments.push(Started {
                    target: target.clone(),
                    before: view,
                    task_definition,
                    ours,
                    at: Instant::now(),
                    check,
                });
            }
            Err(err) if deployments.is_empty() => return Err(err),
            Err(err) => {
                let reason = match err.hint() {
                    Some(hint) => format!("{err} (hint: {hint})"),
                    None => err.to_string(),
                };
                shared
                    .progress()
                    .line(&format!("{}: not deployed: {reason}", target.key));
                failed = Some(target.key.clone());
                skipped.push(not_started(
                    target,
                    &view,
                    arn,
                    Outcome::NotStarted { reason },
                    &check,
                ));
            }
        }
    }

    let mut results = match shared.settings.wait {
        true => follow_all(shared, &deployments).await,
        false => deployments
            .iter()
            .map(|started| result_of(started, Outcome::Started, None, None))
            .collect(),
    };
    results.extend(skipped);
    let order = |r: &ServiceResult| targets.iter().position(|t| t.key == r.service);
    results.sort_by_key(order);
    Ok(RunResult::new(
        results,
        started_at.elapsed().as_secs_f64(),
        aws.calls().requests(),
    ))
}

/// Runs the `--run-task` task on the first service's new definition, in its
/// cluster, before any UpdateService.
async fn one_off(
    shared: &Shared,
    task: &TaskSettings,
    prepared: &Prepared,
) -> Result<TaskRun, Error> {
    let (Some(target), Some(arn)) = (shared.settings.targets.first(), prepared.arns.first()) else {
        return Err(portfolio_core::InvalidInput::new("--run-task", "needs a service").into());
    };
    OneOff {
        ecs: &shared.ecs,
        logs: &shared.logs,
        progress: shared.progress(),
        cancel: &shared.session.cancel,
        cluster: &target.cluster,
        task_definition: arn,
        settings: task,
        deadline: shared.deadline,
        log_lines: shared.settings.log_lines,
    }
    .run()
    .await
}

/// The result when the `--run-task` task stopped the deploy: no service updated.
fn not_deployed(
    shared: &Shared,
    prepared: &Prepared,
    started_at: Instant,
    aws: &Aws,
    run: TaskRun,
) -> RunResult {
    let outcome = match run.outcome {
        TaskOutcome::Cancelled => Outcome::Cancelled { rolled_back: false },
        other => Outcome::NotStarted {
            reason: format!("not updated: the run-task task {other}"),
        },
    };
    let targets = &shared.settings.targets;
    let results = targets
        .iter()
        .zip(&prepared.before)
        .zip(&prepared.arns)
        .zip(&prepared.checks)
        .map(|(((target, view), arn), check)| {
            not_started(target, view, arn, outcome.clone(), check)
        })
        .collect();
    RunResult::new(
        results,
        started_at.elapsed().as_secs_f64(),
        aws.calls().requests(),
    )
    .with_run_task(run)
}

/// Publishes `run` (outputs, summary, closing lines, `--json`), then the
/// `::error::` annotations of the services that failed.
fn publish(run: &RunResult, session: &Session) -> Result<(), Error> {
    session.publish(run)?;
    for line in run.annotations() {
        session.actions.error(&line, None);
    }
    Ok(())
}

/// The GitHub deployment's last status: success, failure, or error when the
/// run itself failed. Its own failure is a warning: the outputs and the
/// result are already written, and the deployment's outcome stands.
async fn finish_github(
    github: &GitHubDeployment,
    published: &Result<RunResult, Error>,
    description: &str,
    session: &Session,
) {
    let (state, text) = match published {
        Ok(run) if run.exit_code == 0 => ("success", run.outcome.clone()),
        Ok(run) => ("failure", run.outcome.clone()),
        Err(err) => ("error", err.to_string()),
    };
    if let Err(err) = github
        .status(state, &format!("{description}: {text}"))
        .await
    {
        session.warn(&err.to_string());
    }
}

/// Follows every deployment concurrently until all end or a signal comes.
async fn follow_all(shared: &Arc<Shared>, deployments: &[Started]) -> Vec<ServiceResult> {
    let cancel: &Cancel = &shared.session.cancel;
    let mut set = JoinSet::new();
    let mut results: Vec<Option<ServiceResult>> = vec![None; deployments.len()];
    let before = cancel.signal().is_some();
    let followed = cancel
        .guard(async {
            for (index, started) in deployments.iter().enumerate() {
                let (shared, started) = (Arc::clone(shared), started.clone());
                set.spawn(async move { (index, finish(&shared, &started).await) });
            }
            while let Some(joined) = set.join_next().await {
                match joined {
                    Ok((index, result)) => results[index] = Some(result),
                    Err(err) => tracing::error!("a follower stopped: {err}"),
                }
            }
            Ok::<(), Error>(())
        })
        .await;
    set.abort_all();
    if let Err(err) = followed {
        let stop = match before {
            true => "stopped before following",
            false => "stopped following",
        };
        let signal = match &err {
            Error::Core(portfolio_core::Error::Interrupted(signal)) => signal.to_string(),
            other => other.to_string(),
        };
        shared.progress().line(&format!("{signal}: {stop}"));
    }
    let mut out = Vec::with_capacity(deployments.len());
    for (started, result) in deployments.iter().zip(results) {
        if let Some(result) = result {
            out.push(result);
        } else {
            let rolled_back =
                shared.settings.rollback_on_cancel && roll_back(shared, started, "cancelled").await;
            out.push(result_of(
                started,
                Outcome::Cancelled { rolled_back },
                None,
                None,
            ));
        }
    }
    out
}

/// StopServiceDeployment(ROLLBACK) of our deployment, announced when ECS
/// takes it.
async fn request_rollback(shared: &Shared, started: &Started, why: &str) -> Result<(), Error> {
    let target = &started.target;
    ecs::stop_and_roll_back(&shared.ecs, target, &started.ours).await?;
    shared.progress().line(&format!(
        "{}: {why}: rolling {} back (StopServiceDeployment ROLLBACK)",
        target.key, started.ours.id
    ));
    Ok(())
}

/// [`request_rollback`]; true when ECS took it, else the reason is printed.
async fn roll_back(shared: &Shared, started: &Started, why: &str) -> bool {
    match request_rollback(shared, started, why).await {
        Ok(()) => true,
        Err(err) => {
            shared.progress().line(&format!(
                "{}: {why}: could not roll back: {err}",
                started.target.key
            ));
            false
        }
    }
}

/// Follows one deployment, then explains, smoke-checks or rolls back.
async fn finish(shared: &Shared, started: &Started) -> ServiceResult {
    let target = &started.target;
    let follower = Follower {
        ecs: &shared.ecs,
        progress: shared.progress(),
        target,
        ours: Tracked {
            id: started.ours.id.clone(),
            created_at: started.ours.created_at,
            earlier: started
                .before
                .deployments
                .iter()
                .map(|d| d.id.clone())
                .collect(),
            previous_task_definition: started.before.task_definition.clone(),
        },
        service_deployment: started.ours.service_deployment.clone(),
        deadline: shared.deadline,
        max_poll_interval: shared.settings.max_poll_interval,
        wait_for_rollback: shared.settings.wait_for_rollback,
        seen_events: started.before.events.iter().map(|e| e.id.clone()).collect(),
    };
    let followed = match follower.run().await {
        Ok(followed) => followed,
        Err(err) => {
            shared.progress().line(&format!("{}: {err}", target.key));
            return result_of(started, Outcome::Failed, None, None);
        }
    };
    let mut health_check = None;
    let mut rollback = None;
    let outcome = match &followed.end {
        End::Completed => match &target.health_url {
            None => Outcome::Completed,
            Some(url) => {
                shared
                    .progress()
                    .line(&format!("{}: smoke check {url}", target.key));
                match health::check(url, shared.settings.health_timeout).await {
                    Health::Passed(status) => {
                        health_check = Some(format!("{url} answered {status}"));
                        Outcome::Completed
                    }
                    Health::Failed(last) => {
                        health_check = Some(format!("{url} never answered 2xx: {last}"));
                        let restored = match shared.settings.rollback_on_failure {
                            true => restore_previous(shared, started).await,
                            false => Restored::No,
                        };
                        if let Restored::By(id) = &restored {
                            rollback.clone_from(id);
                        }
                        Outcome::Unhealthy {
                            rolled_back: restored != Restored::No,
                        }
                    }
                }
            }
        },
        End::RolledBack { rollback: id } => {
            rollback = Some(id.clone());
            Outcome::RolledBack
        }
        End::Failed => Outcome::Failed,
        End::Superseded { by } => {
            let theirs = followed
                .view
                .as_ref()
                .and_then(|view| view.deployment(by))
                .map(|d| d.task_definition.clone());
            let by_release = match theirs {
                Some(arn) => order::release_of(&shared.ecs, &arn)
                    .await
                    .unwrap_or_else(|err| {
                        tracing::warn!("cannot read the release of {arn}: {err}");
                        None
                    }),
                None => None,
            };
            Outcome::Superseded {
                by: by.clone(),
                by_release,
            }
        }
        End::TimedOut => {
            let rolled_back = shared.settings.rollback_on_timeout
                && roll_back(shared, started, "timed out").await;
            Outcome::TimedOut { rolled_back }
        }
    };
    let explain = matches!(
        outcome,
        Outcome::RolledBack | Outcome::Failed | Outcome::TimedOut { .. }
    );
    let tasks = if explain || shared.session.actions.is_enabled() {
        tasks::collect(
            &shared.ecs,
            &shared.logs,
            target,
            &started.ours.id,
            &started.task_definition,
            if explain {
                shared.settings.log_lines
            } else {
                0
            },
        )
        .await
        .unwrap_or_else(|err| {
            tracing::warn!("cannot list the tasks of {}: {err}", started.ours.id);
            Vec::new()
        })
    } else {
        Vec::new()
    };
    let report = explain.then(|| report::build(&started.ours.id, followed.view.as_ref(), &tasks));
    if let Some(report) = &report {
        shared.progress().line(report.text(&target.key).trim_end());
    }
    let now = followed
        .marks
        .iter()
        .filter_map(|m| m.at)
        .chain(tasks.iter().filter_map(|t| t.stopped_at.or(t.started_at)))
        .fold(0.0, f64::max);
    let chart = gantt::chart(
        &format!("{} {}", target.key, started.ours.id),
        &followed.marks,
        &tasks,
        now,
    );
    let mut result = result_of(started, outcome, rollback, report);
    result.health_check = health_check;
    result.chart = chart;
    result
}

/// How a rollback after a failed smoke check went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Restored {
    /// Nothing was rolled back.
    No,
    /// ECS took StopServiceDeployment(ROLLBACK), or the deployment back to
    /// the previous definition (this id, when known) COMPLETED.
    By(Option<String>),
}

/// After a failed smoke check: StopServiceDeployment(ROLLBACK) of ours, or,
/// when ECS refuses because ours already COMPLETED, UpdateService back to
/// the previous definition, followed until it ends.
async fn restore_previous(shared: &Shared, started: &Started) -> Restored {
    let key = &started.target.key;
    let line = |text: &str| shared.progress().line(&format!("{key}: {text}"));
    let refused = match request_rollback(shared, started, "smoke check failed").await {
        Ok(()) => return Restored::By(None),
        Err(Error::Core(portfolio_core::Error::Aws(err)))
            if err.code.is_some() && !err.is_transient() =>
        {
            err
        }
        Err(err) => {
            line(&format!("smoke check failed: could not roll back: {err}"));
            return Restored::No;
        }
    };
    let previous = &started.before.task_definition;
    if *previous == started.task_definition {
        line(&format!(
            "smoke check failed: ECS refused the rollback ({refused}), and {previous} is \
             what ran before: nothing to roll back to"
        ));
        return Restored::No;
    }
    let update = Update {
        task_definition: previous,
        overrides: crate::settings::Overrides::default(),
        current: None,
        tags: &ServiceTags::default(),
        desired_count: None,
        force: false,
    };
    let restore = match ecs::update_service(&shared.ecs, &started.target, &update).await {
        Ok(restore) if restore.id != started.ours.id => restore,
        Ok(_) => {
            line("smoke check failed: the update to the previous definition started no deployment");
            return Restored::No;
        }
        Err(err) => {
            line(&format!("smoke check failed: could not roll back: {err}"));
            return Restored::No;
        }
    };
    line(&format!(
        "smoke check failed: rolling back to {previous} (deployment {})",
        restore.id
    ));
    let follower = Follower {
        ecs: &shared.ecs,
        progress: shared.progress(),
        target: &started.target,
        ours: Tracked {
            id: restore.id.clone(),
            created_at: restore.created_at,
            earlier: started
                .before
                .deployments
                .iter()
                .map(|d| d.id.clone())
                .chain([started.ours.id.clone()])
                .collect(),
            previous_task_definition: started.task_definition.clone(),
        },
        service_deployment: restore.service_deployment.clone(),
        deadline: Instant::now() + shared.settings.timeout,
        max_poll_interval: shared.settings.max_poll_interval,
        wait_for_rollback: false,
        seen_events: HashSet::new(),
    };
    match follower.run().await.map(|f| f.end) {
        Ok(End::Completed) => Restored::By(Some(restore.id)),
        Ok(end) => {
            line(&format!(
                "the rollback deployment {} ended {end:?}",
                restore.id
            ));
            Restored::No
        }
        Err(err) => {
            line(&format!("following the rollback deployment: {err}"));
            Restored::No
        }
    }
}

fn result_of(
    started: &Started,
    outcome: Outcome,
    rollback: Option<String>,
    report: Option<report::Report>,
) -> ServiceResult {
    ServiceResult {
        service: started.target.key.clone(),
        cluster: started.target.cluster.clone(),
        task_definition_arn: started.task_definition.clone(),
        previous_task_definition_arn: started.before.task_definition.clone(),
        deployment_id: Some(started.ours.id.clone()),
        deployment_configuration: Some(started.ours.configuration.clone()),
        exit_code: outcome.exit_code(),
        outcome,
        duration_seconds: started.at.elapsed().as_secs_f64(),
        rollback_deployment_id: rollback,
        health_check: None,
        report,
        chart: None,
        release: started.check.ours.clone(),
        replaced: started.check.replaced.clone(),
    }
}

/// The result of a service whose deployment never started (its task
/// definition empty when none was registered).
fn not_started(
    target: &Target,
    before: &ServiceView,
    task_definition: &str,
    outcome: Outcome,
    check: &Check,
) -> ServiceResult {
    ServiceResult {
        service: target.key.clone(),
        cluster: target.cluster.clone(),
        task_definition_arn: task_definition.to_owned(),
        previous_task_definition_arn: before.task_definition.clone(),
        deployment_id: None,
        deployment_configuration: None,
        exit_code: outcome.exit_code(),
        outcome,
        duration_seconds: 0.0,
        rollback_deployment_id: None,
        health_check: None,
        report: None,
        chart: None,
        release: check.ours.clone(),
        replaced: None,
    }
}
