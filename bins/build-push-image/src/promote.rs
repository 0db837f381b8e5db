//! `--promote-from`: promotion by digest. The image that passed one
//! environment goes to the next one's repository unchanged, so the next
//! environment runs exactly what was tested: no builder, no rebuild.
//!
//! The source manifest is read by digest (an image index with every
//! manifest it lists); each blob is made present in the target repository
//! by a cross-repository mount when both repositories are in one registry
//! (`POST /v2/<target>/blobs/uploads/?mount=<digest>&from=<source>`, 201),
//! and streamed from the source when the registry answers 202 instead (ECR:
//! blob mounting disabled, other encryption) or the source is another
//! registry (another account). The children of an index are stored by
//! digest, then the manifest bytes go unchanged under the tags a build of
//! this commit would get, and the digest the registry reports for each tag
//! is checked against the source's.

use std::collections::BTreeSet;

use oci_client::RegistryOperation;
use portfolio_core::oci::{self, Blob};
use portfolio_core::{Exit, InvalidInput, Session};

use crate::auth::Credentials;
use crate::ecr;
use crate::error::{self, Error};
use crate::git;
use crate::reference;
use crate::registry::{self, Manifest, Registry};
use crate::run::{self as build_run};
use crate::settings::{self, Push, Settings};
use crate::tags;

pub mod report;

pub use report::{BlobCounts, Promotion};

/// The image `--promote-from` names: `HOST/REPOSITORY@sha256:<64 hex>` (a
/// tag before the digest is allowed and ignored: the digest decides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceImage {
    /// Registry host.
    pub host: String,
    /// Repository.
    pub repository: String,
    /// `sha256:<64 hex>`.
    pub digest: String,
    /// Plain HTTP (`--insecure-registry` and a host on loopback).
    pub insecure: bool,
}

impl SourceImage {
    /// Parses `value`; with `insecure`, a source on loopback is read over
    /// plain HTTP (any other host keeps HTTPS).
    pub fn parse(value: &str, insecure: bool) -> Result<SourceImage, InvalidInput> {
        let invalid = |reason: &str| {
            InvalidInput::new(
                "--promote-from",
                format!(
                    "'{value}' {reason}: expected REGISTRY/REPOSITORY@sha256:<64 hex>, \
                     e.g. the digest output of the build in the source environment"
                ),
            )
        };
        let value = value.trim();
        let (name, digest) = value
            .rsplit_once('@')
            .ok_or_else(|| invalid("names no digest"))?;
        let hex = digest
            .strip_prefix("sha256:")
            .ok_or_else(|| invalid("has a digest that is not sha256"))?;
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(invalid("has a digest that is not 64 lowercase hex digits"));
        }
        let (host, path) = name
            .split_once('/')
            .filter(|(host, _)| host.contains(['.', ':']) || *host == "localhost")
            .ok_or_else(|| invalid("names no registry host"))?;
        // A tag after the last path segment is allowed and ignored.
        let repository = match path.rsplit_once('/') {
            Some((head, last)) => format!("{head}/{}", last.split(':').next().unwrap_or(last)),
            None => path.split(':').next().unwrap_or(path).to_owned(),
        };
        let valid_repository = !repository.is_empty()
            && repository.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
            });
        if !valid_repository {
            return Err(invalid(
                "has an invalid repository name (lowercase letters, digits, . _ - and /)",
            ));
        }
        Ok(SourceImage {
            host: host.to_owned(),
            repository,
            digest: digest.to_owned(),
            insecure: insecure && settings::is_loopback(host),
        })
    }
}

