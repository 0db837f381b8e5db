//! build-push-image: build an image, tag it, push it to ECR, and skip the
//! build when the registry already has the same content.
//!
//! A run: resolve the inputs ([`inputs`]), hash the build ([`context`])
//! into the tag `ctx-<12 hex>`, work out the tags ([`tags`]) and labels
//! ([`labels`]) from git ([`git`]), find the registry and log in ([`ecr`],
//! [`auth`]), then either retag the image that already has the context tag
//! through the registry API ([`registry`]) or build and push with the
//! builder found ([`builder`]); optionally gate on the ECR scan ([`scan`]);
//! finally publish the outcome ([`report`]).

pub mod auth;
pub mod builder;
pub mod cli;
pub mod context;
pub mod ecr;
pub mod error;
pub mod git;
pub mod inputs;
pub mod labels;
pub mod registry;
pub mod report;
pub mod scan;
pub mod tags;

use std::time::Duration;

use portfolio_core::output::Progress;
use portfolio_core::{Actions, Config, Exit, InvalidInput};

pub use cli::Args;
pub use error::Error;

use crate::auth::{AuthDir, Credentials};
use crate::builder::BuildSpec;
use crate::cli::RegistryAuthMode;
use crate::inputs::Inputs;
use crate::registry::Registry;
use crate::report::Outcome;

/// Environment variables with the user name and password of
/// `--registry-auth basic`.
pub const USERNAME_VAR: &str = "PORTFOLIO_CI_REGISTRY_USERNAME";
/// See [`USERNAME_VAR`].
pub const PASSWORD_VAR: &str = "PORTFOLIO_CI_REGISTRY_PASSWORD";

/// How often the scan gate asks ECR for the scan result.
const SCAN_POLL: Duration = Duration::from_secs(5);

/// Runs the tool; SIGINT/SIGTERM stop the builder and remove the private
/// auth directory before exiting with 130.
pub async fn run(args: Args) -> Result<Exit, Error> {
    let actions = Actions::from_env();
    let progress = Progress::new();
    tokio::select! {
        result = execute(&args, &actions, &progress) => result,
        signal = portfolio_core::signal::shutdown() => Err(Error::Interrupted(signal)),
    }
}

/// Where the image goes and how to log in.
struct Target {
    registry: String,
    credentials: Option<Credentials>,
    immutable: bool,
    ecr: Option<aws_sdk_ecr::Client>,
}

async fn execute(args: &Args, actions: &Actions, progress: &Progress) -> Result<Exit, Error> {
    let config = Config::load(args.global.config.as_deref())?;
    let inputs = inputs::resolve(args, &config)?;

    progress.status("hashing the build context");
    let (context_dir, dockerfile, build) = (
        inputs.context.clone(),
        inputs.dockerfile.clone(),
        inputs.build.clone(),
    );
    let digest =
        tokio::task::spawn_blocking(move || context::digest(&context_dir, &dockerfile, &build))
            .await
            .map_err(|err| Error::io("hashing the build context")(std::io::Error::other(err)))??;
    let context_tag = digest.tag();
    progress.line(&format!(
        "context {}: {} files, {} bytes -> {context_tag}",
        inputs.context.display(),
        digest.files,
        digest.bytes
    ));

    if args.print_context_tag {
        return print_context_tag(&digest, args.global.json);
    }

    let git = git::GitInfo::discover(&inputs.context);
    let mut tags = tags::compute(&git, args.latest, &inputs.extra_tags);
    tags.retain(|t| t != &context_tag);
    tags.push(context_tag.clone());

    let target = connect(args, &inputs, &config, actions, progress).await?;
    let registry = Registry::new(
        &target.registry,
        &inputs.repository,
        args.insecure_registry,
        target.credentials.as_ref(),
        args.aws.max_attempts,
    );

    progress.status(&format!("looking up {}", registry.image(&context_tag)));
    let existing = if args.force_build {
        None
    } else {
        registry.manifest(&context_tag).await?
    };
    let mut current = Vec::with_capacity(tags.len());
    for tag in &tags {
        let digest = match &existing {
            Some(manifest) if tag == &context_tag => Some(manifest.digest.clone()),
            _ => registry.digest(tag).await?,
        };
        current.push((tag.clone(), digest));
    }

    let (manifest, built, changed, builder_name) = match existing {
        Some(manifest) => {
            let changed = retag(&registry, &inputs, &target, &manifest, &current, progress).await?;
            (manifest, false, changed, None)
        }
        None => {
            refuse_immutable(&inputs, &target, &current, None)?;
            let name = build_and_push(
                args, &inputs, &target, &registry, &git, &tags, actions, progress,
            )
            .await?;
            let manifest =
                registry
                    .manifest(&context_tag)
                    .await?
                    .ok_or_else(|| Error::Registry {
                        registry: target.registry.clone(),
                        action: format!("read {context_tag} after the push"),
                        source:
                            oci_client::errors::OciDistributionError::ImageManifestNotFoundError(
                                context_tag.clone(),
                            ),
                    })?;
            (manifest, true, tags.clone(), Some(name))
        }
    };

    let scan = match (args.fail_on_severity, &target.ecr) {
        (Some(threshold), Some(ecr)) => Some(
            scan_gate(
                ecr,
                &inputs.repository,
                &manifest,
                threshold,
                args.scan_timeout,
                progress,
            )
            .await?,
        ),
        _ => None,
    };
    let digest = manifest.digest;
    let scan_failed = scan.as_ref().is_some_and(|s| s.failed);
    let outcome = Outcome {
        image: registry.image(&tags[0]),
        digest,
        tags,
        built,
        context_tag,
        registry: target.registry.clone(),
        repository: inputs.repository.clone(),
        changed_tags: changed,
        builder: builder_name,
        scan,
    };
    progress.finish();
    outcome.publish(actions, progress, args.global.json)?;
    if scan_failed {
        actions.error(
            &format!(
                "scan of {} found {} at or above the threshold",
                outcome.digest,
                outcome
                    .scan
                    .as_ref()
                    .map(|s| s.counts_line())
                    .unwrap_or_default()
            ),
            None,
        );
        return Ok(Exit(error::SCAN_FAILED));
    }
    Ok(Exit::OK)
}

