//! Image digests: what ECS resolves a container's image reference to when a task
//! launches. A reference written with `@sha256:...` resolves to that digest; a tag
//! resolves to the digest registered for that exact reference (through
//! `POST /__admin/image-digests` or [`crate::RunningSim::set_image_digest`]), and to
//! nothing when none is. The digest is copied into the task at launch, so registering a
//! new digest for a tag later changes only tasks launched afterwards.

use std::collections::BTreeMap;

/// A digest or image reference the simulator refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDigest {
    /// The image reference is empty.
    #[error("the image reference is empty")]
    EmptyImage,
    /// The digest is not `sha256:` followed by 64 lowercase hex digits.
    #[error("digest {0:?} is not sha256:<64 lowercase hex digits>")]
    Malformed(String),
}

/// Registered digests by exact image reference.
#[derive(Debug, Clone, Default)]
pub struct ImageDigests {
    by_image: BTreeMap<String, String>,
}

impl ImageDigests {
    /// From now on, `image` resolves to `digest` (replacing an earlier registration).
    ///
    /// # Errors
    /// [`InvalidDigest`] for an empty image or a malformed digest.
    pub fn register(&mut self, image: &str, digest: &str) -> Result<(), InvalidDigest> {
        if image.is_empty() {
            return Err(InvalidDigest::EmptyImage);
        }
        if !is_sha256(digest) {
            return Err(InvalidDigest::Malformed(digest.to_owned()));
        }
        self.by_image.insert(image.to_owned(), digest.to_owned());
        Ok(())
    }

    /// The digest `image` resolves to now: the one written in it after `@`, else the
    /// one registered for it.
    #[must_use]
    pub fn resolve(&self, image: &str) -> Option<String> {
        match image.split_once('@') {
            Some((_, digest)) if is_sha256(digest) => Some(digest.to_owned()),
            _ => self.by_image.get(image).cloned(),
        }
    }
}

fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests;
