//! The scanner's own SQLite files (the history, the credential attempt
//! budget): opened the one way, owner-only from the first byte, since they
//! name every device and weakness of the city.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// The file could not be created or opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Its folder or the file itself could not be created.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// SQLite could not open it.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The first statements failed: the file is not a SQLite database (or
    /// is damaged).
    #[error("not a usable SQLite database: {0}")]
    NotSqlite(#[source] rusqlite::Error),
}

/// Opens the database at `path` read-write, creating its folder and the
/// file (mode 0600 on Unix) when absent, and runs `setup` (pragmas, a
/// schema) as its first statements. SQLite's journal files take the
/// database file's mode.
pub fn open_owner_only(path: &Path, setup: &str) -> Result<Connection, OpenError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if !path.exists() {
        let mut create = std::fs::OpenOptions::new();
        create.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
        create.open(path)?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(setup).map_err(OpenError::NotSqlite)?;
    Ok(conn)
}
