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

/// `d` created at `t`.
fn at(mut d: DeploymentView, t: f64) -> DeploymentView {
    d.created_at = Some(t);
    d
}

/// Ours, with nothing known about what came before.
fn ours() -> Tracked {
    Tracked {
        id: "ours".into(),
        ..Tracked::default()
    }
}

/// Ours, created at 100 by an update of a service whose deployment `old`
/// ran `arn:td/old`.
fn ours_after_old() -> Tracked {
    Tracked {
        id: "ours".into(),
        created_at: Some(100.0),
        earlier: vec!["old".into()],
        previous_task_definition: "arn:td/old".into(),
    }
}

/// What the judge says of `ours` in `v`, asking for the record `record`
/// only when it needs one.
fn verdict(v: &ServiceView, ours: &Tracked, record: Option<&str>) -> Verdict {
    let record = record.filter(|_| needs_record(v, ours));
    judge(v, ours, record)
}

#[test]
fn completed_only_when_ours_completes() {
    let v = view(vec![
        dep("ours", "PRIMARY", "IN_PROGRESS"),
        dep("old", "ACTIVE", "COMPLETED"),
    ]);
    assert_eq!(judge(&v, &ours(), None), Verdict::InProgress);
    let v = view(vec![dep("ours", "PRIMARY", "COMPLETED")]);
    assert_eq!(judge(&v, &ours(), None), Verdict::Completed);
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
        judge(&v, &ours(), None),
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
    assert_eq!(judge(&v, &ours(), None), Verdict::Failed);
}

