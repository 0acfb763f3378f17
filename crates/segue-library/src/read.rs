//! Reading one file: fingerprint, format, audio properties, tags and cover, with fallbacks.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{AudioFile, FileType, TaggedFile, TaggedFileExt};
use lofty::picture::{Picture, PictureType};
use lofty::prelude::{Accessor, ItemKey};
use lofty::tag::Tag;
use segue_core::{
    AudioProperties, Codec, Container, IssueKind, ReplayGain, TrackTags, is_placeholder_artist,
};
use segue_store::{CoverImage, Fingerprint, ImportedTrack};

use crate::cover::{CoverCache, FoundCover};
use crate::fingerprint::fingerprint;
use crate::integrity;
use crate::walk::WalkedFile;

/// Why a file did not import.
#[derive(Debug, Clone)]
pub(crate) struct ReadFailure {
    pub fingerprint: Option<Fingerprint>,
    pub kind: IssueKind,
    pub message: String,
}

pub(crate) fn fail(kind: IssueKind, message: impl Into<String>) -> ReadFailure {
    ReadFailure {
        fingerprint: None,
        kind,
        message: message.into(),
    }
}

/// Longest tag text kept; longer values are cut (a 10 MB "title" is damage, not a title).
const MAX_TAG_CHARS: usize = 1024;

/// Reads one walked file. Never panics on file content; every problem is a [`ReadFailure`].
/// Reads one file's tags, properties and cover. A panic in a parser (lofty has had a few on
/// damaged files) fails this file alone, as damaged, and the scan goes on.
pub(crate) fn read_file(
    file: &WalkedFile,
    covers: &CoverCache,
) -> Result<(Fingerprint, ImportedTrack), ReadFailure> {
    // The cover cache is shared, but only through locks a panic cannot leave half-written.
    segue_core::isolate::catch_panic(std::panic::AssertUnwindSafe(|| {
        read_file_unguarded(file, covers)
    }))
    .unwrap_or_else(|message| {
        Err(fail(
            IssueKind::Corrupt,
            format!("the tag reader failed on this file's damaged data ({message})"),
        ))
    })
}

