//! Cheap structural checks that catch truncated files and absurd declared sizes.
//!
//! Tag readers trust headers: a FLAC cut in half still reports its full length. These checks
//! compare what a container's own headers promise with the bytes actually present, reading a
//! few kilobytes at the start and end of the file. They never decode audio.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use segue_core::IssueKind;

/// A structural problem: its kind and a sentence for the report.
#[derive(Debug)]
pub(crate) struct Problem {
    pub kind: IssueKind,
    pub message: String,
    /// For a truncated file, the share of its declared audio that is there, where the headers
    /// tell.
    pub present: Option<f64>,
    /// For a truncated Ogg stream, the granule position (the sample count, in the codec's
    /// clock) of its last complete page: how much of it plays.
    pub last_granule: Option<u64>,
    /// For a truncated WAV or AIFF file, what makes its headers fit the bytes that are there.
    pub pcm_cut: Option<segue_core::files::PcmCut>,
}

const TAIL: u64 = 64 * 1024;

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Checks `file` (of `size` bytes). `Ok` means nothing wrong was found.
pub(crate) fn check(file: &mut File, size: u64) -> Result<(), Problem> {
    let mut head = [0u8; 16];
    let n = read_at(file, 0, &mut head).unwrap_or(0);
    let head = &head[..n];
    if head.starts_with(b"ID3") && head.len() >= 10 {
        let declared = 10 + syncsafe(&head[6..10]);
        if declared > size {
            return Err(Problem {
                kind: IssueKind::TooLarge,
                message: format!(
                    "its ID3v2 tag declares {} but the whole file is {}: the tag header is damaged",
                    mb(declared),
                    mb(size)
                ),
                present: None,
                last_granule: None,
                pcm_cut: None,
            });
        }
        return check_mpeg(file, size, declared);
    }
    match head {
        [b'f', b'L', b'a', b'C', ..] => check_flac(file, size),
        [b'O', b'g', b'g', b'S', ..] => check_ogg(file, size),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            a,
            b,
            c,
            d,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ] => check_chunk_size(file, u32::from_le_bytes([*a, *b, *c, *d]), size, "RIFF"),
        [b'F', b'O', b'R', b'M', a, b, c, d, b'A', b'I', b'F', _, ..] => {
            check_chunk_size(file, u32::from_be_bytes([*a, *b, *c, *d]), size, "FORM")
        }
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => check_mp4(file, size),
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => check_mpeg(file, size, 0),
        _ => Ok(()),
    }
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    file.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

fn read_tail(file: &mut File, size: u64) -> Vec<u8> {
    let start = size.saturating_sub(TAIL);
    let mut buf = vec![0u8; (size - start) as usize];
    let n = read_at(file, start, &mut buf).unwrap_or(0);
    buf.truncate(n);
    buf
}

fn syncsafe(b: &[u8]) -> u64 {
    b.iter()
        .fold(0u64, |acc, &x| (acc << 7) | u64::from(x & 0x7F))
}

fn truncated(msg: String) -> Problem {
    Problem {
        kind: IssueKind::Truncated,
        message: format!("the file is truncated: {msg}"),
        present: None,
        last_granule: None,
        pcm_cut: None,
    }
}

/// A truncated file of which `present` (0-1) of the declared audio is there.
fn truncated_to(msg: String, present: f64) -> Problem {
    Problem {
        present: Some(present.clamp(0.0, 1.0)),
        ..truncated(msg)
    }
}

fn check_chunk_size(file: &mut File, declared: u32, size: u64, name: &str) -> Result<(), Problem> {
    let needed = u64::from(declared) + 8;
    // Some writers leave the size 0 or 0xFFFFFFFF while streaming; that is not truncation.
    if declared != 0 && declared != u32::MAX && needed > size + 1 {
        return Err(Problem {
            pcm_cut: segue_core::files::pcm_cut(file, size),
            ..truncated(format!(
                "its {name} header promises {} but the file is {}",
                mb(needed),
                mb(size)
            ))
        });
    }
    Ok(())
}

