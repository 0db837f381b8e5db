//! Debian's `docker-registry` (the CNCF distribution registry) on a free
//! loopback port, with htpasswd basic auth and filesystem storage in a
//! temporary directory.
//!
//! With user `AWS` and moto's ECR token as password it stands in for ECR's
//! data plane, so the real ECR login flow is exercised. The bcrypt htpasswd
//! entry is made by `htpasswd -Bin` (apache2-utils), the password passed on
//! stdin, not on its command line. The registry logs at level info, one
//! `response completed` line per request, which [`Registry::requests`]
//! reads (how tests tell a blob mount from a blob upload).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::TestkitError;
use crate::process::{ChildGuard, free_port, wait_for_port};

const PROGRAM: &str = "docker-registry";
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running registry, stopped (and its storage removed) when dropped.
#[derive(Debug)]
pub struct Registry {
    addr: SocketAddr,
    child: ChildGuard,
    dir: PathBuf,
}

/// The manifest media types a client accepts: OCI and Docker, images and indexes.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
                               application/vnd.oci.image.index.v1+json, \
                               application/vnd.docker.distribution.manifest.v2+json, \
                               application/vnd.docker.distribution.manifest.list.v2+json";

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        remove_local_images(&self.host());
    }
}

/// Removes the images the local Docker engine holds under `host/` (what a
/// build pushed to this registry leaves behind), so that tests and the
/// demo do not pile up `127.0.0.1:<port>/...` tags. Without an engine there
/// is nothing to remove.
pub fn remove_local_images(host: &str) {
    let Ok(listed) = Command::new("docker")
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .stderr(Stdio::null())
        .output()
    else {
        return;
    };
    let prefix = format!("{host}/");
    let ours: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|reference| reference.starts_with(&prefix))
        .map(str::to_owned)
        .collect();
    if !ours.is_empty() {
        let _ = Command::new("docker")
            .arg("rmi")
            .arg("--force")
            .args(&ours)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Registry {
    /// Starts a registry that accepts only `user` / `password`.
    pub fn start(user: &str, password: &str) -> Result<Registry, TestkitError> {
        let io = |program: &str| {
            let program = program.to_owned();
            move |source| TestkitError::Io { program, source }
        };
        let port = free_port().map_err(io(PROGRAM))?;
        let dir =
            std::env::temp_dir().join(format!("testkit-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(io(PROGRAM))?;
        let htpasswd = htpasswd(user, password)?;
        std::fs::write(dir.join("htpasswd"), htpasswd).map_err(io(PROGRAM))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let config = config_yaml(&dir, addr);
        std::fs::write(dir.join("config.yml"), config).map_err(io(PROGRAM))?;
        let log = std::fs::File::create(dir.join("registry.log")).map_err(io(PROGRAM))?;
        let child = Command::new(PROGRAM)
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => TestkitError::NotInstalled {
                    program: PROGRAM.to_owned(),
                    hint: "apt-get install docker-registry".to_owned(),
                },
                _ => io(PROGRAM)(source),
            })?;
        let mut guard = ChildGuard(child);
        if !wait_for_port(addr, &mut guard.0, READY_TIMEOUT) {
            return Err(TestkitError::NotReady {
                program: PROGRAM.to_owned(),
                addr: addr.to_string(),
                secs: READY_TIMEOUT.as_secs(),
            });
        }
        Ok(Registry {
            addr,
            child: guard,
            dir,
        })
    }

    /// `127.0.0.1:PORT`, the registry host of image references.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Where the registry keeps its data and log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The registry's own log (stderr), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }

    /// Every request the registry has answered so far, from its log's
    /// `response completed` lines (in order).
    pub fn requests(&self) -> Vec<Request> {
        self.log().lines().filter_map(Request::from_log).collect()
    }

    /// The digest the registry reports for `repository:reference` (the
    /// `Docker-Content-Digest` header of a manifest HEAD), if it exists.
    pub fn manifest_digest(
        &self,
        repository: &str,
        reference: &str,
        user: &str,
        password: &str,
    ) -> std::io::Result<Option<String>> {
        let (status, response) = self.request(
            "HEAD",
            &format!("/v2/{repository}/manifests/{reference}"),
            user,
            password,
            MANIFEST_ACCEPT,
        )?;
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(std::io::Error::other(format!("HEAD manifest: {status}")));
        }
        Ok(response.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("docker-content-digest")
                .then(|| value.trim().to_owned())
        }))
    }

    /// The manifest `repository:reference` as the registry serves it (its
    /// media type and bytes), if it exists.
    pub fn manifest(
        &self,
        repository: &str,
        reference: &str,
        user: &str,
        password: &str,
    ) -> std::io::Result<Option<(String, String)>> {
        let (status, response) = self.request(
            "GET",
            &format!("/v2/{repository}/manifests/{reference}"),
            user,
            password,
            MANIFEST_ACCEPT,
        )?;
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(std::io::Error::other(format!("GET manifest: {status}")));
        }
        let (head, body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("GET manifest: no body"))?;
        let media_type = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-type")
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default();
        Ok(Some((media_type, body.to_owned())))
    }

    /// Pushes a minimal OCI image as `repository:tag` through the registry API: a
    /// config blob carrying `label` (so each label gives its own digest) and no
    /// layers. Returns the manifest digest the registry reports. For tests that
    /// need an image to resolve, not to run.
    pub fn push_minimal_image(
        &self,
        repository: &str,
        tag: &str,
        label: &str,
        user: &str,
        password: &str,
    ) -> std::io::Result<String> {
        use sha2::{Digest as _, Sha256};
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","config":{{"Labels":{{"testkit.label":"{label}"}}}},"rootfs":{{"type":"layers","diff_ids":[]}}}}"#
        );
        let config_digest = format!("sha256:{:x}", Sha256::digest(config.as_bytes()));
        let (status, response) = self.send(
            "POST",
            &format!("/v2/{repository}/blobs/uploads/"),
            (user, password),
            "Accept: */*",
            b"",
        )?;
        if status != 202 {
            return Err(std::io::Error::other(format!("start upload: {status}")));
        }
        let location = header(&response, "location")
            .ok_or_else(|| std::io::Error::other("start upload: no Location"))?;
        let location = location
            .strip_prefix(&format!("http://{}", self.addr))
            .unwrap_or(&location);
        let separator = if location.contains('?') { '&' } else { '?' };
        let (status, _) = self.send(
            "PUT",
            &format!("{location}{separator}digest={config_digest}"),
            (user, password),
            "Content-Type: application/octet-stream",
            config.as_bytes(),
        )?;
        if status != 201 {
            return Err(std::io::Error::other(format!("upload config: {status}")));
        }
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[]}}"#,
            config.len()
        );
        let (status, response) = self.send(
            "PUT",
            &format!("/v2/{repository}/manifests/{tag}"),
            (user, password),
            "Content-Type: application/vnd.oci.image.manifest.v1+json",
            manifest.as_bytes(),
        )?;
        if status != 201 {
            return Err(std::io::Error::other(format!(
                "put manifest: {status}: {response}"
            )));
        }
        Ok(header(&response, "docker-content-digest")
            .unwrap_or_else(|| format!("sha256:{:x}", Sha256::digest(manifest.as_bytes()))))
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        user: &str,
        password: &str,
        accept: &str,
    ) -> std::io::Result<(u16, String)> {
        self.send(
            method,
            path,
            (user, password),
            &format!("Accept: {accept}"),
            b"",
        )
    }

    /// One request with basic auth, one extra header line and `body`; the status
    /// and the whole response.
    fn send(
        &self,
        method: &str,
        path: &str,
        (user, password): (&str, &str),
        extra_header: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let credentials = base64(format!("{user}:{password}").as_bytes());
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {credentials}\r\n{extra_header}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        )?;
        stream.write_all(body)?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {response:.80}")))?;
        Ok((status, response))
    }
}

