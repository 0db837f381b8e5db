//! `build-push-image login`: log the user's docker in to ECR for the later
//! steps of a job, as aws-actions/amazon-ecr-login does.
//!
//! One ECR GetAuthorizationToken call gives the token and the registry
//! host (its `proxyEndpoint`; another account's host for each id of
//! `--registries`). With `--registry-type public` it is ECR Public's call
//! instead, made in us-east-1 whatever the region (the only region where
//! ECR Public authenticates), for the host `public.ecr.aws`;
//! `--registries` is then ignored, as the peer ignores it. The password is
//! masked (`::add-mask::`) before anything is printed, then written where
//! `docker login` writes it: the `auths` of `$DOCKER_CONFIG/config.json`
//! (else `~/.docker/config.json`), every other entry kept. Outputs as the
//! peer names them: `registry` (one registry only), and
//! `docker_username_<host>` / `docker_password_<host>` with every run of
//! other characters than letters, digits and `_` in the host turned into
//! `_`.

use clap::{ArgAction, Args, ValueEnum};
use portfolio_core::{Aws, AwsSettings, Exit, InvalidInput, RegionChoice, Report, Session};
use serde::Serialize;

use crate::auth;
use crate::ecr;
use crate::error::Error;

/// Which kind of ECR registry to log in to (amazon-ecr-login's
/// `registry-type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum RegistryType {
    /// The ECR private registries of accounts (--registries)
    #[default]
    Private,
    /// ECR Public: public.ecr.aws, logged in to through us-east-1
    Public,
}

/// `login`: log docker in to ECR for the later steps.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Which ECR registry to log in to (amazon-ecr-login's registry-type)
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        default_value_t,
        value_name = "TYPE"
    )]
    pub registry_type: RegistryType,

    /// Account ids of the registries, comma-separated [default: the
    /// caller's account]; ignored with --registry-type public
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT,...")]
    pub registries: Vec<String>,

    /// Store the ECR login under this HOST[:PORT] instead (a registry
    /// standing in for ECR); one registry only
    #[arg(long, env = "PORTFOLIO_CI_REGISTRY", value_name = "HOST[:PORT]")]
    pub registry: Option<String>,

    /// Accepted for amazon-ecr-login's input: the password is always
    /// masked, false only warns
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub mask_password: bool,
}

/// One registry logged in to.
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    /// Registry host.
    pub registry: String,
    /// User name (`AWS`).
    pub username: String,
}

/// What `login` did (no password in it).
#[derive(Debug, Clone, Serialize)]
pub struct LoginOutcome {
    /// The registries logged in to.
    pub registries: Vec<Registry>,
    /// The docker config written.
    pub docker_config: String,
}

impl Report for LoginOutcome {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        match self.registries.as_slice() {
            [only] => vec![("registry", only.registry.clone())],
            _ => Vec::new(),
        }
    }

    fn lines(&self) -> Vec<String> {
        self.registries
            .iter()
            .map(|r| format!("logged in to {} ({})", r.registry, self.docker_config))
            .collect()
    }
}

/// The suffix of the peer's credential outputs: every run of characters
/// other than ASCII letters, digits and `_` becomes one `_`.
pub fn output_suffix(registry: &str) -> String {
    let mut suffix = String::with_capacity(registry.len());
    let mut in_run = false;
    for c in registry.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            suffix.push(c);
            in_run = false;
        } else if !in_run {
            suffix.push('_');
            in_run = true;
        }
    }
    suffix
}

/// Checks `args` (exit 2 before any call), logs in, writes the docker
/// config and the outputs.
pub async fn run(session: &Session, args: &LoginArgs, aws: &AwsSettings) -> Result<Exit, Error> {
    let public = args.registry_type == RegistryType::Public;
    let registry_ids: &[String] = if public { &[] } else { &args.registries };
    if public && !args.registries.is_empty() {
        session.warn("--registries is ignored with --registry-type public (as amazon-ecr-login)");
    }
    for id in registry_ids {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new(
                "--registries",
                format!("'{id}' is not an AWS account id: expected 12 digits, comma-separated"),
            )
            .into());
        }
    }
    if args.registry.is_some() && registry_ids.len() > 1 {
        return Err(InvalidInput::new(
            "--registry",
            "names one registry: it cannot stand in for several --registries",
        )
        .into());
    }
    if !args.mask_password {
        session.warn("mask-password false: the password is masked all the same");
    }
    let aws = Aws::connect(aws, &session.progress).await;
    let mut logins = if public {
        session.progress.status("logging in to ECR Public");
        let client = aws
            .in_region(RegionChoice::explicit(ecr::PUBLIC_AUTH_REGION))
            .ecr_public();
        vec![ecr::login_public(&client, &session.actions).await?]
    } else {
        session.progress.status("logging in to ECR");
        ecr::login(&aws.ecr(), registry_ids, &session.actions).await?
    };
    if let (Some(host), [login]) = (&args.registry, logins.as_mut_slice()) {
        login.registry.clone_from(host);
    }
    let mut written = None;
    let mut registries = Vec::with_capacity(logins.len());
    for login in &logins {
        written = Some(auth::store_login(&login.registry, &login.credentials)?);
        let suffix = output_suffix(&login.registry);
        let set = |name: String, value: &str| {
            session
                .actions
                .set_output(&name, value)
                .map_err(portfolio_core::Error::io("cannot write $GITHUB_OUTPUT"))
        };
        set(
            format!("docker_username_{suffix}"),
            &login.credentials.username,
        )?;
        set(
            format!("docker_password_{suffix}"),
            login.credentials.password(),
        )?;
        if logins.len() == 1 {
            set("docker_username".into(), &login.credentials.username)?;
            set("docker_password".into(), login.credentials.password())?;
        }
        registries.push(Registry {
            registry: login.registry.clone(),
            username: login.credentials.username.clone(),
        });
    }
    session.publish(&LoginOutcome {
        registries,
        docker_config: written.map(|p| p.display().to_string()).unwrap_or_default(),
    })?;
    Ok(Exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_follow_the_peer() {
        assert_eq!(
            output_suffix("123456789012.dkr.ecr.us-east-1.amazonaws.com"),
            "123456789012_dkr_ecr_us_east_1_amazonaws_com"
        );
        assert_eq!(output_suffix("127.0.0.1:5000"), "127_0_0_1_5000");
        assert_eq!(output_suffix("public.ecr.aws"), "public_ecr_aws");
        assert_eq!(output_suffix("a_-.b"), "a__b");
    }
}
