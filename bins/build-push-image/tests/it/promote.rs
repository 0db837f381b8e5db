//! `--promote-from`: the image that passed dev goes to prod by digest,
//! against the distribution registry. Within one registry every blob is
//! mounted (the registry's log shows no blob upload); from another
//! registry every blob is streamed; an index goes over whole; the digest
//! in prod is the digest in dev; a missing source fails with nothing
//! tagged. The source images are pushed by the test itself over the
//! registry API (no builder), untagged, as only their digest matters.

use aws_sdk_ecr::types::ImageTagMutability;
use portfolio_testkit::registry::{Registry, Request};
use serde_json::{Value, json};

use crate::harness::{REPO, World, header, http_at, run, sha256};

/// The repository the image is promoted to.
const PROD: &str = "portfolio-prod-backend";
/// The commit being promoted.
const SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// A registry and the password of user AWS in it.
struct At<'a> {
    host: String,
    password: &'a str,
}

impl At<'_> {
    fn of<'a>(registry: &Registry, password: &'a str) -> At<'a> {
        At {
            host: registry.host(),
            password,
        }
    }

    /// Uploads `bytes` as a blob of `repository` (POST, then PUT with the
    /// data); returns its descriptor.
    fn blob(&self, repository: &str, media_type: &str, bytes: &[u8]) -> Value {
        let (status, head, _) = http_at(
            &self.host,
            self.password,
            "POST",
            &format!("/v2/{repository}/blobs/uploads/"),
            &[],
            &[],
        );
        assert_eq!(status, 202, "{head}");
        let location = header(&head, "location").unwrap();
        let path = match location.split_once(&self.host) {
            Some((_, path)) => path.to_owned(),
            None => location,
        };
        let digest = sha256(bytes);
        let separator = if path.contains('?') { '&' } else { '?' };
        let (status, head, _) = http_at(
            &self.host,
            self.password,
            "PUT",
            &format!("{path}{separator}digest={}", digest.replace(':', "%3A")),
            &[("Content-Type", "application/octet-stream")],
            bytes,
        );
        assert_eq!(status, 201, "{head}");
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    /// Stores `manifest` in `repository` under its digest; returns its
    /// descriptor.
    fn manifest(&self, repository: &str, media_type: &str, manifest: &Value) -> Value {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let digest = sha256(&bytes);
        let (status, head, _) = http_at(
            &self.host,
            self.password,
            "PUT",
            &format!("/v2/{repository}/manifests/{digest}"),
            &[("Content-Type", media_type)],
            &bytes,
        );
        assert_eq!(status, 201, "{head}");
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    /// An image of `repository` for `arch`: a config and one layer whose
    /// bytes differ by `arch`; returns the manifest's descriptor.
    fn image(&self, repository: &str, arch: &str) -> Value {
        let config = self.blob(
            repository,
            "application/vnd.oci.image.config.v1+json",
            format!(r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}}}}"#)
                .as_bytes(),
        );
        let layer = self.blob(
            repository,
            "application/vnd.oci.image.layer.v1.tar+gzip",
            format!("the {arch} layer of the release that passed dev").as_bytes(),
        );
        self.manifest(
            repository,
            OCI_MANIFEST,
            &json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]}),
        )
    }

    /// The manifest `reference` of `repository` as served: bytes, or
    /// `None` when there is none.
    fn served(&self, repository: &str, reference: &str) -> Option<Vec<u8>> {
        let (status, head, body) = http_at(
            &self.host,
            self.password,
            "GET",
            &format!("/v2/{repository}/manifests/{reference}"),
            &[("Accept", &format!("{OCI_MANIFEST}, {OCI_INDEX}"))],
            &[],
        );
        match status {
            404 => None,
            200 => Some(body),
            other => panic!("GET {repository}/{reference}: {other} {head}"),
        }
    }
}

/// Runs the tool in `world` promoting `source` into [`PROD`] of the
/// world's registry, as a run of [`SHA`] on main would.
fn promote(world: &World, source: &str) -> portfolio_testkit::Run {
    let mut command = world.command();
    command
        .args(["--registry", &world.registry.host(), "--insecure-registry"])
        .args(["--repository", PROD, "--create-repository"])
        .args(["--promote-from", source])
        .args(["--max-attempts", "3", "--json"])
        .env("GITHUB_SHA", SHA)
        .env("GITHUB_REF", "refs/heads/main");
    run(&mut command)
}

/// The requests `registry` answered after the first `skip`.
fn requests_since(registry: &Registry, skip: usize) -> Vec<Request> {
    registry.requests().into_iter().skip(skip).collect()
}

