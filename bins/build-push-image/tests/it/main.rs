//! Integration tests of build-push-image.
