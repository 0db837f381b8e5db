//! The work of a run: hash the build context into its tag, work out the
//! tags from git, find the registry and log in, then either retag the
//! image that already has the context tag through the registry API or
//! build and push with the builder found; optionally gate on the ECR scan;
//! finally publish the [`Outcome`]. `--promote-from` hands over to
//! [`crate::promote`] before the context is hashed.
//!
//! This is where AWS and the registry are called and where the exit code
//! of a finished run (0, or 3 for a failed scan gate) is decided.

use std::time::Duration;

use portfolio_core::output::Progress;
use portfolio_core::{Actions, Aws, Exit, Session};

use crate::auth::{AuthDir, Credentials, Reader};
use crate::build_files::BuildFiles;
use crate::build_options::SecretSource;
use crate::builder::{self, BuildSpec, Builder};
use crate::context;
use crate::ecr;
use crate::error::{self, Error};
use crate::git;
use crate::labels;
use crate::mutability::TagRules;
use crate::promote;
use crate::reference;
use crate::registry::{self, Registry};
use crate::result::Outcome;
use crate::scan;
use crate::settings::{Action, Push, RegistryAuth, ScanGate, Settings};
use crate::tags;

/// How often the scan gate asks ECR for the scan result.
const SCAN_POLL: Duration = Duration::from_secs(5);

/// Where the image goes and how to log in.
pub(crate) struct Target {
    /// Registry host.
    pub(crate) registry: String,
    /// `registryId` when the ECR registry is another account's.
    pub(crate) registry_id: Option<String>,
    /// The login (none: anonymous).
    pub(crate) credentials: Option<Credentials>,
    /// Which tags may move (ECR tag mutability).
    pub(crate) rules: TagRules,
    /// The ECR client, with ECR auth.
    pub(crate) ecr: Option<aws_sdk_ecr::Client>,
}

