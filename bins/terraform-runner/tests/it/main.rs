//! Integration tests of terraform-runner (being built).
