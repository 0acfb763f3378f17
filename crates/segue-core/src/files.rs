//! Opening files Segue reads from a library: only regular files, never blocking.
//!
//! A music folder is not always tidy: a named pipe called `cover.jpg`, a `folder.jpg` linked to
//! `/dev/zero`, a folder called `front.png`, or a track swapped for a pipe while a scan runs.
//! Opening a pipe for reading waits for a writer forever, and reading a device never ends, so
//! every file read from a library goes through [`open_regular`], which checks the handle it
//! returns (not the path, which can change in between), and bounded reads go through
//! [`read_capped`].

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// File extensions Segue takes for audio. Content decides the real format; the library's
/// scanner reports a file with one of these names that is not audio, and ignores the rest.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "flac", "mp3", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "alac", "wav", "wave", "aif",
    "aiff", "aifc",
];

/// Whether `path` is named as audio (its extension, in any case, is in [`AUDIO_EXTENSIONS`]).
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.as_str()))
}

/// Every file named as audio under `dir`, depth first with each folder's entries in name
/// order, for the benchmarks and tools that read a folder of music (the library's scanner
/// walks by itself: it reports what it cannot read and skips hidden files).
pub fn audio_files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
        let mut entries = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out)?;
            } else if has_audio_extension(&path) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    walk(dir, &mut found)?;
    Ok(found)
}

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
    fn audio_files_under_a_folder_come_depth_first_in_name_order_whatever_the_case() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/disc 2")).expect("folders");
        for name in [
            "b/02.OGG",
            "b/01.flac",
            "b/disc 2/01.opus",
            "b/cover.jpg",
            "a.mp3",
            "notes.txt",
        ] {
            std::fs::write(root.join(name), b"").expect("file");
        }
        let found: Vec<String> = audio_files_under(root)
            .expect("walk")
            .iter()
            .map(|p| p.strip_prefix(root).expect("under").display().to_string())
            .collect();
        assert_eq!(
            found,
            ["a.mp3", "b/01.flac", "b/02.OGG", "b/disc 2/01.opus"]
        );
        assert!(audio_files_under(&root.join("missing")).is_err());
    }

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

/// A WAV or AIFF file cut short: its container and audio chunk sizes promise more bytes than
/// the file holds, which tag readers and demuxers refuse. `patches` rewrite those sizes
/// (offset, new value in the file's byte order) to what is there; read through [`Patched`],
/// the file is a shorter but sound one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcmCut {
    pub patches: Vec<(u64, [u8; 4])>,
    /// Bytes of audio in the file.
    pub audio_bytes: u64,
}

/// Whether `file` (of `size` bytes) is a WAV or AIFF file cut short, and how to read it.
/// Reads at most a few headers; `None` for every other file.
pub fn pcm_cut(file: &mut (impl Read + Seek), size: u64) -> Option<PcmCut> {
    let mut head = [0u8; 12];
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_exact(&mut head).ok()?;
    let riff = match (&head[..4], &head[8..12]) {
        (b"RIFF", b"WAVE") => true,
        (b"FORM", b"AIFF" | b"AIFC") => false,
        _ => return None,
    };
    let size_of = |b: [u8; 4]| {
        u64::from(if riff {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let encode = |v: u64| {
        let v = u32::try_from(v).unwrap_or(u32::MAX);
        if riff {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let declared = size_of([head[4], head[5], head[6], head[7]]);
    // Streaming writers leave 0 or 0xFFFFFFFF.
    if declared == 0 || declared == u64::from(u32::MAX) {
        return None;
    }
    let mut patches = Vec::new();
    if declared + 8 > size {
        patches.push((4, encode(size - 8)));
    }
    let mut offset = 12u64;
    for _ in 0..64 {
        let mut h = [0u8; 8];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut h).ok()?;
        let chunk = size_of([h[4], h[5], h[6], h[7]]);
        let there = size.saturating_sub(offset + 8);
        if &h[..4] == if riff { b"data" } else { b"SSND" } {
            if chunk > there {
                patches.push((offset + 4, encode(there)));
            }
            if patches.is_empty() {
                return None;
            }
            // An AIFF sound chunk starts with 8 bytes of offset and block size.
            let audio_bytes = chunk.min(there).saturating_sub(if riff { 0 } else { 8 });
            return Some(PcmCut {
                patches,
                audio_bytes,
            });
        }
        offset += 8 + chunk + (chunk & 1);
    }
    None
}

/// A reader that sees a few 4-byte fields of its source rewritten (see [`PcmCut`]).
pub struct Patched<R> {
    inner: R,
    position: u64,
    patches: Vec<(u64, [u8; 4])>,
}

impl<R: Read + Seek> Patched<R> {
    /// `inner` from its start, with `patches` applied.
    pub fn new(mut inner: R, patches: Vec<(u64, [u8; 4])>) -> io::Result<Patched<R>> {
        inner.seek(SeekFrom::Start(0))?;
        Ok(Patched {
            inner,
            position: 0,
            patches,
        })
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for Patched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (start, end) = (self.position, self.position + n as u64);
        for (at, bytes) in &self.patches {
            for (i, b) in bytes.iter().enumerate() {
                let p = at + i as u64;
                if (start..end).contains(&p) {
                    buf[(p - start) as usize] = *b;
                }
            }
        }
        self.position = end;
        Ok(n)
    }
}

impl<R: Seek> Seek for Patched<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = self.inner.seek(to)?;
        Ok(self.position)
    }
}
