//! Real git repositories for tests: commits at chosen committer times, and
//! shallow clones that lack the older history (as `actions/checkout` leaves
//! a runner's working directory). A git command that fails is an error
//! carrying its stderr.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository in a directory the test owns.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

impl Repo {
    /// `git init` in `dir` (created if missing), on branch `main`.
    pub fn init(dir: &Path) -> io::Result<Repo> {
        std::fs::create_dir_all(dir)?;
        let repo = Repo {
            dir: dir.to_owned(),
        };
        repo.git(&["init", "-q", "-b", "main"])?;
        Ok(repo)
    }

    /// Commits a change of `file` (`message` as its content) with committer
    /// and author time `unix_seconds`; returns the full SHA.
    pub fn commit(&self, message: &str, unix_seconds: u64) -> io::Result<String> {
        std::fs::write(self.dir.join("file"), message)?;
        self.git(&["add", "file"])?;
        let date = format!("@{unix_seconds} +0000");
        let mut command = self.command(&["commit", "-q", "-m", message]);
        command
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        run(command, "commit")?;
        self.git(&["rev-parse", "HEAD"])
    }

    /// `git checkout -q --detach <commit>`.
    pub fn checkout(&self, commit: &str) -> io::Result<()> {
        self.git(&["checkout", "-q", "--detach", commit]).map(drop)
    }

    /// A clone of `commit` alone (depth 1) in `dir`.
    pub fn shallow_clone(&self, commit: &str, dir: &Path) -> io::Result<Repo> {
        self.git(&["config", "uploadpack.allowAnySHA1InWant", "true"])?;
        let clone = Repo::init(dir)?;
        let source = format!("file://{}", self.dir.display());
        clone.git(&["fetch", "-q", "--depth", "1", &source, commit])?;
        clone.git(&["checkout", "-q", "--detach", "FETCH_HEAD"])?;
        Ok(clone)
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `git <args>`: its trimmed stdout.
    pub fn git(&self, args: &[&str]) -> io::Result<String> {
        run(self.command(args), &args.join(" "))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args([
                "-c",
                "user.name=portfolio-ci test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "protocol.file.allow=always",
            ])
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        command
    }
}

/// Runs `command` (`git <what>`): its trimmed stdout, or its stderr as the error.
fn run(mut command: Command, what: &str) -> io::Result<String> {
    let output = command.output()?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "git {what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
