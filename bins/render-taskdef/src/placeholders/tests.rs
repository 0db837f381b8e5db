//! Unit tests of `placeholders`.
use super::*;
