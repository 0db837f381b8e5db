//! Integration tests of render-taskdef (being built).
