//! One run from start to end: resolve, check the services exist, build and
//! register the task definitions, update the services, follow every
//! deployment concurrently (stopping on SIGINT/SIGTERM), then explain,
//! smoke-check and publish the result.

use std::collections::HashSet;
use std::sync::Arc;

use portfolio_core::output::{Progress, print_json};
use portfolio_core::signal::shutdown;
use portfolio_core::{Actions, Config, Exit};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::aws::Clients;
use crate::cli::Cli;
use crate::definition::{self, Source};
use crate::ecs::{self, Update};
use crate::error::DeployError;
use crate::follow::{self, End, Follower};
use crate::gantt;
use crate::github::GitHubDeployment;
use crate::health::{self, Health};
use crate::outcome::Outcome;
use crate::report;
use crate::result::{RunResult, ServiceResult};
use crate::target::{self, Plan, Strategy, Target};
use crate::tasks;
use crate::view::ServiceView;

/// A service whose deployment started.
#[derive(Debug, Clone)]
struct Started {
    target: Target,
    before: ServiceView,
    task_definition: String,
    ours: String,
    at: Instant,
}

/// What every per-service task shares.
#[derive(Debug)]
struct Shared {
    cli: Cli,
    clients: Clients,
    progress: Progress,
    deadline: Instant,
    strategy: Strategy,
    summary: bool,
}

/// Runs the tool; the outcome is the exit code.
pub async fn run(cli: Cli) -> Result<Exit, DeployError> {
    let started = Instant::now();
    let actions = Actions::from_env();
    let progress = Progress::new();
    let config = Config::load(cli.global.config.as_deref())?;
    let plan = target::plan(&cli, &config)?;
    let sdk = portfolio_core::aws::load(
        cli.aws.region.clone(),
        config.region(&plan.env),
        cli.aws.max_attempts,
    )
    .await;
    let region = sdk.region().map_or_else(
        || portfolio_core::aws::FALLBACK_REGION.to_owned(),
        ToString::to_string,
    );
    let clients = Clients::new(&sdk);

    // Nothing changes until every service is known to exist.
    let mut before = Vec::with_capacity(plan.targets.len());
    for target in &plan.targets {
        before.push(
            follow::describe(&clients.ecs, target)
                .await
                .map_err(|e| e.error)?,
        );
    }
    let mut sources = Vec::with_capacity(plan.targets.len());
    for (target, view) in plan.targets.iter().zip(&before) {
        sources.push(
            definition::build(
                &cli,
                &config,
                &region,
                &clients.ecs,
                target,
                &view.task_definition,
            )
            .await?,
        );
    }
    let arns = definition::register_all(&clients.ecs, &sources).await?;
    let mut shown = HashSet::new();
    for (source, arn) in sources.iter().zip(&arns) {
        if matches!(source, Source::Register(_)) && shown.insert(arn.clone()) {
            progress.line(&format!("registered {arn}"));
        }
    }

    let github = match cli.github_deployment {
        true => Some(GitHubDeployment::start(&plan.env, &describe_run(&plan), &actions).await?),
        false => None,
    };
    let mut deployments = Vec::with_capacity(plan.targets.len());
    for ((target, view), arn) in plan.targets.iter().zip(before).zip(&arns) {
        let update = Update {
            task_definition: arn,
            strategy: plan.strategy,
            desired_count: cli.desired_count,
            force: cli.force_new_deployment,
        };
        let ours = ecs::update_service(&clients.ecs, target, &update).await?;
        progress.line(&format!(
            "{}: deployment {ours} started on {} ({arn})",
            target.key,
            target.label()
        ));
        deployments.push(Started {
            target: target.clone(),
            before: view,
            task_definition: arn.clone(),
            ours,
            at: Instant::now(),
        });
    }

    let shared = Arc::new(Shared {
        deadline: Instant::now() + plan.timeout,
        strategy: plan.strategy,
        summary: actions.is_enabled(),
        cli,
        clients,
        progress,
    });
    let results = follow_all(&shared, &deployments).await;
    shared.progress.finish();
    let run = RunResult::new(
        results,
        started.elapsed().as_secs_f64(),
        shared.clients.calls.get(),
    );
    for s in &run.services {
        shared.progress.line(&format!(
            "{}: {} after {:.0} s ({})",
            s.service, s.outcome, s.duration_seconds, s.deployment_id
        ));
    }
    if let Some(github) = &github {
        let state = if run.exit_code == 0 {
            "success"
        } else {
            "failure"
        };
        github
            .status(state, &format!("{}: {}", describe_run(&plan), run.outcome))
            .await?;
    }
    run.publish(&actions)?;
    if shared.cli.global.json {
        print_json(&run).map_err(|source| DeployError::Write {
            what: "the JSON result",
            source,
        })?;
    }
    Ok(Exit(run.exit_code))
}

fn describe_run(plan: &Plan) -> String {
    let names: Vec<&str> = plan.targets.iter().map(|t| t.key.as_str()).collect();
    format!("ecs-rolling-deploy {} to {}", names.join(", "), plan.env)
}

