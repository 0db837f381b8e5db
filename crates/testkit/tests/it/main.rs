//! Integration tests of the test support itself: the stand-ins really start,
//! answer, and go away with their handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod base_image;
mod moto;
mod sample_app;