/// Every top-level MP4 box must fit in the file.
fn check_mp4(file: &mut File, size: u64) -> Result<(), Problem> {
    let mut offset = 0u64;
    for _ in 0..64 {
        if offset + 8 > size {
            break;
        }
        let mut h = [0u8; 16];
        if read_at(file, offset, &mut h).unwrap_or(0) < 8 {
            break;
        }
        let small = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        let name = String::from_utf8_lossy(&h[4..8]).into_owned();
        let box_size = match small {
            0 => size - offset, // extends to end of file
            1 => u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]),
            n => n,
        };
        if box_size < 8 {
            return Err(Problem {
                kind: IssueKind::Corrupt,
                message: format!("the MP4 box '{name}' at byte {offset} has an impossible size"),
                present: None,
                last_granule: None,
                pcm_cut: None,
            });
        }
        if offset + box_size > size {
            // Only the media data's share tells how much plays; a cut index plays nothing.
            let present = (name == "mdat").then(|| (size - offset) as f64 / box_size as f64);
            return Err(Problem {
                present,
                ..truncated(format!(
                    "the MP4 box '{name}' needs {} but the file ends after {}",
                    mb(offset + box_size),
                    mb(size)
                ))
            });
        }
        offset += box_size;
    }
    Ok(())
}

/// The last Ogg page must be complete and marked end-of-stream.
fn check_ogg(file: &mut File, size: u64) -> Result<(), Problem> {
    let tail = read_tail(file, size);
    let Some(pos) = tail.windows(4).rposition(|w| w == b"OggS") else {
        return Err(truncated("no complete Ogg page at its end".into()));
    };
    let page = &tail[pos..];
    let cut_short = |message: String| Problem {
        last_granule: last_complete_granule(&tail[..pos]),
        ..truncated(message)
    };
    let Some(page_len) = ogg_page_len(page) else {
        return Err(cut_short("its last Ogg page is cut off".into()));
    };
    if page.len() < page_len {
        return Err(cut_short(format!(
            "its last Ogg page is cut off ({} of {page_len} bytes)",
            page.len()
        )));
    }
    if page[5] & 0x04 == 0 {
        return Err(Problem {
            last_granule: ogg_granule(page),
            ..truncated("the stream stops without its end-of-stream page".into())
        });
    }
    Ok(())
}

/// The length of the Ogg page `page` starts with, if its header is all there.
fn ogg_page_len(page: &[u8]) -> Option<usize> {
    let segments = usize::from(*page.get(26)?);
    let lacing = page.get(27..27 + segments)?;
    Some(27 + segments + lacing.iter().map(|&b| usize::from(b)).sum::<usize>())
}

/// A complete page's granule position, unless it is -1 (no packet ends on the page).
fn ogg_granule(page: &[u8]) -> Option<u64> {
    let g = i64::from_le_bytes(page.get(6..14)?.try_into().ok()?);
    u64::try_from(g).ok()
}

/// The granule position of the last complete page in `data` (which ends where a cut-off page
/// begins).
fn last_complete_granule(data: &[u8]) -> Option<u64> {
    let mut end = data.len();
    while let Some(pos) = data[..end].windows(4).rposition(|w| w == b"OggS") {
        let page = &data[pos..];
        if ogg_page_len(page).is_some_and(|len| len <= page.len())
            && let Some(g) = ogg_granule(page)
        {
            return Some(g);
        }
        end = pos;
    }
    None
}

/// Compares the sample position of the last FLAC frame with STREAMINFO's total.
fn check_flac(file: &mut File, size: u64) -> Result<(), Problem> {
    let mut si = [0u8; 42];
    if read_at(file, 0, &mut si).unwrap_or(0) < 42 || si[4] & 0x7F != 0 {
        return Ok(()); // STREAMINFO must come first; lofty reports other damage.
    }
    let b = &si[8..42];
    let min_block = u64::from(u16::from_be_bytes([b[0], b[1]]));
    let sample_rate = (u64::from(b[10]) << 12) | (u64::from(b[11]) << 4) | u64::from(b[12] >> 4);
    let total = (u64::from(b[13] & 0x0F) << 32)
        | u64::from(u32::from_be_bytes([b[14], b[15], b[16], b[17]]));
    if total == 0 || sample_rate == 0 {
        return Ok(()); // unknown length (streamed FLAC): nothing to compare with
    }
    let tail = read_tail(file, size);
    let last_end = (0..tail.len().saturating_sub(16))
        .rev()
        .find_map(|i| flac_frame_end(&tail[i..], min_block));
    let Some(end) = last_end else {
        return Err(truncated("no FLAC frame found at its end".into()));
    };
    // A frame header in the tail that ends well short of the promised total means frames are
    // missing. (The last frame may be shorter than the block size, hence `end >= total`.)
    if end + sample_rate / 10 < total {
        return Err(truncated_to(
            format!(
                "audio stops at {:.1} s of {:.1} s",
                end as f64 / sample_rate as f64,
                total as f64 / sample_rate as f64
            ),
            end as f64 / total as f64,
        ));
    }
    Ok(())
}

