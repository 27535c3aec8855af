//! Language quality inspection (placeholder until the QA engine lands).