/// Waits for ECR's scan of the pushed image and judges it. ECR scans image
/// manifests, not indexes: for a multi-arch push every platform image the
/// index lists is judged (attestation manifests are not images).
async fn scan_gate(
    ecr: &aws_sdk_ecr::Client,
    repository: &str,
    manifest: &registry::Manifest,
    threshold: cli::Severity,
    timeout: Duration,
    progress: &Progress,
) -> Result<scan::ScanReport, Error> {
    let images = manifest
        .platform_images()
        .unwrap_or_else(|| vec![(manifest.digest.clone(), String::new())]);
    if images.is_empty() {
        return Err(Error::Scan {
            digest: manifest.digest.clone(),
            reason: "the image index lists no platform image to scan".into(),
        });
    }
    // One deadline for all the platform images' scans.
    let deadline = std::time::Instant::now() + timeout;
    let mut reports = Vec::with_capacity(images.len());
    for (digest, platform) in images {
        progress.status(&if platform.is_empty() {
            format!("waiting for the scan of {digest}")
        } else {
            format!("waiting for the scan of {digest} ({platform})")
        });
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        reports.push(scan::wait(ecr, repository, &digest, threshold, left, SCAN_POLL).await?);
    }
    Ok(scan::combine(reports, threshold))
}

/// `--print-context-tag`: the tag on stdout, or the digest as JSON.
fn print_context_tag(digest: &context::ContextDigest, json: bool) -> Result<Exit, Error> {
    let write = Error::io("cannot write the context tag");
    if json {
        let value = serde_json::json!({
            "context_tag": digest.tag(),
            "digest": format!("sha256:{}", digest.hex),
            "files": digest.files,
            "bytes": digest.bytes,
        });
        portfolio_core::output::print_json(&value).map_err(write)?;
    } else {
        use std::io::Write;
        writeln!(std::io::stdout(), "{}", digest.tag()).map_err(write)?;
    }
    Ok(Exit::OK)
}

/// Resolves the registry host, logs in, and checks the repository.
async fn connect(
    args: &Args,
    inputs: &Inputs,
    config: &Config,
    actions: &Actions,
    progress: &Progress,
) -> Result<Target, Error> {
    let needs_aws = args.registry.is_none() || args.registry_auth == RegistryAuthMode::Ecr;
    let sdk = if needs_aws {
        Some(
            portfolio_core::aws::load(
                args.aws.region.clone(),
                inputs.configured_region.clone(),
                args.aws.max_attempts,
            )
            .await,
        )
    } else {
        None
    };
    let registry = match (&args.registry, &sdk) {
        (Some(host), _) => host.trim_end_matches('/').to_owned(),
        (None, Some(sdk)) => {
            progress.status("asking STS for the account");
            let region = sdk
                .region()
                .map_or(portfolio_core::aws::FALLBACK_REGION.to_owned(), |r| {
                    r.to_string()
                });
            ecr::registry_host(&aws_sdk_sts::Client::new(sdk), &region).await?
        }
        (None, None) => unreachable_registry()?,
    };
    let ecr = match (&sdk, args.registry_auth) {
        (Some(sdk), RegistryAuthMode::Ecr) => Some(aws_sdk_ecr::Client::new(sdk)),
        _ => None,
    };
    let credentials = match (args.registry_auth, &ecr) {
        (RegistryAuthMode::Ecr, Some(ecr)) => {
            progress.status("logging in to ECR");
            Some(ecr::credentials(ecr, actions).await?)
        }
        (RegistryAuthMode::Basic, _) => Some(basic_credentials(actions)?),
        _ => None,
    };
    let immutable = match &ecr {
        Some(ecr) => {
            let repository = ecr::ensure_repository(
                ecr,
                &inputs.repository,
                &registry,
                args.create_repository,
                &config.ecr,
            )
            .await?;
            if repository.created {
                progress.line(&format!("created repository {}", inputs.repository));
            }
            repository.immutable
        }
        None => false,
    };
    Ok(Target {
        registry,
        credentials,
        immutable,
        ecr,
    })
}

