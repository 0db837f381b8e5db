//! ecr-lifecycle (being built).
