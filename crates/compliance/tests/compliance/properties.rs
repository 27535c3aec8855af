//! Property tests: placeholder.