/// Promotes `source` into the repository of `settings` as `push` says
/// (registry, login, tags, scan gate) and publishes the [`Promotion`].
pub async fn run(
    session: &Session,
    settings: &Settings,
    source: &SourceImage,
    push: &Push,
    basic: Option<Credentials>,
) -> Result<Exit, Error> {
    let progress = &session.progress;
    let git = git::GitInfo::discover(&settings.context);
    let extra: Vec<String> = push.extra_tags.iter().map(|t| t.tag.clone()).collect();
    let tags = tags::compute(&git, push.latest, &extra);

    let target = build_run::connect(settings, push, basic, &session.actions, progress).await?;
    reference::check_host(&push.extra_tags, &target.registry)?;
    let attempts = push.aws.max_attempts;
    let to = Registry::new(
        &target.registry,
        &settings.repository,
        push.insecure_registry,
        target.credentials.as_ref(),
        attempts,
    );
    // One login for both: an ECR token is good for every registry the
    // caller may read; basic credentials are the same pair.
    let from = Registry::new(
        &source.host,
        &source.repository,
        source.insecure,
        target.credentials.as_ref(),
        attempts,
    );
    let pinned = from.pinned(&source.digest);

    progress.status(&format!("reading {pinned}"));
    let manifest = from
        .manifest(&source.digest)
        .await?
        .ok_or_else(|| Error::SourceMissing {
            image: pinned.clone(),
        })?;
    let manifests = manifests(&from, manifest.clone()).await?;

    // The tags are checked against the repository's rules before anything
    // is copied: a refused tag changes nothing.
    let mut current = Vec::with_capacity(tags.len());
    for tag in &tags {
        current.push((tag.clone(), to.digest(tag).await?));
    }
    let plan = target
        .rules
        .plan(&tags::moving(&git), current, Some(&source.digest));
    let planned = plan.settle(&settings.repository, session)?;

    for (registry, operation) in [
        (&from, RegistryOperation::Pull),
        (&to, RegistryOperation::Pull),
        (&to, RegistryOperation::Push),
    ] {
        registry.authorize(operation).await?;
    }
    let blobs = copy_blobs(&from, &to, &manifests, progress).await?;
    // The children of an index first (by digest), so that every manifest
    // the registry receives refers only to what it already has.
    for child in &manifests[..manifests.len() - 1] {
        progress.status(&format!("storing manifest {}", child.digest));
        to.put(&child.digest, child).await?;
    }

    let mut changed = Vec::new();
    for (tag, digest) in &planned {
        if digest.as_deref() != Some(source.digest.as_str()) {
            progress.status(&format!("tagging {}", to.image(tag)));
            to.put(tag, &manifest).await?;
            changed.push(tag.clone());
        }
    }
    let tags: Vec<String> = planned.into_iter().map(|(tag, _)| tag).collect();
    if tags.is_empty() {
        to.put(&source.digest, &manifest).await?;
    }
    let digest = verify(&to, &tags, &source.digest).await?;

    let scan = match (&push.scan, &target.ecr) {
        (Some(gate), Some(client)) => {
            let repository = ecr::RepositoryId {
                name: &settings.repository,
                registry_id: target.registry_id.as_deref(),
            };
            Some(build_run::scan_gate(client, repository, &manifest, *gate, progress).await?)
        }
        _ => None,
    };
    let scan_failed = scan.as_ref().is_some_and(|s| s.failed);
    let promotion = Promotion {
        source: pinned,
        source_digest: registry::sha256(&manifest.bytes),
        image: tags
            .first()
            .map_or_else(|| to.pinned(&digest), |tag| to.image(tag)),
        reference: to.pinned(&digest),
        imageid: manifest.image_id(),
        digest,
        registry: target.registry.clone(),
        repository: settings.repository.clone(),
        references: tags.iter().map(|t| to.image(t)).collect(),
        tags,
        changed_tags: changed,
        platforms: manifest
            .platform_images()
            .unwrap_or_default()
            .into_iter()
            .map(|(_, platform)| platform)
            .collect(),
        manifests: manifests.len(),
        blobs,
        scan,
    };
    session.publish(&promotion)?;
    if scan_failed {
        session.actions.error(
            &format!(
                "scan of {} found {} at or above the threshold",
                promotion.digest,
                promotion
                    .scan
                    .as_ref()
                    .map(crate::scan::ScanReport::counts_line)
                    .unwrap_or_default()
            ),
            None,
        );
        return Ok(Exit(error::SCAN_FAILED));
    }
    Ok(Exit::OK)
}

/// Every manifest of the image `root`, children before the index that
/// lists them, `root` last. A listed manifest the source does not have
/// fails the promotion before anything is copied.
async fn manifests(from: &Registry, root: Manifest) -> Result<Vec<Manifest>, Error> {
    let mut ordered = Vec::new();
    let mut pending = vec![(root, false)];
    while let Some((manifest, expanded)) = pending.pop() {
        if expanded || !oci::is_index(&manifest.media_type) {
            ordered.push(manifest);
            continue;
        }
        let entries = oci::index_entries(&manifest.bytes);
        pending.push((manifest, true));
        for entry in entries {
            let child =
                from.manifest(&entry.digest)
                    .await?
                    .ok_or_else(|| Error::SourceMissing {
                        image: from.pinned(&entry.digest),
                    })?;
            pending.push((child, false));
        }
    }
    Ok(ordered)
}

/// Makes every blob of `manifests` present in `to`: mounted from `from`
/// within one registry (copied when the registry declines), looked up and
/// copied when absent across registries.
async fn copy_blobs(
    from: &Registry,
    to: &Registry,
    manifests: &[Manifest],
    progress: &portfolio_core::output::Progress,
) -> Result<BlobCounts, Error> {
    let same_registry = from.host() == to.host();
    let mut seen = BTreeSet::new();
    let mut counts = BlobCounts::default();
    let blobs: Vec<Blob> = manifests
        .iter()
        .flat_map(|m| oci::image_blobs(&m.bytes))
        .filter(|blob| seen.insert(blob.digest.clone()))
        .collect();
    for blob in &blobs {
        if same_registry {
            progress.status(&format!(
                "mounting {} from {}",
                blob.digest,
                from.repository()
            ));
            if to.mount(&blob.digest, from.repository()).await? {
                counts.mounted += 1;
                continue;
            }
        } else if to.has_blob(&blob.digest).await? {
            counts.present += 1;
            continue;
        }
        progress.status(&format!("copying {} ({} bytes)", blob.digest, blob.size));
        to.copy_blob(blob, from).await?;
        counts.copied += 1;
    }
    progress.line(&format!(
        "blobs: {} mounted, {} copied, {} already there",
        counts.mounted, counts.copied, counts.present
    ));
    Ok(counts)
}

/// The digest the registry reports for each tag (for the digest itself
/// when there is no tag), which must be `expected`.
async fn verify(to: &Registry, tags: &[String], expected: &str) -> Result<String, Error> {
    let references: Vec<&str> = if tags.is_empty() {
        vec![expected]
    } else {
        tags.iter().map(String::as_str).collect()
    };
    for reference in references {
        let reported = to.digest(reference).await?;
        if reported.as_deref() != Some(expected) {
            return Err(Error::DigestMismatch {
                image: to.pinned(expected),
                what: format!("the manifest {reference} after the promotion"),
                actual: reported.unwrap_or_else(|| "none (not found)".into()),
            });
        }
    }
    Ok(expected.to_owned())
}

#[cfg(test)]
mod tests;
