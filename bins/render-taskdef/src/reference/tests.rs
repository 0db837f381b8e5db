//! Unit tests of `reference`.
use super::*;
