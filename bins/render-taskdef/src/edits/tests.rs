//! Unit tests of `edits`.
use super::*;