/// If `d` starts with a valid FLAC frame header, the sample index at which that frame ends.
fn flac_frame_end(d: &[u8], min_block: u64) -> Option<u64> {
    if d[0] != 0xFF || (d[1] & 0xFE) != 0xF8 {
        return None;
    }
    let variable = d[1] & 1 == 1;
    let bs_bits = d[2] >> 4;
    let sr_bits = d[2] & 0x0F;
    if bs_bits == 0 || sr_bits == 0x0F || (d[3] >> 4) >= 11 || d[3] & 1 != 0 {
        return None;
    }
    // UTF-8-like coded frame or sample number.
    let first = d[4];
    let extra = match first.leading_ones() {
        0 => 0,
        n @ 2..=7 => n as usize - 1,
        _ => return None,
    };
    let mut number = u64::from(if extra == 0 {
        first
    } else {
        first & (0x7F >> (extra + 1))
    });
    let mut i = 5;
    for _ in 0..extra {
        let c = *d.get(i)?;
        if c & 0xC0 != 0x80 {
            return None;
        }
        number = (number << 6) | u64::from(c & 0x3F);
        i += 1;
    }
    let block = match bs_bits {
        1 => 192,
        2..=5 => 576u64 << (bs_bits - 2),
        6 => {
            i += 1;
            u64::from(*d.get(i - 1)?) + 1
        }
        7 => {
            i += 2;
            u64::from(u16::from_be_bytes([*d.get(i - 2)?, *d.get(i - 1)?])) + 1
        }
        _ => 256u64 << (bs_bits - 8),
    };
    i += match sr_bits {
        12 => 1,
        13 | 14 => 2,
        _ => 0,
    };
    let crc = *d.get(i)?;
    if crc8(&d[..i]) != crc {
        return None;
    }
    let start = if variable {
        number
    } else {
        number * min_block.max(1)
    };
    Some(start + block)
}

fn crc8(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |mut crc, &byte| {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// An MP3 with a Xing/Info header says how many bytes of audio it has.
fn check_mpeg(file: &mut File, size: u64, audio_start: u64) -> Result<(), Problem> {
    let mut buf = [0u8; 64];
    let n = read_at(file, audio_start, &mut buf).unwrap_or(0);
    if n < 48 || buf[0] != 0xFF || buf[1] & 0xE0 != 0xE0 {
        return Ok(());
    }
    let mpeg1 = buf[1] & 0x18 == 0x18;
    let mono = buf[3] >> 6 == 3;
    let side_info = match (mpeg1, mono) {
        (true, false) => 32,
        (true, true) => 17,
        (false, false) => 17,
        (false, true) => 9,
    };
    let x = &buf[4 + side_info..];
    if !(x.starts_with(b"Xing") || x.starts_with(b"Info")) || x.len() < 16 {
        return Ok(());
    }
    let flags = u32::from_be_bytes([x[4], x[5], x[6], x[7]]);
    let mut field = 8;
    if flags & 1 != 0 {
        field += 4; // frame count
    }
    if flags & 2 == 0 || x.len() < field + 4 {
        return Ok(());
    }
    let bytes = u64::from(u32::from_be_bytes([
        x[field],
        x[field + 1],
        x[field + 2],
        x[field + 3],
    ]));
    let available = size - audio_start;
    // Allow for an ID3v1/APE tag's absence and encoder rounding: 2 %.
    if bytes > 0 && (available as f64) < bytes as f64 * 0.98 {
        return Err(truncated_to(
            format!(
                "its Xing header promises {} of audio but only {} is there",
                mb(bytes),
                mb(available)
            ),
            available as f64 / bytes as f64,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_matches_flac_reference() {
        // CRC-8 (poly 0x07, init 0) of "123456789" is 0xF4.
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn syncsafe_decodes_id3_sizes() {
        assert_eq!(syncsafe(&[0x00, 0x00, 0x02, 0x01]), 257);
        assert_eq!(syncsafe(&[0x7F, 0x7F, 0x7F, 0x7F]), 0x0FFF_FFFF);
    }
}
