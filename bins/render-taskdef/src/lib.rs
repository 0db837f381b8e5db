//! render-taskdef (being built).