/// Follows every deployment concurrently until all end or a signal comes.
async fn follow_all(shared: &Arc<Shared>, deployments: &[Started]) -> Vec<ServiceResult> {
    let mut set = JoinSet::new();
    for (index, started) in deployments.iter().enumerate() {
        let (shared, started) = (Arc::clone(shared), started.clone());
        set.spawn(async move { (index, finish(&shared, &started).await) });
    }
    let mut results: Vec<Option<ServiceResult>> = vec![None; deployments.len()];
    let signal = shutdown();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                None => break,
                Some(Ok((index, result))) => results[index] = Some(result),
                Some(Err(err)) => tracing::error!("a follower stopped: {err}"),
            },
            signal = &mut signal => {
                set.abort_all();
                shared.progress.line(&format!("{signal}: stopped following"));
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(deployments.len());
    for (started, result) in deployments.iter().zip(results) {
        match result {
            Some(result) => out.push(result),
            None => {
                let rolled_back =
                    shared.cli.rollback_on_cancel && roll_back(shared, started, "cancelled").await;
                out.push(result_of(
                    started,
                    Outcome::Cancelled { rolled_back },
                    None,
                    None,
                ));
            }
        }
    }
    out
}

async fn roll_back(shared: &Shared, started: &Started, why: &str) -> bool {
    let target = &started.target;
    match ecs::stop_and_roll_back(&shared.clients.ecs, target, &started.ours).await {
        Ok(()) => {
            shared.progress.line(&format!(
                "{}: {why}: rolling {} back (StopServiceDeployment ROLLBACK)",
                target.key, started.ours
            ));
            true
        }
        Err(err) => {
            shared.progress.line(&format!(
                "{}: {why}: could not roll back: {err}",
                target.key
            ));
            false
        }
    }
}

/// Follows one deployment, then explains, smoke-checks or rolls back.
async fn finish(shared: &Shared, started: &Started) -> ServiceResult {
    let target = &started.target;
    let follower = Follower {
        ecs: &shared.clients.ecs,
        progress: &shared.progress,
        target,
        ours: started.ours.clone(),
        deadline: shared.deadline,
        wait_for_rollback: shared.cli.wait_for_rollback,
        seen_events: started.before.events.iter().map(|e| e.id.clone()).collect(),
    };
    let followed = match follower.run().await {
        Ok(followed) => followed,
        Err(err) => {
            shared.progress.line(&format!("{}: {err}", target.key));
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
                    .progress
                    .line(&format!("{}: smoke check {url}", target.key));
                match health::check(url, shared.cli.health_timeout).await {
                    Health::Passed(status) => {
                        health_check = Some(format!("{url} answered {status}"));
                        Outcome::Completed
                    }
                    Health::Failed(last) => {
                        health_check = Some(format!("{url} never answered 2xx: {last}"));
                        let rolled_back = shared.cli.rollback_on_failure
                            && restore_previous(shared, started).await;
                        Outcome::Unhealthy { rolled_back }
                    }
                }
            }
        },
        End::RolledBack { rollback: id } => {
            rollback.clone_from(id);
            Outcome::RolledBack
        }
        End::Failed => Outcome::Failed,
        End::Superseded { by } => Outcome::Superseded { by: by.clone() },
        End::TimedOut => {
            let rolled_back =
                shared.cli.rollback_on_timeout && roll_back(shared, started, "timed out").await;
            Outcome::TimedOut { rolled_back }
        }
    };
    let explain = matches!(
        outcome,
        Outcome::RolledBack | Outcome::Failed | Outcome::TimedOut { .. }
    );
    let tasks = if explain || shared.summary {
        tasks::collect(
            &shared.clients,
            target,
            &started.ours,
            &started.task_definition,
            if explain { shared.cli.log_lines } else { 0 },
        )
        .await
        .unwrap_or_else(|err| {
            tracing::warn!("cannot list the tasks of {}: {err}", started.ours);
            Vec::new()
        })
    } else {
        Vec::new()
    };
    let report = explain.then(|| report::build(&started.ours, followed.view.as_ref(), &tasks));
    if let Some(report) = &report {
        shared.progress.line(report.text(&target.key).trim_end());
    }
    let now = followed
        .marks
        .iter()
        .filter_map(|m| m.at)
        .chain(tasks.iter().filter_map(|t| t.stopped_at.or(t.started_at)))
        .fold(0.0, f64::max);
    let chart = gantt::chart(
        &format!("{} {}", target.key, started.ours),
        &followed.marks,
        &tasks,
        now,
    );
    let mut result = result_of(started, outcome, rollback, report);
    result.health_check = health_check;
    result.chart = chart;
    result
}

/// After a failed smoke check: back to the definition the service ran before.
async fn restore_previous(shared: &Shared, started: &Started) -> bool {
    let update = Update {
        task_definition: &started.before.task_definition,
        strategy: shared.strategy,
        desired_count: None,
        force: false,
    };
    match ecs::update_service(&shared.clients.ecs, &started.target, &update).await {
        Ok(id) => {
            shared.progress.line(&format!(
                "{}: rolling back to {} (deployment {id})",
                started.target.key, started.before.task_definition
            ));
            true
        }
        Err(err) => {
            shared.progress.line(&format!(
                "{}: could not roll back: {err}",
                started.target.key
            ));
            false
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
        deployment_id: started.ours.clone(),
        exit_code: outcome.exit_code(),
        outcome,
        duration_seconds: started.at.elapsed().as_secs_f64(),
        rollback_deployment_id: rollback,
        health_check: None,
        report,
        chart: None,
    }
}
