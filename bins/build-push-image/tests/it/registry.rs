//! Where the image goes: this account's ECR registry by default (the host
//! from STS GetCallerIdentity and the configured region), or --registry
//! with basic credentials from the environment; plain HTTP only on loopback.

use build_push_image::{PASSWORD_VAR, USERNAME_VAR};
use portfolio_testkit::free_port;

use crate::harness::{World, run, sha256};

/// moto's account.
const ACCOUNT: &str = "123456789012";

/// Another account, whose registry holds the repository.
const OTHER: &str = "210987654321";

#[tokio::test(flavor = "multi_thread")]
async fn the_registry_host_is_the_proxy_endpoint_of_the_ecr_login() {
    let moto = portfolio_testkit::Moto::start().unwrap();
    let config = portfolio_testkit::sdk_config(moto.endpoint()).await;
    let ecr = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(&config)
            .region(aws_sdk_ecr::config::Region::new("eu-west-1"))
            .build(),
    );
    let actions = portfolio_core::Actions::disabled();
    let own = build_push_image::ecr::login(&ecr, &[], &actions)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(
        own[0].registry,
        format!("{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com")
    );
    assert_eq!(own[0].credentials.username, "AWS");
    let other = build_push_image::ecr::login(&ecr, &[OTHER.to_owned()], &actions)
        .await
        .unwrap();
    assert_eq!(
        other[0].registry,
        format!("{OTHER}.dkr.ecr.eu-west-1.amazonaws.com")
    );
}

#[test]
fn another_accounts_repository_is_looked_up_and_created_in_its_registry() {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", "cross-account")]);
    // The caller's account has the repository; the other account has not.
    let missing = world.build("buildah", &context, &["--registry-id", OTHER]);
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );

    let world = World::start(None);
    let context = world.context("ctx", &[("a.txt", "cross-account")]);
    world
        .build(
            "buildah",
            &context,
            &["--registry-id", OTHER, "--create-repository"],
        )
        .assert_code(0);
    let ecr = crate::harness::ecr(&world.moto);
    let found = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(
            ecr.describe_repositories()
                .registry_id(OTHER)
                .repository_names(crate::harness::REPO)
                .send(),
        )
        .unwrap();
    assert_eq!(
        found
            .repositories()
            .iter()
            .map(|r| r.registry_id().unwrap_or_default())
            .collect::<Vec<_>>(),
        [OTHER],
        "created in the other account's registry"
    );
    // The flag is checked before anything is contacted.
    let bad = world.build("buildah", &context, &["--registry-id", "12345"]);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--registry-id"), "{}", bad.stderr);
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
