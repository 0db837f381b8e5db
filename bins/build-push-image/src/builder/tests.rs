//! Unit tests of the builder command plans: the credentials travel as a
//! path, never as a value, and every image is pushed.

use portfolio_core::Actions;

use super::*;
use crate::auth::{Credentials, Reader};

const PASSWORD: &str = "pa55-w0rd-value";

fn spec() -> BuildSpec {
    BuildSpec {
        context: PathBuf::from("/ctx"),
        dockerfile: PathBuf::from("/ctx/Dockerfile"),
        build_args: vec![("A".into(), "1".into())],
        target: Some("prod".into()),
        platform: Some("linux/amd64".into()),
        labels: vec![("k".into(), "v".into())],
        images: vec![
            "reg:5000/app:sha-1234567".into(),
            "reg:5000/app:ctx-abc".into(),
        ],
        provenance: false,
        insecure: true,
        push: true,
        options: BuildOptions::default(),
    }
}

fn files() -> BuildFiles {
    BuildFiles::create(None, &BuildOptions::default()).unwrap()
}

fn plan_for(kind: Kind) -> (Vec<Step>, AuthDir) {
    let credentials = Credentials::new("AWS".into(), PASSWORD.into(), &Actions::disabled());
    let auth = AuthDir::create(None, "reg:5000", Some(&credentials), Reader::Docker).unwrap();
    let builder = Builder {
        kind,
        program: PathBuf::from(format!("/usr/bin/{kind}")),
    };
    (plan(&builder, &spec(), &auth, &files()), auth)
}

fn args(step: &Step) -> Vec<String> {
    step.args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn no_plan_carries_the_password() {
    for kind in [
        Kind::DockerBuildx,
        Kind::DockerClassic,
        Kind::Podman,
        Kind::Buildah,
    ] {
        let (steps, _auth) = plan_for(kind);
        for step in &steps {
            assert!(!step.to_string().contains(PASSWORD), "{step}");
        }
    }
}

#[test]
fn buildah_gets_the_auth_file_and_pushes_every_image() {
    let (steps, auth) = plan_for(Kind::Buildah);
    let authfile = auth.auth_file().display().to_string();
    assert_eq!(steps.len(), 3);
    let build = args(&steps[0]);
    assert_eq!(build[0], "build");
    assert!(
        build
            .windows(2)
            .any(|w| w == ["--authfile", authfile.as_str()])
    );
    assert!(build.iter().any(|a| a == "--tls-verify=false"));
    assert!(build.windows(2).any(|w| w == ["--target", "prod"]));
    assert!(build.windows(2).any(|w| w == ["--build-arg", "A=1"]));
    for (step, image) in steps[1..].iter().zip(&spec().images) {
        let push = args(step);
        assert!(
            push.windows(2)
                .any(|w| w == ["--authfile", authfile.as_str()])
        );
        assert_eq!(push[push.len() - 2], spec().images[0]);
        assert_eq!(push[push.len() - 1], format!("docker://{image}"));
    }
}

#[test]
fn docker_finds_its_config_through_the_environment() {
    let (steps, auth) = plan_for(Kind::DockerClassic);
    assert_eq!(steps.len(), 3);
    for step in &steps {
        assert_eq!(
            step.env,
            vec![(
                "DOCKER_CONFIG".to_owned(),
                auth.docker_config().as_os_str().to_owned()
            )]
        );
    }
    let build = args(&steps[0]);
    assert_eq!(build.iter().filter(|a| *a == "--tag").count(), 2);
    assert_eq!(args(&steps[2]), ["push", "reg:5000/app:ctx-abc"]);
}

#[test]
fn buildx_pushes_in_one_step_without_provenance_by_default() {
    let (steps, _auth) = plan_for(Kind::DockerBuildx);
    assert_eq!(steps.len(), 1);
    let build = args(&steps[0]);
    assert_eq!(&build[..2], ["buildx", "build"]);
    assert!(build.iter().any(|a| a == "--provenance=false"));
    assert!(
        build
            .windows(2)
            .any(|w| w == ["--output", "type=registry,registry.insecure=true"]),
        "{build:?}"
    );
    assert!(!build.iter().any(|a| a == "--push"));
    assert_eq!(build.last().map(String::as_str), Some("/ctx"));

    let credentials = Credentials::new("AWS".into(), PASSWORD.into(), &Actions::disabled());
    let auth = AuthDir::create(None, "reg:5000", Some(&credentials), Reader::Docker).unwrap();
    let builder = Builder {
        kind: Kind::DockerBuildx,
        program: PathBuf::from("/usr/bin/docker"),
    };
    let secure = BuildSpec {
        insecure: false,
        ..spec()
    };
    let build = args(&plan(&builder, &secure, &auth, &files())[0]);
    assert!(build.iter().any(|a| a == "--push"));
    assert!(!build.iter().any(|a| a.contains("insecure")));
}

#[tokio::test]
async fn a_failing_step_reports_the_end_of_its_output() {
    let step = Step {
        name: "sh".into(),
        program: PathBuf::from("/bin/sh"),
        args: vec![
            "-c".into(),
            "echo building; echo 'bad instruction' >&2; exit 3".into(),
        ],
        env: Vec::new(),
    };
    let seen = std::sync::Mutex::new(Vec::new());
    let err = run(&step, &|line: &str| {
        seen.lock().unwrap().push(line.to_owned());
    })
    .await
    .unwrap_err();
    let Error::Builder { output, status, .. } = err else {
        panic!("expected a builder error");
    };
    assert!(output.contains("bad instruction") && output.contains("building"));
    assert!(status.contains('3'));
    assert_eq!(seen.lock().unwrap().len(), 2);
}
