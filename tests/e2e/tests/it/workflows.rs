//! The application's workflows run locally with `act` (host mode) against
//! moto, ecs-sim, the registry and terraform: the backend and frontend
//! workflows build, push and deploy and end green; a crashing release ends
//! red with the failure report in the step summary; the terraform workflow
//! installs terraform from a loopback release server (verified, cached,
//! the apply job pinned to the plan job's version), plans, ships the plan
//! encrypted and applies exactly it on the local S3 backend. act runs with `--json`, so the step summaries are read from its
//! `summary` records, apart from the log.
//!
//! Our actions and reusable workflows come from this checkout through
//! `--local-repository portfolio-ci/portfolio-ci@v1=...`; the GitHub-hosted
//! actions with no local equivalent (OIDC, artifacts, setup-python) are the
//! stand-ins under `fixtures/github-actions`, mapped at the refs the
//! workflows name (the pinned commits), read from the workflow files.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use e2e::stack::{LocalAws, ServiceSpec};
use serde_json::Value;
use tempfile::TempDir;

const TIME_SCALE: f64 = 20.0;
const DB_PASSWORD: &str = "s3cret-Db-Pa55word";
const PLAN_KEY: &str = "plan-Encryption-k3y";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Makes `dir` a git repository with everything in it committed on main.
pub(crate) fn commit_all(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "app"]);
}

/// A checkout of the application repository: examples/portfolio with the
/// workflows of workflows/ in .github/workflows, committed on main.
struct AppRepo {
    dir: TempDir,
    toolkit: TempDir,
    artifacts: TempDir,
}

impl AppRepo {
    fn new(edit: impl FnOnce(&Path)) -> AppRepo {
        let root = e2e::repo_root();
        let dir = tempfile::tempdir().unwrap();
        e2e::copy_dir(&root.join("examples/portfolio"), dir.path()).unwrap();
        e2e::copy_dir(
            &root.join("workflows"),
            &dir.path().join(".github/workflows"),
        )
        .unwrap();
        edit(dir.path());
        commit_all(dir.path());
        // Only what `uses:` needs from this repository (not target/).
        let toolkit = tempfile::tempdir().unwrap();
        e2e::copy_dir(&root.join("actions"), &toolkit.path().join("actions")).unwrap();
        e2e::copy_dir(
            &root.join(".github/workflows"),
            &toolkit.path().join(".github/workflows"),
        )
        .unwrap();
        AppRepo {
            dir,
            toolkit,
            artifacts: tempfile::tempdir().unwrap(),
        }
    }

    /// Every GitHub-hosted action (`owner/repo`, ref) the workflows of the
    /// application and of the toolkit use, at the ref they name (a pinned
    /// commit, or a tag in a user's workflow).
    fn hosted_actions(&self) -> BTreeSet<(String, String)> {
        let mut files =
            crate::workflow_uses::yaml_files(&self.dir.path().join(".github/workflows"));
        files.extend(crate::workflow_uses::yaml_files(
            &self.toolkit.path().join(".github/workflows"),
        ));
        files
            .iter()
            .flat_map(|f| crate::workflow_uses::in_file(f))
            .filter_map(|uses| {
                let (repository, git_ref) = uses.repository_ref()?;
                (repository != "portfolio-ci/portfolio-ci")
                    .then(|| (repository, git_ref.to_owned()))
            })
            .collect()
    }

