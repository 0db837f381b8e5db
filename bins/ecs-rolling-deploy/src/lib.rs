//! ecs-rolling-deploy: register a task definition, update one or more ECS
//! services, and follow OUR deployment (the id our UpdateService created)
//! to COMPLETED, FAILED or rolled back, explaining failures.
//!
//! [`run`] is the whole tool; the modules are its parts: [`target`]
//! resolves flags and portfolio-ci.yaml, [`definition`] builds and registers
//! task definitions through render-taskdef's library, [`ecs`] updates and
//! rolls back, [`follow`] polls ([`pace`]) and [`judge`]s our deployment,
//! [`tasks`] and [`report`] explain a failure, [`gantt`] draws the rollout,
//! [`health`] smoke-checks, [`github`] records a GitHub Deployment and
//! [`result`] publishes outputs, summary and `--json`.

pub mod aws;
pub mod cli;
pub mod definition;
pub mod deploy;
pub mod ecs;
pub mod error;
pub mod follow;
pub mod gantt;
pub mod github;
pub mod health;
pub mod judge;
pub mod outcome;
pub mod pace;
pub mod report;
pub mod result;
pub mod target;
pub mod tasks;
pub mod view;

pub use cli::Cli;
pub use deploy::run;
pub use error::DeployError;
pub use outcome::Outcome;
