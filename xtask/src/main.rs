//! `cargo xtask docs [--out DIR]`: shell completions (bash, zsh, fish) and
//! man pages (section 1, one per command and subcommand) of every tool,
//! generated from the same clap definitions the binaries parse with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Command, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

mod deps;

/// Repository tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Generate shell completions and man pages of every tool
    Docs {
        /// Output directory (completions/ and man/ are created in it)
        #[arg(long, default_value = "target/docs")]
        out: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
struct WriteError {
    path: PathBuf,
    source: std::io::Error,
}

/// The clap definition of every tool, named as its binary.
fn tools() -> Vec<Command> {
    vec![
        build_push_image::Cli::command().name("build-push-image"),
        render_taskdef::Cli::command().name("render-taskdef"),
        ecs_rolling_deploy::Cli::command().name("ecs-rolling-deploy"),
        ecr_lifecycle::Cli::command().name("ecr-lifecycle"),
        terraform_runner::Cli::command().name("terraform-runner"),
    ]
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, bytes).map_err(err)
}

/// Man pages of `command` and, recursively, of its subcommands
/// (`tool-sub.1`), as `man` expects them.
fn man_pages(command: &Command, prefix: &str, dir: &Path) -> Result<usize, WriteError> {
    let name = if prefix.is_empty() {
        command.get_name().to_owned()
    } else {
        format!("{prefix}-{}", command.get_name())
    };
    let page = command.clone().display_name(name.clone());
    let mut bytes = Vec::new();
    let render = clap_mangen::Man::new(page).render(&mut bytes);
    render.map_err(|source| WriteError {
        path: dir.join(format!("{name}.1")),
        source,
    })?;
    write(&dir.join(format!("{name}.1")), &bytes)?;
    let mut count = 1;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        count += man_pages(sub, &name, dir)?;
    }
    Ok(count)
}

/// Writes completions and man pages of every tool under `out`.
fn docs(out: &Path) -> Result<(usize, usize), WriteError> {
    let (mut completions, mut pages) = (0, 0);
    for mut command in tools() {
        command.build();
        let name = command.get_name().to_owned();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut bytes = Vec::new();
            clap_complete::generate(shell, &mut command, &name, &mut bytes);
            let file = match shell {
                Shell::Bash => format!("{name}.bash"),
                Shell::Zsh => format!("_{name}"),
                _ => format!("{name}.fish"),
            };
            write(&out.join("completions").join(file), &bytes)?;
            completions += 1;
        }
        pages += man_pages(&command, "", &out.join("man"))?;
    }
    Ok((completions, pages))
}

fn main() -> ExitCode {
    let Cli {
        task: Task::Docs { out },
    } = Cli::parse();
    match docs(&out) {
        Ok((completions, pages)) => {
            eprintln!(
                "wrote {completions} completion scripts and {pages} man pages under {}",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("xtask: error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_cover_every_tool_and_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let (completions, pages) = docs(dir.path()).unwrap();
        assert_eq!(completions, 15);
        let man = dir.path().join("man");
        for page in [
            "build-push-image.1",
            "render-taskdef.1",
            "ecs-rolling-deploy.1",
            "ecr-lifecycle.1",
            "ecr-lifecycle-enforce.1",
            "terraform-runner.1",
            "terraform-runner-apply.1",
        ] {
            assert!(man.join(page).is_file(), "{page}");
        }
        assert!(pages >= 12, "{pages}");
        let deploy = std::fs::read_to_string(man.join("ecs-rolling-deploy.1")).unwrap();
        assert!(
            deploy.contains("rollback\\-on\\-timeout"),
            "flags are documented"
        );
        let bash =
            std::fs::read_to_string(dir.path().join("completions/terraform-runner.bash")).unwrap();
        assert!(bash.contains("--plan-file"));
    }

    #[test]
    fn every_tool_has_examples_in_its_help() {
        for mut command in tools() {
            let help = command.render_long_help().to_string();
            assert!(
                help.contains("Examples") || help.contains("EXAMPLES") || help.contains("Example"),
                "{} --help has no examples",
                command.get_name()
            );
        }
    }
}
