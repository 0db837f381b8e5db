//! Every example a user reads runs: the `Examples:` of each tool's `--help`
//! (and of each subcommand's), then the `### Examples` code blocks of the
//! tool's README section, in that order, against the example application
//! and the local stack, and each exits 0.
//!
//! (ecs-rolling-deploy's examples are checked beside its own crate.)
//!
//! How an example is read:
//! - `#` comment lines and blank lines are skipped; lines ending in `\` are
//!   joined with the next; a `cd DIR` line goes in front of the command
//!   after it (`cd DIR && command`);
//! - each command runs through `sh -c` with the tools first on PATH, the
//!   stand-ins' environment ([`LocalAws::env`]) and no GitHub Actions
//!   variables, in a git-initialised copy of examples/portfolio (one commit,
//!   tagged v1.1.0), as typed in the application's directory; a command
//!   that starts with `cd` as typed at the top of a portfolio-ci checkout
//!   (where the application is examples/portfolio);
//! - the commands of one tool share that directory and run in order (so
//!   `aws ecr describe-images ... > images.json` feeds `--images-json
//!   images.json`); an example a subcommand's help repeats from the main
//!   help runs once, and the README's block runs whole;
//! - placeholders only the stand-ins can fill are replaced by
//!   [`REPLACEMENTS`]; an exit code other than 0 is accepted only through
//!   [`EXPECTED_CODES`], with its reason.
//!
//! The world the examples find is what the example application's Terraform
//! would have made, on the stand-ins: the ECR repositories of both services
//! in dev and prod (the backend's with twelve v1.0.x releases and two
//! untagged images, so that the lifecycle has work), the running `backend`
//! service in the clusters portfolio-dev and portfolio-prod, the Terraform
//! state bucket with `terraform/backend/{env}.hcl` pointing at it, and the
//! database password in `TF_VAR_db_password` (a secret, in the environment
//! as the README says). Per tool:
//! - build-push-image: the scan gate reads ECR's scan of the pushed digest,
//!   and moto's ECR does not see what the stand-in registry receives, so
//!   the backend's content is pushed to portfolio-prod-backend once before
//!   the examples and mirrored into moto's ECR (as ECR would hold it): the
//!   gated examples then find it there, and moto's canned scan (one HIGH
//!   finding) passes their CRITICAL gate;
//! - terraform-runner: `--pr-comment` talks to a fake GitHub API (wiremock)
//!   through GITHUB_API_URL, GITHUB_TOKEN, GITHUB_REPOSITORY and an event
//!   file for pull request 7; the test checks that the comment was posted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use e2e::stack::{LocalAws, ServiceSpec};
use serde_json::json;
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What an example shows where only the stand-ins know the value: (tool,
/// the text as shown, what runs instead, why).
type Replacement = (
    &'static str,
    &'static str,
    fn(&LocalAws) -> String,
    &'static str,
);

/// Every replacement must be used by an example of its tool, so that the
/// table cannot outlive the text it replaces.
const REPLACEMENTS: &[Replacement] = &[
    (
        "build-push-image",
        "127.0.0.1:5000",
        |stack| stack.registry_host(),
        "the local registry of the example is the stand-in registry, on the port it got",
    ),
    (
        "build-push-image",
        "PORTFOLIO_CI_REGISTRY_USERNAME=ci",
        |_| "PORTFOLIO_CI_REGISTRY_USERNAME=AWS".to_owned(),
        "the stand-in registry's user is ECR's, AWS",
    ),
    (
        "build-push-image",
        "PORTFOLIO_CI_REGISTRY_PASSWORD=...",
        |stack| {
            format!(
                "PORTFOLIO_CI_REGISTRY_PASSWORD='{}'",
                stack.registry_password()
            )
        },
        "the password is a secret: the stand-in registry's is moto's ECR token",
    ),
    (
        "build-push-image",
        "$DEV_IMAGE",
        |_| DEV_DIGEST_REFERENCE.to_owned(),
        "dev's digest-reference: read from the dev build's --json (a re-run reuses the image)",
    ),
    (
        "build-push-image",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend@sha256:<64 hex>",
        |_| DEV_DIGEST_REFERENCE.to_owned(),
        "the image that passed dev is in the stand-in registry, under a digest only the run knows",
    ),
    // After $DEV_IMAGE's replacement, whose command builds too.
    (
        "build-push-image",
        "--env dev",
        |_| format!("--env dev {}", local_base()),
        "nothing can be pulled here: the sample Dockerfile builds on the local static busybox",
    ),
    (
        "build-push-image",
        "--env prod --latest",
        |_| format!("--env prod --latest {}", local_base()),
        "nothing can be pulled here: the sample Dockerfile builds on the local static busybox",
    ),
    (
        "build-push-image",
        "--context backend",
        |_| format!("--context backend {}", local_base()),
        "nothing can be pulled here: the sample Dockerfile builds on the local static busybox",
    ),
];

/// `--build-arg BASE=<the local base image>`: the sample Dockerfiles start
/// FROM Docker Hub's busybox, which cannot be pulled here.
fn local_base() -> String {
    let base = portfolio_testkit::base_image::docker().unwrap();
    format!(
        "--build-arg {}",
        portfolio_testkit::base_image::build_arg(&base)
    )
}

/// The image the dev example built, by digest, as the promotion examples
/// take it (the build's --json has registry, repository and digest).
const DEV_DIGEST_REFERENCE: &str = "\"$(build-push-image --service backend --env dev --json \
     | jq -r '.registry + \"/\" + .repository + \"@\" + .digest')\"";

/// Examples whose documented outcome is not exit 0: (tool, the example as
/// shown, the code, why). Keep this rare: an example should show success.
const EXPECTED_CODES: &[(&str, &str, i32, &str)] = &[];

/// ecs-sim's speed-up for the services' first deployments.
const TIME_SCALE: f64 = 20.0;
const STATE_BUCKET: &str = "portfolio-terraform-state";
const DB_PASSWORD: (&str, &str) = ("TF_VAR_db_password", "examples-only-Pa55word");
/// Where the fake GitHub API's pull request lives.
const GITHUB_REPOSITORY: &str = "owner/portfolio";
const PR: u64 = 7;

#[test]
fn build_push_image_examples_run() {
    let world = World::start();
    // The content the gated examples push, already in portfolio-prod-backend
    // and, as ECR would hold it, in moto's ECR (see the module's doc).
    let pushed = world.tool(
        "build-push-image",
        &[
            "--repository",
            "portfolio-prod-backend",
            "--context",
            "backend",
            &local_base(),
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&pushed).unwrap();
    let context_tag = json["context_tag"].as_str().unwrap();
    world
        .stack
        .mirror_to_ecr("portfolio-prod-backend", context_tag)
        .unwrap();
    world.run_examples("build-push-image", &[], &[]);
}

#[test]
fn render_taskdef_examples_run() {
    World::start().run_examples("render-taskdef", &[], &[]);
}

#[test]
fn ecr_lifecycle_examples_run() {
    World::start().run_examples(
        "ecr-lifecycle",
        &["lint", "apply", "preview", "enforce"],
        &[],
    );
}

#[test]
fn terraform_runner_examples_run() {
    let world = World::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let github = runtime.block_on(fake_github());
    let event = world.root.path().join("event.json");
    std::fs::write(&event, json!({"pull_request": {"number": PR}}).to_string()).unwrap();
    let env = [
        ("GITHUB_API_URL", github.uri()),
        ("GITHUB_TOKEN", "ghs_examples".to_owned()),
        ("GITHUB_REPOSITORY", GITHUB_REPOSITORY.to_owned()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
    ];
    world.run_examples("terraform-runner", &["plan", "apply", "destroy"], &env);
    // The example's --pr-comment really commented.
    runtime.block_on(github.verify());
}

/// A GitHub API with pull request [`PR`] of [`GITHUB_REPOSITORY`]: no
/// comments yet, and comments expected.
async fn fake_github() -> MockServer {
    let github = MockServer::start().await;
    let comments = format!("/repos/{GITHUB_REPOSITORY}/issues/{PR}/comments");
    Mock::given(method("GET"))
        .and(path(comments.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path(comments.as_str()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 1,
            "body": "",
            "html_url": format!("https://github.com/{GITHUB_REPOSITORY}/pull/{PR}#issuecomment-1"),
        })))
        .expect(1..)
        .mount(&github)
        .await;
    github
}

/// The stand-ins with what the application's Terraform would have made,
/// and the application's copy.
struct World {
    stack: LocalAws,
    /// The top of a portfolio-ci checkout: `examples/portfolio` is the app.
    root: TempDir,
    app: PathBuf,
    bins: PathBuf,
}

impl World {
    fn start() -> World {
        let bins = crate::actions_run::bin_dir();
        let stack = LocalAws::start(TIME_SCALE).unwrap();
        let history: Vec<Vec<String>> = (0..12)
            .map(|n| vec![format!("v1.0.{n}")])
            .chain([Vec::new(), Vec::new()])
            .collect();
        for env in ["dev", "prod"] {
            for service in ["backend", "frontend"] {
                stack
                    .create_repository(&format!("portfolio-{env}-{service}"))
                    .unwrap();
            }
            stack
                .put_images(&format!("portfolio-{env}-backend"), &history)
                .unwrap();
            stack
                .create_service(&ServiceSpec {
                    cluster: &format!("portfolio-{env}"),
                    service: "backend",
                    family: &format!("portfolio-{env}-backend"),
                    container: "backend",
                    image: &stack
                        .bootstrap_image(&format!("portfolio-{env}-backend"), "v1.0.11")
                        .unwrap(),
                    port: 8000,
                    desired: 1,
                })
                .unwrap();
        }
        stack.create_state_bucket(STATE_BUCKET).unwrap();

        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("examples/portfolio");
        e2e::copy_dir(&e2e::repo_root().join("examples/portfolio"), &app).unwrap();
        for env in ["dev", "prod"] {
            std::fs::write(
                app.join(format!("terraform/backend/{env}.hcl")),
                portfolio_testkit::terraform::s3_backend_config(
                    stack.moto_endpoint(),
                    STATE_BUCKET,
                    &format!("{env}/terraform.tfstate"),
                ),
            )
            .unwrap();
        }
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["add", "-A"],
            &["commit", "-qm", "Portfolio sample application"],
            &["tag", "v1.1.0"],
        ] {
            let status = Command::new("git")
                .args([
                    "-c",
                    "user.name=examples",
                    "-c",
                    "user.email=examples@example.com",
                ])
                .args(args)
                .current_dir(&app)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {}", args.join(" "));
        }
        World {
            stack,
            root,
            app,
            bins,
        }
    }

    /// A command whose stdout is returned: `sh -c` in `dir`, with the
    /// tools first on PATH and the stand-ins' environment.
    fn command(&self, script: &str, dir: &Path, env: &[(&str, String)]) -> Command {
        let path = format!(
            "{}:{}",
            self.bins.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("sh");
        command
            .args(["-c", script])
            .current_dir(dir)
            .env("PATH", path)
            .envs(self.stack.env())
            .env(DB_PASSWORD.0, DB_PASSWORD.1)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        for name in [
            "GITHUB_ACTIONS",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_ENV",
            "GITHUB_PATH",
            "RUNNER_TEMP",
        ] {
            command.env_remove(name);
        }
        command
    }

    /// Runs `tool args` in the application; its stdout (fails the test
    /// unless it exits 0).
    fn tool(&self, tool: &str, args: &[&str]) -> String {
        let script = std::iter::once(tool)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let output = self.command(&script, &self.app, &[]).output().unwrap();
        assert!(
            output.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs the examples of `tool` (its help, its subcommands' helps, its
    /// README section) in order; fails naming every example that did not
    /// end as documented, with its output.
    fn run_examples(&self, tool: &str, subcommands: &[&str], env: &[(&str, String)]) {
        let mut sources = vec![(
            format!("{tool} --help"),
            help_examples(&self.help(tool, None)),
        )];
        for sub in subcommands {
            sources.push((
                format!("{tool} {sub} --help"),
                help_examples(&self.help(tool, Some(sub))),
            ));
        }
        let readme = std::fs::read_to_string(e2e::repo_root().join("README.md")).unwrap();
        let lines = readme_examples(&readme, tool)
            .unwrap_or_else(|| panic!("README.md's ## {tool} has no ### Examples"));
        sources.push((
            format!("README.md, ## {tool}, ### Examples"),
            commands(&lines),
        ));

        let replacements: Vec<_> = REPLACEMENTS.iter().filter(|r| r.0 == tool).collect();
        let mut replaced = BTreeSet::new();
        let mut expected_used = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut failures = Vec::new();
        for (source, examples) in &sources {
            assert!(!examples.is_empty(), "{source} shows no example");
            for example in examples {
                // A subcommand's help may repeat the main help's examples;
                // the README's block runs whole, as a reader would follow it.
                if source.ends_with("--help") && !seen.insert(example.clone()) {
                    continue;
                }
                let mut script = example.clone();
                for (_, shown, value, _) in &replacements {
                    if script.contains(shown) {
                        script = script.replace(shown, &value(&self.stack));
                        replaced.insert(*shown);
                    }
                }
                let dir = if script.starts_with("cd ") {
                    self.root.path()
                } else {
                    self.app.as_path()
                };
                let output = self.command(&script, dir, env).output().unwrap();
                println!("{source}: $ {script}\n  exit {:?}", output.status.code());
                let expected = EXPECTED_CODES
                    .iter()
                    .find(|(t, shown, _, _)| *t == tool && shown == example)
                    .map_or(0, |(_, shown, code, _)| {
                        expected_used.insert(*shown);
                        *code
                    });
                if output.status.code() != Some(expected) {
                    failures.push(format!(
                        "{tool}: the example of {source}\n    {example}\nexited {:?} (expected {expected}); run as\n    {script}\nstdout:\n{}\nstderr:\n{}",
                        output.status.code(),
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
            }
        }
        for (_, shown, _, _) in &replacements {
            assert!(
                replaced.contains(shown),
                "{tool}: no example shows {shown} any more: remove it from REPLACEMENTS"
            );
        }
        for (t, shown, _, _) in EXPECTED_CODES {
            assert!(
                *t != tool || expected_used.contains(shown),
                "{tool}: no example is `{shown}` any more: remove it from EXPECTED_CODES"
            );
        }
        assert!(
            failures.is_empty(),
            "{} example(s) of {tool} failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }

    /// `tool [sub] --help`, from the real binary.
    fn help(&self, tool: &str, sub: Option<&str>) -> String {
        let output = Command::new(self.bins.join(tool))
            .args(sub)
            .arg("--help")
            .env("COLUMNS", "200")
            .output()
            .unwrap();
        assert!(output.status.success(), "{tool} {sub:?} --help");
        String::from_utf8(output.stdout).unwrap()
    }
}

/// The commands of the `Examples:` section of a `--help` text (its
/// indented lines, up to the next unindented one).
fn help_examples(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help
        .lines()
        .skip_while(|line| line.trim_end() != "Examples:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect();
    commands(&lines)
}

/// The lines of the shell code blocks (no info string, `sh`, `bash`,
/// `console`) under `### Examples` in the README section `## tool`;
/// `None` when the section has no `### Examples`.
fn readme_examples<'a>(readme: &'a str, tool: &str) -> Option<Vec<&'a str>> {
    let heading = format!("## {tool}");
    let mut section = readme
        .lines()
        .skip_while(|line| line.trim_end() != heading)
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .skip_while(|line| line.trim_end() != "### Examples");
    section.next()?;
    let section = section.take_while(|line| !line.starts_with("### "));
    let mut lines = Vec::new();
    let mut block: Option<bool> = None;
    for line in section {
        match (block, line.strip_prefix("```")) {
            (None, Some(info)) => {
                block = Some(["", "sh", "bash", "console"].contains(&info.trim()));
            }
            (Some(_), Some(_)) => block = None,
            (Some(true), None) => lines.push(line),
            _ => {}
        }
    }
    Some(lines)
}

/// Commands from example lines: comments and blank lines skipped, `\`
/// continuations joined, a `cd DIR` line put in front of the next command.
fn commands(lines: &[&str]) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    let mut cd: Option<String> = None;
    for line in lines {
        let line = line.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        let (text, continued) = match line.strip_suffix('\\') {
            Some(text) => (text.trim_end(), true),
            None => (line, false),
        };
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(text);
        if continued {
            continue;
        }
        let command = std::mem::take(&mut current);
        if command.starts_with("cd ") && !command.contains("&&") {
            cd = Some(command);
        } else if let Some(dir) = cd.take() {
            commands.push(format!("{dir} && {command}"));
        } else {
            commands.push(command);
        }
    }
    assert!(current.is_empty(), "an example ends in `\\`: {current}");
    assert!(cd.is_none(), "an example ends in a lone `cd`");
    commands
}

#[test]
fn examples_are_read_as_a_user_types_them() {
    let help = "Usage: x\n\nExamples:\n  # one\n  cd examples/portfolio\n  tool --a \\\n      --b\n\n  # two\n  A=1 B=2 \\\n  tool --c\n  tool --d\n\nMore text\n  indented\n";
    assert_eq!(
        help_examples(help),
        [
            "cd examples/portfolio && tool --a --b",
            "A=1 B=2 tool --c",
            "tool --d"
        ]
    );
    let readme = "## tool\n\n### Examples\n\n```sh\n# c\ntool --e\n```\n\n```yaml\nx: 1\n```\n\n```\ntool --f\n```\n\n### Next\n```sh\ntool --g\n```\n## other\n";
    assert_eq!(
        commands(&readme_examples(readme, "tool").unwrap()),
        ["tool --e", "tool --f"]
    );
    assert_eq!(readme_examples(readme, "other"), None);
}
