//! The work: the AWS clients of the run, and the dispatch of the resolved
//! settings to the four subcommands in [`crate::commands`].

use std::collections::BTreeMap;

use portfolio_core::output::Progress;
use portfolio_core::{Aws, AwsSettings, Exit, RegionChoice, Session};

use crate::commands::{apply, enforce, lint, preview};
use crate::ecr::Ecr;
use crate::ecs::Ecs;
use crate::error::Error;
use crate::settings::{Command, Preview, Settings};

/// Runs the resolved subcommand. Reads are cut short by the first signal;
/// `enforce` stops its deletions between two batches.
pub async fn run(session: &Session, settings: Settings) -> Result<Exit, Error> {
    let Settings { aws, command } = settings;
    match command {
        Command::Lint(lint) => lint::run(session, lint),
        Command::Preview(Preview::Offline(offline)) => preview::run_offline(session, &offline),
        Command::Preview(Preview::Online(request)) => {
            let clients = Clients::connect(&aws, &session.progress).await;
            session
                .cancel
                .guard(preview::run(session, &clients, &request))
                .await
        }
        Command::Apply(apply) => {
            let clients = Clients::connect(&aws, &session.progress).await;
            session
                .cancel
                .guard(apply::run(session, &clients, apply))
                .await
        }
        Command::Enforce(enforce) => {
            let clients = Clients::connect(&aws, &session.progress).await;
            enforce::run(session, &clients, &enforce).await
        }
    }
}

/// The AWS side of a run: one configuration and one call counter, and a
/// client per configured region.
#[derive(Debug)]
pub struct Clients {
    aws: Aws,
    /// `--region`, which beats every configured region.
    region: Option<String>,
}

impl Clients {
    /// Loads the AWS configuration (no call is made yet).
    pub async fn connect(settings: &AwsSettings, progress: &Progress) -> Clients {
        Clients {
            aws: Aws::connect(settings, progress).await,
            region: settings.region.clone(),
        }
    }

    /// The configuration in the region for `configured` (an environment's
    /// region in portfolio-ci.yaml): `--region` first, then the file, then
    /// the AWS environment, as for every tool.
    async fn in_region(&self, configured: Option<String>) -> Aws {
        let region = RegionChoice::resolve(self.region.clone(), configured).await;
        self.aws.in_region(region)
    }

    /// The ECR calls, in the region for `configured`.
    pub async fn ecr(&self, configured: Option<String>) -> Ecr {
        Ecr::new(self.in_region(configured).await.ecr())
    }

    /// The ECS calls, in the region for `configured`.
    pub async fn ecs(&self, configured: Option<String>) -> Ecs {
        Ecs::new(self.in_region(configured).await.ecs())
    }

    /// AWS calls made so far, by operation (`ecr:DescribeImages`).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.aws.calls().by_operation()
    }
}