    fn act(
        &self,
        stack: &LocalAws,
        workflow: &str,
        event: &[&str],
        extra_env: &[(&str, String)],
    ) -> ActRun {
        let fixtures = e2e::repo_root().join("tests/e2e/fixtures/github-actions");
        let mut command = Command::new("act");
        command
            .args(event)
            .arg("--json")
            .args(["-W", &format!(".github/workflows/{workflow}")])
            .args(["-P", "ubuntu-latest=-self-hosted"])
            .arg("--local-repository")
            .arg(format!(
                "portfolio-ci/portfolio-ci@v1={}",
                self.toolkit.path().display()
            ));
        for (action, git_ref) in self.hosted_actions() {
            let stand_in = fixtures.join(action.rsplit('/').next().unwrap());
            // actions/checkout has none: act copies the work tree instead.
            if stand_in.is_dir() {
                command
                    .arg("--local-repository")
                    .arg(format!("{action}@{git_ref}={}", stand_in.display()));
            }
        }
        let mut env: Vec<(&str, String)> = stack.env();
        env.push((
            "PORTFOLIO_CI_BIN_DIR",
            crate::actions_run::bin_dir().display().to_string(),
        ));
        env.push((
            "ACT_ARTIFACT_DIR",
            self.artifacts.path().display().to_string(),
        ));
        env.extend(extra_env.iter().cloned());
        for (key, value) in &env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        for var in [
            "AWS_DEPLOY_ROLE_DEV",
            "AWS_DEPLOY_ROLE_PROD",
            "AWS_TERRAFORM_PLAN_ROLE",
            "AWS_TERRAFORM_ROLE_DEV",
            "AWS_TERRAFORM_ROLE_PROD",
            "ECS_EXECUTION_ROLE_ARN_DEV",
            "ECS_EXECUTION_ROLE_ARN_PROD",
        ] {
            command
                .arg("--var")
                .arg(format!("{var}=arn:aws:iam::123456789012:role/{var}"));
        }
        // The sample Dockerfiles build on the local static busybox: nothing
        // can be pulled from Docker Hub here.
        let base = portfolio_testkit::base_image::docker().unwrap();
        command.arg("--var").arg(format!(
            "IMAGE_BUILD_ARGS={}",
            portfolio_testkit::base_image::build_arg(&base)
        ));
        let output = command
            .args(["-s", &format!("DB_PASSWORD={DB_PASSWORD}")])
            .args(["-s", &format!("TF_PLAN_ENCRYPTION_KEY={PLAN_KEY}")])
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let records: Vec<Value> = stdout
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        let mut log = String::new();
        for record in &records {
            if let Some(msg) = record["msg"].as_str() {
                log.push_str(msg);
                if !msg.ends_with('\n') {
                    log.push('\n');
                }
            }
        }
        // Whatever act printed that is not a JSON record (its own errors).
        for line in stdout.lines().filter(|l| !l.starts_with('{')) {
            log.push_str(line);
            log.push('\n');
        }
        log.push_str(&String::from_utf8_lossy(&output.stderr));
        ActRun {
            success: output.status.success(),
            log,
            records,
        }
    }
}

/// One act run: its exit status, the log as text, and act's JSON records.
struct ActRun {
    success: bool,
    log: String,
    records: Vec<Value>,
}

