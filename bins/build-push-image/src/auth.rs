//! Registry credentials and the private per-run auth file that hands them
//! to the builder.
//!
//! The password is masked (`::add-mask::`) as soon as it is known and then
//! only ever written to `config.json` in a 0700 temporary directory (under
//! `RUNNER_TEMP` in Actions) that is removed when the run ends. Docker finds
//! it through `DOCKER_CONFIG`, podman and buildah through `--authfile`
//! (the same format). It is never put on a command line and never written
//! to the user's docker config, so parallel jobs on one runner cannot log
//! each other out.
//!
//! The private `config.json` starts as a copy of the user's
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): their
//! logins (`auths`), credential helpers (`credHelpers`, `credsStore`),
//! context, proxies and aliases stay, so private base images on Docker Hub,
//! GHCR or another ECR still pull. Our registry's entry is added, and it
//! wins: a helper the user set for that host is dropped from the copy, and
//! for docker with a `credsStore` the host is given the empty helper, which
//! makes docker read it from `auths`. The user's CLI plugins, buildx
//! builders and contexts are linked into the private directory so that
//! docker behaves as usual.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portfolio_core::Actions;

use crate::error::Error;

/// A user name and password for the registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name (`AWS` for ECR).
    pub username: String,
    password: String,
}

impl Credentials {
    /// Credentials from a user name and password; masks the password.
    pub fn new(username: String, password: String, actions: &Actions) -> Credentials {
        actions.mask(&password);
        Credentials { username, password }
    }

    /// From an ECR authorization token: base64 of `user:password`.
    pub fn from_ecr_token(token: &str, actions: &Actions) -> Result<Credentials, Error> {
        actions.mask(token);
        let decoded = STANDARD.decode(token.trim()).map_err(|_| Error::BadToken)?;
        let text = String::from_utf8(decoded).map_err(|_| Error::BadToken)?;
        let (user, password) = text.split_once(':').ok_or(Error::BadToken)?;
        Ok(Credentials::new(
            user.to_owned(),
            password.to_owned(),
            actions,
        ))
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Who reads the private config: docker (`credsStore` and `credHelpers`
/// resolved by the docker CLI), or podman and buildah (containers/image:
/// `auths` and `credHelpers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The docker CLI (classic or buildx).
    Docker,
    /// podman or buildah.
    Containers,
}

/// The private directory of one run: `config.json` with the registry
/// credentials, removed when dropped.
#[derive(Debug)]
pub struct AuthDir {
    dir: tempfile::TempDir,
}

/// Files and directories of the user's docker config that docker needs to
/// find its plugins, builders and contexts.
const LINKED: [&str; 3] = ["cli-plugins", "buildx", "contexts"];

impl AuthDir {
    /// Creates the directory under `parent` (or the system temp dir) and
    /// writes `config.json`: the user's docker config plus `registry`'s
    /// credentials, for `reader`.
    pub fn create(
        parent: Option<&Path>,
        registry: &str,
        credentials: Option<&Credentials>,
        reader: Reader,
    ) -> Result<AuthDir, Error> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("build-push-image-");
        builder.permissions(fs::Permissions::from_mode(0o700));
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent),
            None => builder.tempdir(),
        }
        .map_err(portfolio_core::Error::io(
            "cannot create the private auth directory",
        ))?;
        let user_config = user_docker_config();
        let user = user_config
            .as_deref()
            .and_then(read_config)
            .unwrap_or_default();
        let config = private_config(user, registry, credentials, reader);
        let path = dir.path().join("config.json");
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(portfolio_core::Error::io(
                "cannot write the private auth file",
            ))?;
        file.write_all(serde_json::Value::Object(config).to_string().as_bytes())
            .map_err(portfolio_core::Error::io(
                "cannot write the private auth file",
            ))?;
        if let Some(user_config) = user_config {
            for name in LINKED {
                let target = user_config.join(name);
                if target.exists() {
                    // Best effort: without the link docker still works with defaults.
                    let _ = std::os::unix::fs::symlink(&target, dir.path().join(name));
                }
            }
        }
        Ok(AuthDir { dir })
    }

    /// The directory, for `DOCKER_CONFIG`.
    pub fn docker_config(&self) -> &Path {
        self.dir.path()
    }

    /// The auth file, for `--authfile` / `REGISTRY_AUTH_FILE`.
    pub fn auth_file(&self) -> PathBuf {
        self.dir.path().join("config.json")
    }
}

/// The user's docker config directory: `$DOCKER_CONFIG` or `~/.docker`.
fn user_docker_config() -> Option<PathBuf> {
    docker_config_dir().filter(|dir| dir.is_dir())
}

/// Where docker keeps its config: `$DOCKER_CONFIG`, else `~/.docker`.
fn docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker")))
}

/// `docker login` for the later steps of a job (`build-push-image login`):
/// puts `credentials` for `registry` into the user's docker config
/// (created 0700/0600 when missing; every other entry kept; replaced
/// atomically). A credential helper that docker would ask instead for this
/// host is dropped for it, as ours is the newer login. Returns the file.
pub fn store_login(registry: &str, credentials: &Credentials) -> Result<PathBuf, Error> {
    let io = |err| portfolio_core::Error::io("cannot write the docker config")(err);
    let dir = docker_config_dir().ok_or_else(|| {
        io(std::io::Error::other(
            "neither DOCKER_CONFIG nor HOME is set",
        ))
    })?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(&io)?;
    let user = read_config(&dir).unwrap_or_default();
    let config = private_config(user, registry, Some(credentials), Reader::Containers);
    let mut file = tempfile::Builder::new()
        .prefix(".config.json.")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(&io)?;
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(config))
        .map_err(|err| io(std::io::Error::other(err)))?;
    file.write_all(text.as_bytes()).map_err(&io)?;
    let path = dir.join("config.json");
    file.persist(&path).map_err(|err| io(err.error))?;
    Ok(path)
}

