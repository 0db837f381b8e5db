//! The IAM actions each tool can call, derived from its binary, against the
//! permission policies of `examples/aws/policies` (both ways: nothing
//! missing, nothing granted that no code needs), and the README's table of
//! IAM actions and the reusable workflows' headers against those files.
//!
//! Every call of an AWS SDK for Rust operation, by `send()`, `customize()`
//! or a paginator, goes through the operation's `orchestrate` function
//! (`aws_sdk_ecs::operation::run_task::RunTask::orchestrate`), and the linker
//! keeps in a binary only what it can reach: the `orchestrate` symbols of a
//! tool's binary are the operations it can call, told apart by client type
//! (ECR's and ECR Public's GetAuthorizationToken are two actions). Added to
//! them, each from a table below that says which AWS page defines it:
//! registry-protocol calls (oci-client, the builder's push) as the ECR
//! actions that authorise them, names a tool records with
//! `CallCounter::record`, and actions an operation needs besides its own
//! (`iam:PassRole` for a task definition's roles). Left out: the credential
//! chain's calls (web identity, SSO), which the trust policy governs.
//!
//! Terraform's calls are Terraform's: the state backend's needs come from
//! the example's `backend/<env>.hcl` and Terraform's S3 backend page.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use object::{Object, ObjectSymbol};
use portfolio_testkit::iam::{POLICIES_DIR, Policy, action_matches, policies_dir};
use regex::Regex;

use crate::actions_run::bin_dir;

/// A job of the README's table: its policy file and the tool it runs.
struct Job {
    /// `examples/aws/policies/<policy>.json`.
    policy: &'static str,
    /// The README's name for it.
    title: &'static str,
    /// The tool whose calls the policy must cover.
    tool: &'static str,
}

const TOOL_JOBS: &[Job] = &[
    Job {
        policy: "build-push",
        title: "build and push",
        tool: "build-push-image",
    },
    Job {
        policy: "render-live",
        title: "render from a live service",
        tool: "render-taskdef",
    },
    Job {
        policy: "deploy",
        title: "deploy (and run-task)",
        tool: "ecs-rolling-deploy",
    },
    Job {
        policy: "lifecycle",
        title: "lifecycle",
        tool: "ecr-lifecycle",
    },
];

/// The Terraform jobs: policy file and README name; the tool is Terraform.
const TERRAFORM_JOBS: &[(&str, &str)] = &[
    ("terraform-plan", "terraform plan"),
    ("terraform-apply", "terraform apply and destroy"),
];

/// IAM service prefix of each AWS SDK for Rust crate (`aws_sdk_<crate>`),
/// from the Service Authorization Reference.
const SERVICE_PREFIXES: &[(&str, &str)] = &[
    ("cloudwatchlogs", "logs"),
    ("ecr", "ecr"),
    ("ecrpublic", "ecr-public"),
    ("ecs", "ecs"),
    ("s3", "s3"),
    ("secretsmanager", "secretsmanager"),
    ("sso", "sso"),
    ("ssm", "ssm"),
    ("ssooidc", "sso-oauth"),
    ("sts", "sts"),
];

/// Calls that aws-config's credential chain makes to obtain the role
/// (web identity in GitHub Actions, SSO on a laptop): the trust policy and
/// the caller's own rights govern them, not the role's permission policy.
const CREDENTIAL_CHAIN: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sso:GetRoleCredentials",
    "sso-oauth:CreateToken",
];

/// ECR's image push permissions ("IAM permissions for pushing an image to
/// an Amazon ECR private repository", ECR User Guide).
const ECR_PUSH: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
];

/// A registry-protocol call (Docker Registry HTTP API against ECR) and the
/// ECR actions that authorise it (ECR User Guide, "Private registry
/// authentication" and the image push/pull permission pages: a manifest
/// GET/HEAD is BatchGetImage, a blob GET GetDownloadUrlForLayer, a blob
/// HEAD BatchCheckLayerAvailability, an upload InitiateLayerUpload,
/// UploadLayerPart and CompleteLayerUpload, a manifest PUT PutImage).
struct RegistryCall {
    /// The function, as demangled without its hash.
    function: &'static str,
    /// The ECR actions it needs.
    actions: &'static [&'static str],
    /// Our own function (must exist: a rename must update this table);
    /// oci-client's are listed whether a tool uses them or not.
    ours: bool,
}