#[test]
fn superseded_by_a_deployment_we_did_not_start() {
    let v = view(vec![
        dep("theirs", "PRIMARY", "IN_PROGRESS"),
        dep("ours", "ACTIVE", "IN_PROGRESS"),
    ]);
    assert_eq!(
        judge(&v, &ours(), None),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
    let v = view(vec![dep("theirs", "PRIMARY", "COMPLETED")]);
    assert_eq!(
        judge(&v, &ours(), None),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
}

#[test]
fn once_ours_left_the_list_its_service_deployment_decides() {
    // The rollback of ours completed between two polls: ours is gone.
    let mut rollback = at(dep("rollback", "PRIMARY", "COMPLETED"), 200.0);
    rollback.task_definition = "arn:td/old".into();
    let v = view(vec![rollback]);
    let o = ours_after_old();
    assert!(needs_record(&v, &o));
    let rolled_back = Verdict::RolledBack {
        rollback: "rollback".into(),
    };
    for status in [
        "ROLLBACK_REQUESTED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_SUCCESSFUL",
    ] {
        assert_eq!(verdict(&v, &o, Some(status)), rolled_back, "{status}");
    }
    assert_eq!(verdict(&v, &o, Some("ROLLBACK_FAILED")), Verdict::Failed);
    // Ours completed, then another deployment replaced it.
    assert_eq!(verdict(&v, &o, Some("SUCCESSFUL")), Verdict::Completed);
    let superseded = Verdict::Superseded {
        by: "rollback".into(),
    };
    assert_eq!(verdict(&v, &o, Some("STOPPED")), superseded);
    assert_eq!(verdict(&v, &o, Some("STOP_REQUESTED")), superseded);
    // The record lags behind the service: wait.
    assert_eq!(verdict(&v, &o, Some("IN_PROGRESS")), Verdict::InProgress);
    assert_eq!(verdict(&v, &o, Some("PENDING")), Verdict::InProgress);
    // No record to read: the newer deployment runs what ran before ours.
    assert_eq!(verdict(&v, &o, None), rolled_back);
    let mut theirs = at(dep("theirs", "PRIMARY", "IN_PROGRESS"), 200.0);
    theirs.task_definition = "arn:td/theirs".into();
    let v = view(vec![theirs]);
    assert_eq!(
        verdict(&v, &o, None),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
}

#[test]
fn events_never_decide() {
    // ECS's own texts say ours failed and rolls back; the states say another
    // deployment replaced it: the states win.
    let mut theirs = at(dep("theirs", "PRIMARY", "IN_PROGRESS"), 200.0);
    theirs.task_definition = "arn:td/theirs".into();
    let mut v = view(vec![theirs]);
    for message in [
        "(service s) (deployment ours) deployment failed: tasks failed to start.",
        "(service s) rolling back to deployment old.",
    ] {
        v.events.push(crate::view::EventView {
            id: message.into(),
            created_at: None,
            message: message.into(),
        });
    }
    assert_eq!(
        verdict(&v, &ours_after_old(), Some("STOPPED")),
        Verdict::Superseded {
            by: "theirs".into()
        }
    );
}

#[test]
fn a_view_from_before_our_update_is_never_judged() {
    // DescribeServices lags UpdateService: the old deployment is still
    // PRIMARY and COMPLETED, ours not listed yet.
    let v = view(vec![at(dep("old", "PRIMARY", "COMPLETED"), 50.0)]);
    let o = ours_after_old();
    assert!(!needs_record(&v, &o));
    assert_eq!(verdict(&v, &o, Some("STOPPED")), Verdict::InProgress);
    // Known from before our update, whatever its time says.
    let v = view(vec![dep("old", "PRIMARY", "COMPLETED")]);
    assert_eq!(verdict(&v, &o, None), Verdict::InProgress);
    // Created before ours, though not listed before our update.
    let v = view(vec![at(dep("other", "PRIMARY", "IN_PROGRESS"), 99.0)]);
    assert_eq!(verdict(&v, &o, None), Verdict::InProgress);
}

#[test]
fn failed_and_primary_waits_for_a_rollback_not_listed_yet() {
    let v = view(vec![
        at(dep("ours", "PRIMARY", "FAILED"), 100.0),
        at(dep("old", "ACTIVE", "COMPLETED"), 50.0),
    ]);
    let o = ours_after_old();
    assert!(needs_record(&v, &o));
    assert_eq!(
        verdict(&v, &o, Some("ROLLBACK_IN_PROGRESS")),
        Verdict::InProgress
    );
    for status in ["STOPPED", "ROLLBACK_FAILED"] {
        assert_eq!(verdict(&v, &o, Some(status)), Verdict::Failed, "{status}");
    }
    assert_eq!(verdict(&v, &o, None), Verdict::Failed);
}

#[test]
fn failed_and_stopped_is_a_failure_even_when_replaced() {
    // Rollback off: ours FAILED, then someone deployed again.
    let v = view(vec![
        at(dep("theirs", "PRIMARY", "IN_PROGRESS"), 200.0),
        at(dep("ours", "ACTIVE", "FAILED"), 100.0),
    ]);
    assert_eq!(
        verdict(&v, &ours_after_old(), Some("STOPPED")),
        Verdict::Failed
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
        let verdict = judge(&v, &ours(), None);
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
    fn a_primary_older_than_ours_never_decides(
        deployments in prop::collection::vec(any_deployment(), 0..5),
        record in prop::sample::select(vec![
            None, Some("IN_PROGRESS"), Some("SUCCESSFUL"), Some("STOPPED"),
            Some("ROLLBACK_IN_PROGRESS"), Some("ROLLBACK_SUCCESSFUL"), Some("ROLLBACK_FAILED"),
        ]),
    ) {
        // A snapshot from before our update: every deployment is older
        // than ours, and ours is not listed.
        let older: Vec<_> = deployments
            .into_iter()
            .filter(|d| d.id != "ours")
            .map(|d| at(d, 50.0))
            .collect();
        let v = view(older);
        prop_assert_eq!(verdict(&v, &ours_after_old(), record), Verdict::InProgress);
    }

    #[test]
    fn superseded_always_names_another_primary(
        deployments in prop::collection::vec(any_deployment(), 0..5),
    ) {
        let v = view(deployments);
        if let Verdict::Superseded { by } = judge(&v, &ours(), None) {
            prop_assert_ne!(by.as_str(), "ours");
            prop_assert!(v.deployments.iter().any(|d| d.id == by && d.status == "PRIMARY"));
        }
    }
}
