//! The attempt budget, stored on disk across runs.