fn read_file_unguarded(
    file: &WalkedFile,
    covers: &CoverCache,
) -> Result<(Fingerprint, ImportedTrack), ReadFailure> {
    if file.size == 0 {
        return Err(fail(IssueKind::Empty, "the file is empty (0 bytes)"));
    }
    // The walk saw a regular file; it may have been swapped for a pipe or device since, so the
    // handle itself is checked (a pipe would otherwise block the scan for ever).
    let handle = segue_core::files::open_regular(&file.path).map_err(|e| {
        let kind = IssueKind::Unreadable;
        match e.kind() {
            std::io::ErrorKind::NotFound => fail(kind, "the file disappeared during the scan"),
            std::io::ErrorKind::PermissionDenied => fail(
                kind,
                format!("permission denied when opening the file ({e})"),
            ),
            std::io::ErrorKind::InvalidInput => fail(
                IssueKind::NotAFile,
                format!("not a regular file any more: {e}"),
            ),
            _ => fail(kind, format!("cannot open the file: {e}")),
        }
    })?;
    let mut reader = BufReader::new(handle);
    let fp = fingerprint(&mut reader, file.size).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => fail(IssueKind::Truncated, e.to_string()),
        _ => fail(IssueKind::Unreadable, format!("cannot read the file: {e}")),
    })?;
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| fail(IssueKind::Unreadable, format!("cannot read the file: {e}")))?;
    let with_fp = |mut f: ReadFailure| {
        f.fingerprint = Some(fp);
        f
    };
    // Structure first: a header that declares more than the file holds explains what any tag
    // reader would then say, in words a person can act on.
    let structural = integrity::check(reader.get_mut(), file.size).err();
    if let Some(p) = structural
        .as_ref()
        .filter(|p| p.kind == IssueKind::TooLarge)
    {
        return Err(with_fp(fail(p.kind, p.message.clone())));
    }
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| fail(IssueKind::Unreadable, format!("cannot read the file: {e}")))?;
    let parsed = match (
        parse(reader),
        structural.as_ref().and_then(|p| p.pcm_cut.as_ref()),
    ) {
        (Ok(parsed), _) => Ok(parsed),
        // Tag readers refuse a WAV or AIFF whose sizes overrun the file: read it as if its
        // headers said what is there.
        (Err(e), Some(cut)) => parse_cut_pcm(&file.path, cut).map_err(|_| e),
        (Err(e), None) => Err(e),
    };
    let (tagged, mut audio) = match parsed {
        Ok(parsed) => parsed,
        // A truncated file often fails to parse; say why rather than "no moov atom".
        Err(e) => return Err(with_fp(structural.map_or(e, |p| fail(p.kind, p.message)))),
    };
    // A truncated file that still parses (a download cut short, an Ogg missing its last byte)
    // plays what is there: it is imported with the length that is there, and says so.
    let warning = match structural {
        None => None,
        Some(p) if p.kind == IssueKind::Truncated => {
            if let Some(present) = p.present {
                audio.duration_ms = (audio.duration_ms as f64 * present) as u64;
            }
            if let (Some(cut), Some(rate), Some(channels)) =
                (&p.pcm_cut, audio.sample_rate, audio.channels)
            {
                let frame_bytes = u64::from(channels)
                    * u64::from(audio.bit_depth.unwrap_or(16)).div_ceil(8).max(1);
                audio.duration_ms = cut.audio_bytes / frame_bytes * 1000 / u64::from(rate.max(1));
            }
            if let Some(granule) = p.last_granule {
                audio.duration_ms = ogg_duration_ms(&audio, granule).unwrap_or(audio.duration_ms);
            }
            Some((
                p.kind,
                format!(
                    "{}; imported: Segue plays the {:.1} s that are there",
                    p.message,
                    audio.duration_ms as f64 / 1000.0
                ),
            ))
        }
        Some(p) => return Err(with_fp(fail(p.kind, p.message))),
    };
    check_plausible(&audio, file.size).map_err(with_fp)?;
    // lofty reads no APEv2 tag on raw AAC; taggers write one there all the same.
    let ape = (audio.container == Container::Adts)
        .then(|| segue_core::files::open_regular(&file.path).ok())
        .flatten()
        .and_then(|mut f| crate::ape::read(&mut f, file.size));
    let tags = tags_with_fallbacks(&tagged, ape.as_ref(), file);
    let replay_gain = replay_gain(&tagged, ape.as_ref());
    let cover = embedded_cover(&tagged)
        .and_then(|p| covers.embedded(p))
        .or_else(|| covers.beside(&file.path))
        .map(|found: FoundCover| CoverImage {
            hash: found.hash,
            mime: found.mime,
            width: found.width,
            height: found.height,
            data: found.data,
        });
    Ok((
        fp,
        ImportedTrack {
            tags,
            audio,
            replay_gain,
            cover,
            warning,
        },
    ))
}

pub(crate) fn parse_options() -> ParseOptions {
    // BestAttempt: read what can be read from slightly damaged tags rather than rejecting the
    // file; hard damage still errors.
    ParseOptions::new()
        .parsing_mode(ParsingMode::BestAttempt)
        .read_cover_art(true)
}

