//! build-push-image (being built).
