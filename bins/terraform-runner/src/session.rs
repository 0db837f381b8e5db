//! The steps that plan, apply and destroy share: open a run for one
//! environment, plan into a file and summarise it, check a plan against the
//! current state, apply it and read the outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use portfolio_core::{Actions, Config};
use serde_json::Value;

use crate::cli::TargetArgs;
use crate::error::RunnerError;
use crate::integrity::{self, StateVersion};
use crate::reporter::Reporter;
use crate::settings::Settings;
use crate::signals::Signals;
use crate::summary::{self, PlanSummary};
use crate::terraform::Terraform;

/// One run against one environment.
#[derive(Debug)]
pub struct Session {
    /// terraform, configured for the environment.
    pub terraform: Terraform,
    /// Progress and annotations.
    pub reporter: Reporter,
}

/// A plan file and what it does.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The plan file.
    pub file: PathBuf,
    /// Its sha256.
    pub sha256: String,
    /// Its changes, masked.
    pub summary: PlanSummary,
}

impl Session {
    /// Resolves the settings (exit 2 on bad input, before anything runs).
    pub fn open(
        target: &TargetArgs,
        config: &Config,
        signals: Signals,
    ) -> Result<Session, RunnerError> {
        let settings = Settings::resolve(target, config)?;
        Ok(Session {
            terraform: Terraform::new(settings, signals),
            reporter: Reporter::new(Actions::from_env()),
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        self.terraform.settings()
    }

    /// `terraform init`, once per root module and environment.
    pub async fn init(&self) -> Result<(), RunnerError> {
        let _group = self.reporter.actions().group("terraform init");
        self.terraform.init(&self.reporter).await.map(drop)
    }

    /// Plans into `file` (private to the user), writes `file.sha256` and
    /// summarises the plan.
    pub async fn plan(&mut self, file: &Path, destroy: bool) -> Result<Planned, RunnerError> {
        let args = self.terraform.plan_args(file, destroy);
        self.terraform.stream(args, &self.reporter).await?;
        restrict(file)?;
        let sha256 = integrity::write_checksum(file)?;
        let summary = self.summarize(file).await?;
        Ok(Planned {
            file: file.to_path_buf(),
            sha256,
            summary,
        })
    }

    /// The masked summary of a plan file (`terraform show -json`). Its
    /// sensitive values are masked in the Actions log from here on.
    pub async fn summarize(&self, file: &Path) -> Result<PlanSummary, RunnerError> {
        let file = file.display().to_string();
        let json = self.terraform.capture_ok(&["show", "-json", &file]).await?;
        let analysis = summary::analyze(&json).map_err(|e| RunnerError::Output {
            command: "show -json".into(),
            reason: e.to_string(),
        })?;
        for secret in analysis.secrets.strings() {
            self.reporter.actions().mask(secret);
        }
        Ok(analysis.summary)
    }

    /// Refuses a plan made against another state than the current one (exit 3).
    pub async fn check_fresh(&self, file: &Path) -> Result<(), RunnerError> {
        let planned = integrity::planned_against(file)?;
        let current = self.terraform.capture_ok(&["state", "pull"]).await?;
        let current = StateVersion::parse(&current).map_err(|e| RunnerError::Output {
            command: "state pull".into(),
            reason: e.to_string(),
        })?;
        match integrity::staleness(planned.as_ref(), current.as_ref()) {
            Some(reason) => Err(RunnerError::StalePlan {
                plan: file.to_path_buf(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// Applies a plan file and returns the non-sensitive outputs.
    pub async fn apply(&mut self, file: &Path) -> Result<BTreeMap<String, Value>, RunnerError> {
        let args = self.terraform.apply_args(file);
        let outputs = self.terraform.stream(args, &self.reporter).await?;
        for (name, value) in &outputs {
            self.reporter.line(&format!(
                "output {name} = {}",
                crate::report::output_text(value)
            ));
        }
        Ok(outputs)
    }
}

/// Plan files hold sensitive values in clear: only the owner may read them.
fn restrict(file: &Path) -> Result<(), RunnerError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .map_err(RunnerError::io("cannot restrict permissions of", file))
}
