//! Shared runtime of the portfolio-ci tools.
//!
//! Every binary of the toolkit stands on this crate for the contracts that
//! DESIGN.md sets: layered configuration (`config`), the GitHub Actions
//! runtime (`actions`), AWS client setup (`aws`) and failed AWS calls
//! (`aws_error`), human progress and JSON results (`output`), and the single
//! mapping from errors to exit codes and messages (`exit`). The crate does no tool-specific work.

pub mod actions;
pub mod aws;
pub mod aws_error;
pub mod cli;
pub mod config;
pub mod exit;
pub mod oci;
pub mod output;
pub mod signal;
pub mod template;

pub use actions::Actions;
pub use aws_error::{AwsError, AwsErrorKind};
pub use config::{Config, ConfigError};
pub use exit::{Exit, Failure, FileLocation, InvalidInput};
