use aws_smithy_runtime_api::client::orchestrator::Metadata;

use super::operation_name;

#[test]
fn operations_are_named_with_their_iam_service_prefix() {
    let name = |operation: &'static str, service: &'static str| {
        operation_name(&Metadata::new(operation, service))
    };
    assert_eq!(name("DescribeServices", "ECS"), "ecs:DescribeServices");
    assert_eq!(name("GetLogEvents", "CloudWatch Logs"), "logs:GetLogEvents");
    assert_eq!(
        name("GetAuthorizationToken", "ECR PUBLIC"),
        "ecr-public:GetAuthorizationToken"
    );
    assert_eq!(name("DescribeImages", "ECR"), "ecr:DescribeImages");
    assert_eq!(name("GetCallerIdentity", "STS"), "sts:GetCallerIdentity");
}