const fn oci(function: &'static str, actions: &'static [&'static str]) -> RegistryCall {
    RegistryCall {
        function,
        actions,
        ours: false,
    }
}

const BLOB_UPLOAD: &[&str] = &[
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
];

const REGISTRY_CALLS: &[RegistryCall] = &[
    // The builder pushes with `docker push`, `buildx --push`, podman or
    // buildah: the whole push set.
    RegistryCall {
        function: "build_push_image::builder::plan",
        actions: ECR_PUSH,
        ours: true,
    },
    oci(
        "oci_client::client::Client::fetch_manifest_digest",
        &["ecr:BatchGetImage"],
    ),
    oci(
        "oci_client::client::Client::pull_manifest_raw",
        &["ecr:BatchGetImage"],
    ),
    oci(
        "oci_client::client::Client::pull_manifest",
        &["ecr:BatchGetImage"],
    ),
    oci(
        "oci_client::client::Client::pull_image_manifest",
        &["ecr:BatchGetImage"],
    ),
    oci(
        "oci_client::client::Client::pull_manifest_and_config",
        &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    ),
    oci(
        "oci_client::client::Client::pull",
        &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    ),
    oci(
        "oci_client::client::Client::pull_blob",
        &["ecr:GetDownloadUrlForLayer"],
    ),
    oci(
        "oci_client::client::Client::pull_blob_stream",
        &["ecr:GetDownloadUrlForLayer"],
    ),
    oci(
        "oci_client::client::Client::blob_exists",
        &["ecr:BatchCheckLayerAvailability"],
    ),
    oci("oci_client::client::Client::push_blob", BLOB_UPLOAD),
    oci("oci_client::client::Client::push_blob_stream", BLOB_UPLOAD),
    // A cross-repository mount: an upload to the target that reads the
    // source's layer.
    oci(
        "oci_client::client::Client::mount_blob",
        &["ecr:InitiateLayerUpload", "ecr:GetDownloadUrlForLayer"],
    ),
    oci(
        "oci_client::client::Client::push_manifest_raw",
        &["ecr:PutImage"],
    ),
    oci(
        "oci_client::client::Client::push_manifest",
        &["ecr:PutImage"],
    ),
    oci(
        "oci_client::client::Client::push_manifest_list",
        &["ecr:PutImage"],
    ),
    oci("oci_client::client::Client::push", ECR_PUSH),
];

/// Actions an operation needs besides its own (the Service Authorization
/// Reference's "dependent actions" and the services' guides).
const IMPLIED: &[(&str, &str, &str)] = &[
    (
        "ecs:RegisterTaskDefinition",
        "iam:PassRole",
        "the definition's task and execution roles are passed to ECS",
    ),
    (
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
        "tags on create need ecs:TagResource (ECS Developer Guide, tagging authorization)",
    ),
    (
        "ecs:RunTask",
        "iam:PassRole",
        "the task's roles (and role overrides) are passed to ECS",
    ),
    (
        "ecs:RunTask",
        "ecs:TagResource",
        "tags on create need ecs:TagResource",
    ),
    (
        "ecr-public:GetAuthorizationToken",
        "sts:GetServiceBearerToken",
        "ECR Public's token is an STS service bearer token (IAM User Guide, service bearer tokens)",
    ),
];

/// Actions that AWS lets a policy grant on `*` only (no resource-level
/// permissions), or whose resource is scoped by the condition key named.
const UNSCOPED: &[(&str, Option<&str>)] = &[
    ("ecr:GetAuthorizationToken", None),
    ("ecr-public:GetAuthorizationToken", None),
    ("sts:GetServiceBearerToken", None),
    ("ecs:RegisterTaskDefinition", None),
    ("ecs:DescribeTaskDefinition", None),
    ("ecs:ListTasks", Some("ecs:cluster")),
    ("ecs:ListServices", Some("ecs:cluster")),
];

/// The IAM actions `tool` can need, each with why.
type Needs = BTreeMap<String, BTreeSet<String>>;

fn add(needs: &mut Needs, action: &str, why: impl Into<String>) {
    needs
        .entry(action.to_owned())
        .or_default()
        .insert(why.into());
}

/// The symbols of `binary` whose mangled name holds one of `needles` (Rust
/// mangling keeps identifiers verbatim), demangled without hashes.
fn symbols(binary: &Path, needles: &[&str]) -> BTreeSet<String> {
    let data = std::fs::read(binary).unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let file = object::File::parse(&*data).unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    file.symbols()
        .chain(file.dynamic_symbols())
        .filter_map(|symbol| symbol.name().ok())
        .filter(|name| needles.iter().any(|needle| name.contains(needle)))
        .map(|name| format!("{:#}", rustc_demangle::demangle(name)))
        .collect()
}

/// The SDK operations among `symbols`, in IAM form: from
/// `aws_sdk_<sdk>::operation::<module>::<Operation>::orchestrate[::...]`.
fn sdk_operations(symbols: &BTreeSet<String>) -> BTreeSet<String> {
    symbols
        .iter()
        .filter_map(|symbol| {
            let path: Vec<&str> = symbol.strip_prefix("aws_sdk_")?.split("::").collect();
            match path.as_slice() {
                [sdk, "operation", _, operation, "orchestrate", ..] => Some((*sdk, *operation)),
                _ => None,
            }
        })
        .map(|(sdk, operation)| {
            let Some((_, prefix)) = SERVICE_PREFIXES.iter().find(|(krate, _)| *krate == sdk) else {
                panic!("aws_sdk_{sdk}: add its IAM service prefix to SERVICE_PREFIXES")
            };
            format!("{prefix}:{operation}")
        })
        .collect()
}

/// Names a tool records through `CallCounter::record` in its source.
fn recorded(tool: &str) -> BTreeSet<String> {
    let record = Regex::new(r#"\.record\(\s*"([a-z0-9-]+:[A-Za-z0-9]+)"\s*\)"#).unwrap();
    let mut found = BTreeSet::new();
    let mut dirs = vec![e2e::repo_root().join("bins").join(tool).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "tests" {
                    dirs.push(path);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(record.captures_iter(&text).map(|c| c[1].to_owned()));
            }
        }
    }
    found
}

/// The built binary of `tool`, with its symbols (a stripped binary would
/// make every check below pass for nothing).
fn tool_symbols(tool: &str) -> BTreeSet<String> {
    let krate = tool.replace('-', "_");
    let mut needles = vec!["orchestrate", krate.as_str()];
    needles.extend(
        REGISTRY_CALLS
            .iter()
            .filter_map(|call| call.function.split("::").next()),
    );
    let symbols = symbols(&bin_dir().join(tool), &needles);
    let own = format!("{krate}::");
    assert!(
        symbols.iter().any(|s| s.starts_with(&own)),
        "{tool}: the binary has no symbols of its own ({own}...): build it unstripped (the dev profile)"
    );
    symbols
}

/// What `tool` can need, derived from its binary and source.
fn needs_of(tool: &str) -> Needs {
    let symbols = tool_symbols(tool);
    let mut needs = Needs::new();
    for operation in sdk_operations(&symbols) {
        if !CREDENTIAL_CHAIN.contains(&operation.as_str()) {
            add(&mut needs, &operation, "SDK call");
        }
    }
    for call in REGISTRY_CALLS {
        let prefix = format!("{}::", call.function);
        if symbols
            .iter()
            .any(|s| s == call.function || s.starts_with(&prefix))
        {
            for action in call.actions {
                add(&mut needs, action, format!("registry: {}", call.function));
            }
        }
    }
    for name in recorded(tool) {
        add(&mut needs, &name, "CallCounter::record");
    }
    let called: Vec<String> = needs.keys().cloned().collect();
    for (operation, implied, why) in IMPLIED {
        if called.iter().any(|c| c == operation) {
            add(&mut needs, implied, format!("with {operation}: {why}"));
        }
    }
    needs
}

fn policy(name: &str) -> Policy {
    Policy::of_job(name).unwrap_or_else(|e| panic!("{e}"))
}

/// What `policy` lacks of `needs`, and what it grants that nothing needs.
fn compare(policy: &Policy, needs: &Needs) -> Vec<String> {
    let mut problems = Vec::new();
    for (action, why) in needs {
        if !policy.allows(action) {
            let why: Vec<&str> = why.iter().map(String::as_str).collect();
            problems.push(format!(
                "{}: missing {action} ({})",
                policy.path.display(),
                why.join("; ")
            ));
        }
    }
    for (label, statement) in policy.labelled() {
        for granted in &statement.actions {
            if !needs.keys().any(|action| action_matches(granted, action)) {
                problems.push(format!(
                    "{}: statement {label} grants {granted}, which no code calls",
                    policy.path.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn each_tool_policy_grants_exactly_what_its_tool_can_call() {
    let mut problems = Vec::new();
    for job in TOOL_JOBS {
        let needs = needs_of(job.tool);
        assert!(
            needs.keys().any(|a| !a.starts_with("iam:")),
            "{}: no AWS call found in the binary",
            job.tool
        );
        problems.extend(compare(&policy(job.policy), &needs));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn our_registry_functions_exist_so_the_mapping_cannot_go_stale() {
    let all: BTreeSet<String> = TOOL_JOBS
        .iter()
        .flat_map(|job| tool_symbols(job.tool))
        .collect();
    for call in REGISTRY_CALLS.iter().filter(|c| c.ours) {
        let prefix = format!("{}::", call.function);
        assert!(
            all.iter()
                .any(|s| s == call.function || s.starts_with(&prefix)),
            "{} is in no binary: REGISTRY_CALLS names a function that was renamed or removed",
            call.function
        );
    }
}

#[test]
fn the_derivation_tells_ecr_from_ecr_public_and_drops_the_credential_chain() {
    let needs = needs_of("build-push-image");
    assert!(needs.contains_key("ecr:GetAuthorizationToken"), "{needs:?}");
    assert!(
        needs.contains_key("ecr-public:GetAuthorizationToken"),
        "{needs:?}"
    );
    assert!(needs.contains_key("sts:GetServiceBearerToken"), "{needs:?}");
    assert!(needs.contains_key("ecr:PutImage"), "{needs:?}");
    assert!(
        !needs.contains_key("sts:AssumeRoleWithWebIdentity"),
        "{needs:?}"
    );
    // terraform-runner calls no AWS API itself: Terraform does.
    assert!(sdk_operations(&tool_symbols("terraform-runner")).is_empty());
}

/// `bucket` and `key` of a `-backend-config` file: a flat list of
/// `name = "value"` attributes, as the example's backend/<env>.hcl are.
fn backend(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let attribute = Regex::new(r#"(?m)^\s*([a-z_]+)\s*=\s*"([^"]*)"\s*$"#).unwrap();
    let values: BTreeMap<&str, &str> = attribute
        .captures_iter(&text)
        .map(|c| {
            let (_, [name, value]) = c.extract();
            (name, value)
        })
        .collect();
    let get = |name: &str| {
        let Some(value) = values.get(name) else {
            panic!("{}: no {name} = \"...\"", path.display())
        };
        (*value).to_owned()
    };
    (get("bucket"), get("key"))
}

fn backend_configs() -> Vec<PathBuf> {
    let dir = e2e::repo_root().join("examples/portfolio/terraform/backend");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hcl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no backend config in {}", dir.display());
    files
}

/// Terraform's S3 backend with `use_lockfile` (Terraform docs, S3 backend,
/// "S3 Bucket Permissions"): ListBucket on the bucket, GetObject on the
/// state (PutObject to write it), and GetObject, PutObject, DeleteObject on
/// the lock object `<key>.tflock`. A plan reads the state and takes the
/// lock; it must not be able to write or delete the state.
#[test]
fn terraform_policies_grant_the_state_backend_and_plan_cannot_write_state() {
    let mut problems = Vec::new();
    let mut check = |policy: &Policy, action: &str, arn: &str, allowed: bool| {
        if policy.allows_on(action, arn) != allowed {
            problems.push(format!(
                "{}: {action} on {arn} must be {}",
                policy.path.display(),
                if allowed { "allowed" } else { "refused" }
            ));
        }
    };
    let plan = policy("terraform-plan");
    let apply = policy("terraform-apply");
    for file in backend_configs() {
        let (bucket, key) = backend(&file);
        let bucket_arn = format!("arn:aws:s3:::{bucket}");
        let state = format!("arn:aws:s3:::{bucket}/{key}");
        let lock = format!("{state}.tflock");
        for policy in [&plan, &apply] {
            check(policy, "s3:ListBucket", &bucket_arn, true);
            check(policy, "s3:GetObject", &state, true);
            for action in ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] {
                check(policy, action, &lock, true);
            }
            check(policy, "s3:DeleteObject", &state, false);
        }
        check(&plan, "s3:PutObject", &state, false);
        check(&apply, "s3:PutObject", &state, true);
    }
    let backend_actions = [
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
    ];
    for policy in [&plan, &apply] {
        for granted in policy.allowed_actions() {
            if !backend_actions.contains(&granted.as_str()) {
                problems.push(format!(
                    "{}: grants {granted}, which neither the backend nor the example's resources (terraform_data) need",
                    policy.path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_statement_is_scoped_to_the_project() {
    let mut problems = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(policies_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = TOOL_JOBS
        .iter()
        .map(|j| j.policy)
        .chain(TERRAFORM_JOBS.iter().map(|(p, _)| *p))
        .map(|p| format!("{p}.json"))
        .collect();
    expected.sort();
    assert_eq!(names, expected, "every policy file belongs to one job");
    for name in &expected {
        let policy = Policy::load(&policies_dir().join(name)).unwrap();
        for (label, statement) in policy.labelled() {
            let place = format!("{name}: statement {label}");
            if statement.sid.is_none() {
                problems.push(format!("{place}: give it a Sid (the README names it)"));
            }
            for resource in &statement.resources {
                if resource == "*" {
                    for action in &statement.actions {
                        match UNSCOPED.iter().find(|(a, _)| a == action) {
                            None => problems.push(format!(
                                "{place}: {action} on \"*\": scope it to the project's resources"
                            )),
                            Some((_, Some(key))) if statement.condition_values(key).is_empty() => {
                                problems.push(format!(
                                    "{place}: {action} on \"*\" needs a {key} condition"
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                } else if !resource.contains(":portfolio-")
                    && !resource.contains("/portfolio-")
                    && !resource.contains(":::portfolio-")
                {
                    problems.push(format!("{place}: {resource} is not a portfolio-* resource"));
                }
            }
            for cluster in statement.condition_values("ecs:cluster") {
                if !cluster.contains(":cluster/portfolio-") {
                    problems.push(format!(
                        "{place}: ecs:cluster {cluster} is not a portfolio-* cluster"
                    ));
                }
            }
            if statement.actions.iter().any(|a| a == "iam:PassRole")
                && statement.condition_values("iam:PassedToService") != ["ecs-tasks.amazonaws.com"]
            {
                problems.push(format!(
                    "{place}: iam:PassRole needs iam:PassedToService ecs-tasks.amazonaws.com"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

const TABLE_BEGIN: &str = "<!-- iam-actions: generated from examples/aws/policies; tests/e2e/tests/it/iam_policies.rs checks it -->";
const TABLE_END: &str = "<!-- /iam-actions -->";

/// The README's table: one row per job, its policy file, and the actions
/// of each statement (by Sid, so optional parts can be told apart).
fn table() -> String {
    let mut rows = vec![
        TABLE_BEGIN.to_owned(),
        "| job | policy | IAM actions, by statement |".to_owned(),
        "| --- | --- | --- |".to_owned(),
    ];
    let jobs = TOOL_JOBS
        .iter()
        .map(|j| (j.policy, format!("{} (`{}`)", j.title, j.tool)))
        .chain(
            TERRAFORM_JOBS
                .iter()
                .map(|(p, title)| (*p, format!("{title} (Terraform)"))),
        );
    for (name, title) in jobs {
        let policy = policy(name);
        let statements: Vec<String> = policy
            .labelled()
            .map(|(label, statement)| {
                let actions: Vec<String> =
                    statement.actions.iter().map(|a| format!("`{a}`")).collect();
                format!("{label}: {}", actions.join(", "))
            })
            .collect();
        rows.push(format!(
            "| {title} | [`{name}.json`]({POLICIES_DIR}/{name}.json) | {} |",
            statements.join("; ")
        ));
    }
    rows.push(TABLE_END.to_owned());
    rows.join("\n")
}

#[test]
fn the_readme_table_is_generated_from_the_policies() {
    let readme = std::fs::read_to_string(e2e::repo_root().join("README.md")).unwrap();
    let expected = table();
    let found = readme
        .find(TABLE_BEGIN)
        .and_then(|start| {
            let end = start + readme[start..].find(TABLE_END)? + TABLE_END.len();
            Some(&readme[start..end])
        })
        .unwrap_or("(no table between the markers)");
    assert!(
        found == expected,
        "README.md's IAM table differs from the policy files; replace it with:\n\n{expected}\n"
    );
}

/// The leading comment of a workflow file.
fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The policy files a header names.
fn named_policies(header: &str) -> BTreeSet<String> {
    let named = Regex::new(r"examples/aws/policies/([a-z-]+)\.json").unwrap();
    named
        .captures_iter(header)
        .map(|c| c[1].to_owned())
        .collect()
}

/// The policies a deploy-service job needs: one per action of this
/// repository its steps use.
fn policies_of_steps(workflow: &Path) -> BTreeSet<String> {
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(workflow).unwrap()).unwrap();
    let mut needed = BTreeSet::new();
    for job in yaml["jobs"].as_mapping().unwrap().values() {
        for step in job["steps"].as_sequence().into_iter().flatten() {
            let Some(uses) = step["uses"].as_str() else {
                continue;
            };
            let Some(action) = uses
                .strip_prefix("portfolio-ci/portfolio-ci/actions/")
                .and_then(|rest| rest.split('@').next())
            else {
                continue;
            };
            let live = step["with"].get("from-service").is_some();
            let policy = match action {
                "build-push-image" => Some("build-push"),
                "ecs-deploy" => Some("deploy"),
                "ecr-lifecycle" => Some("lifecycle"),
                "render-taskdef" if live => Some("render-live"),
                _ => None,
            };
            needed.extend(policy.map(str::to_owned));
        }
    }
    needed
}

#[test]
fn workflow_headers_point_to_the_policy_files_instead_of_listing_actions() {
    let action = Regex::new(r"\b(ecr|ecr-public|ecs|logs|sts|s3|iam):[A-Z]").unwrap();
    let workflows = e2e::repo_root().join(".github/workflows");
    let deploy = workflows.join("deploy-service.yml");
    let cases = [
        (deploy.clone(), policies_of_steps(&deploy)),
        (
            workflows.join("terraform.yml"),
            TERRAFORM_JOBS
                .iter()
                .map(|(p, _)| (*p).to_owned())
                .collect(),
        ),
    ];
    for (path, expected) in cases {
        let header = header(&path);
        assert!(
            !action.is_match(&header),
            "{}: the header lists IAM actions; name the policy files instead:\n{header}",
            path.display()
        );
        assert_eq!(
            named_policies(&header),
            expected,
            "{}: the header must name exactly the policy files of its jobs",
            path.display()
        );
    }
}
