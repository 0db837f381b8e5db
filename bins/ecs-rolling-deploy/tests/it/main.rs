//! Integration tests of ecs-rolling-deploy (being written).
