//! Creating the library's folder and database file so that only their owner can read them.
//!
//! A library holds what someone listens to and when. On Unix the folders Segue creates are
//! 0700 and a new database file 0600, set after creation so the umask cannot widen (or
//! narrow) them; SQLite creates the `-wal` and `-shm` files with the database file's
//! permissions. Folders that already exist (a user's `/tmp`, a home folder) and an existing
//! database keep theirs: they were chosen by someone else.

use std::path::Path;

use crate::{Result, StoreError};

/// Creates `dir` and any missing folders above it, each private to the user.
pub(crate) fn create_dirs(dir: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut next = Some(dir);
    while let Some(d) = next.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d);
        next = d.parent();
    }
    for d in missing.into_iter().rev() {
        let error = |source| StoreError::CreateDir {
            path: d.to_path_buf(),
            source,
        };
        match builder().create(d) {
            Ok(()) => restrict(d, 0o700).map_err(error)?,
            // Another process made it in the meantime: it is theirs, as it is.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(error(e)),
        }
    }
    Ok(())
}

/// Creates the database file empty and private unless something is already at `path`
/// (SQLite then opens what is there, or says why it cannot).
pub(crate) fn create_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let error = |source| StoreError::CreateFile {
        path: path.to_path_buf(),
        source,
    };
    match options.open(path) {
        Ok(_) => restrict(path, 0o600).map_err(error),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(error(e)),
    }
}

fn builder() -> std::fs::DirBuilder {
    #[allow(unused_mut)]
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

/// Sets exactly `mode` on what this process just created (the umask applied at creation).
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
