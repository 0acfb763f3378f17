//! Paths are stored as raw bytes so that names which are not valid UTF-8 round-trip exactly.

use std::path::{Path, PathBuf};

/// The bytes SQLite stores for `path`.
#[cfg(unix)]
pub fn path_to_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

/// Inverse of [`path_to_bytes`].
#[cfg(unix)]
pub fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

// Windows paths are UTF-16 and may hold unpaired surrogates; WTF-8 via `to_string_lossy` would
// lose those, so store the platform's own encoded bytes.
#[cfg(not(unix))]
pub fn path_to_bytes(path: &Path) -> Vec<u8> {
    path.as_os_str().as_encoded_bytes().to_vec()
}

#[cfg(not(unix))]
pub fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    // Only bytes produced by `path_to_bytes` on this platform are ever stored.
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}
