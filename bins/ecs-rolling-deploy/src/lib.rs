//! ecs-rolling-deploy (being built).
