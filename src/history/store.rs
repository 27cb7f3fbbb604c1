//! The SQLite history store.
