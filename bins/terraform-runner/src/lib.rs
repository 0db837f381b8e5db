//! terraform-runner (being built).