/// Runs the resolved `settings` in `session`. The caller guards it with
/// the session's cancellation: a signal drops this future, which kills the
/// builder and removes the private auth directory.
pub async fn run(session: &Session, settings: &Settings) -> Result<Exit, Error> {
    let progress = &session.progress;
    // Mask a basic-auth password before anything could print it.
    let basic = match &settings.action {
        Action::Push(push) | Action::Promote { target: push, .. } => match &push.auth {
            RegistryAuth::Basic { username, password } => Some(Credentials::new(
                username.clone(),
                password.clone(),
                &session.actions,
            )),
            RegistryAuth::Ecr | RegistryAuth::Anonymous => None,
        },
        Action::PrintContextTag => None,
    };
    for secret in &settings.options.secrets {
        if let SecretSource::Value(value) = &secret.source {
            session.actions.mask(value);
        }
    }

    if let Action::Promote { source, target } = &settings.action {
        return promote::run(session, settings, source, target, basic).await;
    }

    progress.status("hashing the build context");
    let (context_dir, dockerfile, mut inputs, options) = (
        settings.context.clone(),
        settings.dockerfile.clone(),
        settings.build.clone(),
        settings.options.clone(),
    );
    let digest = tokio::task::spawn_blocking(move || {
        // Named build contexts count by their content.
        let mut digests = Vec::new();
        for (name, dir) in options.context_dirs() {
            digests.push((name, context::tree_digest(&dir)?.hex));
        }
        inputs.extra = options.hashed(&digests);
        context::digest(&context_dir, &dockerfile, &inputs)
    })
    .await
    .map_err(|err| {
        portfolio_core::Error::io("hashing the build context")(std::io::Error::other(err))
    })??;
    let context_tag = digest.tag();
    progress.line(&format!(
        "context {}: {} files, {} bytes -> {context_tag}",
        settings.context.display(),
        digest.files,
        digest.bytes
    ));

    let push = match &settings.action {
        Action::PrintContextTag => return print_context_tag(&digest, settings.json),
        Action::Push(push) | Action::Promote { target: push, .. } => push,
    };

    let git = git::GitInfo::discover(&settings.context);
    let extra: Vec<String> = push.extra_tags.iter().map(|t| t.tag.clone()).collect();
    let mut tags = tags::compute(&git, push.latest, &extra);
    tags.retain(|t| t != &context_tag);
    tags.push(context_tag.clone());

    // The builder is found and matched against the inputs before anything
    // is contacted; a missing builder only matters once a build is needed.
    let builder = builder::detect(push.builder).await;
    if let Ok(found) = &builder {
        settings.options.check(found.kind)?;
    }
    if !push.push {
        return build_only(settings, push, builder?, &git, &tags, context_tag, session).await;
    }

    let target = connect(settings, push, basic, &session.actions, progress).await?;
    reference::check_host(&push.extra_tags, &target.registry)?;
    let registry = Registry::new(
        &target.registry,
        &settings.repository,
        push.insecure_registry,
        target.credentials.as_ref(),
        push.aws.max_attempts,
    );

    progress.status(&format!("looking up {}", registry.image(&context_tag)));
    let existing = if push.force_build {
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
    let plan = target.rules.plan(
        &tags::moving(&git),
        current,
        existing.as_ref().map(|m| m.digest.as_str()),
    );
    let current = plan.settle(&settings.repository, session)?;
    let tags: Vec<String> = current.iter().map(|(tag, _)| tag.clone()).collect();

    let (manifest, built, changed, builder_name) = if let Some(manifest) = existing {
        let changed = retag(&registry, &manifest, &current, progress).await?;
        (manifest, false, changed, None)
    } else {
        let images: Vec<String> = tags.iter().map(|t| registry.image(t)).collect();
        let (name, _) = build(
            settings,
            push,
            &builder?,
            (&target.registry, target.credentials.as_ref()),
            images,
            &git,
            session,
        )
        .await?;
        let manifest = registry
            .manifest(&context_tag)
            .await?
            .ok_or_else(|| Error::Registry {
                registry: target.registry.clone(),
                action: format!("read {context_tag} after the push"),
                source: oci_client::errors::OciDistributionError::ImageManifestNotFoundError(
                    context_tag.clone(),
                ),
            })?;
        (manifest, true, tags.clone(), Some(name))
    };

    let scan = match (&push.scan, &target.ecr) {
        (Some(gate), Some(ecr)) => {
            let repository = ecr::RepositoryId {
                name: &settings.repository,
                registry_id: target.registry_id.as_deref(),
            };
            Some(scan_gate(ecr, repository, &manifest, *gate, progress).await?)
        }
        _ => None,
    };
    let scan_failed = scan.as_ref().is_some_and(|s| s.failed);
    let outcome = Outcome {
        image: registry.image(&tags[0]),
        imageid: manifest.image_id(),
        digest: manifest.digest,
        pushed: true,
        references: tags.iter().map(|t| registry.image(t)).collect(),
        tags,
        built,
        context_tag,
        registry: target.registry.clone(),
        repository: settings.repository.clone(),
        changed_tags: changed,
        builder: builder_name,
        scan,
    };
    session.publish(&outcome)?;
    if scan_failed {
        session.actions.error(
            &format!(
                "scan of {} found {} at or above the threshold",
                outcome.digest,
                outcome
                    .scan
                    .as_ref()
                    .map(super::scan::ScanReport::counts_line)
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
pub(crate) async fn scan_gate(
    ecr: &aws_sdk_ecr::Client,
    repository: ecr::RepositoryId<'_>,
    manifest: &registry::Manifest,
    gate: ScanGate,
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
    let deadline = std::time::Instant::now() + gate.timeout;
    let mut reports = Vec::with_capacity(images.len());
    for (digest, platform) in images {
        progress.status(&if platform.is_empty() {
            format!("waiting for the scan of {digest}")
        } else {
            format!("waiting for the scan of {digest} ({platform})")
        });
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        reports.push(scan::wait(ecr, repository, &digest, gate.threshold, left, SCAN_POLL).await?);
    }
    Ok(scan::combine(reports, gate.threshold))
}

/// `--print-context-tag`: the tag on stdout, or the digest as JSON.
fn print_context_tag(digest: &context::ContextDigest, json: bool) -> Result<Exit, Error> {
    let write = portfolio_core::Error::io("cannot write the context tag");
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

/// Resolves the registry host, logs in, and checks the repository. With
/// ECR the host is the `proxyEndpoint` of GetAuthorizationToken (unless
/// `--registry` names one), for another account's registry when
/// `--registry-id` (or the `--registry` host) names one.
pub(crate) async fn connect(
    settings: &Settings,
    push: &Push,
    basic: Option<Credentials>,
    actions: &Actions,
    progress: &Progress,
) -> Result<Target, Error> {
    let registry_id = push
        .registry_id
        .clone()
        .or_else(|| push.registry.as_deref().and_then(ecr::registry_id_of));
    let ecr = match push.auth {
        RegistryAuth::Ecr => Some(Aws::connect(&push.aws, progress).await.ecr()),
        RegistryAuth::Basic { .. } | RegistryAuth::Anonymous => None,
    };
    let Some(ecr) = ecr else {
        // Settings make sure basic and anonymous come with --registry.
        return Ok(Target {
            registry: push.registry.clone().unwrap_or_default(),
            registry_id,
            credentials: basic,
            rules: TagRules::mutable(),
            ecr: None,
        });
    };
    progress.status("logging in to ECR");
    let ids: Vec<String> = registry_id.iter().cloned().collect();
    let login = ecr::login(&ecr, &ids, actions)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::BadToken)?;
    let registry = push.registry.clone().unwrap_or(login.registry);
    let repository = ecr::ensure_repository(
        &ecr,
        ecr::RepositoryId {
            name: &settings.repository,
            registry_id: registry_id.as_deref(),
        },
        &registry,
        push.create_repository,
        &push.ecr,
    )
    .await?;
    if repository.created {
        progress.line(&format!("created repository {}", settings.repository));
    }
    Ok(Target {
        registry,
        registry_id,
        credentials: Some(login.credentials),
        rules: repository.rules,
        ecr: Some(ecr),
    })
}

/// Points every tag that is not yet on `manifest` at it; returns the tags
/// that changed.
async fn retag(
    registry: &Registry,
    manifest: &registry::Manifest,
    current: &[(String, Option<String>)],
    progress: &Progress,
) -> Result<Vec<String>, Error> {
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

/// `--no-push`: builds the image under every name (on the registry host
/// the flags or the references name, else the bare repository) and
/// publishes its image id; no registry, no login, no AWS call.
async fn build_only(
    settings: &Settings,
    push: &Push,
    builder: Builder,
    git: &git::GitInfo,
    tags: &[String],
    context_tag: String,
    session: &Session,
) -> Result<Exit, Error> {
    let host = push
        .registry
        .as_deref()
        .or_else(|| reference::named_host(&push.extra_tags))
        .unwrap_or_default()
        .to_owned();
    let name = |tag: &str| {
        if host.is_empty() {
            format!("{}:{tag}", settings.repository)
        } else {
            format!("{host}/{}:{tag}", settings.repository)
        }
    };
    let references: Vec<String> = tags.iter().map(|t| name(t)).collect();
    let (builder_name, imageid) = build(
        settings,
        push,
        &builder,
        (&host, None),
        references.clone(),
        git,
        session,
    )
    .await?;
    let outcome = Outcome {
        image: references[0].clone(),
        imageid: imageid.unwrap_or_default(),
        digest: String::new(),
        pushed: false,
        references,
        tags: tags.to_vec(),
        built: true,
        context_tag,
        registry: host,
        repository: settings.repository.clone(),
        changed_tags: Vec::new(),
        builder: Some(builder_name),
        scan: None,
    };
    session.publish(&outcome)?;
    Ok(Exit::OK)
}

/// Builds the image as `images` and, unless `--no-push`, pushes it under
/// each, logged in to `registry` with its credentials; returns the
/// builder's name and the image id it reported.
async fn build(
    settings: &Settings,
    push: &Push,
    builder: &Builder,
    (registry, credentials): (&str, Option<&Credentials>),
    images: Vec<String>,
    git: &git::GitInfo,
    session: &Session,
) -> Result<(String, Option<String>), Error> {
    let (actions, progress) = (&session.actions, &session.progress);
    if push.provenance && builder.kind != builder::Kind::DockerBuildx {
        session.warn(&format!(
            "--provenance needs docker buildx; {} builds without it",
            builder.kind
        ));
    }
    let reader = match builder.kind {
        builder::Kind::DockerBuildx | builder::Kind::DockerClassic => Reader::Docker,
        builder::Kind::Podman | builder::Kind::Buildah => Reader::Containers,
    };
    let auth = AuthDir::create(actions.runner_temp(), registry, credentials, reader)?;
    // Inside the private auth directory: one private directory per run.
    let files = BuildFiles::create(Some(auth.docker_config()), &settings.options)?;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = BuildSpec {
        context: settings.context.clone(),
        dockerfile: settings.dockerfile.clone(),
        build_args: settings.build.build_args.clone(),
        target: settings.build.target.clone(),
        platform: settings.build.platform.clone(),
        labels: labels::compute(git, &created, &settings.build.labels),
        images,
        provenance: push.provenance,
        insecure: push.insecure_registry,
        push: push.push,
        options: settings.options.clone(),
    };
    let sink = |line: &str| progress.line(&format!("  {line}"));
    for step in builder::plan(builder, &spec, &auth, &files) {
        let _group = actions.group(&step.name);
        progress.line(&format!("$ {step}"));
        builder::run(&step, &sink).await?;
    }
    Ok((builder.kind.to_string(), files.image_id()))
}
