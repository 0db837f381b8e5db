use proptest::prelude::*;

use super::*;

fn dep(id: &str, status: &str, rollout: &str) -> DeploymentView {
    DeploymentView {
        id: id.into(),
        status: status.into(),
        task_definition: format!("arn:td/{id}"),
        desired: 2,
        pending: 0,
        running: 1,
        failed_tasks: 0,
        rollout_state: rollout.into(),
        rollout_reason: String::new(),
        created_at: None,
        updated_at: None,
    }
}

fn view(deployments: Vec<DeploymentView>) -> ServiceView {
    ServiceView {
        deployments,
        ..ServiceView::default()
    }
}

#[test]
fn completed_only_when_ours_completes() {
    let v = view(vec![
        dep("ours", "PRIMARY", "IN_PROGRESS"),
        dep("old", "ACTIVE", "COMPLETED"),
    ]);
    assert_eq!(judge(&v, "ours"), Verdict::InProgress);
    let v = view(vec![dep("ours", "PRIMARY", "COMPLETED")]);
    assert_eq!(judge(&v, "ours"), Verdict::Completed);
}

#[test]
fn a_stable_service_after_rollback_is_a_failure() {
    // The rollback deployment completed: the service is stable on the old
    // version, and ours is FAILED.
    let v = view(vec![
        dep("rollback", "PRIMARY", "COMPLETED"),
        dep("ours", "ACTIVE", "FAILED"),
    ]);
    assert_eq!(
        judge(&v, "ours"),
        Verdict::RolledBack {
            rollback: "rollback".into()
        }
    );
}

#[test]
fn failed_and_still_primary_is_not_rolled_back() {
    // Rollback off, or on with no COMPLETED deployment to go back to: ECS
    // started no rollback deployment, so ours stays PRIMARY.
    let v = view(vec![
        dep("ours", "PRIMARY", "FAILED"),
        dep("older", "ACTIVE", "FAILED"),
    ]);
    assert_eq!(judge(&v, "ours"), Verdict::Failed);
}

#[test]
fn superseded_by_a_deployment_we_did_not_start() {
    let v = view(vec![
        dep("theirs", "PRIMARY", "IN_PROGRESS"),
        dep("ours", "ACTIVE", "IN_PROGRESS"),
    ]);
    assert_eq!(
        judge(&v, "ours"),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
    let v = view(vec![dep("theirs", "PRIMARY", "COMPLETED")]);
    assert_eq!(
        judge(&v, "ours"),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
}

#[test]
fn a_rollback_seen_only_after_ours_left_the_list_is_still_a_rollback() {
    let mut v = view(vec![dep("rollback", "PRIMARY", "COMPLETED")]);
    v.events.push(crate::view::EventView {
        id: "e".into(),
        created_at: None,
        message: "(service s) deployment ours deployment failed: tasks failed to start.".into(),
    });
    assert_eq!(
        judge(&v, "ours"),
        Verdict::RolledBack {
            rollback: "rollback".into()
        }
    );
}

#[test]
fn describe_mentions_failed_tasks_only_when_there_are_some() {
    let mut d = dep("ecs-svc/1", "PRIMARY", "IN_PROGRESS");
    assert_eq!(
        describe(&d),
        "ecs-svc/1 IN_PROGRESS: 1/2 running, 0 pending"
    );
    d.failed_tasks = 3;
    assert!(describe(&d).ends_with(", 3 failed tasks"));
}

fn any_deployment() -> impl Strategy<Value = DeploymentView> {
    (
        prop::sample::select(vec!["ours", "a", "b"]),
        prop::sample::select(vec!["PRIMARY", "ACTIVE", "INACTIVE"]),
        prop::sample::select(vec!["IN_PROGRESS", "COMPLETED", "FAILED"]),
    )
        .prop_map(|(id, status, rollout)| dep(id, status, rollout))
}

proptest! {
    #[test]
    fn verdict_follows_our_rollout_state(
        deployments in prop::collection::vec(any_deployment(), 0..5),
    ) {
        let v = view(deployments);
        let verdict = judge(&v, "ours");
        match v.deployment("ours").map(|d| d.rollout_state.as_str()) {
            Some("COMPLETED") => prop_assert_eq!(verdict, Verdict::Completed),
            Some("FAILED") => {
                // Rolled back exactly when another deployment became PRIMARY.
                let other = v.primary().is_some_and(|p| p.id != "ours");
                let expected = match v.primary() {
                    Some(p) if other => Verdict::RolledBack { rollback: p.id.clone() },
                    _ => Verdict::Failed,
                };
                prop_assert_eq!(verdict, expected);
            }
            _ => {
                let ok = matches!(verdict, Verdict::InProgress | Verdict::Superseded { .. });
                prop_assert!(ok, "{:?}", verdict);
            }
        }
    }

    #[test]
    fn superseded_always_names_another_primary(
        deployments in prop::collection::vec(any_deployment(), 0..5),
    ) {
        let v = view(deployments);
        if let Verdict::Superseded { by } = judge(&v, "ours") {
            prop_assert_ne!(by.as_str(), "ours");
            prop_assert!(v.deployments.iter().any(|d| d.id == by && d.status == "PRIMARY"));
        }
    }
}
