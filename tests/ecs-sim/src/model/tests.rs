//! Model tests (filled in below).