impl ActRun {
    /// The step summaries written, each with the step that wrote it.
    fn summaries(&self) -> Vec<(String, String)> {
        self.records
            .iter()
            .filter(|r| r["command"] == "summary")
            .map(|r| {
                (
                    r["step"].as_str().unwrap_or_default().to_owned(),
                    r["content"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Every step summary, one after the other.
    fn summary_text(&self) -> String {
        self.summaries()
            .into_iter()
            .map(|(_, content)| content)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The stand-ins plus what Terraform would have created for both environments.
fn stack_with_services(service: &str, port: i32) -> LocalAws {
    let stack = LocalAws::start(TIME_SCALE).unwrap();
    for env in ["dev", "prod"] {
        stack
            .create_repository(&format!("portfolio-{env}-{service}"))
            .unwrap();
        stack
            .create_service(&ServiceSpec {
                cluster: &format!("portfolio-{env}"),
                service,
                family: &format!("portfolio-{env}-{service}"),
                container: service,
                image: &stack
                    .bootstrap_image(&format!("bootstrap/{service}"), "1")
                    .unwrap(),
                port,
                desired: 2,
            })
            .unwrap();
    }
    stack
}

/// The workflow of `service` ends green: its checks ran, dev was built,
/// pushed and deployed, prod runs the same digest, promoted, and no
/// credential leaked.
fn deploys_green(service: &str, port: i32, workflow: &str, checks_ran: &str) {
    let stack = stack_with_services(service, port);
    let app = AppRepo::new(|_| {});
    let run = app.act(&stack, workflow, &["push"], &[]);
    let log = &run.log;
    assert!(run.success, "act failed:\n{log}");
    assert!(log.contains(checks_ran), "the checks ran:\n{log}");
    for env in ["dev", "prod"] {
        assert!(
            log.contains(&format!("portfolio-{env}-{service}")),
            "{env} was built and deployed:\n{log}"
        );
    }
    assert!(log.contains("Job succeeded"), "{log}");
    assert!(
        !log.contains(stack.registry_password()),
        "the registry password leaked"
    );
    prod_runs_what_passed_dev(&stack, &run, service);
}

/// dev's tasks run the image dev built, by digest; prod's tasks run that
/// same digest, promoted into prod's repository without a second build;
/// the step summary shows the digest in both repositories.
fn prod_runs_what_passed_dev(stack: &LocalAws, run: &ActRun, service: &str) {
    let (log, host) = (&run.log, stack.registry_host());
    let (dev, prod) = (
        format!("{host}/portfolio-dev-{service}"),
        format!("{host}/portfolio-prod-{service}"),
    );
    let dev_images = stack.running_images("portfolio-dev", service).unwrap();
    let digest = dev_images
        .first()
        .and_then(|image| image.strip_prefix(&format!("{dev}@")))
        .unwrap_or_else(|| panic!("dev runs its image by digest: {dev_images:?}\n{log}"))
        .to_owned();
    assert!(
        dev_images.iter().all(|i| *i == format!("{dev}@{digest}")),
        "{dev_images:?}"
    );
    let prod_images = stack.running_images("portfolio-prod", service).unwrap();
    assert!(!prod_images.is_empty(), "prod runs tasks:\n{log}");
    assert!(
        prod_images.iter().all(|i| *i == format!("{prod}@{digest}")),
        "prod runs dev's digest {digest}: {prod_images:?}"
    );
    // One build (dev); prod was promoted, not built or pushed again.
    assert!(log.contains(&format!("pushed {dev}:")), "dev built:\n{log}");
    assert!(
        !log.contains(&format!("pushed {prod}:")) && !log.contains(&format!("reused {prod}:")),
        "prod was built:\n{log}"
    );
    assert!(
        log.contains(&format!("promoted {dev}@{digest} -> {prod}@{digest}")),
        "{log}"
    );
    let summary = run.summary_text();
    for image in [&dev, &prod] {
        assert!(
            summary.contains(&format!("`{image}@{digest}`")),
            "the summary shows {image}@{digest}:\n{summary}"
        );
    }
}

#[test]
fn backend_workflow_builds_pushes_and_deploys_green() {
    deploys_green("backend", 8000, "backend-deploy.yml", "2 passed");
}

#[test]
fn frontend_workflow_lints_builds_and_deploys_green() {
    deploys_green(
        "frontend",
        3000,
        "frontend-deploy.yml",
        "lint: 1 page(s) clean",
    );
}

#[test]
fn a_crashing_release_ends_red_with_the_failure_report_in_the_step_summary() {
    let stack = stack_with_services("backend", 8000);
    let app = AppRepo::new(|dir| {
        let path = dir.join("taskdef/backend.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen(
            "\"essential\": true,",
            "\"essential\": true,\n      \"dockerLabels\": { \"ecs-sim.behavior\": \"crash\" },",
            1,
        );
        // The real crash: the backend refuses to start without DATABASE_URL
        // (the label above makes the simulated runtime crash it too).
        let text = text.replacen(
            ",\n        { \"name\": \"DATABASE_URL\", \"value\": \"postgresql://portfolio@portfolio-${ENV}-db:5432/portfolio\" }",
            "",
            1,
        );
        assert!(
            !text.contains("DATABASE_URL"),
            "DATABASE_URL was not removed:\n{text}"
        );
        std::fs::write(&path, text).unwrap();
    });
    let run = app.act(&stack, "backend-deploy.yml", &["push"], &[]);
    let log = &run.log;
    assert!(!run.success, "a crashing release must fail:\n{log}");
    // The report is in the step summary (GITHUB_STEP_SUMMARY), not only in
    // the log: the stop reason, the circuit breaker, the container's exit.
    let summary = run.summary_text();
    for expected in ["EssentialContainerExited", "circuit breaker"] {
        assert!(
            summary.contains(expected),
            "{expected} is not in the step summary:\n{summary}\n\nlog:\n{log}"
        );
    }
    assert!(
        summary.to_lowercase().contains("exit code 1") || summary.contains("exitCode"),
        "the container's exit is not in the step summary:\n{summary}"
    );
    if stack.runs_containers() {
        // A real container crashed: its own last words are in the report.
        assert!(
            summary.contains("fatal: DATABASE_URL is not set"),
            "the crashed container's log line is not in the step summary:\n{summary}"
        );
    }
    // prod never ran.
    assert!(
        !log.contains("portfolio-prod-backend:sha-"),
        "prod was deployed:\n{log}"
    );
}

/// A checkout whose backend configs point at the local S3 state bucket.
fn terraform_app(moto: &str) -> AppRepo {
    AppRepo::new(|dir| {
        for env in ["dev", "prod"] {
            std::fs::write(
                dir.join(format!("terraform/backend/{env}.hcl")),
                portfolio_testkit::terraform::s3_backend_config(
                    moto,
                    "portfolio-terraform-state",
                    &format!("{env}/terraform.tfstate"),
                ),
            )
            .unwrap();
        }
    })
}

/// The value after `flag` in a `+ tool ...` command line an action echoes.
fn flag_value<'a>(line: &'a str, flag: &str) -> Option<&'a str> {
    let mut words = line.split_whitespace();
    words.find(|w| *w == flag)?;
    words.next()
}

/// The version the terraform release server publishes: not the one on
/// this machine's PATH, so the runner must install it.
const SERVED_TERRAFORM: &str = "1.99.0";

/// A HashiCorp-style release server on loopback (python's http.server,
/// which logs each request to `requests.log`) publishing this machine's
/// real terraform as [`SERVED_TERRAFORM`]: the zip and its SHA256SUMS.
struct TerraformReleases {
    root: TempDir,
    _server: portfolio_testkit::ChildGuard,
    url: String,
    archive: String,
}

impl TerraformReleases {
    fn serve() -> TerraformReleases {
        let root = tempfile::tempdir().unwrap();
        let v = SERVED_TERRAFORM;
        let dir = root.path().join(format!("terraform/{v}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = format!("terraform_{v}_linux_amd64.zip");
        let zipped = Command::new("python3")
            .args([
                "-c",
                "import shutil, sys, zipfile\n\
                 with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:\n\
                 \x20   z.write(shutil.which('terraform'), 'terraform')",
            ])
            .arg(dir.join(&file))
            .status()
            .unwrap();
        assert!(zipped.success());
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(dir.join(&file)).unwrap(),
        ));
        std::fs::write(
            dir.join(format!("terraform_{v}_SHA256SUMS")),
            format!("{digest}  {file}\n"),
        )
        .unwrap();
        let port = portfolio_testkit::free_port().unwrap();
        let log = std::fs::File::create(root.path().join("requests.log")).unwrap();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(root.path())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = portfolio_testkit::ChildGuard(child);
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        assert!(portfolio_testkit::wait_for_port(
            addr,
            &mut server.0,
            std::time::Duration::from_secs(20)
        ));
        TerraformReleases {
            root,
            _server: server,
            url: format!("http://{addr}"),
            archive: format!("/terraform/{v}/{file}"),
        }
    }

    /// How many times the archive was downloaded.
    fn archive_downloads(&self) -> usize {
        let log = std::fs::read_to_string(self.root.path().join("requests.log")).unwrap();
        log.lines()
            .filter(|l| l.contains(&format!("GET {} ", self.archive)))
            .count()
    }
}

#[test]
fn terraform_workflow_ships_the_plan_encrypted_and_applies_exactly_it() {
    let stack = LocalAws::start(TIME_SCALE).unwrap();
    stack
        .create_state_bucket("portfolio-terraform-state")
        .unwrap();
    let moto = stack.moto_endpoint().to_owned();
    let app = terraform_app(&moto);
    // The runner has no terraform of the version wanted: the terraform
    // action installs it from the release server into the tool cache.
    let releases = TerraformReleases::serve();
    let tool_cache = tempfile::tempdir().unwrap();
    let install_env = [
        (
            "PORTFOLIO_CI_TERRAFORM_VERSION",
            SERVED_TERRAFORM.to_owned(),
        ),
        ("PORTFOLIO_CI_TERRAFORM_DOWNLOAD_URL", releases.url.clone()),
        (
            "PORTFOLIO_CI_TOOL_CACHE",
            tool_cache.path().display().to_string(),
        ),
    ];
    // Runs terraform-deploy.yml as a workflow_dispatch with these inputs.
    let dispatch = |inputs: &str| {
        let event = app.dir.path().join("dispatch.json");
        std::fs::write(&event, format!(r#"{{"inputs": {inputs}}}"#)).unwrap();
        let args = ["workflow_dispatch", "-e", event.to_str().unwrap()];
        app.act(&stack, "terraform-deploy.yml", &args, &install_env)
    };
    let run = dispatch(r#"{"action": "apply", "environment": "dev", "confirm": ""}"#);
    let log = &run.log;
    assert!(run.success, "act failed:\n{log}");
    // The plan job installed it, verified; the apply job pinned the plan
    // job's version and found it in the tool cache.
    assert!(
        log.contains(&format!(
            "installed terraform {SERVED_TERRAFORM} from {}{} (sha256 ",
            releases.url, releases.archive
        )),
        "the plan job did not install terraform:\n{log}"
    );
    assert!(
        log.contains(&format!(
            "terraform {SERVED_TERRAFORM} from the tool cache, nothing downloaded"
        )),
        "the apply job did not use the cached terraform:\n{log}"
    );
    assert_eq!(releases.archive_downloads(), 1, "downloaded more than once");
    assert!(
        portfolio_testkit::terraform::object_exists(
            &moto,
            "portfolio-terraform-state",
            "dev/terraform.tfstate"
        )
        .unwrap(),
        "the state was written to the S3 backend:\n{log}"
    );
    assert!(
        !log.contains(DB_PASSWORD),
        "the sensitive variable leaked into the log"
    );
    // plan assumes the read-only role, apply the role of its environment
    // (the configure-aws-credentials stand-in names the role it was given).
    for (job, role) in [
        ("plan", "AWS_TERRAFORM_PLAN_ROLE"),
        ("apply", "AWS_TERRAFORM_ROLE_DEV"),
    ] {
        let assumed: Vec<&str> = run
            .records
            .iter()
            .filter(|r| r["jobID"] == job)
            .filter_map(|r| r["msg"].as_str())
            .filter_map(|msg| {
                msg.split("would assume arn:aws:iam::123456789012:role/")
                    .nth(1)
            })
            .map(|rest| rest.split_whitespace().next().unwrap_or_default())
            .collect();
        assert_eq!(assumed, [role], "the {job} job's role:\n{log}");
    }

    // Only ciphertext left the plan job, and it is the plan.
    let sealed = app.artifacts.path().join("tfplan-dev");
    let files: Vec<String> = std::fs::read_dir(&sealed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        ["plan.enc"],
        "the artifact holds only the ciphertext"
    );
    let ciphertext = std::fs::read(sealed.join("plan.enc")).unwrap();
    assert!(ciphertext.starts_with(b"Salted__"), "not openssl's format");
    let plain = Command::new("openssl")
        .args(["enc", "-d", "-aes-256-cbc", "-pbkdf2", "-pass", "env:KEY"])
        .arg("-in")
        .arg(sealed.join("plan.enc"))
        .env("KEY", PLAN_KEY)
        .output()
        .unwrap();
    assert!(plain.status.success(), "the plan key does not open it");
    assert!(
        plain.stdout.starts_with(b"PK"),
        "the decrypted artifact is a terraform plan (a zip)"
    );

    // The apply job verified the plan against the plan job's sha256 output,
    // not against a checksum travelling with the artifact.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&plain.stdout));
    let apply_line = log
        .lines()
        .find(|l| l.contains("+ terraform-runner apply"))
        .unwrap_or_else(|| panic!("no apply ran:\n{log}"));
    assert_eq!(
        flag_value(apply_line, "--plan-sha256"),
        Some(sha.as_str()),
        "{apply_line}"
    );
    assert_eq!(
        flag_value(apply_line, "--terraform-version"),
        Some(SERVED_TERRAFORM),
        "apply does not pin the plan job's terraform: {apply_line}"
    );

    // Both the plan's and the apply's reports reached the step summary.
    let summaries = run.summary_text();
    for operation in ["plan", "apply"] {
        assert!(
            summaries.contains(&format!("### Terraform {operation}: `dev`")),
            "no {operation} report in a step summary:\n{summaries}"
        );
    }
    let state = portfolio_testkit::terraform::get_object(
        &moto,
        "portfolio-terraform-state",
        "dev/terraform.tfstate",
    )
    .unwrap()
    .unwrap();
    assert!(
        String::from_utf8_lossy(&state).contains("terraform_data"),
        "resources were applied"
    );

    // destroy: the plan job makes the destroy plan the approver reviews, and
    // the destroy job applies exactly it.
    let run = dispatch(r#"{"action": "destroy", "environment": "dev", "confirm": "dev"}"#);
    let log = &run.log;
    assert!(run.success, "act failed:\n{log}");
    let plan_line = log
        .lines()
        .find(|l| l.contains("+ terraform-runner plan"))
        .unwrap_or_else(|| panic!("no plan ran:\n{log}"));
    assert!(plan_line.contains("--destroy"), "{plan_line}");
    let destroy_line = log
        .lines()
        .find(|l| l.contains("+ terraform-runner destroy"))
        .unwrap_or_else(|| panic!("no destroy ran:\n{log}"));
    assert!(
        flag_value(destroy_line, "--plan-sha256").is_some_and(|sha| sha.len() == 64),
        "{destroy_line}"
    );
    let summaries = run.summary_text();
    assert!(
        summaries.contains("to destroy"),
        "the destroy plan is not in the plan job's summary:\n{summaries}"
    );
    let state = portfolio_testkit::terraform::get_object(
        &moto,
        "portfolio-terraform-state",
        "dev/terraform.tfstate",
    )
    .unwrap()
    .unwrap();
    let state: serde_json::Value = serde_json::from_slice(&state).unwrap();
    assert_eq!(
        state["resources"].as_array().map(Vec::len),
        Some(0),
        "everything was destroyed: {state}"
    );
}

/// The README's "Migrating a workflow" table: each peer `uses:` and ours.
fn migration_table() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(e2e::repo_root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Migrating a workflow\n")
        .nth(1)
        .expect("the README has a Migrating a workflow section");
    let section = section.split("\n#").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            match cells.as_slice() {
                ["", peer, ours, ""] if peer.starts_with('`') => Some((
                    peer.trim_matches('`').to_owned(),
                    ours.trim_matches('`').to_owned(),
                )),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn a_workflow_on_the_peers_runs_green_once_its_uses_lines_are_renamed() {
    let table = migration_table();
    assert_eq!(table.len(), 4, "{table:?}");
    let fixtures = e2e::repo_root().join("tests/e2e/fixtures/migration");
    let mut workflow = std::fs::read_to_string(fixtures.join("deploy-backend.yml")).unwrap();
    for (peer, ours) in &table {
        assert!(workflow.contains(&format!("uses: {peer}\n")), "{peer}");
        workflow = workflow.replace(&format!("uses: {peer}\n"), &format!("uses: {ours}\n"));
    }
    for line in workflow
        .lines()
        .filter(|l| l.trim_start().starts_with("uses:") || l.contains("- uses:"))
    {
        assert!(
            [
                "portfolio-ci/",
                "actions/checkout",
                "configure-aws-credentials"
            ]
            .iter()
            .any(|kept| line.contains(kept)),
            "left unmigrated: {line}"
        );
    }

    let stack = stack_with_services("backend", 8000);
    let app = AppRepo::new(|dir| {
        std::fs::copy(
            fixtures.join("task-definition.json"),
            dir.join("task-definition.json"),
        )
        .unwrap();
        std::fs::write(dir.join(".github/workflows/deploy-backend.yml"), &workflow).unwrap();
    });
    let run = app.act(&stack, "deploy-backend.yml", &["push"], &[]);
    let log = &run.log;
    assert!(run.success, "act failed:\n{log}");
    assert!(log.contains("Job succeeded"), "{log}");
    // The migration ran as a one-off task on the new revision before the
    // service update, and the service runs the image just built, by digest.
    assert!(log.contains("migration task [\"arn:aws:ecs:"), "{log}");
    let deployed = log
        .lines()
        .filter_map(|l| l.split("deployed ").nth(1))
        .find(|v| v.starts_with("arn:") && !v.contains('"'))
        .expect("the deploy step's task-definition-arn output");
    assert!(
        deployed.contains(":task-definition/portfolio-dev-backend:"),
        "{log}"
    );
    let definition = stack.task_definition(deployed.trim()).unwrap();
    let container = &definition.container_definitions()[0];
    let image = container.image().unwrap_or_default();
    assert!(
        image.starts_with(&format!(
            "{}/portfolio-dev-backend@sha256:",
            stack.registry_host()
        )),
        "{image}"
    );
    assert!(
        container
            .environment()
            .iter()
            .any(|e| e.name() == Some("RELEASE")),
        "{container:?}"
    );
    assert!(
        !log.contains(stack.registry_password()),
        "the registry password leaked"
    );
}
