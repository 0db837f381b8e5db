//! ecr-lifecycle: lint, apply, preview and enforce ECR lifecycle policies
//! without deleting images that ECS still uses.
//!
//! The evaluator is pure: [`policy`] (model and ECR's validation),
//! [`pattern`] (tag matching), [`image`] (the snapshot), [`protect`]
//! (what must never go) and [`evaluate`] (ECR's semantics) make no AWS
//! call. The AWS I/O lives in [`ecr`] and [`ecs`]; [`commands`] ties them
//! together for the four subcommands defined in [`cli`].

pub mod calls;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod ecr;
pub mod ecs;
pub mod error;
pub mod evaluate;
pub mod image;
pub mod lint;
pub mod pattern;
pub mod policy;
pub mod protect;
pub mod report;

pub use cli::Cli;
pub use commands::run;
pub use error::Error;
