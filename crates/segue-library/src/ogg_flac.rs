//! Ogg FLAC (`.oga`): FLAC audio in Ogg pages. lofty reads native FLAC only (and would take
//! an Ogg FLAC file for MPEG); symphonia decodes it. Its header packets are native FLAC's
//! metadata blocks, so they are put back together as a native FLAC header and read by lofty's
//! FLAC reader: tags, pictures and stream information, as for any `.flac`.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

use lofty::file::{AudioFile, TaggedFile};
use segue_core::{AudioProperties, Codec, Container, IssueKind};

use crate::read::{ReadFailure, audio_properties, classify_parse_error, fail, parse_options};

/// The first packet's start: 0x7F, "FLAC", mapping version 1.x.
const SIGNATURE: &[u8] = b"\x7fFLAC\x01";
/// In the first packet, after the signature and minor version: the number of header packets
/// that follow (big-endian u16), "fLaC", and the STREAMINFO block with its block header.
const HEADER_COUNT_AT: usize = 7;
const NATIVE_AT: usize = 9;
/// Header packets beyond this are damage (a real file has a handful: comments, pictures).
const MAX_HEADER_PACKETS: u16 = 1024;

/// Reads `reader` as Ogg FLAC if that is what it holds; `Ok(None)` for anything else (the
/// reader is left at the start either way).
pub(crate) fn parse(
    reader: &mut BufReader<File>,
) -> Result<Option<(TaggedFile, AudioProperties)>, ReadFailure> {
    let size = reader
        .seek(SeekFrom::End(0))
        .map_err(|e| fail(IssueKind::Unreadable, format!("cannot read the file: {e}")))?;
    let mut head = [0u8; 27 + 255 + 13];
    rewind(reader)?;
    let read = read_up_to(reader, &mut head)?;
    rewind(reader)?;
    let head = &head[..read];
    let Some(first_packet) = first_packet(head) else {
        return Ok(None);
    };
    if !first_packet.starts_with(SIGNATURE) || first_packet.len() < NATIVE_AT + 4 {
        return Ok(None);
    }
    let count = u16::from_be_bytes([
        first_packet[HEADER_COUNT_AT],
        first_packet[HEADER_COUNT_AT + 1],
    ]);
    if count == 0 || count > MAX_HEADER_PACKETS {
        return Err(fail(
            IssueKind::Corrupt,
            format!("Ogg FLAC with {count} header packets: the headers are damaged"),
        ));
    }
    let (packets, _) = ogg_pager::Packets::read_count(reader, 1 + count as isize)
        .map_err(|e| fail(IssueKind::Corrupt, format!("Ogg FLAC headers: {e}")))?;
    rewind(reader)?;
    let native = native_header(&packets, count)?;
    let flac = lofty::flac::FlacFile::read_from(&mut Cursor::new(native), parse_options())
        .map_err(classify_parse_error)?;
    let tagged: TaggedFile = flac.into();
    let mut audio = audio_properties(&tagged, Container::Ogg, Codec::Flac);
    // lofty saw only the header: the bit rate comes from the whole file.
    audio.bitrate_kbps = (audio.duration_ms > 0)
        .then(|| u32::try_from(size.saturating_mul(8) / audio.duration_ms).unwrap_or(u32::MAX))
        .filter(|&kbps| kbps > 0);
    Ok(Some((tagged, audio)))
}

/// The first packet's bytes when `head` starts with an Ogg page whose first packet it holds.
fn first_packet(head: &[u8]) -> Option<&[u8]> {
    if head.len() < 27 || &head[..4] != b"OggS" {
        return None;
    }
    let segments = usize::from(head[26]);
    let table = head.get(27..27 + segments)?;
    // A packet ends at the first lacing value under 255.
    let len: usize = table
        .iter()
        .take_while(|&&l| l == 255)
        .map(|&l| usize::from(l))
        .sum::<usize>()
        + table
            .iter()
            .find(|&&l| l < 255)
            .map_or(0, |&l| usize::from(l));
    head.get(27 + segments..27 + segments + len)
}

/// "fLaC", STREAMINFO from the first packet, then one metadata block per header packet, the
/// last flagged as last.
fn native_header(packets: &ogg_pager::Packets, count: u16) -> Result<Vec<u8>, ReadFailure> {
    let damaged = || {
        fail(
            IssueKind::Corrupt,
            "Ogg FLAC headers: a header packet is missing",
        )
    };
    let first = packets.get(0).ok_or_else(damaged)?;
    let mut blocks: Vec<&[u8]> = vec![first.get(NATIVE_AT + 4..).ok_or_else(damaged)?];
    for i in 1..=usize::from(count) {
        blocks.push(packets.get(i).ok_or_else(damaged)?);
    }
    let mut native = b"fLaC".to_vec();
    let last = blocks.len() - 1;
    for (i, block) in blocks.into_iter().enumerate() {
        let Some((&kind, rest)) = block.split_first() else {
            return Err(damaged());
        };
        native.push(if i == last { kind | 0x80 } else { kind & 0x7f });
        native.extend_from_slice(rest);
    }
    Ok(native)
}

fn rewind(reader: &mut BufReader<File>) -> Result<(), ReadFailure> {
    reader
        .seek(SeekFrom::Start(0))
        .map(drop)
        .map_err(|e| fail(IssueKind::Unreadable, format!("cannot read the file: {e}")))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, ReadFailure> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(fail(
                    IssueKind::Unreadable,
                    format!("cannot read the file: {e}"),
                ));
            }
        }
    }
    Ok(filled)
}
