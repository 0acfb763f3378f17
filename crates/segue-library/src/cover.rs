//! Cover art: embedded pictures and `cover.jpg` / `folder.jpg` beside the files, each distinct
//! image sent to the store once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lofty::picture::{Picture, PictureInformation};
use segue_store::Fingerprint;

use crate::fingerprint::hash_bytes;

/// File names (lower-case, without extension) tried beside a track, best first.
const FOLDER_ART_NAMES: &[&str] = &["cover", "folder", "front", "album", "albumart"];
const FOLDER_ART_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp"];
/// Images larger than this are ignored (the track still imports): a cover, not a poster scan.
const MAX_COVER_BYTES: usize = 16 * 1024 * 1024;

/// A cover as found for one track.
#[derive(Debug, Clone)]
pub(crate) struct FoundCover {
    pub hash: Fingerprint,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// `None` when another track already sent (or the store already holds) these bytes.
    pub data: Option<Vec<u8>>,
}

/// Shared between scan workers: which images the store already has or has been sent, and
/// the folder art found per directory (read once per folder, not once per track).
pub(crate) struct CoverCache {
    sent: Mutex<HashSet<Fingerprint>>,
    folder_art: Mutex<HashMap<PathBuf, Option<FoundCover>>>,
}

impl CoverCache {
    pub fn new(already_stored: HashSet<Fingerprint>) -> CoverCache {
        CoverCache {
            sent: Mutex::new(already_stored),
            folder_art: Mutex::new(HashMap::new()),
        }
    }

    /// Marks `hash` as sent; true if this call is the first to do so.
    fn first_to_send(&self, hash: Fingerprint) -> bool {
        self.sent
            .lock()
            .map(|mut s| s.insert(hash))
            // A poisoned lock only means another worker panicked; sending bytes twice is harmless.
            .unwrap_or(true)
    }

    /// An embedded picture; `None` if it is too large to be a sensible cover.
    pub fn embedded(&self, picture: &Picture) -> Option<FoundCover> {
        if picture.data().len() > MAX_COVER_BYTES {
            return None;
        }
        // A tag's declared type is not trusted: a "picture" that is not an image is no cover.
        let mime = sniff_mime(picture.data());
        if !mime.starts_with("image/") {
            return None;
        }
        let hash = hash_bytes(picture.data());
        let (width, height) = picture_size(picture);
        Some(FoundCover {
            hash,
            mime,
            width,
            height,
            data: self.first_to_send(hash).then(|| picture.data().to_vec()),
        })
    }

    /// Folder art beside `track_path`, if any.
    pub fn beside(&self, track_path: &Path) -> Option<FoundCover> {
        let dir = track_path.parent()?;
        if let Ok(cache) = self.folder_art.lock()
            && let Some(found) = cache.get(dir)
        {
            // Every later track of the folder refers to the image by hash only.
            return found.clone().map(|c| FoundCover { data: None, ..c });
        }
        // The best-named image that reads as one: a pipe, a device behind a link, a folder
        // named like an image or an oversized file gives way to the next name.
        let found = folder_art_candidates(dir).into_iter().find_map(|path| {
            let data = segue_core::files::read_capped(&path, MAX_COVER_BYTES as u64).ok()?;
            if data.is_empty() {
                return None;
            }
            let hash = hash_bytes(&data);
            let mime = sniff_mime(&data);
            if !mime.starts_with("image/") {
                return None;
            }
            let picture = Picture::unchecked(data).build();
            let (width, height) = picture_size(&picture);
            Some(FoundCover {
                hash,
                mime,
                width,
                height,
                data: Some(picture.into_data()),
            })
        });
        if let Ok(mut cache) = self.folder_art.lock() {
            if let Some(cached) = cache.get(dir) {
                // Another worker got here first and sent the bytes.
                return cached.clone().map(|c| FoundCover { data: None, ..c });
            }
            cache.insert(
                dir.to_path_buf(),
                found.clone().map(|c| FoundCover { data: None, ..c }),
            );
        }
        found.map(|c| {
            let first = self.first_to_send(c.hash);
            FoundCover {
                data: if first { c.data } else { None },
                ..c
            }
        })
    }
}

/// Image files beside a track named like folder art, best name first.
fn folder_art_candidates(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_string_lossy().to_lowercase();
            let ext = path.extension()?.to_string_lossy().to_lowercase();
            if !FOLDER_ART_EXTENSIONS.contains(&ext.as_str()) {
                return None;
            }
            let rank = FOLDER_ART_NAMES.iter().position(|n| *n == stem)?;
            Some((rank, path))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// The image type the bytes are, whatever a tag or a file name declares (the one rule:
/// [`segue_core::image::image_type`]): what is stored is what the window is later served as.
pub(crate) fn sniff_mime(data: &[u8]) -> String {
    segue_core::image::image_type(data)
        .unwrap_or("application/octet-stream")
        .to_owned()
}

fn picture_size(p: &Picture) -> (Option<u32>, Option<u32>) {
    // lofty's JPEG header reader overflows on some damaged headers (found by the fuzz
    // targets): such a picture is still a cover, of unknown size.
    match segue_core::isolate::catch_panic(|| PictureInformation::from_picture(p)) {
        Ok(Ok(info)) if info.width > 0 && info.height > 0 => (Some(info.width), Some(info.height)),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG whose frame header multiplies to more than 255 bits per pixel.
    #[test]
    fn a_jpeg_header_that_overflows_lofty_is_a_cover_of_unknown_size() {
        // SOI, an empty APP0 segment, then SOF0: precision 255, 256 x 512, 255 components.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0xFF, 0x01, 0x00, 0x02, 0x00, 0xFF]);
        jpeg.resize(64, 0);
        let picture = Picture::unchecked(jpeg).build();
        let found = CoverCache::new(Default::default())
            .embedded(&picture)
            .expect("still a cover");
        assert_eq!(found.mime, "image/jpeg");
        assert_eq!((found.width, found.height), (None, None));
    }
}
