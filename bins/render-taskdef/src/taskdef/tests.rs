//! Unit tests of `taskdef`.
use super::*;
