use serde_json::json;

use super::*;

fn target() -> TargetHealth {
    TargetHealth::new(Target {
        target_group_arn: "arn:tg".into(),
        container_name: "web".into(),
        container_port: 8000,
    })
}

#[test]
fn targets_come_from_the_services_load_balancers() {
    let lbs = json!([
        {"targetGroupArn": "arn:tg", "containerName": "web", "containerPort": 8000},
        {"loadBalancerName": "classic", "containerName": "web", "containerPort": 80}
    ]);
    assert_eq!(
        Target::of_service(Some(&lbs)),
        vec![Target {
            target_group_arn: "arn:tg".into(),
            container_name: "web".into(),
            container_port: 8000
        }]
    );
    assert!(Target::of_service(None).is_empty());
}

#[test]
fn a_registered_target_is_healthy_after_one_passing_check() {
    let cfg = TargetHealthCheck::default();
    let mut h = target();
    h.register(10.0, &cfg);
    assert_eq!(h.next_at, Some(40.0));
    assert_eq!(h.state, TargetState::Initial);
    assert_eq!(
        h.observe(40.0, TargetProbe::Status(200), &cfg),
        TargetState::Healthy
    );
    assert_eq!(h.next_at, Some(70.0));
}

#[test]
fn unhealthy_after_the_threshold_of_failures_and_healthy_again_after_its_threshold() {
    let cfg = TargetHealthCheck::default();
    let mut h = target();
    h.register(0.0, &cfg);
    assert_eq!(
        h.observe(30.0, TargetProbe::Status(500), &cfg),
        TargetState::Initial
    );
    assert_eq!(
        h.observe(60.0, TargetProbe::Status(500), &cfg),
        TargetState::Unhealthy
    );
    assert_eq!(
        h.reason.as_deref(),
        Some("Health checks failed with these codes: [500]")
    );
    for i in 1..cfg.healthy_threshold {
        let at = 60.0 + 30.0 * f64::from(i);
        assert_eq!(
            h.observe(at, TargetProbe::Status(200), &cfg),
            TargetState::Unhealthy
        );
    }
    assert_eq!(
        h.observe(300.0, TargetProbe::Status(200), &cfg),
        TargetState::Healthy
    );
    assert_eq!(h.reason, None);
}

#[test]
fn failure_descriptions_are_elbs() {
    assert_eq!(TargetProbe::Status(200).failure(), None);
    assert_eq!(
        TargetProbe::Status(502).failure().as_deref(),
        Some("Health checks failed with these codes: [502]")
    );
    assert_eq!(
        TargetProbe::Timeout.failure().as_deref(),
        Some("Request timed out")
    );
    assert_eq!(
        TargetProbe::Refused.failure().as_deref(),
        Some("Health checks failed")
    );
}
