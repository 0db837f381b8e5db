use portfolio_testkit::git::Repo;

use super::*;

/// 2026-12-01T10:00:00Z and an hour later.
const T1: u64 = 1_796_119_200;
const T2: u64 = T1 + 3600;

fn release(commit: &str, committed_at: Option<&str>) -> Release {
    Release {
        commit: commit.to_owned(),
        committed_at: committed_at.map(str::to_owned),
        run_id: None,
        run_url: None,
    }
}

#[test]
fn tags_record_a_release_and_read_it_back() {
    let ours = Release {
        commit: "0123456789abcdef0123456789abcdef01234567".into(),
        committed_at: Some("2026-12-01T10:00:00Z".into()),
        run_id: Some("42".into()),
        run_url: Some(run_url("https://github.com/", "o/r", "42")),
    };
    let tags = ours.tags();
    assert_eq!(
        tags,
        [
            (COMMIT_TAG, ours.commit.clone()),
            (COMMIT_TIME_TAG, "2026-12-01T10:00:00Z".to_owned()),
            (RUN_ID_TAG, "42".to_owned()),
            (
                RUN_URL_TAG,
                "https://github.com/o/r/actions/runs/42".to_owned()
            ),
        ]
    );
    let other = [("portfolio-ci:env", "dev")];
    let read = Release::from_tags(
        tags.iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(other.iter().copied()),
    );
    assert_eq!(read.as_ref(), Some(&ours));
    assert_eq!(
        ours.to_string(),
        "0123456 (committed 2026-12-01T10:00:00Z, run 42)"
    );
    // Without a commit, tags record no release.
    assert_eq!(Release::from_tags([(COMMIT_TIME_TAG, "x")]), None);
}

#[test]
fn ancestry_decides_when_both_commits_are_local() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::init(dir.path()).unwrap();
    // The older commit carries the later committer time: ancestry wins.
    let a = repo.commit("a", T2).unwrap();
    let b = repo.commit("b", T1).unwrap();
    let (ra, rb) = (release(&a, None), release(&b, None));
    assert_eq!(order(repo.path(), &rb, &ra), Order::Newer(Basis::Ancestry));
    assert_eq!(order(repo.path(), &ra, &rb), Order::Older(Basis::Ancestry));
    assert_eq!(order(repo.path(), &ra, &ra), Order::Same);
}

#[test]
fn commit_time_decides_without_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::init(&dir.path().join("full")).unwrap();
    let a = repo.commit("a", T1).unwrap();
    let b = repo.commit("b", T2).unwrap();
    // A shallow clone of a knows neither b nor any ancestry.
    let clone = repo.shallow_clone(&a, &dir.path().join("shallow")).unwrap();
    let discovered = Release::discover_with(clone.path(), |_| None).unwrap();
    assert_eq!(discovered.commit, a);
    assert_eq!(
        discovered.committed_at.as_deref(),
        Some("2026-12-01T10:00:00Z")
    );
    let newer = release(&b, Some("2026-12-01T11:00:00Z"));
    assert_eq!(
        order(clone.path(), &discovered, &newer),
        Order::Older(Basis::CommitTime)
    );
    assert_eq!(
        order(clone.path(), &newer, &discovered),
        Order::Newer(Basis::CommitTime)
    );
    // b's time unrecorded and b not local: nothing tells.
    let unknown = order(clone.path(), &discovered, &release(&b, None));
    assert!(
        matches!(&unknown, Order::Unknown(why) if why.contains("not in the local history")),
        "{unknown:?}"
    );
}
