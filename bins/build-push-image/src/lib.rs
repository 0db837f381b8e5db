//! build-push-image: build an image, tag it, push it to ECR, and skip the
//! build when the registry already has the same content.
//!
//! Where things happen: the flags are parsed in [`cli`] and resolved with
//! the environment and `portfolio-ci.yaml` in [`settings`]; [`run`](mod@run) does the
//! work: hash the build ([`context`]) into the tag `ctx-<12 hex>`, work out
//! the tags ([`tags`], `--tag` references: [`reference`]) and labels
//! ([`labels`]) from git ([`git`]), find the builder and check that it can
//! do what was asked ([`build_options`]), find the registry and log in
//! ([`ecr`], [`auth`]), then either retag the image that already has the
//! context tag through the registry API ([`registry`]) or build and push
//! with the builder found ([`builder`], private files: [`build_files`]);
//! with `--no-push` only build; optionally gate on
//! the ECR scan ([`scan`]). The result ([`result`]) is published through the
//! session; failures and exit codes are in [`error`]. `--promote-from`
//! copies an image that passed another environment instead of building
//! ([`promote`]).

#![deny(missing_docs)]

pub mod auth;
pub mod build_files;
pub mod build_options;
pub mod builder;
pub mod cli;
pub mod context;
pub mod dockerignore;
pub mod ecr;
pub mod error;
pub mod git;
pub mod labels;
pub mod login;
pub mod mutability;
pub mod promote;
pub mod reference;
pub mod registry;
pub mod result;
pub mod run;
pub mod scan;
pub mod settings;
pub mod tags;

use portfolio_core::{Config, Exit, Session};

pub use cli::Cli;
pub use error::Error;
pub use settings::{PASSWORD_VAR, Settings, USERNAME_VAR};

/// Runs the tool: starts the session (signal handlers first), resolves the
/// settings, and does the work. SIGINT/SIGTERM stop the builder and remove
/// the private auth directory before the run ends with 130.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    let session = Session::start(cli.global.json);
    let cancel = session.cancel.clone();
    cancel
        .guard(async {
            let config = Config::load(cli.global.config.as_deref())?;
            if let Some(cli::Command::Login(args)) = &cli.command {
                let aws = cli.aws.settings(config.region(cli.env.name()));
                return login::run(&session, args, &aws).await;
            }
            let settings = Settings::resolve(&cli, &|name| std::env::var(name).ok(), &config)?;
            run::run(&session, &settings).await
        })
        .await
}

/// The whole `build-push-image` command: parse `args` (the first one is the program
/// name), run, and return the exit code. Both the `build-push-image` binary and the
/// multi-call `portfolio-ci` binary are this function.
pub fn main_with_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = Cli::parse_from(args);
    portfolio_core::cli::init_logging(cli.global.verbose);
    portfolio_core::cli::run("build-push-image", run(cli))
}
