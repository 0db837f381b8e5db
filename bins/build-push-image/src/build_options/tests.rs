//! Unit tests of the builder inputs: parsing, what each builder supports,
//! and the flags each gets.

use super::*;

fn none(_: &str) -> Option<String> {
    None
}

fn resolve(raw: Raw<'_>) -> Result<BuildOptions, InvalidInput> {
    BuildOptions::resolve(raw, &none)
}

fn empty() -> Raw<'static> {
    Raw {
        cache_from: &[],
        cache_to: &[],
        secret_files: &[],
        secret_envs: &[],
        ssh: &[],
        build_contexts: &[],
        no_cache: false,
        pull: false,
        annotations: &[],
        outputs: &[],
        buildx_builder: None,
    }
}

fn strings(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn registry_caches_are_understood_in_both_spellings() {
    let from = ["type=registry,ref=reg:5000/app:cache".to_owned()];
    let to = ["reg:5000/app:cache".to_owned()];
    let options = resolve(Raw {
        cache_from: &from,
        cache_to: &to,
        ..empty()
    })
    .unwrap();
    assert_eq!(
        options.cache_from[0].registry.as_deref(),
        Some("reg:5000/app:cache")
    );
    assert_eq!(
        options.cache_to[0].registry.as_deref(),
        Some("reg:5000/app:cache")
    );
    let buildah = strings(&options.args(Kind::Buildah, &|_| None));
    assert_eq!(
        buildah,
        [
            "--cache-from",
            "reg:5000/app:cache",
            "--cache-to",
            "reg:5000/app:cache",
            "--layers"
        ]
    );
    let buildx = strings(&options.args(Kind::DockerBuildx, &|_| None));
    assert_eq!(buildx[1], "type=registry,ref=reg:5000/app:cache");
}

#[test]
fn each_builder_refuses_what_it_cannot_do_naming_the_flag_and_itself() {
    let gha = ["type=gha".to_owned()];
    let options = resolve(Raw {
        cache_from: &gha,
        ..empty()
    })
    .unwrap();
    let err = options.check(Kind::Buildah).unwrap_err();
    assert_eq!(err.field, "--cache-from");
    assert!(
        err.reason.contains("buildah") && err.reason.contains("type=gha"),
        "{err}"
    );
    assert!(options.check(Kind::DockerBuildx).is_ok());

    let annotation = ["a=b".to_owned()];
    let options = resolve(Raw {
        annotations: &annotation,
        ..empty()
    })
    .unwrap();
    assert!(options.check(Kind::Buildah).is_ok());
    let err = options.check(Kind::DockerClassic).unwrap_err();
    assert_eq!(err.field, "--annotation");

    let options = resolve(Raw {
        buildx_builder: Some("builder-1"),
        ..empty()
    })
    .unwrap();
    assert_eq!(
        options.check(Kind::Buildah).unwrap_err().field,
        "--buildx-builder"
    );
    assert!(options.check(Kind::DockerBuildx).is_ok());
}

#[test]
fn secrets_come_from_files_variables_and_lines_and_never_show() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "from-file").unwrap();
    let files = [format!("file={}", file.display())];
    let envs = ["env=MY_VAR".to_owned()];
    let env = |name: &str| match name {
        "MY_VAR" => Some("from-env".to_owned()),
        SECRETS_VAR => Some("line=from-line\n\nother=a=b\n".to_owned()),
        _ => None,
    };
    let options = BuildOptions::resolve(
        Raw {
            secret_files: &files,
            secret_envs: &envs,
            ..empty()
        },
        &env,
    )
    .unwrap();
    let ids: Vec<&str> = options.secrets.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["file", "env", "line", "other"]);
    assert!(options.secrets[3].source == SecretSource::Value("a=b".to_owned()));
    let debug = format!("{options:?}");
    assert!(
        !debug.contains("from-env") && !debug.contains("from-line"),
        "{debug}"
    );

    let args = strings(&options.args(Kind::Buildah, &|id| {
        Some(PathBuf::from(format!("/private/{id}")))
    }));
    assert!(args.contains(&format!("id=file,src={}", file.display())));
    assert!(args.contains(&"id=line,src=/private/line".to_owned()));
    assert!(!args.iter().any(|a| a.contains("from-")));

    // A bad line is refused without echoing it (it may be the secret).
    let bad = |name: &str| (name == SECRETS_VAR).then(|| "no-id-here".to_owned());
    let err = BuildOptions::resolve(empty(), &bad).unwrap_err();
    assert!(!err.reason.contains("no-id-here"), "{err}");
    let missing = ["x=UNSET".to_owned()];
    let err = resolve(Raw {
        secret_envs: &missing,
        ..empty()
    })
    .unwrap_err();
    assert!(err.reason.contains("UNSET"), "{err}");
}

#[test]
fn outputs_and_build_contexts_are_checked() {
    let bad = ["type=registry,name=x".to_owned()];
    assert_eq!(
        resolve(Raw {
            outputs: &bad,
            ..empty()
        })
        .unwrap_err()
        .field,
        "--output"
    );
    let good = ["type=local,dest=out".to_owned()];
    let options = resolve(Raw {
        outputs: &good,
        ..empty()
    })
    .unwrap();
    assert!(options.forces_build());

    let missing = ["lib=/no/such/dir".to_owned()];
    assert_eq!(
        resolve(Raw {
            build_contexts: &missing,
            ..empty()
        })
        .unwrap_err()
        .field,
        "--build-context"
    );
    let dir = tempfile::tempdir().unwrap();
    let contexts = [
        format!("lib={}", dir.path().display()),
        "base=docker-image://alpine:3".to_owned(),
    ];
    let options = resolve(Raw {
        build_contexts: &contexts,
        ..empty()
    })
    .unwrap();
    assert_eq!(options.context_dirs().len(), 1);
    let hashed = options.hashed(&[("lib".into(), "abc".into())]);
    assert_eq!(
        hashed,
        [
            ("build-context:lib".to_owned(), "abc".to_owned()),
            (
                "build-context:base".to_owned(),
                "docker-image://alpine:3".to_owned()
            )
        ]
    );
}
