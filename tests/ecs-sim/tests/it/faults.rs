//! Errors in the AWS shape, throttling, and pauses that refuse connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use aws_sdk_ecs::error::ProvideErrorMetadata;

use crate::harness::{ecs_client, register, sim, sim_with};

/// Send a raw HTTP/1.1 request and return the whole response.
pub fn raw_http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    stream.read_to_string(&mut out)?;
    Ok(out)
}

#[tokio::test]
async fn missing_cluster_service_and_task_definition() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    let err = ecs
        .describe_services()
        .cluster("nope")
        .services("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ClusterNotFoundException"));
    assert_eq!(err.message(), Some("Cluster not found."));
    assert!(err.into_service_error().is_cluster_not_found_exception());

    ecs.create_cluster()
        .cluster_name("errs")
        .send()
        .await
        .unwrap();
    let err = ecs
        .update_service()
        .cluster("errs")
        .service("ghost")
        .desired_count(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ServiceNotFoundException"));
    assert_eq!(err.message(), Some("Service not found."));

    let out = ecs
        .describe_services()
        .cluster("errs")
        .services("ghost")
        .send()
        .await
        .unwrap();
    assert!(out.services().is_empty());
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));

    let err = ecs
        .describe_task_definition()
        .task_definition("ghost:1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ClientException"));
    assert_eq!(err.message(), Some("Unable to describe task definition."));

    let err = ecs
        .create_service()
        .cluster("errs")
        .service_name("s")
        .task_definition("ghost")
        .desired_count(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ClientException"));

    let err = ecs
        .list_tasks()
        .cluster("errs")
        .service_name("ghost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ServiceNotFoundException"));

    // The raw shape: HTTP 400, __type, message and x-amzn-errortype.
    let res = raw_http(
        sim.addr(),
        "POST",
        "/",
        "X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeClusters\r\nContent-Type: application/x-amz-json-1.1\r\n",
        r#"{"clusters":["nope"]}"#,
    )
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains(r#""reason":"MISSING""#), "{res}");
    let res = raw_http(
        sim.addr(),
        "POST",
        "/",
        "X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeServices\r\n",
        r#"{"cluster":"nope","services":["x"]}"#,
    )
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");
    assert!(
        res.to_ascii_lowercase()
            .contains("x-amzn-errortype: clusternotfoundexception"),
        "{res}"
    );
    assert!(
        res.contains(r#"{"__type":"ClusterNotFoundException","message":"Cluster not found."}"#),
        "{res}"
    );
    let res = raw_http(
        sim.addr(),
        "POST",
        "/",
        "X-Amz-Target: Nope_2020.Do\r\n",
        "{}",
    )
    .unwrap();
    assert!(res.contains("UnknownOperationException"), "{res}");
}

#[tokio::test]
async fn task_definitions_round_trip_with_tags() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    let arn = register(&ecs, "roundtrip", "healthy").await;
    assert_eq!(
        arn,
        "arn:aws:ecs:us-east-1:123456789012:task-definition/roundtrip:1"
    );
    ecs.tag_resource()
        .resource_arn(&arn)
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key("team")
                .value("core")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = ecs
        .describe_task_definition()
        .task_definition("roundtrip")
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let td = out.task_definition().unwrap();
    assert_eq!(td.revision(), 1);
    assert_eq!(td.cpu(), Some("256"));
    assert_eq!(
        td.status(),
        Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Active)
    );
    assert!(td.registered_at().is_some());
    assert!(
        td.compatibilities()
            .contains(&aws_sdk_ecs::types::Compatibility::Fargate)
    );
    assert_eq!(
        td.container_definitions()[0].docker_labels().unwrap()["ecs-sim.behavior"],
        "healthy"
    );
    assert_eq!(out.tags()[0].key(), Some("team"));
    let listed = ecs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 1);
    let list = ecs
        .list_task_definitions()
        .family_prefix("roundtrip")
        .send()
        .await
        .unwrap();
    assert_eq!(list.task_definition_arns(), std::slice::from_ref(&arn));
    ecs.deregister_task_definition()
        .task_definition(&arn)
        .send()
        .await
        .unwrap();
    let list = ecs
        .list_task_definitions()
        .family_prefix("roundtrip")
        .send()
        .await
        .unwrap();
    assert!(list.task_definition_arns().is_empty());

    // Unknown fields survive the round trip.
    let res = crate::faults::raw_http(
        sim.addr(),
        "POST",
        "/",
        "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition\r\n",
        r#"{"family":"odd","containerDefinitions":[{"name":"a","image":"x","futureField":{"k":1}}],"cpu":256,"memory":512,"somethingNew":true}"#,
    )
    .unwrap();
    assert!(
        res.contains(r#""futureField":{"k":1}"#) && res.contains(r#""somethingNew":true"#),
        "{res}"
    );
    assert!(res.contains(r#""cpu":"256""#), "{res}");
}

#[tokio::test]
async fn throttling_answers_throttling_exception() {
    let sim = sim_with(ecs_sim::SimConfig {
        throttle_rate: 1.0,
        time_scale: 50.0,
        ..Default::default()
    });
    let ecs = ecs_client(&sim.endpoint(), 1);
    let err = ecs.list_task_definitions().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.message(), Some("Rate exceeded"));
    sim.set_throttle_rate(0.0);
    ecs.list_task_definitions().send().await.unwrap();
    sim.set_throttle_rate(0.5);
    let mut throttled = 0;
    for _ in 0..40 {
        if ecs.list_task_definitions().send().await.is_err() {
            throttled += 1;
        }
    }
    assert!((5..=35).contains(&throttled), "{throttled} of 40 throttled");
}

#[tokio::test]
async fn pause_refuses_connections_then_recovers() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    ecs.list_task_definitions().send().await.unwrap();
    sim.pause(Duration::from_millis(800)).unwrap();
    let refused = TcpStream::connect(sim.addr()).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(ecs.list_task_definitions().send().await.is_err());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    ecs.list_task_definitions().send().await.unwrap();

    // The same through the admin endpoint.
    let health = raw_http(sim.addr(), "GET", "/__admin/health", "", "").unwrap();
    assert!(
        health.starts_with("HTTP/1.1 200") && health.contains(r#""status":"ok""#),
        "{health}"
    );
    let res = raw_http(sim.addr(), "POST", "/__admin/pause?seconds=2", "", "").unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    loop {
        match TcpStream::connect(sim.addr()) {
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
                break;
            }
            Ok(_) => assert!(std::time::Instant::now() < deadline, "listener still open"),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let health = raw_http(sim.addr(), "GET", "/__admin/health", "", "").unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}
