//! The user's docker logins are kept: the private auth file starts from
//! their docker config, so a base image in another private registry pulls
//! while the image goes to ours with the ECR login.

use std::fs;

use base64::Engine;
use build_push_image::{PASSWORD_VAR, USERNAME_VAR};
use portfolio_testkit::registry::Registry;

use crate::harness::{World, files_containing, run};

fn base_image_from_a_registry_the_user_logged_in_to(builder: &str) {
    let world = World::start(Some(aws_sdk_ecr::types::ImageTagMutability::Mutable));
    let (user, password) = ("ci", "base-registry-secret");
    let private = Registry::start(user, password).unwrap();
    // The base image, pushed to the other registry by the tool itself.
    let base = world.context("base", &[("base.txt", "base layer")]);
    let mut command = world.command();
    command
        .args(["--registry", &private.host(), "--insecure-registry"])
        .args(["--registry-auth", "basic", "--repository", "team/base"])
        .args(["--tag", "1", "--builder", builder, "--context"])
        .arg(&base)
        .env(USERNAME_VAR, user)
        .env(PASSWORD_VAR, password);
    run(&mut command).assert_code(0);
    // Only the registry has it now: the builder must pull it.
    portfolio_testkit::registry::remove_local_images(&private.host());
    let removed = std::process::Command::new("buildah")
        .args(["rmi", "--all", "--force"])
        .env("CONTAINERS_STORAGE_CONF", world.path("storage.conf"))
        .output();
    assert!(builder != "buildah" || removed.is_ok_and(|out| out.status.success()));

    // The user's `docker login` to that registry, in ~/.docker/config.json.
    let docker_config = world.path("home/.docker");
    fs::create_dir_all(&docker_config).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let user_config = serde_json::json!({"auths": {private.host(): {"auth": auth}}}).to_string();
    fs::write(docker_config.join("config.json"), &user_config).unwrap();

    let app = world.context("app", &[("app.txt", "app")]);
    fs::write(
        app.join("Dockerfile"),
        format!("FROM {}/team/base:1\nCOPY . /app/\n", private.host()),
    )
    .unwrap();
    let done = world.build(builder, &app, &[]);
    let json = done.assert_code(0).json();
    assert_eq!(json["built"], true);
    assert!(
        world
            .manifest(json["context_tag"].as_str().unwrap())
            .is_some()
    );
    // The user's file is as it was: our login never lands there.
    assert_eq!(
        fs::read_to_string(docker_config.join("config.json")).unwrap(),
        user_config
    );
    assert_eq!(
        files_containing(world.root.path(), &world.password),
        Vec::<std::path::PathBuf>::new()
    );
    world.images.remove();
    drop(private);
}

/// containers/image also reads ~/.docker/config.json besides --authfile:
/// for buildah this guards what already worked.
#[test]
fn buildah_pulls_a_private_base_image_with_the_users_login() {
    base_image_from_a_registry_the_user_logged_in_to("buildah");
}

#[test]
fn docker_pulls_a_private_base_image_with_the_users_login() {
    base_image_from_a_registry_the_user_logged_in_to("docker");
}