/// prod's tags point at `digest` and serve exactly `bytes`.
fn assert_prod_has(world: &World, digest: &str, bytes: &[u8]) {
    let at = At::of(&world.registry, &world.password);
    for tag in ["sha-89abcde", "main"] {
        assert_eq!(
            world
                .registry
                .manifest_digest(PROD, tag, "AWS", &world.password)
                .unwrap()
                .as_deref(),
            Some(digest),
            "prod:{tag}"
        );
        assert_eq!(at.served(PROD, tag).as_deref(), Some(bytes), "prod:{tag}");
    }
}

#[test]
fn within_one_registry_every_blob_is_mounted_and_the_digest_stays() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let at = At::of(&world.registry, &world.password);
    let image = at.image(REPO, "amd64");
    let digest = image["digest"].as_str().unwrap();
    let bytes = at.served(REPO, digest).unwrap();
    let before = world.registry.requests().len();

    let promoted = promote(
        &world,
        &format!("{}/{REPO}@{digest}", world.registry.host()),
    );
    let result = promoted.assert_code(0).json();

    assert_eq!(result["digest"], digest);
    assert_eq!(result["source_digest"], digest);
    assert_eq!(
        result["reference"],
        format!("{}/{PROD}@{digest}", world.registry.host())
    );
    assert_eq!(
        result["blobs"],
        json!({"mounted": 2, "copied": 0, "present": 0})
    );
    assert_eq!(result["tags"], json!(["sha-89abcde", "main"]));
    assert_prod_has(&world, digest, &bytes);
    let requests = requests_since(&world.registry, before);
    let uploads: Vec<&Request> = requests.iter().filter(|r| r.is_blob_upload()).collect();
    assert!(uploads.is_empty(), "no blob was uploaded: {uploads:?}");
    let mounts: Vec<u16> = requests
        .iter()
        .filter(|r| r.is_mount())
        .map(|r| r.status)
        .collect();
    assert_eq!(mounts, vec![201, 201], "{requests:?}");
    assert!(
        promoted.stderr.contains("blobs: 2 mounted, 0 copied"),
        "{}",
        promoted.stderr
    );
}

#[test]
fn from_another_registry_every_blob_is_streamed_and_the_digest_stays() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    // dev's registry: another instance (another account), same login.
    let dev = Registry::start("AWS", &world.password).unwrap();
    let at_dev = At::of(&dev, &world.password);
    let image = at_dev.image(REPO, "amd64");
    let digest = image["digest"].as_str().unwrap();
    let bytes = at_dev.served(REPO, digest).unwrap();
    let before = world.registry.requests().len();

    let promoted = promote(&world, &format!("{}/{REPO}@{digest}", dev.host()));
    let result = promoted.assert_code(0).json();

    assert_eq!(result["digest"], digest);
    assert_eq!(
        result["blobs"],
        json!({"mounted": 0, "copied": 2, "present": 0})
    );
    assert_prod_has(&world, digest, &bytes);
    let requests = requests_since(&world.registry, before);
    assert!(
        !requests.iter().any(Request::is_mount),
        "no mount across registries: {requests:?}"
    );
    let uploads = requests
        .iter()
        .filter(|r| r.is_blob_upload() && r.status == 201)
        .count();
    assert_eq!(uploads, 2, "{requests:?}");
    // The source was only read.
    assert_eq!(
        dev.manifest_digest(PROD, "main", "AWS", &world.password)
            .unwrap(),
        None
    );

    // Again: the blobs are there now, nothing moves, the tags stay.
    let again = promote(&world, &format!("{}/{REPO}@{digest}", dev.host()));
    let again = again.assert_code(0).json();
    assert_eq!(
        again["blobs"],
        json!({"mounted": 0, "copied": 0, "present": 2})
    );
    assert_eq!(again["changed_tags"], json!([]));
}

#[test]
fn an_index_with_two_platforms_is_promoted_whole() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let at = At::of(&world.registry, &world.password);
    let mut children = Vec::new();
    for arch in ["amd64", "arm64"] {
        let mut child = at.image(REPO, arch);
        child["platform"] = json!({"os": "linux", "architecture": arch});
        children.push(child);
    }
    let index = at.manifest(
        REPO,
        OCI_INDEX,
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}),
    );
    let digest = index["digest"].as_str().unwrap();
    let bytes = at.served(REPO, digest).unwrap();

    let promoted = promote(
        &world,
        &format!("{}/{REPO}@{digest}", world.registry.host()),
    );
    let result = promoted.assert_code(0).json();

    assert_eq!(result["digest"], digest);
    assert_eq!(result["manifests"], 3);
    assert_eq!(result["platforms"], json!(["linux/amd64", "linux/arm64"]));
    assert_eq!(
        result["blobs"],
        json!({"mounted": 4, "copied": 0, "present": 0})
    );
    assert_prod_has(&world, digest, &bytes);
    for child in &children {
        let child_digest = child["digest"].as_str().unwrap();
        let served = at.served(PROD, child_digest);
        assert_eq!(
            served.as_deref().map(sha256).as_deref(),
            Some(child_digest),
            "prod has the {} image",
            child["platform"]["architecture"]
        );
    }
}

