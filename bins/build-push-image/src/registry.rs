//! The registry's HTTP API (through oci-client): which digest a tag points
//! at, retagging an image by copying its manifest to new tags (a manifest
//! GET and PUT; no layer moves), and making a blob of another repository
//! present in this one (a cross-repository mount, else a streamed copy)
//! for promotion.
//!
//! Connection failures are retried with a growing pause; a registry that
//! stays down ends the run with [`Error::RegistryUnreachable`].

use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use portfolio_core::oci::{self, Blob, IMAGE_INDEX, IMAGE_MANIFEST, MANIFEST_TYPES};
use sha2::{Digest, Sha256};

use crate::auth::Credentials;
use crate::error::Error;

/// One repository in one registry.
pub struct Registry {
    client: Client,
    auth: RegistryAuth,
    host: String,
    repository: String,
    attempts: u32,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("host", &self.host)
            .field("repository", &self.repository)
            .finish_non_exhaustive()
    }
}

/// A manifest as stored: its bytes, media type and digest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The raw manifest.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: String,
    /// `sha256:...` of the bytes.
    pub digest: String,
}

impl Manifest {
    /// The image id docker reports: the config digest of an image, the
    /// index's own digest for an image index.
    pub fn image_id(&self) -> String {
        if oci::is_index(&self.media_type) {
            return self.digest.clone();
        }
        serde_json::from_slice::<serde_json::Value>(&self.bytes)
            .ok()
            .and_then(|value| value["config"]["digest"].as_str().map(str::to_owned))
            .unwrap_or_else(|| self.digest.clone())
    }

    /// For an image index, the platform images it lists (attestation
    /// manifests left out) as `(digest, os/arch)`; `None` for an image.
    pub fn platform_images(&self) -> Option<Vec<(String, String)>> {
        if !oci::is_index(&self.media_type) {
            return None;
        }
        Some(
            oci::index_entries(&self.bytes)
                .into_iter()
                .filter(|entry| !entry.attestation)
                .map(|entry| {
                    let platform = entry.platform.unwrap_or_else(|| "unknown platform".into());
                    (entry.digest, platform)
                })
                .collect(),
        )
    }
}

impl Registry {
    /// A client for `host/repository`; `insecure` speaks plain HTTP.
    pub fn new(
        host: &str,
        repository: &str,
        insecure: bool,
        credentials: Option<&Credentials>,
        attempts: u32,
    ) -> Registry {
        let config = ClientConfig {
            protocol: if insecure {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            connect_timeout: Some(Duration::from_secs(5)),
            read_timeout: Some(Duration::from_secs(60)),
            // A copied blob goes up in one PUT of its declared size (the
            // distribution spec's monolithic upload), streamed from the
            // source, rather than one PATCH per received frame.
            use_monolithic_push: true,
            ..ClientConfig::default()
        };
        let auth = credentials.map_or(RegistryAuth::Anonymous, |c| {
            RegistryAuth::Basic(c.username.clone(), c.password().to_owned())
        });
        Registry {
            client: Client::new(config),
            auth,
            host: host.to_owned(),
            repository: repository.to_owned(),
            attempts: attempts.max(1),
        }
    }

    /// `host/repository:tag`.
    pub fn image(&self, tag: &str) -> String {
        format!("{}/{}:{tag}", self.host, self.repository)
    }

    /// Registry host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Repository name.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// `host/repository@digest`.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}/{}@{digest}", self.host, self.repository)
    }

    /// A tag, or a digest (`sha256:...`; a tag has no `:`).
    fn reference(&self, tag_or_digest: &str) -> Reference {
        let (host, repository) = (self.host.clone(), self.repository.clone());
        if tag_or_digest.contains(':') {
            // The digest doubles as the tag: oci-client works out the URL
            // of a pushed manifest from the tag when a registry (ECR)
            // answers a PUT without Location, and the URL ends in the digest.
            let digest = tag_or_digest.to_owned();
            Reference::with_tag_and_digest(host, repository, digest.clone(), digest)
        } else {
            Reference::with_tag(host, repository, tag_or_digest.to_owned())
        }
    }