/// The user's `config.json` in `dir` as a JSON object, if it is one.
fn read_config(dir: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    let text = fs::read_to_string(dir.join("config.json")).ok()?;
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(config)) => Some(config),
        _ => None,
    }
}

/// The private config: the `user`'s, with `credentials` for `registry`
/// added so that `reader` uses them rather than a helper.
fn private_config(
    mut config: serde_json::Map<String, serde_json::Value>,
    registry: &str,
    credentials: Option<&Credentials>,
    reader: Reader,
) -> serde_json::Map<String, serde_json::Value> {
    let object = |config: &mut serde_json::Map<String, serde_json::Value>, key: &str| {
        let value = config
            .entry(key)
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !value.is_object() {
            *value = serde_json::Value::Object(serde_json::Map::new());
        }
        value
            .as_object_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    };
    let mut auths = object(&mut config, "auths");
    let mut helpers = object(&mut config, "credHelpers");
    if let Some(credentials) = credentials {
        let auth = STANDARD.encode(format!("{}:{}", credentials.username, credentials.password));
        auths.insert(registry.to_owned(), serde_json::json!({ "auth": auth }));
        helpers.remove(registry);
        let store = config
            .get("credsStore")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|store| !store.is_empty());
        if store && reader == Reader::Docker {
            helpers.insert(
                registry.to_owned(),
                serde_json::Value::String(String::new()),
            );
        }
    }
    config.insert("auths".into(), serde_json::Value::Object(auths));
    if helpers.is_empty() {
        config.remove("credHelpers");
    } else {
        config.insert("credHelpers".into(), serde_json::Value::Object(helpers));
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_tokens_decode_to_user_and_password() {
        let token = STANDARD.encode("AWS:s3cr:et");
        let credentials = Credentials::from_ecr_token(&token, &Actions::disabled()).unwrap();
        assert_eq!(credentials.username, "AWS");
        assert_eq!(credentials.password(), "s3cr:et");
        assert!(!format!("{credentials:?}").contains("s3cr"));
        assert!(matches!(
            Credentials::from_ecr_token("not base64!", &Actions::disabled()),
            Err(Error::BadToken)
        ));
    }

    #[test]
    fn the_auth_dir_is_private_and_goes_away() {
        let parent = tempfile::tempdir().unwrap();
        let credentials = Credentials::new("AWS".into(), "pw".into(), &Actions::disabled());
        let auth = AuthDir::create(
            Some(parent.path()),
            "127.0.0.1:5000",
            Some(&credentials),
            Reader::Containers,
        )
        .unwrap();
        let dir = auth.docker_config().to_path_buf();
        let mode = fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let file_mode = fs::metadata(auth.auth_file()).unwrap().permissions().mode();
        assert_eq!(file_mode & 0o777, 0o600);
        let config: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(auth.auth_file()).unwrap()).unwrap();
        let encoded = config["auths"]["127.0.0.1:5000"]["auth"].as_str().unwrap();
        assert_eq!(STANDARD.decode(encoded).unwrap(), b"AWS:pw");
        drop(auth);
        assert!(!dir.exists());
    }

    #[test]
    fn the_users_logins_and_helpers_stay_and_ours_wins() {
        let user = serde_json::json!({
            "auths": {"ghcr.io": {"auth": "dXNlcjpwdw=="}, "ecr.example": {"auth": "b2xkOm9sZA=="}},
            "credHelpers": {"ecr.example": "ecr-login", "123.dkr.ecr.x": "ecr-login"},
            "credsStore": "desktop",
            "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
        });
        let serde_json::Value::Object(user) = user else {
            unreachable!()
        };
        let credentials = Credentials::new("AWS".into(), "pw".into(), &Actions::disabled());
        let ours = STANDARD.encode("AWS:pw");
        for reader in [Reader::Docker, Reader::Containers] {
            let config = private_config(user.clone(), "ecr.example", Some(&credentials), reader);
            assert_eq!(config["auths"]["ghcr.io"]["auth"], "dXNlcjpwdw==");
            assert_eq!(config["auths"]["ecr.example"]["auth"], ours.as_str());
            assert_eq!(config["credHelpers"]["123.dkr.ecr.x"], "ecr-login");
            assert_eq!(config["credsStore"], "desktop");
            assert_eq!(config["proxies"], user["proxies"]);
            let helper = config["credHelpers"].get("ecr.example");
            match reader {
                // docker would ask `desktop` for the host: the empty helper
                // sends it to `auths`.
                Reader::Docker => assert_eq!(helper, Some(&serde_json::json!(""))),
                Reader::Containers => assert_eq!(helper, None),
            }
        }
        let anonymous = private_config(serde_json::Map::new(), "r", None, Reader::Docker);
        assert_eq!(
            serde_json::Value::Object(anonymous),
            serde_json::json!({"auths": {}})
        );
    }
}
