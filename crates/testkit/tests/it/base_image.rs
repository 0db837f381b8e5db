//! The local base image exists in both stores the builders read, and the
//! sample Dockerfiles build on it there (the engine's builds are run by
//! sample_app.rs).

use std::process::Command;

use portfolio_testkit::base_image;
use portfolio_testkit::sample_app::{BACKEND, FRONTEND};

#[test]
fn the_sample_images_build_with_buildah_on_the_local_base() {
    let base = base_image::buildah().unwrap();
    assert!(
        base.starts_with("localhost/portfolio-ci/busybox-static:"),
        "{base}"
    );
    for service in [BACKEND, FRONTEND] {
        let tag = format!(
            "localhost/portfolio-ci-test/{}:{}",
            service.name,
            std::process::id()
        );
        let built = Command::new("buildah")
            .args(["build", "--isolation", "chroot", "--quiet", "--build-arg"])
            .arg(base_image::build_arg(&base))
            .args(["--tag", &tag])
            .arg(service.context())
            .output()
            .unwrap();
        let removed = Command::new("buildah")
            .args(["rmi", &tag])
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        assert!(removed.status.success());
    }
}

#[test]
fn the_engine_and_buildah_name_the_base_alike() {
    assert_eq!(
        base_image::docker().unwrap(),
        base_image::buildah().unwrap()
    );
    assert_eq!(base_image::build_arg("b:1"), "BASE=b:1");
}
