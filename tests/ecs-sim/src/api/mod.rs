//! The AWS JSON 1.1 API: one `POST /` endpoint whose `X-Amz-Target` header names the
//! operation, for ECS (`AmazonEC2ContainerServiceV20141113.*`) and CloudWatch Logs
//! (`Logs_20140328.*`).

pub mod dispatch;
pub mod ecs;
pub mod errors;
pub mod logs;
pub mod params;
pub mod render;
pub mod run_task;