fn parse(mut reader: BufReader<File>) -> Result<(TaggedFile, AudioProperties), ReadFailure> {
    if let Some(parsed) = crate::ogg_flac::parse(&mut reader)? {
        return Ok(parsed);
    }
    // Decide the format from the content, never from the extension: a mislabelled file is read
    // as what it is, and a text file named `.mp3` is rejected.
    let probe = lofty::probe::Probe::new(reader)
        .options(parse_options())
        .guess_file_type()
        .map_err(|e| fail(IssueKind::Unreadable, format!("cannot read the file: {e}")))?;
    let Some(file_type) = probe.file_type() else {
        return Err(fail(
            IssueKind::NotAudio,
            "not an audio file: the content is not FLAC (native or in Ogg), MP3, Ogg Vorbis, Opus, AAC/ALAC (MP4), WAV or AIFF, whatever its name says",
        ));
    };
    let container = match file_type {
        FileType::Flac => Container::Flac,
        FileType::Mpeg => Container::Mpeg,
        FileType::Vorbis | FileType::Opus => Container::Ogg,
        FileType::Mp4 => Container::Mp4,
        FileType::Wav => Container::Wav,
        FileType::Aiff => Container::Aiff,
        FileType::Aac => Container::Adts,
        other => {
            let named = match other {
                FileType::Ape => crate::walk::unsupported_format_named("ape"),
                FileType::WavPack => crate::walk::unsupported_format_named("wv"),
                FileType::Mpc => crate::walk::unsupported_format_named("mpc"),
                FileType::Speex => crate::walk::unsupported_format_named("spx"),
                _ => None,
            };
            return Err(fail(
                IssueKind::Unsupported,
                match named {
                    Some(format) => format!("{format} files cannot be played by Segue"),
                    None => format!("{other:?} audio cannot be played by Segue"),
                },
            ));
        }
    };
    if file_type == FileType::Mp4 {
        // MP4 needs its concrete type to tell AAC from ALAC.
        let mut reader = probe.into_inner();
        let mp4 = lofty::mp4::Mp4File::read_from(&mut reader, parse_options())
            .map_err(classify_parse_error)?;
        let props = mp4.properties();
        if props.is_drm_protected() {
            return Err(fail(
                IssueKind::Unsupported,
                "the file is DRM-protected and cannot be played",
            ));
        }
        let codec = match props.codec() {
            Some(lofty::mp4::Mp4Codec::AAC) => Codec::Aac,
            Some(lofty::mp4::Mp4Codec::ALAC) => Codec::Alac,
            Some(lofty::mp4::Mp4Codec::MP3) => Codec::Mp3,
            Some(lofty::mp4::Mp4Codec::FLAC) => Codec::Flac,
            _ => Codec::Other,
        };
        let tagged: TaggedFile = mp4.into();
        let audio = audio_properties(&tagged, container, codec);
        return Ok((tagged, audio));
    }
    let codec = match file_type {
        FileType::Flac => Codec::Flac,
        FileType::Mpeg => Codec::Mp3,
        FileType::Vorbis => Codec::Vorbis,
        FileType::Opus => Codec::Opus,
        FileType::Wav | FileType::Aiff => Codec::Pcm,
        FileType::Aac => Codec::Aac,
        _ => Codec::Other,
    };
    let tagged = probe.read().map_err(classify_parse_error)?;
    let audio = audio_properties(&tagged, container, codec);
    Ok((tagged, audio))
}

pub(crate) fn audio_properties(
    tagged: &TaggedFile,
    container: Container,
    codec: Codec,
) -> AudioProperties {
    let p = tagged.properties();
    AudioProperties {
        container,
        codec,
        duration_ms: u64::try_from(p.duration().as_millis()).unwrap_or(u64::MAX),
        sample_rate: p.sample_rate().filter(|&r| r > 0),
        channels: p.channels().filter(|&c| c > 0),
        bit_depth: p.bit_depth().filter(|&b| b > 0),
        bitrate_kbps: p.audio_bitrate().or(p.overall_bitrate()).filter(|&b| b > 0),
    }
}

/// The fewest bits a second of real audio takes in any format Segue reads: FLAC stores digital
/// silence in about 2,000 (a constant subframe per block), every lossy codec spends more.
const MIN_BITS_PER_SECOND: f64 = 100.0;

/// "3.2 hours", "6.6 million years": the size of an implausible length, for messages.
fn describe_seconds(s: f64) -> String {
    const YEAR: f64 = 365.25 * 86_400.0;
    if s >= 1e6 * YEAR {
        format!("{:.1} million years", s / (1e6 * YEAR))
    } else if s >= YEAR {
        format!("{:.0} years", s / YEAR)
    } else if s >= 86_400.0 {
        format!("{:.1} days", s / 86_400.0)
    } else {
        format!("{:.1} hours", s / 3_600.0)
    }
}

fn describe_bytes(size: u64) -> String {
    match size {
        s if s >= 1 << 20 => format!("{:.1} MB", s as f64 / (1u64 << 20) as f64),
        s if s >= 1 << 10 => format!("{:.0} KB", s as f64 / (1u64 << 10) as f64),
        s => format!("{s} bytes"),
    }
}

