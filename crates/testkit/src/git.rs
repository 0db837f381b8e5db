//! Real git repositories for tests: commits at chosen committer times, and
//! shallow clones that lack the older history (as `actions/checkout` leaves
//! a runner's working directory).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository in a directory the test owns.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

impl Repo {
    /// `git init` in `dir` (created if missing), on branch `main`.
    pub fn init(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir).expect("create the repository directory");
        let repo = Repo {
            dir: dir.to_owned(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// Commits a change of `file` (`message` as its content) with committer
    /// and author time `unix_seconds`; returns the full SHA.
    pub fn commit(&self, message: &str, unix_seconds: u64) -> String {
        std::fs::write(self.dir.join("file"), message).expect("write the file");
        self.git(&["add", "file"]);
        let date = format!("@{unix_seconds} +0000");
        let status = self
            .command(&["commit", "-q", "-m", message])
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .status()
            .expect("run git commit");
        assert!(status.success(), "git commit failed");
        self.git(&["rev-parse", "HEAD"])
    }

    /// `git checkout -q --detach <commit>`.
    pub fn checkout(&self, commit: &str) {
        self.git(&["checkout", "-q", "--detach", commit]);
    }

    /// A clone of `commit` alone (depth 1) in `dir`.
    pub fn shallow_clone(&self, commit: &str, dir: &Path) -> Repo {
        self.git(&["config", "uploadpack.allowAnySHA1InWant", "true"]);
        let clone = Repo::init(dir);
        let source = format!("file://{}", self.dir.display());
        clone.git(&["fetch", "-q", "--depth", "1", &source, commit]);
        clone.git(&["checkout", "-q", "--detach", "FETCH_HEAD"]);
        clone
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `git <args>`; its trimmed stdout; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.command(args).output().expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args(["-c", "user.name=portfolio-ci test", "-c", "user.email=test@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always"])
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        command
    }
}
