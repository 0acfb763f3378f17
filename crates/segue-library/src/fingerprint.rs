//! A fast content fingerprint that recognises a file after a move or rename.
//!
//! Hashing whole files would read the entire library on every first import; instead we hash
//! the size and three 64 KiB windows (start, middle, end). Two different recordings colliding
//! on all of these is not a practical concern, and a file that is only moved keeps all of them.
//! A file that is both moved *and* re-tagged usually changes its first window and is seen as
//! a new file — the old one is then kept as missing, with its history.

use std::io::{Read, Seek, SeekFrom};

use segue_store::Fingerprint;
use xxhash_rust::xxh3::Xxh3;

const WINDOW: u64 = 64 * 1024;

/// Fingerprints an open file of `size` bytes. Leaves the cursor at an unspecified position.
pub fn fingerprint<R: Read + Seek>(reader: &mut R, size: u64) -> std::io::Result<Fingerprint> {
    let mut hasher = Xxh3::new();
    hasher.update(&size.to_le_bytes());
    let mut buf = vec![0u8; WINDOW as usize];
    let starts: &[u64] = if size <= 3 * WINDOW {
        &[0]
    } else {
        &[0, size / 2 - WINDOW / 2, size - WINDOW]
    };
    for &start in starts {
        reader.seek(SeekFrom::Start(start))?;
        let want = if size <= 3 * WINDOW { size } else { WINDOW };
        let mut remaining = want;
        while remaining > 0 {
            let chunk = remaining.min(WINDOW) as usize;
            let n = reader.read(&mut buf[..chunk])?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "file shrank while being read",
                ));
            }
            hasher.update(&buf[..n]);
            remaining -= n as u64;
        }
    }
    Ok(hasher.digest128().to_le_bytes())
}

/// Hash of a byte slice (cover images), same width as file fingerprints.
pub fn hash_bytes(bytes: &[u8]) -> Fingerprint {
    xxhash_rust::xxh3::xxh3_128(bytes).to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn equal_content_equal_fingerprint_and_any_window_change_differs() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let fp = |d: &[u8]| fingerprint(&mut Cursor::new(d), d.len() as u64).expect("fp");
        assert_eq!(fp(&data), fp(&data.clone()));
        for pos in [10, 500_000, 999_990] {
            let mut changed = data.clone();
            changed[pos] ^= 1;
            assert_ne!(fp(&data), fp(&changed), "change at {pos} must show");
        }
        assert_ne!(fp(&data[..1000]), fp(&data[..1001]));
    }
}
