//! The steps that plan, apply and destroy share: open a run for one
//! environment, plan into a file and summarise it, check a plan against the
//! current state, apply it and read the outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use portfolio_core::Session;
use serde_json::Value;

use crate::error::Error;
use crate::integrity::{self, StateVersion};
use crate::settings::Target;
use crate::summary::{self, PlanSummary};
use crate::terraform::Terraform;

/// One run against one environment: terraform, and the session it reports to.
#[derive(Debug)]
pub struct Steps<'a> {
    /// terraform, configured for the environment.
    pub terraform: Terraform,
    /// Progress, annotations and cancellation.
    pub session: &'a Session,
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

impl<'a> Steps<'a> {
    /// terraform for `target`, stopped by the session's signals.
    pub fn new(target: Target, session: &'a Session) -> Steps<'a> {
        Steps {
            terraform: Terraform::new(target, session.cancel.clone()),
            session,
        }
    }

    /// The target in force.
    pub fn target(&self) -> &Target {
        self.terraform.settings()
    }

    /// `terraform init`, once per root module and environment.
    pub async fn init(&self) -> Result<(), Error> {
        let _group = self.session.actions.group("terraform init");
        self.terraform.init(self.session).await.map(drop)
    }

    /// Plans into `file` (private to the user), writes `file.sha256` and
    /// summarises the plan.
    pub async fn plan(&mut self, file: &Path, destroy: bool) -> Result<Planned, Error> {
        let args = self.terraform.plan_args(file, destroy);
        self.terraform.stream(args, self.session).await?;
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
    pub async fn summarize(&self, file: &Path) -> Result<PlanSummary, Error> {
        let file = file.display().to_string();
        let json = self.terraform.capture_ok(&["show", "-json", &file]).await?;
        let analysis = summary::analyze(&json).map_err(|e| Error::Output {
            command: "show -json".into(),
            reason: e.to_string(),
        })?;
        for secret in analysis.secrets.strings() {
            self.session.actions.mask(secret);
        }
        Ok(analysis.summary)
    }

    /// Refuses a plan made against another state than the current one (exit 3).
    pub async fn check_fresh(&self, file: &Path) -> Result<(), Error> {
        let planned = integrity::planned_against(file)?;
        let current = self.terraform.capture_ok(&["state", "pull"]).await?;
        let current = StateVersion::parse(&current).map_err(|e| Error::Output {
            command: "state pull".into(),
            reason: e.to_string(),
        })?;
        match integrity::staleness(planned.as_ref(), current.as_ref()) {
            Some(reason) => Err(Error::StalePlan {
                plan: file.to_path_buf(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// Applies a plan file and returns the non-sensitive outputs.
    pub async fn apply(&mut self, file: &Path) -> Result<BTreeMap<String, Value>, Error> {
        let args = self.terraform.apply_args(file);
        let outputs = self.terraform.stream(args, self.session).await?;
        for (name, value) in &outputs {
            self.session.progress.line(&format!(
                "output {name} = {}",
                crate::result::output_text(value)
            ));
        }
        Ok(outputs)
    }
}

/// Plan files hold sensitive values in clear: only the owner may read them.
fn restrict(file: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .map_err(Error::io("cannot restrict permissions of", file))
}
