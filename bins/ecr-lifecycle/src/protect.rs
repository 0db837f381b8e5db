//! Which digests must never be expired, and why: images that ECS uses
//! (matched by digest and by tag) and the children of image indexes.
//! (Referrers, which go with their subject, are handled by the evaluator:
//! kept while their subject is kept, expired with it.)
//!
//! Pure: the AWS lookups that feed it live in `ecr` and `ecs`.

use std::collections::HashMap;

use crate::image::Image;

/// An image reference found in ECS: a task definition's `image`, or a
/// running container's `image` and resolved `imageDigest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InUse {
    /// The reference as written (`registry/repo:tag`, `repo@sha256:...`).
    pub image: String,
    /// The digest ECS resolved for a running container, when known.
    pub digest: Option<String>,
    /// Who uses it (`service backend in portfolio-dev, PRIMARY deployment`).
    pub user: String,
}

/// Protected digests with their reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    reasons: HashMap<String, Vec<String>>,
}

impl Protection {
    /// Protection for the images of `repository`: what `in_use` references
    /// in this repository, and the children of every index in `images`
    /// (`children` maps an index digest to the digests it lists).
    pub fn build(
        repository: &str,
        images: &[Image],
        in_use: &[InUse],
        children: &HashMap<String, Vec<String>>,
    ) -> Protection {
        let mut protection = Protection::default();
        let by_tag: HashMap<&str, &Image> = images
            .iter()
            .flat_map(|image| image.tags.iter().map(move |tag| (tag.as_str(), image)))
            .collect();
        for usage in in_use {
            let reference = ImageRef::parse(&usage.image);
            if reference.repository != repository {
                continue;
            }
            if let Some(digest) = &usage.digest {
                protection.add(digest, format!("running in {}", usage.user));
            }
            match (&reference.digest, &reference.tag) {
                (Some(digest), _) => {
                    protection.add(digest, format!("referenced by digest by {}", usage.user));
                }
                (None, tag) => {
                    let tag = tag.as_deref().unwrap_or("latest");
                    if let Some(image) = by_tag.get(tag) {
                        protection.add(&image.digest, format!("tag {tag} used by {}", usage.user));
                    }
                }
            }
        }
        for image in images {
            if let Some(listed) = children.get(&image.digest) {
                for child in listed {
                    protection.add(
                        child,
                        format!(
                            "listed by image index {}",
                            describe(&image.digest, &image.tags)
                        ),
                    );
                }
            }
        }
        protection
    }

    /// Adds a reason to protect `digest`.
    pub fn add(&mut self, digest: &str, reason: String) {
        let reasons = self.reasons.entry(digest.to_owned()).or_default();
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }

    /// Why `digest` is protected, if it is.
    pub fn reasons(&self, digest: &str) -> Option<&[String]> {
        self.reasons.get(digest).map(Vec::as_slice)
    }
}

/// `sha256:0123456789ab` (the first 12 hex digits).
pub fn short(digest: &str) -> &str {
    let end = digest.find(':').map_or(12, |colon| colon + 13);
    digest.get(..end).unwrap_or(digest)
}

/// `sha256:0123456789ab (v1, latest)` or the short digest alone.
pub fn describe(digest: &str, tags: &[String]) -> String {
    if tags.is_empty() {
        short(digest).to_owned()
    } else {
        format!("{} ({})", short(digest), tags.join(", "))
    }
}

/// A container image reference split into repository, tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The repository path without the registry host.
    pub repository: String,
    /// The tag, if written.
    pub tag: Option<String>,
    /// The digest, if written.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `[registry/]repository[:tag][@digest]`.
    pub fn parse(reference: &str) -> ImageRef {
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_owned())),
            None => (reference, None),
        };
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match name[slash..].rfind(':') {
            Some(colon) => (
                &name[..slash + colon],
                Some(name[slash + colon + 1..].to_owned()),
            ),
            None => (name, None),
        };
        let repository = match path.split_once('/') {
            Some((host, rest))
                if host.contains('.') || host.contains(':') || host == "localhost" =>
            {
                rest
            }
            _ => path,
        };
        ImageRef {
            repository: repository.to_owned(),
            tag,
            digest,
        }
    }
}

#[cfg(test)]
mod tests;
