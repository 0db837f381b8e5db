//! Never replace a newer release with an older one: each run records its
//! commit, commit time and run on the task definition it registers, and a
//! run whose commit is older than the one the service runs is superseded
//! (exit 6) without registering or changing anything, unless
//! `--allow-older`. Commits come from real git repositories: ancestry
//! decides when both are in the local history, commit time when not.

use std::path::Path;

use portfolio_testkit::Run;
use portfolio_testkit::git::Repo;

use crate::harness::{CLUSTER, SCALE, World, finish};
use crate::text::redact;

/// 2026-12-01T10:00:00Z, and an hour later.
const T1: u64 = 1_796_119_200;
const T2: u64 = T1 + 3600;

/// A world whose working directory is a repository with commits A (T1) and
/// B (T2, a child of A), its `backend` service stable.
async fn world() -> (World, Repo, String, String) {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    world.backend_file("healthy");
    let repo = Repo::init(world.path()).unwrap();
    let a = repo.commit("a", T1).unwrap();
    let b = repo.commit("b", T2).unwrap();
    (world, repo, a, b)
}

/// Deploys `td.json` of the world from `dir` as workflow run `run`, with
/// `extra` flags; the summary is kept in `summary-<run>.md`.
async fn deploy(world: &World, dir: &Path, run: u32, extra: &[&str]) -> Run {
    let td = world.path().join("td.json");
    let mut args = vec!["--service", "backend", "--json", "--task-definition"];
    args.push(td.to_str().unwrap());
    args.extend_from_slice(extra);
    let mut command = world.command(&args);
    command
        .current_dir(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", world.path().join(format!("output-{run}")))
        .env(
            "GITHUB_STEP_SUMMARY",
            world.path().join(format!("summary-{run}.md")),
        )
        .env("GITHUB_RUN_ID", run.to_string())
        .env("GITHUB_REPOSITORY", "org/app")
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env_remove("GITHUB_SHA");
    finish(command.spawn().unwrap()).await
}

/// The step summary of run `run`.
fn summary(world: &World, run: u32) -> String {
    std::fs::read_to_string(world.path().join(format!("summary-{run}.md"))).unwrap()
}

/// The task definition the service's PRIMARY deployment runs.
async fn running(world: &World) -> String {
    let out = world
        .ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("backend")
        .send()
        .await
        .unwrap();
    out.services()[0]
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.task_definition())
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_commit_never_replaces_a_newer_one() {
    let (world, repo, a, b) = world().await;
    let newer = deploy(&world, world.path(), 102, &[]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    let deployed = running(&world).await;
    let revisions = world.revisions("portfolio-dev-backend").await;

    // The slower run of the older commit A comes last.
    repo.checkout(&a).unwrap();
    let older = deploy(&world, world.path(), 101, &[]).await;
    assert_eq!(older.code, 6, "{}", older.stderr);
    let json = older.json();
    assert_eq!(json["outcome"], "superseded");
    let service = &json["services"][0];
    assert_eq!(service["outcome"], "superseded");
    assert_eq!(service["newer"]["release"]["commit"], b.as_str());
    assert_eq!(service["newer"]["release"]["run_id"], "102");
    assert_eq!(service["newer"]["basis"], "ancestry");
    assert_eq!(service["release"]["commit"], a.as_str());
    assert_eq!(service["deployment_id"], serde_json::Value::Null);
    // Both commits, their times and the newer one's run are named.
    for text in [
        &b[..7],
        &a[..7],
        "committed 2026-12-01T11:00:00Z",
        "committed 2026-12-01T10:00:00Z",
        "https://github.example/org/app/actions/runs/102",
        "--allow-older",
    ] {
        assert!(older.stderr.contains(text), "{text}: {}", older.stderr);
    }
    // Nothing registered, nothing changed.
    assert_eq!(world.revisions("portfolio-dev-backend").await, revisions);
    assert_eq!(running(&world).await, deployed);
    insta::assert_snapshot!(redact(&summary(&world, 101)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_commit_replaces_an_older_one_and_the_summary_names_it() {
    let (world, repo, a, b) = world().await;
    repo.checkout(&a).unwrap();
    let older = deploy(&world, world.path(), 101, &[]).await;
    assert_eq!(older.code, 0, "{}", older.stderr);
    repo.checkout(&b).unwrap();
    let newer = deploy(&world, world.path(), 102, &[]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    let service = &newer.json()["services"][0];
    assert_eq!(service["release"]["commit"], b.as_str());
    assert_eq!(service["replaced"]["commit"], a.as_str());
    assert_eq!(service["replaced"]["run_id"], "101");
    let md = redact(&summary(&world, 102));
    let releases = md.split("\n### ").next().unwrap();
    insta::assert_snapshot!(releases);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_commit_deploys_again() {
    let (world, _repo, _a, b) = world().await;
    let first = deploy(&world, world.path(), 102, &[]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = deploy(&world, world.path(), 103, &[]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let service = &again.json()["services"][0];
    assert_eq!(service["outcome"], "completed");
    assert_eq!(service["replaced"]["commit"], b.as_str());
    assert_eq!(service["replaced"]["run_id"], "102");
    assert!(running(&world).await.ends_with(":3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_older_rolls_back_on_purpose() {
    let (world, repo, a, b) = world().await;
    let newer = deploy(&world, world.path(), 102, &[]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    repo.checkout(&a).unwrap();
    let older = deploy(&world, world.path(), 101, &["--allow-older"]).await;
    assert_eq!(older.code, 0, "{}", older.stderr);
    let service = &older.json()["services"][0];
    assert_eq!(service["outcome"], "completed");
    assert_eq!(service["release"]["commit"], a.as_str());
    assert_eq!(service["replaced"]["commit"], b.as_str());
    assert!(older.stderr.contains("--allow-older"), "{}", older.stderr);
    assert_eq!(
        running(&world).await,
        service["task_definition_arn"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_history_the_commit_time_decides() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    world.backend_file("healthy");
    // The history lives elsewhere; each run has a shallow clone of its own
    // commit (as actions/checkout leaves it), which knows no other commit.
    let origin = Repo::init(&world.path().join("origin")).unwrap();
    let a = origin.commit("a", T1).unwrap();
    let b = origin.commit("b", T2).unwrap();
    let clone_b = origin
        .shallow_clone(&b, &world.path().join("run-102"))
        .unwrap();
    let clone_a = origin
        .shallow_clone(&a, &world.path().join("run-101"))
        .unwrap();
    let newer = deploy(&world, clone_b.path(), 102, &[]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    let older = deploy(&world, clone_a.path(), 101, &[]).await;
    assert_eq!(older.code, 6, "{}", older.stderr);
    let service = &older.json()["services"][0];
    assert_eq!(service["newer"]["release"]["commit"], b.as_str());
    assert_eq!(service["newer"]["basis"], "commit-time");
    assert!(older.stderr.contains("by commit time"), "{}", older.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_run_supersedes_a_slower_older_one_and_its_summary_says_by_what() {
    let (world, repo, a, b) = world().await;
    let first = running(&world).await;
    // The older run A deploys a slow release and is still following it...
    repo.checkout(&a).unwrap();
    let slow = world.file(
        "slow.json",
        &crate::harness::taskdef("portfolio-dev-backend", "backend", "slow:200"),
    );
    let mut command = world.command(&[
        "--service",
        "backend",
        "--json",
        "--task-definition",
        slow.to_str().unwrap(),
    ]);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", world.path().join("output-101"))
        .env("GITHUB_STEP_SUMMARY", world.path().join("summary-101.md"))
        .env("GITHUB_RUN_ID", "101")
        .env("GITHUB_REPOSITORY", "org/app")
        .env("GITHUB_SERVER_URL", "https://github.example");
    let older = command.spawn().unwrap();
    world.wait_for_new_deployment("backend", &first).await;
    // ...when the newer run B, from a clone of its own, replaces it.
    let clone = repo
        .shallow_clone(&b, &world.path().join("run-102"))
        .unwrap();
    let newer = deploy(&world, clone.path(), 102, &["--no-wait"]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    let older = finish(older).await;
    assert_eq!(older.code, 6, "{}", older.stderr);
    let service = &older.json()["services"][0];
    assert_eq!(service["outcome"], "superseded");
    assert_eq!(service["release"]["commit"], a.as_str());
    assert_eq!(service["by_release"]["commit"], b.as_str());
    assert_eq!(service["by_release"]["run_id"], "102");
    let md = summary(&world, 101);
    assert!(
        md.contains(&format!(
            "superseded by deployment `{}` of `{}` (committed 2026-12-01T11:00:00Z, run \
             [102](https://github.example/org/app/actions/runs/102))",
            service["by"].as_str().unwrap(),
            &b[..7]
        )),
        "{md}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_revision_of_an_older_commit_is_refused_too() {
    let (world, repo, a, b) = world().await;
    repo.checkout(&a).unwrap();
    let older = deploy(&world, world.path(), 101, &[]).await;
    assert_eq!(older.code, 0, "{}", older.stderr);
    let revision_a = older.json()["services"][0]["task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    repo.checkout(&b).unwrap();
    let newer = deploy(&world, world.path(), 102, &[]).await;
    assert_eq!(newer.code, 0, "{}", newer.stderr);
    let deployed = running(&world).await;
    // Whatever the working directory, A's revision records A.
    let by_arn = [
        "--service",
        "backend",
        "--json",
        "--task-definition-arn",
        &revision_a,
    ];
    let refused = world.run(&by_arn).await;
    assert_eq!(refused.code, 6, "{}", refused.stderr);
    let service = &refused.json()["services"][0];
    assert_eq!(service["release"]["commit"], a.as_str());
    assert_eq!(service["newer"]["release"]["commit"], b.as_str());
    assert_eq!(running(&world).await, deployed);
    let mut allowed = by_arn.to_vec();
    allowed.push("--allow-older");
    let rollback = world.run(&allowed).await;
    assert_eq!(rollback.code, 0, "{}", rollback.stderr);
    assert_eq!(running(&world).await, revision_a);
}