/// Rejects results that parse but cannot be real audio.
/// Reads a cut WAV or AIFF file as if its headers said what is there.
fn parse_cut_pcm(
    path: &std::path::Path,
    cut: &segue_core::files::PcmCut,
) -> Result<(TaggedFile, AudioProperties), ReadFailure> {
    let unreadable =
        |e: std::io::Error| fail(IssueKind::Unreadable, format!("cannot read the file: {e}"));
    let handle = segue_core::files::open_regular(path).map_err(unreadable)?;
    let reader = segue_core::files::Patched::new(BufReader::new(handle), cut.patches.clone())
        .map_err(unreadable)?;
    let probe = lofty::probe::Probe::new(reader)
        .options(parse_options())
        .guess_file_type()
        .map_err(unreadable)?;
    let container = match probe.file_type() {
        Some(FileType::Wav) => Container::Wav,
        Some(FileType::Aiff) => Container::Aiff,
        _ => return Err(fail(IssueKind::Corrupt, "not a WAV or AIFF file")),
    };
    let tagged = probe.read().map_err(classify_parse_error)?;
    let audio = audio_properties(&tagged, container, Codec::Pcm);
    Ok((tagged, audio))
}

/// How long an Ogg stream plays up to `granule`: Opus counts at 48 kHz whatever its input
/// rate (less its 312-sample-ish pre-skip, under 7 ms, left in), Vorbis and FLAC at theirs.
fn ogg_duration_ms(audio: &AudioProperties, granule: u64) -> Option<u64> {
    let rate = match audio.codec {
        Codec::Opus => 48_000,
        _ => audio.sample_rate?,
    };
    Some(granule.saturating_mul(1000) / u64::from(rate.max(1)))
}

