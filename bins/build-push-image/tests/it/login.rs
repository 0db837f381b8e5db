//! `build-push-image login`: docker in later steps uses the login; the
//! outputs are amazon-ecr-login's; the password is masked first; ECR
//! Public is logged in to through us-east-1.

use std::fs;
use std::process::Command;

use base64::Engine;
use portfolio_testkit::ecr_public::{Call, EcrPublic, TARGET};

use crate::harness::{REPO, World, run};

#[test]
fn a_later_docker_step_uses_the_login_and_the_outputs_are_the_peers() {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", "login")]);
    let pushed = world.build("buildah", &context, &[]).assert_code(0).json();
    let tag = pushed["context_tag"].as_str().unwrap();
    let host = world.registry.host();
    let output = world.path("runner/output");
    let mut command = world.command();
    command
        .args(["login", "--registry", &host, "--mask-password", "false"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", world.path("runner/summary"));
    let done = run(&mut command);
    done.assert_code(0);
    let password = world.password.as_str();
    let first = done.stderr.lines().position(|l| l.contains(password));
    assert_eq!(
        first,
        done.stderr
            .lines()
            .position(|l| l == format!("::add-mask::{password}")),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("::warning::"), "{}", done.stderr);

    let outputs = fs::read_to_string(&output).unwrap();
    let suffix = host.replace(['.', ':'], "_");
    for expected in [
        format!("registry={host}"),
        format!("docker_username_{suffix}=AWS"),
        format!("docker_password_{suffix}={password}"),
    ] {
        assert!(
            outputs.lines().any(|l| l == expected),
            "{expected} in {outputs}"
        );
    }

    // A later step: docker with the user's config reads the image.
    let config = world.path("home/.docker");
    let inspect = Command::new("docker")
        .arg("--config")
        .arg(&config)
        .args(["manifest", "inspect", "--insecure"])
        .arg(format!("{host}/{REPO}:{tag}"))
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs::metadata(config.join("config.json"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn several_registries_get_one_login_each_and_keep_other_logins() {
    let world = World::start(None);
    let config = world.path("home/.docker");
    fs::create_dir_all(&config).unwrap();
    fs::write(
        config.join("config.json"),
        r#"{"auths":{"ghcr.io":{"auth":"dXNlcjpwdw=="}},"credsStore":""}"#,
    )
    .unwrap();
    let output = world.path("runner/output");
    let mut command = world.command();
    command
        .args([
            "login",
            "--registries",
            "123456789012,210987654321",
            "--json",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", world.path("runner/summary"));
    let done = run(&mut command);
    let json = done.assert_code(0).json();
    assert!(!done.stdout.contains(world.password.as_str()));
    let hosts: Vec<&str> = json["registries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["registry"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "210987654321.dkr.ecr.us-east-1.amazonaws.com"
        ]
    );
    let outputs = fs::read_to_string(&output).unwrap();
    assert!(
        !outputs.lines().any(|l| l.starts_with("registry=")),
        "{outputs}"
    );
    for id in ["123456789012", "210987654321"] {
        let name = format!("docker_password_{id}_dkr_ecr_us_east_1_amazonaws_com=");
        assert!(outputs.contains(&name), "{outputs}");
    }
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(config.join("config.json")).unwrap()).unwrap();
    assert_eq!(written["auths"]["ghcr.io"]["auth"], "dXNlcjpwdw==");
    assert!(written["auths"][hosts[1]]["auth"].is_string());

    let mut bad = world.command();
    bad.args(["login", "--registries", "123,abc"]);
    let bad = run(&mut bad);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--registries"), "{}", bad.stderr);
}

#[test]
fn a_public_login_asks_ecr_public_in_us_east_1_for_public_ecr_aws() {
    let world = World::start(None);
    let password = "public-registry-secret";
    let public = EcrPublic::start(password).unwrap();
    let output = world.path("runner/output");
    let mut command = world.command();
    command
        .args(["login", "--registry-type", "Public"])
        .args(["--registries", "123456789012,not-an-id"])
        .env("AWS_ENDPOINT_URL_ECR_PUBLIC", public.endpoint())
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", world.path("runner/summary"));
    let done = run(&mut command);
    done.assert_code(0);
    assert_eq!(
        public.calls(),
        [Call {
            target: TARGET.to_owned(),
            region: "us-east-1".to_owned(),
            service: "ecr-public".to_owned(),
        }]
    );
    assert_eq!(
        done.stderr.lines().position(|l| l.contains(password)),
        done.stderr
            .lines()
            .position(|l| l == format!("::add-mask::{password}")),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .lines()
            .any(|l| l.starts_with("::warning::") && l.contains("--registries is ignored")),
        "{}",
        done.stderr
    );

    let outputs = fs::read_to_string(&output).unwrap();
    for expected in [
        "registry=public.ecr.aws".to_owned(),
        "docker_username_public_ecr_aws=AWS".to_owned(),
        format!("docker_password_public_ecr_aws={password}"),
        "docker_username=AWS".to_owned(),
        format!("docker_password={password}"),
    ] {
        assert!(
            outputs.lines().any(|l| l == expected),
            "{expected} in {outputs}"
        );
    }
    let config: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(world.path("home/.docker/config.json")).unwrap())
            .unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}"));
    assert_eq!(config["auths"]["public.ecr.aws"]["auth"], auth.as_str());
    assert_eq!(config["auths"].as_object().unwrap().len(), 1, "{config}");

    let mut bad = world.command();
    bad.args(["login", "--registry-type", "protected"]);
    let bad = run(&mut bad);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--registry-type"), "{}", bad.stderr);
    assert_eq!(public.calls().len(), 1);
}
