//! A world per test: moto, a registry that takes moto's ECR token, a
//! private temp tree (TMPDIR, HOME, buildah storage), and a way to run the
//! tool in it.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use portfolio_testkit::registry::Registry;
use portfolio_testkit::{Moto, Run};
use sha2::{Digest, Sha256};

pub const REPO: &str = "portfolio-dev-backend";

pub struct World {
    /// Removes what the runs left in the Docker engine; dropped first.
    pub images: EngineImages,
    pub moto: Moto,
    pub registry: Registry,
    pub password: String,
    pub root: tempfile::TempDir,
}

/// The images of one test registry in the local Docker engine (docker
/// builds tag `<host>/<repository>:<tag>` there). Dropping it removes them,
/// also when the test fails; then, unless the test is already failing, it
/// checks that none is left.
pub struct EngineImages {
    host: String,
}

impl EngineImages {
    /// The guard of the images tagged into the registry at `host`.
    pub fn new(host: String) -> EngineImages {
        EngineImages { host }
    }

    /// Every `<host>/...:<tag>` reference in the engine (none without an engine).
    pub fn references(&self) -> Vec<String> {
        let Ok(listing) = Command::new("docker")
            .args(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
            .output()
        else {
            return Vec::new();
        };
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|image| image.starts_with(&format!("{}/", self.host)))
            .map(str::to_owned)
            .collect()
    }

    /// Removes every reference of this registry from the engine.
    pub fn remove(&self) {
        let ours = self.references();
        if !ours.is_empty() {
            let _ = Command::new("docker").arg("rmi").args(&ours).output();
        }
    }
}

