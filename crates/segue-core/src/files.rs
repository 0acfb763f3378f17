//! Opening files Segue reads from a library: only regular files, never blocking.
//!
//! A music folder is not always tidy: a named pipe called `cover.jpg`, a `folder.jpg` linked to
//! `/dev/zero`, a folder called `front.png`, or a track swapped for a pipe while a scan runs.
//! Opening a pipe for reading waits for a writer forever, and reading a device never ends, so
//! every file read from a library goes through [`open_regular`], which checks the handle it
//! returns (not the path, which can change in between), and bounded reads go through
//! [`read_capped`].

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// What a path is when it is not a regular file, in words ("a named pipe (FIFO)").
pub fn kind_of_non_file(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if it is a regular file. A pipe, device, socket or folder is an
/// `InvalidInput` error naming what it is, returned at once (the open does not wait for a
/// writer). Links are followed; what they lead to is checked.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = open_without_waiting(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is {}", path.display(), kind_of_non_file(&meta)),
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_without_waiting(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, so opening a pipe returns instead of waiting for a writer; reading a
    // regular file is not affected by the flag.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The contents of the regular file at `path`, if they are at most `limit` bytes; larger is an
/// error (`FileTooLarge`), found out while reading, so a file that grows, or claims a size it
/// does not have, is never read past the limit.
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut data = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("{} is larger than {limit} bytes", path.display()),
        ));
    }
    Ok(data)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_a_device_and_a_folder_are_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("segue-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pipe = dir.join("cover.jpg");
        let _ = std::fs::remove_file(&pipe);
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let err = open_regular(&pipe).expect_err("a pipe");
        assert!(err.to_string().contains("named pipe"), "{err}");
        let err = open_regular(Path::new("/dev/zero")).expect_err("a device");
        assert!(err.to_string().contains("device"), "{err}");
        let err = open_regular(&dir).expect_err("a folder");
        assert!(err.to_string().contains("folder"), "{err}");
        std::fs::remove_file(&pipe).expect("clean up");
    }

    #[test]
    fn a_capped_read_stops_at_the_cap() {
        let path = std::env::temp_dir().join(format!("segue-capped-{}", std::process::id()));
        std::fs::write(&path, vec![7u8; 1000]).expect("write");
        assert_eq!(read_capped(&path, 1000).expect("fits").len(), 1000);
        let err = read_capped(&path, 999).expect_err("too large");
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        std::fs::remove_file(&path).expect("clean up");
    }
}