#[test]
fn a_missing_source_fails_cleanly_with_nothing_tagged() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let at = At::of(&world.registry, &world.password);
    at.image(REPO, "amd64");
    let absent = sha256(b"an image nobody pushed");

    let promoted = promote(
        &world,
        &format!("{}/{REPO}@{absent}", world.registry.host()),
    );

    promoted.assert_code(2);
    assert!(
        promoted
            .stderr
            .contains(&format!("{}/{REPO}@{absent}", world.registry.host()))
            && promoted.stderr.contains("is not in its registry"),
        "{}",
        promoted.stderr
    );
    assert_eq!(world.tags_of(PROD), Vec::<String>::new());
}

#[test]
fn a_promotion_refuses_build_flags_and_a_source_without_digest() {
    let world = World::start(None);
    let source = format!("{}/{REPO}@{}", world.registry.host(), sha256(b"x"));
    let with_build_arg = {
        let mut command = world.command();
        command.args([
            "--repository",
            PROD,
            "--promote-from",
            &source,
            "--build-arg",
            "A=1",
        ]);
        run(&mut command)
    };
    with_build_arg.assert_code(2);
    assert!(
        with_build_arg.stderr.contains("--build-arg"),
        "{}",
        with_build_arg.stderr
    );
    let by_tag = {
        let mut command = world.command();
        command.args([
            "--repository",
            PROD,
            "--promote-from",
            &format!("{}/{REPO}:main", world.registry.host()),
        ]);
        run(&mut command)
    };
    let without_push = {
        let mut command = world.command();
        command.args(["--repository", PROD, "--promote-from", &source, "--no-push"]);
        run(&mut command)
    };
    without_push.assert_code(2);
    assert!(
        without_push.stderr.contains("--promote-from") && without_push.stderr.contains("--no-push"),
        "{}",
        without_push.stderr
    );
    by_tag.assert_code(2);
    assert!(
        by_tag.stderr.contains("--promote-from") && by_tag.stderr.contains("names no digest"),
        "{}",
        by_tag.stderr
    );
}

/// A loopback proxy in front of `upstream` that renames the `mount`
/// query parameter of every request on its way, so the registry ignores it
/// and answers 202 with an ordinary upload session: what ECR does with blob
/// mounting disabled. Everything else passes unchanged (same length).
fn mount_ignoring_proxy(runtime: &tokio::runtime::Runtime, upstream: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let host = listener.local_addr().unwrap().to_string();
    runtime.spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let requests = async {
                    let mut buffer = vec![0u8; 64 * 1024];
                    loop {
                        let n = client_read.read(&mut buffer).await.unwrap_or(0);
                        if n == 0 {
                            let _ = server_write.shutdown().await;
                            break;
                        }
                        let chunk = &mut buffer[..n];
                        for i in 0..chunk.len().saturating_sub(6) {
                            if matches!(chunk[i], b'?' | b'&') && &chunk[i + 1..i + 7] == b"mount="
                            {
                                chunk[i + 2] = b'x';
                            }
                        }
                        if server_write.write_all(chunk).await.is_err() {
                            break;
                        }
                    }
                };
                let responses = async {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                };
                tokio::join!(requests, responses);
            });
        }
    });
    host
}

#[test]
fn a_registry_that_declines_the_mount_gets_the_blobs_streamed() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let at = At::of(&world.registry, &world.password);
    let image = at.image(REPO, "amd64");
    let digest = image["digest"].as_str().unwrap();
    let bytes = at.served(REPO, digest).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let proxy = mount_ignoring_proxy(&runtime, world.registry.host());
    let before = world.registry.requests().len();

    // Source and target through the proxy: one registry, so a mount is tried.
    let mut command = world.command();
    command
        .args(["--registry", &proxy, "--insecure-registry"])
        .args(["--repository", PROD, "--create-repository"])
        .args(["--promote-from", &format!("{proxy}/{REPO}@{digest}")])
        .args(["--max-attempts", "3", "--json"])
        .env("GITHUB_SHA", SHA)
        .env("GITHUB_REF", "refs/heads/main");
    let promoted = run(&mut command);
    let result = promoted.assert_code(0).json();

    assert_eq!(
        result["blobs"],
        json!({"mounted": 0, "copied": 2, "present": 0})
    );
    assert_eq!(result["digest"], digest);
    assert_prod_has(&world, digest, &bytes);
    let requests = requests_since(&world.registry, before);
    let declined = requests
        .iter()
        .filter(|r| r.method == "POST" && r.uri.contains("mxunt=") && r.status == 202)
        .count();
    assert_eq!(
        declined, 2,
        "the mounts were asked for and declined: {requests:?}"
    );
    let uploads = requests
        .iter()
        .filter(|r| r.is_blob_upload() && r.status == 201)
        .count();
    assert_eq!(uploads, 2, "{requests:?}");
}
