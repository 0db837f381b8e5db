//! Unit tests of `render`.
use super::*;
