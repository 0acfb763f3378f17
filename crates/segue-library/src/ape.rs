//! APEv2 tags on raw AAC (ADTS) files, which foobar2000, mp3tag and ffmpeg write and lofty's
//! AAC reader does not read: without this such a file imports with its file name for a title.
//! Text items only; the tag is found by its footer at the end of the file (before an ID3v1
//! tag, if any) and read within [`MAX_TAG`] bytes.

use std::io::{Read, Seek, SeekFrom};

use lofty::prelude::ItemKey;
use lofty::tag::{Tag, TagExt, TagType};

const FOOTER: u64 = 32;
const ID3V1: u64 = 128;
/// Larger tags are damage (text tags are a few kilobytes; covers are skipped anyway).
const MAX_TAG: u64 = 1 << 20;

/// The APEv2 tag at the end of `file` (of `size` bytes) as a lofty tag, if it has one.
pub(crate) fn read(file: &mut (impl Read + Seek), size: u64) -> Option<Tag> {
    [FOOTER, FOOTER + ID3V1]
        .into_iter()
        .filter(|back| *back <= size)
        .find_map(|back| read_at_footer(file, size, size - back))
}

fn read_at_footer(file: &mut (impl Read + Seek), size: u64, at: u64) -> Option<Tag> {
    let mut footer = [0u8; FOOTER as usize];
    file.seek(SeekFrom::Start(at)).ok()?;
    file.read_exact(&mut footer).ok()?;
    if &footer[..8] != b"APETAGEX" {
        return None;
    }
    let le =
        |i: usize| u32::from_le_bytes([footer[i], footer[i + 1], footer[i + 2], footer[i + 3]]);
    let (tag_size, count) = (u64::from(le(12)), le(16));
    // The size counts the items and this footer; the items sit right before it.
    if !(FOOTER..=MAX_TAG).contains(&tag_size) || tag_size > at + FOOTER || size < tag_size {
        return None;
    }
    let mut items = vec![0u8; (tag_size - FOOTER) as usize];
    file.seek(SeekFrom::Start(at + FOOTER - tag_size)).ok()?;
    file.read_exact(&mut items).ok()?;
    let mut tag = Tag::new(TagType::Ape);
    let mut rest = &items[..];
    for _ in 0..count.min(1024) {
        let Some((key, value, next)) = item(rest) else {
            break;
        };
        rest = next;
        if let Some(text) = value {
            insert(&mut tag, &key, text);
        }
    }
    (!tag.is_empty()).then_some(tag)
}

/// One item: its key, its text (`None` for binary and links), and what follows it.
fn item(data: &[u8]) -> Option<(String, Option<String>, &[u8])> {
    let len = u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let flags = u32::from_le_bytes(data.get(4..8)?.try_into().ok()?);
    let key_end = 8 + data.get(8..)?.iter().take(256).position(|b| *b == 0)?;
    let key = std::str::from_utf8(&data[8..key_end]).ok()?.to_owned();
    let value = data.get(key_end + 1..key_end + 1 + len)?;
    let rest = &data[key_end + 1 + len..];
    // Bits 1-2: 0 text, 1 binary, 2 external link. Several values are separated by NUL.
    let text = (flags >> 1 & 3 == 0).then(|| {
        String::from_utf8_lossy(value)
            .split('\0')
            .filter(|v| !v.trim().is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    });
    Some((key, text.filter(|t| !t.is_empty()), rest))
}

fn insert(tag: &mut Tag, key: &str, text: String) {
    let numbered = |tag: &mut Tag, number: ItemKey, total: ItemKey| {
        let mut parts = text.splitn(2, '/');
        if let Some(n) = parts.next() {
            tag.insert_text(number, n.trim().to_owned());
        }
        if let Some(t) = parts.next() {
            tag.insert_text(total, t.trim().to_owned());
        }
    };
    match key.to_ascii_lowercase().as_str() {
        "track" => numbered(tag, ItemKey::TrackNumber, ItemKey::TrackTotal),
        "disc" => numbered(tag, ItemKey::DiscNumber, ItemKey::DiscTotal),
        // ffmpeg writes "date" where the APE world says "Year".
        "year" | "date" => {
            tag.insert_text(ItemKey::Year, text);
        }
        _ => {
            if let Some(k) = ItemKey::from_key(TagType::Ape, key) {
                tag.insert_text(k, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::prelude::Accessor;

    fn ape_item(key: &str, value: &[u8], flags: u32) -> Vec<u8> {
        let mut v = (value.len() as u32).to_le_bytes().to_vec();
        v.extend(flags.to_le_bytes());
        v.extend(key.as_bytes());
        v.push(0);
        v.extend(value);
        v
    }

    fn with_tag(items: &[Vec<u8>], declared_size: Option<u32>) -> Vec<u8> {
        let body: Vec<u8> = items.concat();
        let mut file = vec![0xFFu8; 100];
        file.extend(&body);
        file.extend(b"APETAGEX");
        file.extend(2000u32.to_le_bytes());
        let size = declared_size.unwrap_or(body.len() as u32 + 32);
        file.extend(size.to_le_bytes());
        file.extend((items.len() as u32).to_le_bytes());
        file.extend(0u32.to_le_bytes());
        file.extend([0u8; 8]);
        file
    }

    #[test]
    fn text_items_are_read_whatever_the_case_of_their_keys() {
        let file = with_tag(
            &[
                ape_item("title", b"Dawn", 0),
                ape_item("ARTIST", b"Ann", 0),
                ape_item("Track", b"3/12", 0),
                ape_item("date", b"2006", 0),
                ape_item("Cover Art (Front)", b"\x89PNG", 2),
                ape_item("REPLAYGAIN_TRACK_GAIN", b"-6.5 dB", 0),
            ],
            None,
        );
        let len = file.len() as u64;
        let tag = read(&mut std::io::Cursor::new(file), len).expect("a tag");
        assert_eq!(tag.title().as_deref(), Some("Dawn"));
        assert_eq!(tag.artist().as_deref(), Some("Ann"));
        assert_eq!((tag.track(), tag.track_total()), (Some(3), Some(12)));
        assert_eq!(tag.get_string(ItemKey::Year), Some("2006"));
        assert_eq!(
            tag.get_string(ItemKey::ReplayGainTrackGain),
            Some("-6.5 dB")
        );
    }

    #[test]
    fn damaged_tags_read_as_none_or_stop_at_the_damage() {
        let items = [ape_item("Title", b"Dawn", 0)];
        // A size larger than the file, and larger than any real tag.
        for size in [5_000u32, u32::MAX] {
            let file = with_tag(&items, Some(size));
            let len = file.len() as u64;
            assert!(read(&mut std::io::Cursor::new(file), len).is_none());
        }
        // An item whose length runs past the tag: the items before it are kept.
        let file = with_tag(
            &[ape_item("Title", b"Dawn", 0), {
                let mut bad = ape_item("Artist", b"Ann", 0);
                bad[..4].copy_from_slice(&9_999u32.to_le_bytes());
                bad
            }],
            None,
        );
        let len = file.len() as u64;
        let tag = read(&mut std::io::Cursor::new(file), len).expect("a tag");
        assert_eq!(tag.title().as_deref(), Some("Dawn"));
        assert_eq!(tag.artist(), None);
        // No footer at all.
        assert!(read(&mut std::io::Cursor::new(vec![0u8; 10]), 10).is_none());
    }
}