/// Without AWS there is no ECR registry to default to.
fn unreachable_registry() -> Result<String, Error> {
    Err(InvalidInput::new("--registry", "required when --registry-auth is not ecr").into())
}

/// `--registry-auth basic`: user and password from the environment.
fn basic_credentials(actions: &Actions) -> Result<Credentials, Error> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (get(USERNAME_VAR), get(PASSWORD_VAR)) {
        (Some(user), Some(password)) => Ok(Credentials::new(user, password, actions)),
        _ => Err(InvalidInput::new(
            "--registry-auth basic",
            format!("{USERNAME_VAR} and {PASSWORD_VAR} must both be set"),
        )
        .into()),
    }
}

/// Fails (exit 4, nothing changed) when the repository is immutable and a
/// tag already points somewhere other than `target_digest`.
fn refuse_immutable(
    inputs: &Inputs,
    target: &Target,
    current: &[(String, Option<String>)],
    target_digest: Option<&str>,
) -> Result<(), Error> {
    if !target.immutable {
        return Ok(());
    }
    let conflicts: Vec<String> = current
        .iter()
        .filter(|(_, digest)| digest.as_deref().is_some_and(|d| Some(d) != target_digest))
        .map(|(tag, _)| tag.clone())
        .collect();
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(Error::ImmutableTags {
            repository: inputs.repository.clone(),
            tags: conflicts,
        })
    }
}

/// Points every tag that is not yet on `manifest` at it; returns the tags
/// that changed.
async fn retag(
    registry: &Registry,
    inputs: &Inputs,
    target: &Target,
    manifest: &registry::Manifest,
    current: &[(String, Option<String>)],
    progress: &Progress,
) -> Result<Vec<String>, Error> {
    refuse_immutable(inputs, target, current, Some(&manifest.digest))?;
    let mut changed = Vec::new();
    for (tag, digest) in current {
        if digest.as_deref() == Some(manifest.digest.as_str()) {
            continue;
        }
        progress.status(&format!("tagging {}", registry.image(tag)));
        registry.put(tag, manifest).await?;
        changed.push(tag.clone());
    }
    progress.line(&if changed.is_empty() {
        "unchanged context: the image and every tag are already there".to_owned()
    } else {
        format!("unchanged context: no build; tagged {}", changed.join(", "))
    });
    Ok(changed)
}

/// Builds the image and pushes it under every tag; returns the builder's name.
#[allow(clippy::too_many_arguments)]
async fn build_and_push(
    args: &Args,
    inputs: &Inputs,
    target: &Target,
    registry: &Registry,
    git: &git::GitInfo,
    tags: &[String],
    actions: &Actions,
    progress: &Progress,
) -> Result<String, Error> {
    let builder = builder::detect(args.builder).await?;
    if args.provenance && builder.kind != builder::Kind::DockerBuildx {
        actions.warning(
            &format!(
                "--provenance needs docker buildx; {} builds without it",
                builder.kind
            ),
            None,
        );
    }
    let auth = AuthDir::create(
        actions.runner_temp(),
        &target.registry,
        target.credentials.as_ref(),
    )?;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = BuildSpec {
        context: inputs.context.clone(),
        dockerfile: inputs.dockerfile.clone(),
        build_args: inputs.build.build_args.clone(),
        target: inputs.build.target.clone(),
        platform: inputs.build.platform.clone(),
        labels: labels::compute(git, &created, &inputs.build.labels),
        images: tags.iter().map(|t| registry.image(t)).collect(),
        provenance: args.provenance,
        insecure: args.insecure_registry,
    };
    let sink = |line: &str| progress.line(&format!("  {line}"));
    for step in builder::plan(&builder, &spec, &auth) {
        let _group = actions.group(&step.name);
        progress.line(&format!("$ {step}"));
        builder::run(&step, &sink).await?;
    }
    Ok(builder.kind.to_string())
}