fn check_plausible(audio: &AudioProperties, size: u64) -> Result<(), ReadFailure> {
    if audio.duration_ms == 0 {
        return Err(fail(
            IssueKind::Corrupt,
            "the file's headers parse but hold no audio (duration 0)",
        ));
    }
    if audio.sample_rate.is_none() {
        return Err(fail(
            IssueKind::Corrupt,
            "the audio stream has no sample rate: the headers are damaged",
        ));
    }
    // A damaged length field (an Ogg cut past its end claims millions of years) would size
    // buffers, progress bars and the queue's end: no codec stores audio in fewer bits.
    let declared_s = audio.duration_ms as f64 / 1000.0;
    if declared_s > size as f64 * 8.0 / MIN_BITS_PER_SECOND {
        return Err(fail(
            IssueKind::Corrupt,
            format!(
                "the headers say the audio lasts {}, more than {} can hold: the length field is damaged",
                describe_seconds(declared_s),
                describe_bytes(size)
            ),
        ));
    }
    // Uncompressed PCM has an exact size: a WAV/AIFF shorter than its header says is truncated.
    if audio.codec == Codec::Pcm
        && let (Some(rate), Some(ch), Some(bits)) =
            (audio.sample_rate, audio.channels, audio.bit_depth)
    {
        let expected = audio.duration_ms as f64 / 1000.0
            * f64::from(rate)
            * f64::from(ch)
            * f64::from(bits).div_euclid(8.0).max(1.0);
        if (size as f64) < expected * 0.98 {
            return Err(fail(
                IssueKind::Truncated,
                format!(
                    "the file is truncated: its header promises {:.1} s of audio but only {:.0}% of the data is there",
                    audio.duration_ms as f64 / 1000.0,
                    100.0 * size as f64 / expected
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn classify_parse_error(err: lofty::error::FileParseError) -> ReadFailure {
    use lofty::error::{AllocationError, NotEnoughDataError, SizeMismatchError, TooMuchDataError};
    let mut message = err.to_string();
    let mut kind = IssueKind::Corrupt;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    while let Some(e) = source {
        let text = e.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        if e.is::<TooMuchDataError>() || e.is::<AllocationError>() {
            kind = IssueKind::TooLarge;
        } else if e.is::<NotEnoughDataError>() || e.is::<SizeMismatchError>() {
            kind = IssueKind::Truncated;
        } else if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::UnexpectedEof
        {
            kind = IssueKind::Truncated;
        }
        source = e.source();
    }
    if err.is_unknown_format() {
        kind = IssueKind::NotAudio;
    }
    let prefix = match kind {
        IssueKind::TooLarge => "a tag or block declares an absurd size",
        IssueKind::Truncated => "the file ends early (truncated or damaged)",
        IssueKind::NotAudio => "not an audio file",
        _ => "damaged headers or tags",
    };
    fail(kind, format!("{prefix}: {message}"))
}

/// Text of the first tag (primary first) that has `key`, cleaned.
fn text(tags: &[&Tag], get: impl Fn(&Tag) -> Option<String>) -> Option<String> {
    tags.iter().find_map(|t| get(t).and_then(clean))
}

/// A credit (artist, album artist, composer) from the first tag that names someone: a
/// placeholder such as "<Unknown>" names no one ([`is_placeholder_artist`]), and gives way to
/// a real name in another tag of the file.
fn credit(tags: &[&Tag], get: impl Fn(&Tag) -> Option<String>) -> Option<String> {
    tags.iter()
        .find_map(|t| get(t).and_then(clean).filter(|n| !is_placeholder_artist(n)))
}

fn clean(s: String) -> Option<String> {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if trimmed.is_empty() {
        return None;
    }
    Some(trimmed.chars().take(MAX_TAG_CHARS).collect())
}

fn number(tags: &[&Tag], get: impl Fn(&Tag) -> Option<u32>) -> Option<u32> {
    tags.iter().find_map(|t| get(t)).filter(|&n| n > 0)
}

/// The file's tags, its primary one first, then `extra` (a tag lofty does not read for this
/// format) last.
fn ordered_tags<'a>(tagged: &'a TaggedFile, extra: Option<&'a Tag>) -> Vec<&'a Tag> {
    let primary = tagged.primary_tag();
    primary
        .into_iter()
        .chain(
            tagged
                .tags()
                .iter()
                .filter(|t| !primary.is_some_and(|p| std::ptr::eq(*t, p))),
        )
        .chain(extra)
        .collect()
}

fn year_of(tag: &Tag) -> Option<i32> {
    if let Some(ts) = tag.date() {
        return Some(i32::from(ts.year));
    }
    [ItemKey::Year, ItemKey::RecordingDate, ItemKey::ReleaseDate]
        .into_iter()
        .filter_map(|k| tag.get_string(k))
        .find_map(leading_year)
}

fn leading_year(s: &str) -> Option<i32> {
    let digits: String = s.trim().chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..=2999).contains(y))
}

pub(crate) fn tags_with_fallbacks(
    tagged: &TaggedFile,
    extra: Option<&Tag>,
    file: &WalkedFile,
) -> TrackTags {
    let tags = ordered_tags(tagged, extra);
    let mut t = TrackTags {
        title: text(&tags, |t| t.title().map(|s| s.into_owned())).unwrap_or_default(),
        artist: credit(&tags, |t| t.artist().map(|s| s.into_owned())),
        album: text(&tags, |t| t.album().map(|s| s.into_owned())),
        album_artist: credit(&tags, |t| {
            t.get_string(ItemKey::AlbumArtist).map(str::to_owned)
        }),
        track_number: number(&tags, |t| t.track()),
        track_total: number(&tags, |t| t.track_total()),
        disc_number: number(&tags, |t| t.disk()),
        disc_total: number(&tags, |t| t.disk_total()),
        year: tags.iter().find_map(|t| year_of(t)),
        genre: text(&tags, |t| t.genre().map(|s| s.into_owned())),
        composer: credit(&tags, |t| {
            t.get_string(ItemKey::Composer).map(str::to_owned)
        }),
        inferred_from_path: false,
    };
    apply_path_fallbacks(&mut t, &file.path, file.depth);
    t
}

/// Fills title, track number, album and artist from `Artist/Album/NN Title.ext` (or
/// `Artist/Album/CD1/NN Title.ext`) when tags lack them. Folders that hold music rather than
/// name it ("Music", "mp3", "songs"...) name nothing: a file under `Music/Album/` or
/// `usr/share/games/x/music/` has no artist rather than the artist "Music", and tracks by
/// unknown artists are not taken for one artist.
pub(crate) fn apply_path_fallbacks(t: &mut TrackTags, path: &Path, depth: usize) {
    if t.title.is_empty() {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (number, title) = split_track_number(&stem);
        t.title = if title.is_empty() {
            stem.clone()
        } else {
            title
        };
        if t.track_number.is_none() {
            t.track_number = number;
        }
        t.inferred_from_path = true;
    }
    let parent_name = |levels: usize| {
        path.ancestors()
            .nth(levels)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .and_then(clean)
    };
    // The album's folder, one level further up when the files sit in a disc folder.
    let album_level = if depth >= 3 && parent_name(1).is_some_and(|n| is_disc_folder(&n)) {
        2
    } else {
        1
    };
    let album_folder = (depth > album_level)
        .then(|| parent_name(album_level))
        .flatten()
        .filter(|n| !is_container_folder(n));
    if t.album.is_none() {
        t.album = album_folder.clone();
        t.inferred_from_path |= t.album.is_some();
    }
    // An artist only where the layout is Artist/Album: under a container folder it is not.
    if t.artist.is_none()
        && t.album_artist.is_none()
        && depth > album_level + 1
        && album_folder.is_some()
    {
        t.artist = parent_name(album_level + 1)
            .filter(|n| !is_container_folder(n) && !is_placeholder_artist(n));
        t.inferred_from_path |= t.artist.is_some();
    }
}

/// A folder named for what it holds, not who made it: "Music", "My Music", "mp3", "Songs",
/// "Downloads", and the system folders music is unpacked under ("usr", "share", "games").
fn is_container_folder(name: &str) -> bool {
    const CONTAINERS: &[&str] = &[
        "music",
        "my music",
        "musik",
        "musique",
        "musica",
        "música",
        "muziek",
        "musiikki",
        "songs",
        "tracks",
        "audio",
        "sound",
        "sounds",
        "soundtrack",
        "soundtracks",
        "media",
        "library",
        "collection",
        "albums",
        "artists",
        "singles",
        "mp3",
        "mp3s",
        "flac",
        "ogg",
        "opus",
        "aac",
        "m4a",
        "wav",
        "aiff",
        "lossless",
        "itunes",
        "itunes media",
        "downloads",
        "download",
        "home",
        "usr",
        "share",
        "local",
        "games",
        "data",
        "various artists",
        "various",
        "va",
        "compilations",
        "unknown",
        "unknown artist",
        "unknown album",
    ];
    let lower = name.trim().to_lowercase();
    CONTAINERS.contains(&lower.as_str())
}

/// "CD1", "CD 2", "Disc 1", "disk_02": one disc of an album.
fn is_disc_folder(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    ["disc", "disk", "cd"].iter().any(|prefix| {
        lower.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.trim_start_matches([' ', '_', '-', '.']);
            !digits.is_empty() && digits.len() <= 2 && digits.chars().all(|c| c.is_ascii_digit())
        })
    })
}

/// Splits "03 - Title", "03. Title", "1-03 Title" into (Some(3), "Title").
fn split_track_number(stem: &str) -> (Option<u32>, String) {
    let s = stem.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 || digits_end > 3 {
        return (None, s.to_owned());
    }
    let mut number: Option<u32> = s[..digits_end].parse().ok();
    let mut rest = &s[digits_end..];
    // Disc-track form "1-03".
    if let Some(after) = rest.strip_prefix('-') {
        let d2 = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if (1..=3).contains(&d2) {
            number = after[..d2].parse().ok();
            rest = &after[d2..];
        }
    }
    let title =
        rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '.' | '_'));
    if title.is_empty() {
        return (None, s.to_owned());
    }
    (number.filter(|&n| n > 0), title.to_owned())
}