    /// The repository itself, for blob calls.
    fn repository_reference(&self) -> Reference {
        Reference::with_tag(self.host.clone(), self.repository.clone(), "latest".into())
    }

    /// The manifest a tag or digest points at, or `None` when there is no
    /// such manifest. By digest, the bytes are checked against it.
    pub async fn manifest(&self, tag: &str) -> Result<Option<Manifest>, Error> {
        let reference = self.reference(tag);
        let pulled = self
            .retrying("read manifest", || {
                self.client
                    .pull_manifest_raw(&reference, &self.auth, &MANIFEST_TYPES)
            })
            .await;
        match pulled {
            Ok((bytes, digest)) => {
                if tag.contains(':') && sha256(&bytes) != tag {
                    return Err(Error::DigestMismatch {
                        image: self.pinned(tag),
                        what: "the manifest the registry served".into(),
                        actual: sha256(&bytes),
                    });
                }
                let media_type = media_type(&bytes);
                Ok(Some(Manifest {
                    bytes: bytes.to_vec(),
                    media_type,
                    digest,
                }))
            }
            Err(Error::Registry { source, .. }) if is_not_found(&source) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The digest `tag` points at, or `None` when the tag does not exist.
    pub async fn digest(&self, tag: &str) -> Result<Option<String>, Error> {
        let reference = self.reference(tag);
        let found = self
            .retrying("read tag", || {
                self.client.fetch_manifest_digest(&reference, &self.auth)
            })
            .await;
        match found {
            Ok(digest) => Ok(Some(digest)),
            Err(Error::Registry { source, .. }) if is_not_found(&source) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Points a tag at `manifest`, or stores it under its digest (a
    /// manifest PUT).
    pub async fn put(&self, tag: &str, manifest: &Manifest) -> Result<(), Error> {
        let reference = self.reference(tag);
        self.retrying(&format!("tag {tag}"), || async {
            let content_type = manifest.media_type.parse().map_err(|_| {
                OciDistributionError::UnsupportedMediaTypeError(manifest.media_type.clone())
            })?;
            self.client
                .auth(&reference, &self.auth, RegistryOperation::Push)
                .await?;
            self.client
                .push_manifest_raw(&reference, manifest.bytes.clone(), content_type)
                .await
        })
        .await
        .map(|_| ())
    }

    /// Logs in for `operation` on this repository (before blob calls, which
    /// use the login the client keeps).
    pub async fn authorize(&self, operation: RegistryOperation) -> Result<(), Error> {
        let reference = self.repository_reference();
        self.retrying("log in", || {
            self.client.auth(&reference, &self.auth, operation)
        })
        .await
        .map(|_| ())
    }

    /// Whether this repository has the blob `digest` (a blob HEAD).
    pub async fn has_blob(&self, digest: &str) -> Result<bool, Error> {
        let reference = self.repository_reference();
        self.retrying(&format!("look up blob {digest}"), || {
            self.client.blob_exists(&reference, digest)
        })
        .await
    }

    /// Asks the registry to mount the blob `digest` of repository `from`
    /// (same registry) into this one: `POST /v2/<name>/blobs/uploads/?mount=
    /// <digest>&from=<from>`. `true` when mounted (201); `false` when the
    /// registry answers 202 instead (it cannot mount: mounting disabled,
    /// another account, other encryption) and the blob must be uploaded.
    pub async fn mount(&self, digest: &str, from: &str) -> Result<bool, Error> {
        let (to, source) = (
            self.repository_reference(),
            Reference::with_tag(self.host.clone(), from.to_owned(), "latest".into()),
        );
        let mounted = self
            .retrying(&format!("mount blob {digest} from {from}"), || {
                self.client.mount_blob(&to, &source, digest)
            })
            .await;
        match mounted {
            Ok(()) => Ok(true),
            // oci-client reports a success other than 201 as a spec
            // violation: that is the 202 of an upload session opened
            // instead of a mount.
            Err(Error::Registry {
                source: OciDistributionError::SpecViolationError(_),
                ..
            }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Streams the blob `blob` of `from` into this repository: one GET from
    /// the source, one upload (POST, then a PUT of the declared size) to
    /// this registry; the digest is checked on the way.
    pub async fn copy_blob(&self, blob: &Blob, from: &Registry) -> Result<(), Error> {
        let (to, source) = (self.repository_reference(), from.repository_reference());
        self.retrying(&format!("copy blob {}", blob.digest), || async {
            let stream = from
                .client
                .pull_blob_stream(&source, blob.digest.as_str())
                .await?;
            let size = stream.content_length.unwrap_or(blob.size);
            let stream = futures_util::TryStreamExt::map_err(stream, OciDistributionError::from);
            self.client
                .push_blob_stream(&to, stream, &blob.digest, Some(size))
                .await
        })
        .await
        .map(|_| ())
    }

    /// Runs `call`, retrying connection failures with a growing pause.
    async fn retrying<T, F, Fut>(&self, action: &str, call: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, OciDistributionError>>,
    {
        let mut pause = Duration::from_millis(250);
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(err) if is_transient(&err) && attempt < self.attempts => {
                    tracing::debug!(attempt, error = %err, "registry call failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    attempt += 1;
                }
                Err(err) if is_transient(&err) => {
                    return Err(Error::RegistryUnreachable {
                        registry: self.host.clone(),
                        attempts: attempt,
                        source: err,
                    });
                }
                Err(source) => {
                    return Err(Error::Registry {
                        registry: self.host.clone(),
                        action: action.to_owned(),
                        source,
                    });
                }
            }
        }
    }
}

/// The media type a manifest declares, else what its shape says.
fn media_type(bytes: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    match value.get("mediaType").and_then(|v| v.as_str()) {
        Some(declared) => declared.to_owned(),
        None if value.get("manifests").is_some() => IMAGE_INDEX.to_owned(),
        None => IMAGE_MANIFEST.to_owned(),
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A tag or repository the registry does not know.
pub fn is_not_found(err: &OciDistributionError) -> bool {
    match err {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown
            )
        }),
        _ => false,
    }
}

/// Worth another attempt: the registry did not answer, or answered 5xx/429.
fn is_transient(err: &OciDistributionError) -> bool {
    match err {
        OciDistributionError::RequestError(err) => {
            err.is_connect() || err.is_timeout() || err.is_request()
        }
        OciDistributionError::ServerError { code, .. } => *code >= 500 || *code == 429,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_lists_its_platform_images_without_attestations() {
        let manifest = |media_type: &str, bytes: &str| Manifest {
            bytes: bytes.as_bytes().to_vec(),
            media_type: media_type.to_owned(),
            digest: "sha256:index".into(),
        };
        let index = manifest(
            IMAGE_INDEX,
            r#"{"manifests":[{"digest":"sha256:a","platform":{"os":"linux","architecture":"amd64"}},
               {"digest":"sha256:att","platform":{"os":"unknown","architecture":"unknown"}}]}"#,
        );
        assert_eq!(
            index.platform_images(),
            Some(vec![("sha256:a".to_owned(), "linux/amd64".to_owned())])
        );
        assert_eq!(manifest(IMAGE_MANIFEST, "{}").platform_images(), None);
    }

    #[test]
    fn media_types_come_from_the_manifest() {
        let docker = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#;
        assert_eq!(media_type(docker), oci::DOCKER_MANIFEST);
        assert_eq!(
            media_type(br#"{"schemaVersion":2,"manifests":[]}"#),
            IMAGE_INDEX
        );
        assert_eq!(
            media_type(br#"{"schemaVersion":2,"layers":[]}"#),
            IMAGE_MANIFEST
        );
    }
}