/// One request the registry answered, as its log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, `POST`, `PATCH`, `PUT`, `DELETE`.
    pub method: String,
    /// Path and query, e.g. `/v2/repo/blobs/uploads/?mount=...&from=...`.
    pub uri: String,
    /// The status answered.
    pub status: u16,
}

impl Request {
    /// A `response completed` line of the registry's logfmt log.
    fn from_log(line: &str) -> Option<Request> {
        if !line.contains("msg=\"response completed\"") {
            return None;
        }
        Some(Request {
            method: logfmt_value(line, "http.request.method")?,
            uri: logfmt_value(line, "http.request.uri")?,
            status: logfmt_value(line, "http.response.status")?.parse().ok()?,
        })
    }

    /// A blob upload: its data sent (PATCH or PUT to an upload session),
    /// as opposed to a mount, which sends none.
    pub fn is_blob_upload(&self) -> bool {
        matches!(self.method.as_str(), "PATCH" | "PUT") && self.uri.contains("/blobs/uploads/")
    }

    /// A cross-repository mount request (`POST ...?mount=<digest>&from=<repo>`).
    pub fn is_mount(&self) -> bool {
        self.method == "POST" && self.uri.contains("/blobs/uploads/") && self.uri.contains("mount=")
    }
}

/// The value of ` key=` in a logfmt line: up to the next space, or a
/// quoted string (with `\"` escapes).
fn logfmt_value(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    let rest = &line[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '"' => return Some(value),
                c => value.push(c),
            }
        }
        None
    } else {
        Some(rest.split(' ').next().unwrap_or_default().to_owned())
    }
}

