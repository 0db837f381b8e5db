//! Image references and their resolution in the registry, with the texts ECS (Fargate,
//! containerd) writes when a pull fails.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderValue};

use super::RegistryAccess;

/// Docker Hub, the host of references that name none.
const DOCKER_HUB: &str = "docker.io";

/// The manifest media types ECS's runtime accepts: OCI and Docker, images and indexes.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
                               application/vnd.oci.image.manifest.v1+json, \
                               application/vnd.docker.distribution.manifest.list.v2+json, \
                               application/vnd.docker.distribution.manifest.v2+json";

/// An image reference, `[host/]repository[:tag][@digest]`, as containerd reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (`docker.io` when the reference names none).
    pub host: String,
    /// The repository path (`library/NAME` for a one-word Docker Hub name).
    pub repository: String,
    /// The tag, if written (`latest` is meant when neither tag nor digest is).
    pub tag: Option<String>,
    /// The digest, if written.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parse `image`; `None` when it is not a valid reference.
    #[must_use]
    pub fn parse(image: &str) -> Option<Self> {
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            return None;
        }
        let (name, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_owned())),
            None => (image, None),
        };
        if digest
            .as_deref()
            .is_some_and(|d| !d.contains(':') || d.ends_with(':'))
        {
            return None;
        }
        let (name, tag) = match name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_owned())),
            _ => (name, None),
        };
        if tag.as_deref().is_some_and(str::is_empty) {
            return None;
        }
        let (host, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), rest.to_owned())
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned()),
        };
        let repository = if host == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty() || repository.split('/').any(str::is_empty) {
            return None;
        }
        Some(Self {
            host,
            repository,
            tag,
            digest,
        })
    }

    /// What the manifest is asked for by: the digest, else the tag, else `latest`.
    #[must_use]
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The full name containerd prints: `host/repository:tag`, `host/repository@digest`.
    #[must_use]
    pub fn full_name(&self) -> String {
        let mut name = format!("{}/{}", self.host, self.repository);
        match (&self.tag, &self.digest) {
            (Some(tag), Some(digest)) => name.push_str(&format!(":{tag}@{digest}")),
            (None, Some(digest)) => name.push_str(&format!("@{digest}")),
            (Some(tag), None) => name.push_str(&format!(":{tag}")),
            (None, None) => name.push_str(":latest"),
        }
        name
    }

    /// Whether the host is an ECR private registry
    /// (`<12 digits>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`).
    #[must_use]
    pub fn is_ecr(&self) -> bool {
        let host = self.host.to_ascii_lowercase();
        let host = host
            .strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"));
        let Some(host) = host else {
            return false;
        };
        let parts: Vec<&str> = host.split('.').collect();
        matches!(
            parts.as_slice(),
            [account, "dkr", "ecr" | "ecr-fips", region]
                if account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && !region.is_empty()
        )
    }

    /// Whether `registry` serves this image: it is on the registry's host, or an ECR
    /// name (the registry stands in for ECR).
    #[must_use]
    pub fn served_by(&self, registry: &RegistryAccess) -> bool {
        self.host == registry.host || self.is_ecr()
    }
}

/// Resolve `image` (as written in the task definition) in `registry` with `auth`, and
/// return the registry's `Docker-Content-Digest`; or ECS's `CannotPullContainerError`
/// text.
pub async fn resolve(
    http: &reqwest::Client,
    registry: &RegistryAccess,
    image: &str,
    auth: Option<&(String, String)>,
) -> Result<String, String> {
    let Some(parsed) = ImageRef::parse(image) else {
        return Err(format!(
            "CannotPullContainerError: failed to parse image reference \"{image}\": invalid reference format"
        ));
    };
    let name = parsed.full_name();
    let failed = |detail: String| {
        format!(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
             failed to resolve ref {name}: {detail}"
        )
    };
    let reference = parsed.reference();
    // The URL ECS's runtime would ask: the host as written, over HTTPS.
    let shown_host = if parsed.host == DOCKER_HUB {
        "registry-1.docker.io"
    } else {
        parsed.host.as_str()
    };
    let shown_scheme = if parsed.host == registry.host && registry.insecure {
        "http"
    } else {
        "https"
    };
    let shown_url = format!(
        "{shown_scheme}://{shown_host}/v2/{}/manifests/{reference}",
        parsed.repository
    );
    if !parsed.served_by(registry) {
        return Err(failed(format!(
            "failed to do request: Head \"{shown_url}\": dial tcp: lookup {shown_host}: no such host"
        )));
    }
    let scheme = if registry.insecure { "http" } else { "https" };
    let url = format!(
        "{scheme}://{}/v2/{}/manifests/{reference}",
        registry.host, parsed.repository
    );
    let mut request = http
        .head(&url)
        .header(ACCEPT, HeaderValue::from_static(MANIFEST_ACCEPT));
    if let Some((user, password)) = auth {
        request = request.basic_auth(user, Some(password));
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            let cause = if e.is_timeout() {
                "i/o timeout"
            } else {
                "connect: connection refused"
            };
            return Err(failed(format!(
                "failed to do request: Head \"{shown_url}\": dial tcp {}: {cause}",
                registry.host
            )));
        }
    };
    match response.status() {
        StatusCode::OK => response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| {
                failed(format!(
                    "HEAD request to {shown_url} returned no Docker-Content-Digest"
                ))
            }),
        StatusCode::NOT_FOUND => Err(failed(format!("{name}: not found"))),
        status @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => Err(failed(format!(
            "pulling from host {} failed with status code [manifests {reference}]: {status}",
            parsed.host
        ))),
        status => Err(failed(format!(
            "unexpected status from HEAD request to {shown_url}: {status}"
        ))),
    }
}
