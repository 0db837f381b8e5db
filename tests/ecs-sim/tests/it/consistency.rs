//! Eventual consistency (`consistency_delay`): UpdateService answers with the new
//! PRIMARY deployment and its service deployment at once; the read APIs show them only
//! after the delay.

use ecs_sim::SimConfig;

use crate::faults::raw_http;

use crate::harness::{
    SCALE, describe, ecs_client, register, sim_with, stable_service, update_to, wait_service,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_new_deployment_and_its_service_deployment_show_after_the_delay() {
    // 150 simulated seconds: 3 real seconds at SCALE.
    let sim = sim_with(SimConfig {
        time_scale: SCALE,
        seed: 5,
        consistency_delay: 150.0,
        ..SimConfig::default()
    });
    let client = ecs_client(&sim.endpoint(), 1);
    let v1 = register(&client, "backend", "healthy").await;
    let v2 = register(&client, "backend", "healthy").await;
    let stable = stable_service(&client, "c", "backend", &v1, true).await;
    let old = stable.deployments()[0].id().unwrap().to_owned();
    let old_record = stable.current_service_deployment().unwrap().to_owned();

    let answer = update_to(&client, "c", "backend", &v2).await;
    let primary = answer
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .unwrap();
    let ours = primary.id().unwrap().to_owned();
    assert_eq!(primary.task_definition(), Some(v2.as_str()));
    let record = answer.current_service_deployment().unwrap().to_owned();
    assert_ne!(record, old_record);

    // Read right after: the service as it was.
    let seen = describe(&client, "c", "backend").await;
    let ids: Vec<_> = seen.deployments().iter().filter_map(|d| d.id()).collect();
    assert_eq!(ids, [old.as_str()], "{seen:?}");
    assert_eq!(seen.deployments()[0].status(), Some("PRIMARY"));
    assert_eq!(seen.task_definition(), Some(v1.as_str()));
    assert_eq!(seen.current_service_deployment(), Some(old_record.as_str()));
    let listed = client
        .list_service_deployments()
        .cluster("c")
        .service("backend")
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = listed
        .service_deployments()
        .iter()
        .filter_map(|b| b.service_deployment_arn())
        .collect();
    assert_eq!(arns, [old_record.as_str()]);
    let described = client
        .describe_service_deployments()
        .service_deployment_arns(&record)
        .send()
        .await
        .unwrap();
    assert!(described.service_deployments().is_empty());
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));

    // After the delay: ours, its record, in every read.
    let seen = wait_service(&client, "c", "backend", "our deployment shows", |s| {
        s.deployments()
            .iter()
            .any(|d| d.id() == Some(ours.as_str()))
    })
    .await;
    assert_eq!(seen.deployments()[0].id(), Some(ours.as_str()));
    assert_eq!(seen.current_service_deployment(), Some(record.as_str()));
    let described = client
        .describe_service_deployments()
        .service_deployment_arns(&record)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.service_deployments()[0].service_deployment_arn(),
        Some(record.as_str())
    );
}

#[test]
fn the_delay_must_be_a_number_of_seconds() {
    let err = ecs_sim::start(SimConfig {
        consistency_delay: -1.0,
        ..SimConfig::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: consistency delay must be 0 or more seconds, not -1"
    );
}

#[test]
fn the_admin_endpoint_sets_the_delay() {
    let sim = ecs_sim::start(SimConfig::default()).unwrap();
    let res = raw_http(
        sim.addr(),
        "POST",
        "/__admin/consistency-delay?seconds=12.5",
        "",
        "",
    )
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let health = raw_http(sim.addr(), "GET", "/__admin/health", "", "").unwrap();
    assert!(health.contains(r#""consistencyDelay":12.5"#), "{health}");
    let res = raw_http(
        sim.addr(),
        "POST",
        "/__admin/consistency-delay?seconds=-1",
        "",
        "",
    )
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");
    assert!(sim.set_consistency_delay(f64::NAN).is_err());
}