impl Drop for EngineImages {
    fn drop(&mut self) {
        self.remove();
        if !std::thread::panicking() {
            assert_eq!(
                self.references(),
                Vec::<String>::new(),
                "images of {} left in the Docker engine",
                self.host
            );
        }
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// moto's ECR client.
pub fn ecr(moto: &Moto) -> aws_sdk_ecr::Client {
    aws_sdk_ecr::Client::new(&block_on(portfolio_testkit::sdk_config(moto.endpoint())))
}

impl World {
    /// moto with repository [`REPO`] (`mutability`), and a registry whose
    /// password is moto's ECR token.
    pub fn start(mutability: Option<aws_sdk_ecr::types::ImageTagMutability>) -> World {
        let moto = Moto::start().unwrap();
        let ecr = ecr(&moto);
        let token = block_on(ecr.get_authorization_token().send()).unwrap();
        let token = token.authorization_data()[0].authorization_token().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap();
        let decoded = String::from_utf8(decoded).unwrap();
        let (user, password) = decoded.split_once(':').unwrap();
        assert_eq!(user, "AWS");
        if let Some(mutability) = mutability {
            block_on(
                ecr.create_repository()
                    .repository_name(REPO)
                    .image_tag_mutability(mutability)
                    .send(),
            )
            .unwrap();
        }
        let registry = Registry::start(user, password).unwrap();
        let root = tempfile::tempdir().unwrap();
        for dir in ["tmp", "home", "runner", "storage"] {
            fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        fs::write(
            root.path().join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/storage/graph\"\nrunroot = \"{0}/storage/run\"\n",
                root.path().display()
            ),
        )
        .unwrap();
        World {
            images: EngineImages::new(registry.host()),
            moto,
            registry,
            password: password.to_owned(),
            root,
        }
    }

    /// Creates [`REPO`] in moto's ECR with `mutability` and these wildcard
    /// exclusion filters.
    pub fn create_repository(
        &self,
        mutability: aws_sdk_ecr::types::ImageTagMutability,
        filters: &[&str],
    ) {
        use aws_sdk_ecr::types::{
            ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType,
        };
        let filters = filters.iter().map(|filter| {
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter(*filter)
                .build()
                .unwrap()
        });
        block_on(
            ecr(&self.moto)
                .create_repository()
                .repository_name(REPO)
                .image_tag_mutability(mutability)
                .set_image_tag_mutability_exclusion_filters(
                    (filters.len() > 0).then(|| filters.collect()),
                )
                .send(),
        )
        .unwrap();
    }

    /// Builds `context` with buildah as a workflow run of commit `sha` on
    /// git ref `reference` would.
    pub fn build_on(&self, reference: &str, sha: &str, context: &Path, extra: &[&str]) -> Run {
        let mut command = self.command();
        command
            .args(self.base_args("buildah", context))
            .args(extra)
            .env("GITHUB_REF", reference)
            .env("GITHUB_SHA", sha);
        run(&mut command)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// A build context `name` with these files (and a FROM scratch Dockerfile
    /// unless one is given).
    pub fn context(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.path(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("Dockerfile"),
            "FROM scratch\nARG FLAVOUR=plain\nLABEL flavour=$FLAVOUR\nCOPY . /app/\n",
        )
        .unwrap();
        for (path, text) in files {
            write(&dir, path, text);
        }
        dir
    }

    /// A build context `name` whose image has a shell: `rootfs/` holds the
    /// host's /bin/sh and the libraries it loads (so that `RUN` works
    /// without pulling a base image), and `dockerfile` follows
    /// `FROM scratch` + `COPY rootfs/ /`.
    pub fn shell_context(&self, name: &str, dockerfile: &str) -> PathBuf {
        let dir = self.path(name);
        let rootfs = dir.join("rootfs");
        let ldd = Command::new("ldd").arg("/bin/sh").output().unwrap();
        let mut files = vec!["/bin/sh".to_owned()];
        for line in String::from_utf8_lossy(&ldd.stdout).lines() {
            let path = line.split("=>").last().unwrap().split_whitespace().next();
            if let Some(path) = path.filter(|p| p.starts_with('/')) {
                files.push(path.to_owned());
            }
        }
        for file in files {
            let to = rootfs.join(file.trim_start_matches('/'));
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(&file, &to).unwrap();
        }
        fs::write(
            dir.join("Dockerfile"),
            format!("FROM scratch\nCOPY rootfs/ /\n{dockerfile}"),
        )
        .unwrap();
        dir
    }

    /// The tags of `repository` in the registry (empty when it has none).
    pub fn tags_of(&self, repository: &str) -> Vec<String> {
        let (status, _, body) = self.http("GET", &format!("/v2/{repository}/tags/list"), &[], &[]);
        if status == 404 {
            return Vec::new();
        }
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        value["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `buildah` with this world's storage.
    pub fn buildah(&self, args: &[&str]) -> Run {
        let mut command = Command::new("buildah");
        command
            .args(args)
            .env("CONTAINERS_STORAGE_CONF", self.path("storage.conf"))
            .env("TMPDIR", self.path("tmp"))
            .env("HOME", self.path("home"));
        run(&mut command)
    }

    /// The tool with this world's environment, and no GitHub variables.
    pub fn command(&self) -> Command {
        let mut command = tool();
        command
            .envs(self.moto.env())
            .env("TMPDIR", self.path("tmp"))
            .env("HOME", self.path("home"))
            .env("CONTAINERS_STORAGE_CONF", self.path("storage.conf"))
            .env("CI", "true")
            .env_remove("DOCKER_CONFIG")
            .current_dir(self.root.path());
        command
    }

    /// Builds `context` into [`REPO`] with `builder` and `extra` flags.
    pub fn build(&self, builder: &str, context: &Path, extra: &[&str]) -> Run {
        let mut command = self.command();
        command.args(self.base_args(builder, context)).args(extra);
        run(&mut command)
    }

    pub fn base_args(&self, builder: &str, context: &Path) -> Vec<String> {
        vec![
            "--registry".into(),
            self.registry.host(),
            "--insecure-registry".into(),
            "--repository".into(),
            REPO.into(),
            "--context".into(),
            context.display().to_string(),
            "--builder".into(),
            builder.into(),
            "--max-attempts".into(),
            "3".into(),
            "--json".into(),
        ]
    }

    /// The manifest `reference` of [`REPO`], fetched by the test itself
    /// (HTTP GET with basic auth), or `None` when the registry has none.
    pub fn manifest(&self, reference: &str) -> Option<Served> {
        let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
                      application/vnd.docker.distribution.manifest.v2+json, \
                      application/vnd.docker.distribution.manifest.list.v2+json";
        let (status, headers, body) = self.http(
            "GET",
            &format!("/v2/{REPO}/manifests/{reference}"),
            &[("Accept", accept)],
            &[],
        );
        if status == 404 {
            return None;
        }
        assert_eq!(status, 200, "GET manifest {reference}: {headers}");
        let media_type = header(&headers, "content-type").unwrap();
        Some(Served {
            bytes: body,
            media_type,
        })
    }

    /// PUTs `bytes` as the manifest `reference` of [`REPO`].
    pub fn put_manifest(&self, reference: &str, bytes: &[u8], media_type: &str) {
        let (status, headers, _) = self.http(
            "PUT",
            &format!("/v2/{REPO}/manifests/{reference}"),
            &[("Content-Type", media_type)],
            bytes,
        );
        assert_eq!(status, 201, "PUT manifest {reference}: {headers}");
    }

    /// Makes moto's ECR hold the image `reference` of the registry under
    /// its digest (PutImage with the served manifest), so that ECR's scan
    /// API knows the pushed digest. Returns the digest.
    pub fn copy_to_ecr(&self, reference: &str) -> String {
        let served = self.manifest(reference).unwrap();
        let digest = sha256(&served.bytes);
        block_on(
            ecr(&self.moto)
                .put_image()
                .repository_name(REPO)
                .image_manifest(String::from_utf8(served.bytes).unwrap())
                .image_manifest_media_type(served.media_type)
                .image_digest(&digest)
                .send(),
        )
        .unwrap();
        digest
    }

    /// One HTTP/1.1 request to the registry as user AWS: status, head, body.
    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String, Vec<u8>) {
        http_at(
            &self.registry.host(),
            &self.password,
            method,
            path,
            headers,
            body,
        )
    }

    /// The digest the registry reports for `tag` of [`REPO`].
    pub fn digest(&self, tag: &str) -> Option<String> {
        self.registry
            .manifest_digest(REPO, tag, "AWS", &self.password)
            .unwrap()
    }
}

/// The tool without GitHub or portfolio-ci variables from the test's own
/// environment.
pub fn tool() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_build-push-image"));
    for (key, _) in std::env::vars() {
        if key.starts_with("GITHUB_") || key.starts_with("PORTFOLIO_CI_") || key == "RUNNER_TEMP" {
            command.env_remove(key);
        }
    }
    command
}

/// One HTTP/1.1 request to the registry at `host` as user AWS with
/// `password`: status, head, body.
pub fn http_at(
    host: &str,
    password: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(host).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}"));
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    assert!(
        header(&head, "transfer-encoding").is_none(),
        "chunked answer: {head}"
    );
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

/// The value of header `name` in an HTTP head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

pub fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, text).unwrap();
}

pub fn run(command: &mut Command) -> Run {
    Run::from(command.output().unwrap())
}

/// `sha256:<hex>` of `bytes`, computed here, not by the tool.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A manifest as the registry serves it.
pub struct Served {
    pub bytes: Vec<u8>,
    pub media_type: String,
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && fs::read(&path)
                    .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(path);
            }
        }
    }
    found
}
