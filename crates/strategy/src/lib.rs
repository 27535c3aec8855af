//! Collection strategy files (placeholder until the strategy engine lands).
