//! Running the binary, writing inputs, and filling a moto repository with
//! images (PutImage with real manifests and their sha256 digests).

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_ecr::Client;
use aws_sdk_ecr::types::ImageDetail;
use portfolio_testkit::Run;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ecr-lifecycle");

pub use portfolio_core::oci::{IMAGE_INDEX as INDEX, IMAGE_MANIFEST as MANIFEST};

/// Runs the binary in `dir` with `env` (plus an empty portfolio-ci.yaml
/// search path: the directory has none unless the test writes one).
pub fn run(dir: &Path, env: &[(&str, String)], args: &[&str]) -> Run {
    let output = Command::new(BIN)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .output()
        .unwrap();
    Run::from(output)
}

/// `COMMAND --repository REPOSITORY --policy POLICY` plus `extra`.
pub fn with_policy(
    dir: &Path,
    env: &[(&str, String)],
    command: &str,
    repository: &str,
    policy: &str,
    extra: &[&str],
) -> Run {
    let args = [command, "--repository", repository, "--policy", policy];
    run(dir, env, &[&args, extra].concat())
}

/// `enforce --repository REPOSITORY --policy POLICY --execute` plus `extra`.
pub fn enforce(
    dir: &Path,
    env: &[(&str, String)],
    repository: &str,
    policy: &str,
    extra: &[&str],
) -> Run {
    let extra = [&["--execute"], extra].concat();
    with_policy(dir, env, "enforce", repository, policy, &extra)
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `sha256:<hex>` of `bytes`.
pub fn digest(bytes: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes.as_bytes())))
}

/// A distinct single-platform manifest (`seed` makes it unique).
pub fn manifest(seed: &str) -> String {
    json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&format!("config {seed}")), "size": 1000},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(&format!("layer {seed}")), "size": 5000}],
    })
    .to_string()
}

/// An index listing `children` (digests of manifests).
pub fn index(children: &[String]) -> String {
    let manifests: Vec<Value> = children
        .iter()
        .map(|d| json!({"mediaType": MANIFEST, "digest": d, "size": 500, "platform": {"architecture": "amd64", "os": "linux"}}))
        .collect();
    json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}).to_string()
}

/// Creates `repository` in moto.
pub async fn create_repository(ecr: &Client, repository: &str) {
    ecr.create_repository()
        .repository_name(repository)
        .send()
        .await
        .unwrap();
}

/// Pushes `manifest` (of `media_type`) with `tag` (or untagged); returns its digest.
pub async fn put(
    ecr: &Client,
    repository: &str,
    manifest: &str,
    media_type: &str,
    tag: Option<&str>,
) -> String {
    let digest = digest(manifest);
    ecr.put_image()
        .repository_name(repository)
        .image_manifest(manifest)
        .image_manifest_media_type(media_type)
        .image_digest(&digest)
        .set_image_tag(tag.map(str::to_owned))
        .send()
        .await
        .unwrap();
    digest
}

/// The images currently in `repository`, as DescribeImages lists them.
pub async fn image_details(ecr: &Client, repository: &str) -> Vec<ImageDetail> {
    ecr.describe_images()
        .repository_name(repository)
        .send()
        .await
        .unwrap()
        .image_details()
        .to_vec()
}

/// Digests currently in `repository`.
pub async fn digests(ecr: &Client, repository: &str) -> Vec<String> {
    let mut digests: Vec<String> = image_details(ecr, repository)
        .await
        .iter()
        .filter_map(|d| d.image_digest().map(str::to_owned))
        .collect();
    digests.sort();
    digests
}

/// An in-process ECR client for moto.
pub async fn ecr_client(endpoint: &str) -> Client {
    Client::new(&portfolio_testkit::sdk_config(endpoint).await)
}

/// Digests listed under `key` (`expire`, `protected`) of a plan JSON.
pub fn listed(json: &Value, key: &str) -> Vec<String> {
    let mut digests: Vec<String> = json[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        .iter()
        .map(|e| e["imageDigest"].as_str().unwrap().to_owned())
        .collect();
    digests.sort();
    digests
}

/// Asserts that every call a run reports under `apiCalls` is allowed by
/// the lifecycle job's policy (`examples/aws/policies/lifecycle.json`),
/// and returns the calls.
pub fn assert_calls_allowed(json: &Value) -> Vec<String> {
    let policy = portfolio_testkit::iam::Policy::of_job("lifecycle").unwrap();
    let calls: Vec<String> = json["apiCalls"]
        .as_object()
        .unwrap_or_else(|| panic!("no apiCalls in {json}"))
        .keys()
        .cloned()
        .collect();
    assert!(!calls.is_empty(), "{json}");
    let missing = policy.missing(calls.iter().map(String::as_str));
    assert!(
        missing.is_empty(),
        "{} does not allow {missing:?}, which the run called",
        policy.path.display()
    );
    calls
}