/// Parses "-3.21 dB" / "+1.5" / "0.912345" into a number.
fn parse_gain(s: &str) -> Option<f32> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | ',')))
        .unwrap_or(s.len());
    s[..end]
        .replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
}

fn replay_gain(tagged: &TaggedFile, extra: Option<&Tag>) -> ReplayGain {
    let tags = ordered_tags(tagged, extra);
    let get = |key: ItemKey| {
        tags.iter()
            .find_map(|t| t.get_string(key).and_then(parse_gain))
    };
    ReplayGain {
        track_gain_db: get(ItemKey::ReplayGainTrackGain).filter(|g| g.abs() < 60.0),
        track_peak: get(ItemKey::ReplayGainTrackPeak).filter(|p| (0.0..100.0).contains(p)),
        album_gain_db: get(ItemKey::ReplayGainAlbumGain).filter(|g| g.abs() < 60.0),
        album_peak: get(ItemKey::ReplayGainAlbumPeak).filter(|p| (0.0..100.0).contains(p)),
    }
}

fn embedded_cover(tagged: &TaggedFile) -> Option<&Picture> {
    let pictures = || tagged.tags().iter().flat_map(|t| t.pictures());
    pictures()
        .find(|p| p.pic_type() == PictureType::CoverFront && !p.data().is_empty())
        .or_else(|| pictures().find(|p| !p.data().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_numbers_are_split_from_file_names() {
        assert_eq!(split_track_number("03 - Dawn"), (Some(3), "Dawn".into()));
        assert_eq!(split_track_number("03. Dawn"), (Some(3), "Dawn".into()));
        assert_eq!(split_track_number("1-07 Dusk"), (Some(7), "Dusk".into()));
        assert_eq!(split_track_number("1999"), (None, "1999".into()));
        assert_eq!(
            split_track_number("2001 A Space"),
            (None, "2001 A Space".into())
        );
        assert_eq!(split_track_number("Plain"), (None, "Plain".into()));
    }

    #[test]
    fn gains_and_years_parse_leniently() {
        assert_eq!(parse_gain("-3.21 dB"), Some(-3.21));
        assert_eq!(parse_gain("+1,5 dB"), Some(1.5));
        assert_eq!(parse_gain("0.912345"), Some(0.912345));
        assert_eq!(parse_gain("loud"), None);
        assert_eq!(leading_year("2004-05-01"), Some(2004));
        assert_eq!(leading_year("??"), None);
    }

    #[test]
    fn path_fallbacks_follow_artist_album_layout() {
        let mut t = TrackTags::default();
        apply_path_fallbacks(
            &mut t,
            Path::new("/lib/Ann Example/Quiet Album/02 Night.ogg"),
            3,
        );
        assert_eq!(t.title, "Night");
        assert_eq!(t.track_number, Some(2));
        assert_eq!(t.album.as_deref(), Some("Quiet Album"));
        assert_eq!(t.artist.as_deref(), Some("Ann Example"));
        assert!(t.inferred_from_path);

        let mut shallow = TrackTags::default();
        apply_path_fallbacks(&mut shallow, Path::new("/lib/loose.ogg"), 1);
        assert_eq!((shallow.album, shallow.artist), (None, None));
    }

    fn fallbacks(path: &str) -> (Option<String>, Option<String>) {
        let depth = Path::new(path).components().count() - 2;
        let mut t = TrackTags::default();
        apply_path_fallbacks(&mut t, Path::new(path), depth);
        (t.artist, t.album)
    }

    #[test]
    fn container_folders_name_no_artist_or_album() {
        // A game's music unpacked from a package: no artist "music" or "share".
        assert_eq!(
            fallbacks("/lib/supertux-data/usr/share/games/supertux2/music/forest/theme.ogg"),
            (None, Some("forest".into()))
        );
        assert_eq!(
            fallbacks("/lib/pkg/usr/share/hyperrogue/music/hunting.ogg"),
            (None, None)
        );
        // Music/Album: the album, and no artist "Music".
        assert_eq!(
            fallbacks("/home/ann/Music/Quiet Album/01 Night.ogg"),
            (None, Some("Quiet Album".into()))
        );
        assert_eq!(
            fallbacks("/lib/Ann Example/Quiet Album/01 Night.ogg"),
            (Some("Ann Example".into()), Some("Quiet Album".into()))
        );
    }

    #[test]
    fn disc_folders_belong_to_their_album() {
        for disc in ["CD1", "CD 2", "Disc 1", "disk_02"] {
            assert!(is_disc_folder(disc), "{disc}");
            assert_eq!(
                fallbacks(&format!("/lib/Ann Example/Long Album/{disc}/03 Dawn.flac")),
                (Some("Ann Example".into()), Some("Long Album".into())),
                "{disc}"
            );
        }
        for not_disc in ["CDs", "Discovery", "cd", "Disc 123"] {
            assert!(!is_disc_folder(not_disc), "{not_disc}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_track_swapped_for_a_pipe_after_the_walk_is_reported_without_blocking() {
        // The walk lists only regular files; a pipe in the file's place when it is read is
        // refused on the opened handle instead of waiting for a writer for ever.
        let dir = std::env::temp_dir().join(format!("segue-swapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pipe = dir.join("late.flac");
        let _ = std::fs::remove_file(&pipe);
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let walked = WalkedFile {
            path: pipe.clone(),
            size: 4096,
            mtime_ns: 0,
            depth: 1,
        };
        let covers = CoverCache::new(Default::default());
        let Err(err) = read_file(&walked, &covers) else {
            panic!("a pipe is no track");
        };
        assert_eq!(err.kind, IssueKind::NotAFile, "{}", err.message);
        std::fs::remove_file(&pipe).expect("clean up");
    }
}
