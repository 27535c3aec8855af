//! Contact compliance (placeholder until the compliance guard lands).
