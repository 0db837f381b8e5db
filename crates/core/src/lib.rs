//! Shared runtime of the portfolio-ci tools.
//!
//! Every binary of the toolkit stands on this crate for the contracts that
//! DESIGN.md sets: layered configuration (`config`), the GitHub Actions
//! runtime (`actions`), AWS client setup (`aws`) and failed AWS calls
//! (`aws_error`), the errors every tool shares (`error`), cancellation
//! (`cancel`), the GitHub context and client (`github`), human progress
//! (`output`), one way to publish a result (`publish`), the local git
//! history (`git`) and where a release came from and which is newer
//! (`release`), and the single
//! mapping from errors to exit codes and messages (`exit`). The crate does no tool-specific work.

#![deny(missing_docs)]

pub mod actions;
pub mod aws;
pub mod aws_error;
pub mod cancel;
pub mod cli;
pub mod config;
pub mod error;
pub mod exit;
pub mod git;
#[cfg(feature = "github")]
pub mod github;
pub mod oci;
pub mod output;
pub mod publish;
pub mod release;
pub mod tag_glob;
pub mod template;

pub use actions::Actions;
pub use aws::{Aws, AwsSettings, RegionChoice};
pub use aws_error::{AwsError, AwsErrorKind};
pub use cancel::{Cancel, Signal};
pub use config::{Config, ConfigError};
pub use error::Error;
pub use exit::{Exit, Failure, FileLocation, InvalidInput};
pub use publish::{Report, Session};
