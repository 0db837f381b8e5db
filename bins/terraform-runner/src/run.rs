//! The three operations, in the order their safety checks demand: every
//! refusal (bad input, checksum, confirmation) comes before terraform can
//! change anything. The flags were checked by [`Settings::resolve`]; here
//! terraform runs, and the result is published.

use std::collections::BTreeMap;
use std::path::Path;

use portfolio_core::{Exit, InvalidInput, Session};

use crate::comment;
use crate::error::Error;
use crate::integrity;
use crate::result::RunResult;
use crate::settings::{Operation, PrComment, SavedPlan, Settings};
use crate::steps::{Planned, Steps};

/// Runs the operation of `settings` to its end and publishes its result.
pub async fn run(session: &Session, settings: Settings) -> Result<Exit, Error> {
    let log_url = settings.log_url;
    let mut steps = Steps::new(settings.target, session);
    match settings.operation {
        Operation::Plan {
            plan_file,
            destroy,
            comment,
        } => plan(&mut steps, &plan_file, destroy, comment, log_url).await?,
        Operation::Apply { plan } => apply(&mut steps, plan, log_url).await?,
        Operation::Destroy { plan } => destroy(&mut steps, plan, log_url).await?,
    }
    Ok(Exit::OK)
}

/// `plan`: plan file, checksum, summary, outputs, optional PR comment.
async fn plan(
    steps: &mut Steps<'_>,
    file: &Path,
    destroy: bool,
    comment: Option<Box<PrComment>>,
    log_url: Option<String>,
) -> Result<(), Error> {
    // A workflow names a plan file under a directory that does not exist yet
    // (e.g. $RUNNER_TEMP/tfplan/): make it, so the upload step finds it.
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io(
            "cannot create the directory of the plan file",
            parent,
        ))?;
    }
    steps.init().await?;
    let planned = steps.plan(file, destroy).await?;
    let mut result = new_result("plan", steps, planned, log_url);
    // The comment goes first so that the result names it; when it fails,
    // the plan's outputs and summary are still published, then the run
    // fails.
    let mut failed = None;
    if let Some(comment) = comment {
        let PrComment {
            pull_request,
            github,
        } = *comment;
        let body = comment::body(&result);
        match comment::upsert(&pull_request, &github, &body).await {
            Ok(upserted) => {
                result.comment = Some(upserted);
                result.pull_request = Some(pull_request.number);
            }
            Err(err) => failed = Some(err),
        }
    }
    publish(steps.session, &result)?;
    failed.map_or(Ok(()), Err)
}

/// `apply`: a verified, fresh plan file, or plan and apply with --auto-approve.
async fn apply(
    steps: &mut Steps<'_>,
    plan: Option<SavedPlan>,
    log_url: Option<String>,
) -> Result<(), Error> {
    let keep_plan_file = plan.is_some();
    let (planned, _private) = if let Some(plan) = plan {
        (verified(steps, plan).await?, None)
    } else {
        steps.init().await?;
        let private = private_dir()?;
        let file = private.path().join("apply.tfplan");
        (steps.plan(&file, false).await?, Some(private))
    };
    if planned.summary.destroys_everything {
        let env = &steps.target().env;
        return Err(InvalidInput::new(
            "--plan-file",
            format!(
                "this plan destroys every resource of {env}: that is a destroy, which needs its \
                 confirmation: terraform-runner destroy --env {env} --confirm {env} --plan-file PATH"
            ),
        )
        .into());
    }
    apply_planned(steps, planned, "apply", keep_plan_file, log_url).await
}

/// A plan file from `plan`, checked before anything runs: its checksum
/// matches, and the state has not moved on since it was made.
async fn verified(steps: &mut Steps<'_>, plan: SavedPlan) -> Result<Planned, Error> {
    let SavedPlan { file, sha256 } = plan;
    let sha256 = integrity::verify(&file, sha256.as_deref())?;
    steps.init().await?;
    steps.check_fresh(&file).await?;
    let summary = steps.summarize(&file).await?;
    Ok(Planned {
        file,
        sha256,
        summary,
    })
}

/// `destroy` (confirmed by the settings): shown, applied.
async fn destroy(
    steps: &mut Steps<'_>,
    plan: Option<SavedPlan>,
    log_url: Option<String>,
) -> Result<(), Error> {
    let keep_plan_file = plan.is_some();
    let (planned, _private) = if let Some(plan) = plan {
        let planned = verified(steps, plan).await?;
        if planned.summary.has_changes && !planned.summary.destroys_everything {
            let c = planned.summary.counts;
            return Err(InvalidInput::new(
                "--plan-file",
                format!(
                    "{} is not a destroy plan ({}): make one with terraform-runner plan --destroy",
                    planned.file.display(),
                    c.sentence()
                ),
            )
            .into());
        }
        (planned, None)
    } else {
        steps.init().await?;
        let private = private_dir()?;
        let file = private.path().join("destroy.tfplan");
        (steps.plan(&file, true).await?, Some(private))
    };
    let doomed: Vec<_> = planned
        .summary
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    steps.session.progress.line(&format!(
        "destroy {}: {} resources will be destroyed{}",
        steps.target().env,
        doomed.len(),
        if doomed.is_empty() {
            String::new()
        } else {
            format!(":\n  {}", doomed.join("\n  "))
        }
    ));
    apply_planned(steps, planned, "destroy", keep_plan_file, log_url).await
}

async fn apply_planned(
    steps: &mut Steps<'_>,
    planned: Planned,
    operation: &'static str,
    keep_plan_file: bool,
    log_url: Option<String>,
) -> Result<(), Error> {
    let outputs = if planned.summary.has_changes {
        steps.apply(&planned.file).await?
    } else {
        steps.session.progress.line("no changes: nothing to apply");
        BTreeMap::new()
    };
    let mut result = new_result(operation, steps, planned, log_url);
    if !keep_plan_file {
        result.plan_file = None;
        result.plan_sha256 = None;
    }
    result.terraform_outputs = outputs;
    publish(steps.session, &result)
}

/// The detail in the log, then the result everywhere it goes.
fn publish(session: &Session, result: &RunResult) -> Result<(), Error> {
    result.show_detail(session);
    session.publish(result)?;
    result.write_terraform_outputs(session)?;
    Ok(())
}

fn new_result(
    operation: &'static str,
    steps: &Steps<'_>,
    planned: Planned,
    log_url: Option<String>,
) -> RunResult {
    let target = steps.target();
    RunResult {
        operation,
        env: target.env.clone(),
        dir: target.dir_label.clone(),
        plan_file: Some(planned.file),
        plan_sha256: Some(planned.sha256),
        summary: planned.summary,
        terraform_outputs: BTreeMap::new(),
        comment: None,
        pull_request: None,
        log_url,
    }
}

/// A directory only this user can read, for plan files that are not kept.
fn private_dir() -> Result<tempfile::TempDir, Error> {
    tempfile::Builder::new()
        .prefix("terraform-runner-")
        .tempdir()
        .map_err(Error::io(
            "cannot create a temporary directory in",
            std::env::temp_dir(),
        ))
}
