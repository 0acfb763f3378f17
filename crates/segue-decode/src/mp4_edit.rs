//! The MP4 edit list of the audio track: where the real audio starts (encoder priming, e.g.
//! 1024 or 2112 AAC frames) and how long it lasts (the rest is padding). symphonia 0.6 does not
//! apply it, so AAC would otherwise play priming silence between gapless tracks.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Priming to skip and the playable length, both in the audio track's media time units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EditList {
    pub media_start: u64,
    pub media_duration: Option<u64>,
}

fn be32(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_be_bytes(
        b.get(at..at + 4)?.try_into().ok()?,
    )))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Iterates the child boxes of `data` as (type, payload).
fn boxes(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let size = be32(data, at)? as usize;
        let kind = data.get(at + 4..at + 8)?;
        let (header, size) = match size {
            1 => (16, be64(data, at + 8)? as usize),
            0 => (8, data.len() - at),
            n => (8, n),
        };
        let payload = data.get(at + header..at.checked_add(size)?)?;
        at += size.max(8);
        Some((kind, payload))
    })
}

fn child<'a>(data: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    boxes(data).find(|(k, _)| *k == kind).map(|(_, p)| p)
}

/// Reads the edit list of the first sound track of the MP4 file at `path`, if it has one.
pub(crate) fn read(path: &Path) -> Option<EditList> {
    let mut file = segue_core::files::open_regular(path).ok()?;
    let len = file.metadata().ok()?.len();
    // Find `moov` among the top-level boxes without reading `mdat`.
    let mut at = 0u64;
    let moov = loop {
        if at + 8 > len {
            return None;
        }
        let mut h = [0u8; 16];
        file.seek(SeekFrom::Start(at)).ok()?;
        file.read_exact(&mut h[..8]).ok()?;
        let mut size = be32(&h, 0)?;
        let mut header = 8;
        if size == 1 {
            file.read_exact(&mut h[8..16]).ok()?;
            size = be64(&h, 8)?;
            header = 16;
        } else if size == 0 {
            size = len - at;
        }
        if size < header {
            return None;
        }
        if &h[4..8] == b"moov" {
            // A sane moov is small; refuse absurd sizes rather than allocate them.
            let body = size - header;
            if body > 64 * 1024 * 1024 {
                return None;
            }
            let mut buf = vec![0u8; body as usize];
            file.read_exact(&mut buf).ok()?;
            break buf;
        }
        at += size;
    };
    let movie_timescale = child(&moov, b"mvhd").and_then(|m| match m.first()? {
        1 => be32(m, 20),
        _ => be32(m, 12),
    })?;
    for (kind, trak) in boxes(&moov) {
        if kind != b"trak" {
            continue;
        }
        let mdia = child(trak, b"mdia")?;
        if child(mdia, b"hdlr").and_then(|h| h.get(8..12)) != Some(b"soun") {
            continue;
        }
        let mdhd = child(mdia, b"mdhd")?;
        let (media_timescale, media_total) = match mdhd.first()? {
            1 => (be32(mdhd, 20)?, be64(mdhd, 24)?),
            _ => (be32(mdhd, 12)?, be32(mdhd, 16)?),
        };
        let elst = child(child(trak, b"edts")?, b"elst")?;
        let version = *elst.first()?;
        let entries = be32(elst, 4)?;
        // Skip leading empty edits (media_time = -1); use the first real one.
        for i in 0..entries.min(16) as usize {
            let (duration, media_time) = if version == 1 {
                (be64(elst, 8 + i * 20)?, be64(elst, 16 + i * 20)? as i64)
            } else {
                (
                    be32(elst, 8 + i * 12)?,
                    i64::from(be32(elst, 12 + i * 12)? as u32 as i32),
                )
            };
            if media_time < 0 {
                continue;
            }
            let start = media_time as u64;
            // The edit's duration is in the movie timescale, often milliseconds: too coarse
            // for sample accuracy. When it agrees with the track's own (exact) length after
            // the priming to within one movie tick, use the exact one.
            let media_duration = (duration > 0 && movie_timescale > 0).then(|| {
                let from_edit = duration * media_timescale / movie_timescale;
                let exact = media_total.saturating_sub(start);
                let tick = media_timescale.div_ceil(movie_timescale);
                if from_edit.abs_diff(exact) <= tick {
                    exact
                } else {
                    from_edit
                }
            });
            return Some(EditList {
                media_start: start,
                media_duration,
            });
        }
        return None;
    }
    None
}
