//! OCI and Docker manifest media types, the entries of an image index and
//! the blobs an image manifest references.
//!
//! Shared by the tools that read registries: build-push-image (retagging,
//! the scan gate's platform images, promotion by digest) and ecr-lifecycle
//! (index children that must not expire on their own).

use serde::Deserialize;

/// An OCI image manifest.
pub const IMAGE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const IMAGE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// A Docker image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// A Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// Media types of an image index (manifest list).
pub const INDEX_TYPES: [&str; 2] = [IMAGE_INDEX, DOCKER_MANIFEST_LIST];
/// Every manifest media type a registry client should accept.
pub const MANIFEST_TYPES: [&str; 4] = [
    IMAGE_MANIFEST,
    IMAGE_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
];

/// The annotation BuildKit puts on the attestation entries of an index.
const REFERENCE_TYPE: &str = "vnd.docker.reference.type";

/// True for the media type of an image index.
pub fn is_index(media_type: &str) -> bool {
    INDEX_TYPES.contains(&media_type)
}

/// One entry of an image index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// `sha256:...` of the listed manifest.
    pub digest: String,
    /// `os/arch[/variant]`, when the entry names a platform.
    pub platform: Option<String>,
    /// An attestation manifest (BuildKit provenance or SBOM), not a
    /// platform image.
    pub attestation: bool,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

/// The entries of an index manifest (none when `manifest` is not an index).
pub fn index_entries(manifest: &[u8]) -> Vec<IndexEntry> {
    let Ok(index) = serde_json::from_slice::<Index>(manifest) else {
        return Vec::new();
    };
    index
        .manifests
        .into_iter()
        .map(|entry| {
            let platform = entry.platform.map(|p| {
                [Some(p.os), Some(p.architecture), p.variant]
                    .into_iter()
                    .flatten()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join("/")
            });
            let attestation = entry.annotations.contains_key(REFERENCE_TYPE)
                || platform.as_deref() == Some("unknown/unknown");
            IndexEntry {
                digest: entry.digest,
                platform,
                attestation,
            }
        })
        .collect()
}

/// Docker's foreign (non-distributable) layer media types: the layer
/// lives at the descriptor's `urls`, never in a registry.
const FOREIGN_LAYERS: [&str; 2] = [
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
];

/// One blob an image manifest references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// `sha256:...` of the blob.
    pub digest: String,
    /// Its size in bytes, as the manifest declares it.
    pub size: u64,
}

#[derive(Deserialize)]
struct ImageManifest {
    config: Option<BlobDescriptor>,
    #[serde(default)]
    layers: Vec<BlobDescriptor>,
}

#[derive(Deserialize)]
struct BlobDescriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    size: u64,
}

/// The blobs an image manifest references and a registry holds: its
/// config, then its layers, without foreign (non-distributable) layers and
/// without repeats. Empty when `manifest` is not an image manifest.
pub fn image_blobs(manifest: &[u8]) -> Vec<Blob> {
    let Ok(image) = serde_json::from_slice::<ImageManifest>(manifest) else {
        return Vec::new();
    };
    let mut blobs: Vec<Blob> = Vec::new();
    for descriptor in image.config.into_iter().chain(image.layers) {
        if FOREIGN_LAYERS.contains(&descriptor.media_type.as_str())
            || blobs.iter().any(|b| b.digest == descriptor.digest)
        {
            continue;
        }
        blobs.push(Blob {
            digest: descriptor.digest,
            size: descriptor.size,
        });
    }
    blobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entries_name_platforms_and_attestations() {
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"digest":"sha256:a","platform":{"os":"linux","architecture":"amd64"}},
            {"digest":"sha256:b","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
            {"digest":"sha256:c","platform":{"os":"unknown","architecture":"unknown"},
             "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#;
        let entries = index_entries(index);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].platform.as_deref(), Some("linux/amd64"));
        assert!(!entries[0].attestation);
        assert_eq!(entries[1].platform.as_deref(), Some("linux/arm64/v8"));
        assert!(entries[2].attestation);
        let partial =
            index_entries(br#"{"manifests":[{"digest":"sha256:d","platform":{"os":"linux"}}]}"#);
        assert_eq!(partial[0].platform.as_deref(), Some("linux"));
        assert!(index_entries(br#"{"schemaVersion":2,"layers":[]}"#).is_empty());
        assert!(index_entries(b"not json").is_empty());
        assert!(is_index(DOCKER_MANIFEST_LIST) && !is_index(IMAGE_MANIFEST));
    }

    #[test]
    fn image_blobs_are_the_config_and_the_registry_held_layers_once_each() {
        let manifest = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:c","size":3},
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:l1","size":10},
                      {"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"sha256:f","size":99},
                      {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:l1","size":10},
                      {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:l2","size":20}]}"#;
        let blob = |digest: &str, size| Blob {
            digest: digest.to_owned(),
            size,
        };
        assert_eq!(
            image_blobs(manifest),
            vec![
                blob("sha256:c", 3),
                blob("sha256:l1", 10),
                blob("sha256:l2", 20)
            ]
        );
        assert!(image_blobs(br#"{"manifests":[]}"#).is_empty());
        assert!(image_blobs(b"not json").is_empty());
    }
}
