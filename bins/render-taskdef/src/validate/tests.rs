//! Unit tests of `validate`.
use super::*;
