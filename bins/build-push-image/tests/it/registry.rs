//! Where the image goes: this account's ECR registry by default (the host
//! from STS GetCallerIdentity and the configured region), or --registry
//! with basic credentials from the environment; plain HTTP only on loopback.

use build_push_image::{PASSWORD_VAR, USERNAME_VAR};
use portfolio_testkit::free_port;

use crate::harness::{World, run, sha256};

/// moto's account.
const ACCOUNT: &str = "123456789012";

#[tokio::test(flavor = "multi_thread")]
async fn the_default_registry_host_comes_from_sts() {
    let moto = portfolio_testkit::Moto::start().unwrap();
    let sts = aws_sdk_sts::Client::new(&portfolio_testkit::sdk_config(moto.endpoint()).await);
    let host = build_push_image::ecr::registry_host(&sts, "eu-west-1")
        .await
        .unwrap();
    assert_eq!(host, format!("{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"));
}

#[test]
fn without_registry_the_image_goes_to_the_accounts_ecr_in_the_configured_region() {
    let world = World::start(None);
    let context = world.context("ctx", &[("a.txt", "a")]);
    std::fs::write(
        world.path("portfolio-ci.yaml"),
        "environments:\n  dev:\n    region: eu-west-2\n",
    )
    .unwrap();
    let mut command = world.command();
    command
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["--repository", crate::harness::REPO, "--create-repository"])
        .args(["--builder", "buildah", "--max-attempts", "1", "--context"])
        .arg(&context);
    let done = run(&mut command);
    // The ECR host of a test account cannot be reached from here: the run
    // ends at the first registry call, which names the host it used.
    done.assert_code(1);
    let host = format!("{ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com");
    assert!(
        done.stderr.contains(&format!("registry {host}")),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("created repository"),
        "the repository is created in the configured region: {}",
        done.stderr
    );
}

#[test]
fn basic_auth_takes_the_credentials_from_the_environment_and_no_aws() {
    let world = World::start(None);
    let context = world.context("ctx", &[("a.txt", "basic")]);
    // Any AWS call would fail: nothing listens there.
    let dead = format!("http://127.0.0.1:{}", free_port().unwrap());
    let basic = |password: Option<&str>| {
        let mut command = world.command();
        command
            .args(world.base_args("buildah", &context))
            .args(["--registry-auth", "basic"])
            .env("AWS_ENDPOINT_URL", &dead)
            .env(USERNAME_VAR, "AWS");
        if let Some(password) = password {
            command.env(PASSWORD_VAR, password);
        }
        run(&mut command)
    };

    let done = basic(Some(&world.password));
    let json = done.assert_code(0).json();
    assert_eq!(json["built"], true);
    let digest = json["digest"].as_str().unwrap();
    let served = world
        .manifest(json["context_tag"].as_str().unwrap())
        .unwrap();
    assert_eq!(sha256(&served.bytes), digest);
    assert!(!done.stderr.contains(world.password.as_str()));
    assert!(!done.stdout.contains(world.password.as_str()));

    let wrong = basic(Some("not-the-password"));
    wrong.assert_code(1);
    assert!(
        wrong
            .stderr
            .contains(&format!("registry {}", world.registry.host())),
        "{}",
        wrong.stderr
    );

    let missing = basic(None);
    missing.assert_code(2);
    assert!(missing.stderr.contains(PASSWORD_VAR), "{}", missing.stderr);
}

#[test]
fn plain_http_is_refused_for_a_registry_off_loopback() {
    let world = World::start(None);
    let context = world.context("ctx", &[]);
    let mut command = world.command();
    let mut args = world.base_args("buildah", &context);
    args[1] = "registry.example.com:5000".into();
    command.args(args);
    let refused = run(&mut command);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("--insecure-registry")
            && refused.stderr.contains("registry.example.com:5000"),
        "{}",
        refused.stderr
    );
}