/// The value of header `name` (any case) in a raw HTTP response.
fn header(response: &str, name: &str) -> Option<String> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// A bcrypt htpasswd line from `htpasswd -Bin`.
fn htpasswd(user: &str, password: &str) -> Result<String, TestkitError> {
    let io = |source| TestkitError::Io {
        program: "htpasswd".to_owned(),
        source,
    };
    let mut child = Command::new("htpasswd")
        .args(["-Bin", user])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => TestkitError::NotInstalled {
                program: "htpasswd".to_owned(),
                hint: "apt-get install apache2-utils".to_owned(),
            },
            _ => io(source),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(password.as_bytes()).map_err(io)?;
    }
    let output = child.wait_with_output().map_err(io)?;
    if !output.status.success() {
        return Err(io(std::io::Error::other("htpasswd failed")));
    }
    String::from_utf8(output.stdout).map_err(|e| io(std::io::Error::other(e)))
}

fn config_yaml(dir: &Path, addr: SocketAddr) -> String {
    let data: PathBuf = dir.join("data");
    format!(
        "version: 0.1\n\
         log:\n  level: info\n\
         storage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\n\
         http:\n  addr: {addr}\n  secret: testkit-registry\n\
         auth:\n  htpasswd:\n    realm: testkit\n    path: {htpasswd}\n",
        data = data.display(),
        htpasswd = dir.join("htpasswd").display(),
    )
}

/// Standard base64 (for the Authorization header), without a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn requests_are_read_from_response_completed_lines() {
        let line = r#"time="2026-12-03T15:00:00Z" level=info msg="response completed" go.version=go1.22 http.request.host="127.0.0.1:5000" http.request.method=POST http.request.uri="/v2/prod/blobs/uploads/?from=dev&mount=sha256%3Aab" http.response.status=201"#;
        let request = super::Request::from_log(line).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.uri,
            "/v2/prod/blobs/uploads/?from=dev&mount=sha256%3Aab"
        );
        assert_eq!(request.status, 201);
        assert!(request.is_mount() && !request.is_blob_upload());
        let other = r#"time="x" level=info msg="authorized request" http.request.method=GET"#;
        assert_eq!(super::Request::from_log(other), None);
    }

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(super::base64(b"AWS:pw"), "QVdTOnB3");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"a"), "YQ==");
    }
}
