//! The three operations, in the order their safety checks demand: every
//! refusal (bad input, checksum, confirmation) comes before terraform can
//! change anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use portfolio_core::{Config, InvalidInput};

use crate::cli::{ApplyArgs, DestroyArgs, PlanArgs};
use crate::comment::{self, PullRequest};
use crate::error::RunnerError;
use crate::integrity;
use crate::render::{self, COMMENT_LIMIT};
use crate::report::{self, RunReport};
use crate::session::{Planned, Session};
use crate::signals::Signals;

/// The protected environment that destroy also needs `--allow-prod` for.
const PROD: &str = "prod";

/// `plan`: plan file, checksum, summary, outputs, optional PR comment.
pub async fn plan(
    args: PlanArgs,
    config: &Config,
    signals: Signals,
) -> Result<RunReport, RunnerError> {
    let mut session = Session::open(&args.target, config, signals)?;
    let pr = if args.pr_comment {
        Some((PullRequest::from_env(args.pr)?, github_token(&session)?))
    } else {
        None
    };
    let file = match &args.plan_file {
        Some(file) => absolute(file)?,
        None => session
            .settings()
            .dir
            .join(format!("{}.tfplan", session.settings().env)),
    };
    // A workflow names a plan file under a directory that does not exist yet
    // (e.g. $RUNNER_TEMP/tfplan/): make it, so the upload step finds it.
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|source| RunnerError::Io {
            action: "cannot create the directory of the plan file",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    session.init().await?;
    let planned = session.plan(&file, args.destroy).await?;
    let mut report = new_report("plan", &session, planned);
    report.publish(&session.reporter)?;
    if let Some((pr, token)) = pr {
        let marker = comment::marker(&report.dir, &report.env);
        let log_url = report::log_url();
        let body = render::markdown(
            &report.heading(log_url.as_deref()),
            &report.summary,
            COMMENT_LIMIT - marker.len() - 1,
        );
        let upserted = comment::upsert(&pr, &token, &marker, &body).await?;
        session.reporter.line(&format!(
            "pull request #{} comment {} ({})",
            pr.number,
            upserted.action,
            upserted.url.as_deref().unwrap_or("no URL")
        ));
        report.comment = Some(upserted);
    }
    session.reporter.finish();
    Ok(report)
}

/// `apply`: a verified, fresh plan file, or plan and apply with --auto-approve.
pub async fn apply(
    args: ApplyArgs,
    config: &Config,
    signals: Signals,
) -> Result<RunReport, RunnerError> {
    let plan_file = args.plan_file.as_deref().map(absolute).transpose()?;
    if plan_file.is_none() && !args.auto_approve {
        return Err(InvalidInput::new(
            "--plan-file",
            "apply needs a plan file from terraform-runner plan, or --auto-approve to plan and apply in one go",
        )
        .into());
    }
    let mut session = Session::open(&args.target, config, signals)?;
    let (planned, _private) = match plan_file {
        Some(file) => (
            verified(&mut session, file, args.plan_sha256.as_deref()).await?,
            None,
        ),
        None => {
            session.init().await?;
            let private = private_dir()?;
            let file = private.path().join("apply.tfplan");
            (session.plan(&file, false).await?, Some(private))
        }
    };
    if planned.summary.destroys_everything {
        let env = &session.settings().env;
        return Err(InvalidInput::new(
            "--plan-file",
            format!(
                "this plan destroys every resource of {env}: that is a destroy, which needs its \
                 confirmation: terraform-runner destroy --env {env} --confirm {env} --plan-file PATH"
            ),
        )
        .into());
    }
    apply_planned(session, planned, "apply", args.plan_file.is_some()).await
}

/// A plan file from `plan`, checked before anything runs: it exists, its
/// checksum matches, and the state has not moved on since it was made.
async fn verified(
    session: &mut Session,
    file: PathBuf,
    sha256: Option<&str>,
) -> Result<Planned, RunnerError> {
    if !file.is_file() {
        return Err(InvalidInput::new(
            "--plan-file",
            format!("{} does not exist: expected a plan file", file.display()),
        )
        .into());
    }
    let sha256 = integrity::verify(&file, sha256)?;
    session.init().await?;
    session.check_fresh(&file).await?;
    let summary = session.summarize(&file).await?;
    Ok(Planned {
        file,
        sha256,
        summary,
    })
}

/// `destroy`: confirmed by name (and --allow-prod for prod), shown, applied.
pub async fn destroy(
    args: DestroyArgs,
    config: &Config,
    signals: Signals,
) -> Result<RunReport, RunnerError> {
    let env = &args.target.env;
    if args.confirm.as_deref() != Some(env.as_str()) {
        return Err(InvalidInput::new(
            "--confirm",
            format!(
                "destroy needs --confirm {env} (the environment's name) to go ahead; got {}",
                args.confirm
                    .as_deref()
                    .map_or("nothing".to_owned(), |c| format!("'{c}'"))
            ),
        )
        .into());
    }
    if env == PROD && !args.allow_prod {
        return Err(
            InvalidInput::new("--allow-prod", "destroying prod also needs --allow-prod").into(),
        );
    }
    let plan_file = args.plan_file.as_deref().map(absolute).transpose()?;
    let mut session = Session::open(&args.target, config, signals)?;
    let (planned, _private) = match plan_file {
        Some(file) => {
            let planned = verified(&mut session, file, args.plan_sha256.as_deref()).await?;
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
        }
        None => {
            session.init().await?;
            let private = private_dir()?;
            let file = private.path().join("destroy.tfplan");
            (session.plan(&file, true).await?, Some(private))
        }
    };
    let doomed: Vec<_> = planned
        .summary
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    session.reporter.line(&format!(
        "destroy {env}: {} resources will be destroyed{}",
        doomed.len(),
        if doomed.is_empty() {
            String::new()
        } else {
            format!(":\n  {}", doomed.join("\n  "))
        }
    ));
    apply_planned(session, planned, "destroy", args.plan_file.is_some()).await
}

async fn apply_planned(
    mut session: Session,
    planned: Planned,
    operation: &'static str,
    keep_plan_file: bool,
) -> Result<RunReport, RunnerError> {
    let outputs = if planned.summary.has_changes {
        session.apply(&planned.file).await?
    } else {
        session.reporter.line("no changes: nothing to apply");
        BTreeMap::new()
    };
    let mut report = new_report(operation, &session, planned);
    if !keep_plan_file {
        report.plan_file = None;
        report.plan_sha256 = None;
    }
    report.terraform_outputs = outputs;
    report.publish(&session.reporter)?;
    session.reporter.finish();
    Ok(report)
}

fn new_report(operation: &'static str, session: &Session, planned: Planned) -> RunReport {
    let settings = session.settings();
    RunReport {
        operation,
        env: settings.env.clone(),
        dir: settings.dir_label.clone(),
        plan_file: Some(planned.file),
        plan_sha256: Some(planned.sha256),
        summary: planned.summary,
        terraform_outputs: BTreeMap::new(),
        comment: None,
    }
}

fn github_token(session: &Session) -> Result<String, RunnerError> {
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| RunnerError::Comment {
            reason: "GITHUB_TOKEN is not set".into(),
        })?;
    session.reporter.actions().mask(&token);
    Ok(token)
}

fn absolute(path: &Path) -> Result<PathBuf, RunnerError> {
    std::path::absolute(path).map_err(RunnerError::io("cannot resolve", path))
}

/// A directory only this user can read, for plan files that are not kept.
fn private_dir() -> Result<tempfile::TempDir, RunnerError> {
    tempfile::Builder::new()
        .prefix("terraform-runner-")
        .tempdir()
        .map_err(RunnerError::io(
            "cannot create a temporary directory in",
            std::env::temp_dir(),
        ))
}
