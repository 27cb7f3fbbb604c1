//! The checks every fuzz target runs, shared word for word with the
//! proptest suite in `tests/it/fuzz_parsers.rs`.

#[path = "../../tests/it/fuzz_parsers/exercise.rs"]
pub mod exercise;
