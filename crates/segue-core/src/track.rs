use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Identifies a track for its whole life in the library.
///
/// It is the id of the file row, so it survives re-tagging, rescans and moves (a moved file is
/// recognised by its content fingerprint and keeps its id, plays and ratings).
pub type TrackId = i64;

/// The container a file uses, detected from its content (not its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Container {
    Flac,
    Mpeg,
    Ogg,
    Mp4,
    Wav,
    Aiff,
    /// Raw ADTS AAC stream (`.aac`).
    Adts,
}

/// The audio codec inside the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Codec {
    Flac,
    Mp3,
    Vorbis,
    Opus,
    Aac,
    Alac,
    /// Uncompressed PCM (WAV, AIFF).
    Pcm,
    /// A codec we read tags from but cannot identify precisely (e.g. MP2 in an MPEG stream).
    Other,
}

impl Codec {
    /// Lower-case name used in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Flac => "flac",
            Codec::Mp3 => "mp3",
            Codec::Vorbis => "vorbis",
            Codec::Opus => "opus",
            Codec::Aac => "aac",
            Codec::Alac => "alac",
            Codec::Pcm => "pcm",
            Codec::Other => "other",
        }
    }

    /// The name people know the format by, for display.
    pub fn display_name(self) -> &'static str {
        match self {
            Codec::Flac => "FLAC",
            Codec::Mp3 => "MP3",
            Codec::Vorbis => "Vorbis",
            Codec::Opus => "Opus",
            Codec::Aac => "AAC",
            Codec::Alac => "ALAC",
            Codec::Pcm => "PCM",
            Codec::Other => "Other",
        }
    }

    /// Inverse of [`Codec::as_str`]; unknown names map to [`Codec::Other`].
    pub fn parse(name: &str) -> Codec {
        match name {
            "flac" => Codec::Flac,
            "mp3" => Codec::Mp3,
            "vorbis" => Codec::Vorbis,
            "opus" => Codec::Opus,
            "aac" => Codec::Aac,
            "alac" => Codec::Alac,
            "pcm" => Codec::Pcm,
            _ => Codec::Other,
        }
    }
}

impl Container {
    /// Lower-case name used in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Flac => "flac",
            Container::Mpeg => "mpeg",
            Container::Ogg => "ogg",
            Container::Mp4 => "mp4",
            Container::Wav => "wav",
            Container::Aiff => "aiff",
            Container::Adts => "adts",
        }
    }

    /// Inverse of [`Container::as_str`].
    pub fn parse(name: &str) -> Option<Container> {
        Some(match name {
            "flac" => Container::Flac,
            "mpeg" => Container::Mpeg,
            "ogg" => Container::Ogg,
            "mp4" => Container::Mp4,
            "wav" => Container::Wav,
            "aiff" => Container::Aiff,
            "adts" => Container::Adts,
            _ => return None,
        })
    }
}

/// Descriptive metadata of a track, after fallbacks.
///
/// `title` is never empty: when a file has no title tag the scanner derives one from the file
/// name. `artist`, `album` and `album_artist` fall back to folder names where the layout
/// suggests them (`Artist/Album/NN Title.ext`) and are `None` only when nothing is known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrackTags {
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub composer: Option<String>,
    /// True when at least one of title / artist / album came from the path, not a tag.
    pub inferred_from_path: bool,
}

/// ReplayGain values read from tags, in dB (gain) and linear full-scale ratio (peak).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReplayGain {
    pub track_gain_db: Option<f32>,
    pub track_peak: Option<f32>,
    pub album_gain_db: Option<f32>,
    pub album_peak: Option<f32>,
}

/// Technical properties of the audio stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AudioProperties {
    pub container: Container,
    pub codec: Codec,
    /// Whole milliseconds.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Hz.
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    /// Bits per sample, for lossless and PCM streams.
    pub bit_depth: Option<u8>,
    /// Average audio bitrate in kbit/s.
    pub bitrate_kbps: Option<u32>,
}

/// A track as stored in the library and shown by the CLI and UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Track {
    #[ts(type = "number")]
    pub id: TrackId,
    /// The file's path, lossily converted to UTF-8 for display.
    pub path: String,
    #[serde(flatten)]
    pub tags: TrackTags,
    #[serde(flatten)]
    pub audio: AudioProperties,
    pub replay_gain: ReplayGain,
    /// Id of the cover image (embedded or `cover.jpg` beside the file), if any.
    #[ts(type = "number | null")]
    pub cover_id: Option<i64>,
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// The file was not found at its path during the last scan of its folder. Its history and
    /// ratings are kept; it returns if the file reappears (at this or another path).
    pub missing: bool,
}

impl Track {
    /// The artist to show: the track artist, else the album artist, else "Unknown Artist".
    pub fn display_artist(&self) -> &str {
        self.tags
            .artist
            .as_deref()
            .or(self.tags.album_artist.as_deref())
            .unwrap_or("Unknown Artist")
    }
}

/// Whether a credit (artist, album artist or composer) names no one: blank, or a tagger's
/// placeholder such as `"Unknown Artist"`, `"<Unknown>"`, `"[unknown]"`, `"N/A"`, `"-"` or
/// `"?"`. Such a track has an unknown artist (`None`), not an artist called "Unknown Artist":
/// otherwise every such track would count as the work of one artist (in the artist gap, the
/// artist list, the stats). "Various Artists" names a compilation, a real album artist, and is kept.
pub fn is_placeholder_artist(name: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "",
        "unknown",
        "unknown artist",
        "unknown artists",
        "unknown album artist",
        "unknown composer",
        "no artist",
        "n/a",
        "-",
        "--",
        "?",
        "??",
        "???",
    ];
    let trimmed = name.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    // One pair of brackets around a placeholder: "<Unknown>", "[unknown]", "(Unknown Artist)".
    let inner = [('<', '>'), ('[', ']'), ('(', ')')]
        .into_iter()
        .find_map(|(open, close)| trimmed.strip_prefix(open)?.strip_suffix(close))
        .unwrap_or(trimmed)
        .trim();
    PLACEHOLDERS.contains(&inner.to_lowercase().as_str())
}

/// Counts shown by `segue stats` and the app's library header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LibraryStats {
    /// Playable tracks (present on disk).
    #[ts(type = "number")]
    pub tracks: u64,
    #[ts(type = "number")]
    pub albums: u64,
    #[ts(type = "number")]
    pub artists: u64,
    #[ts(type = "number")]
    pub genres: u64,
    /// Distinct cover images stored.
    #[ts(type = "number")]
    pub covers: u64,
    /// Total playing time of present tracks, in milliseconds.
    #[ts(type = "number")]
    pub total_duration_ms: u64,
    #[ts(type = "number")]
    pub total_size_bytes: u64,
    /// Tracks whose files were not found on the last scan.
    #[ts(type = "number")]
    pub missing: u64,
    /// Files that could not be imported (see `segue report`).
    #[ts(type = "number")]
    pub failed: u64,
    /// Library folders.
    pub roots: Vec<String>,
}

/// Where a track sits in its album: what the rule "one album, played in order" needs. Such
/// tracks join gaplessly whatever the crossfade (a live album's or a mix's joins stay whole),
/// and take album gain under automatic normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumPlace {
    /// The album name and its album artist (else the track artist), compared without case.
    album: String,
    disc: u32,
    track: u32,
}

impl AlbumPlace {
    /// The track's place, or `None` when its tags name no album or no track number.
    pub fn of(tags: &TrackTags) -> Option<AlbumPlace> {
        let album = tags.album.as_deref()?.trim();
        let track = tags.track_number.filter(|&n| n > 0)?;
        if album.is_empty() {
            return None;
        }
        let album_artist = tags
            .album_artist
            .as_deref()
            .or(tags.artist.as_deref())
            .unwrap_or("")
            .trim();
        Some(AlbumPlace {
            album: format!(
                "{}\u{1f}{}",
                album.to_lowercase(),
                album_artist.to_lowercase()
            ),
            disc: tags.disc_number.unwrap_or(1).max(1),
            track,
        })
    }

    /// Whether `next` is the track right after this one on the same album (the next number
    /// on the same disc, or the first of the next disc): played in that order, the two join
    /// gaplessly whatever the crossfade setting.
    pub fn is_followed_by(&self, next: &AlbumPlace) -> bool {
        self.album == next.album
            && ((next.disc == self.disc && next.track == self.track + 1)
                || (next.disc == self.disc + 1 && next.track == 1))
    }
}

#[cfg(test)]
mod tests {
    use super::{AlbumPlace, TrackTags, is_placeholder_artist};

    #[test]
    fn placeholder_credits_name_no_artist_and_real_names_stay() {
        for placeholder in [
            "<Unknown>",
            "Unknown Artist",
            "unknown",
            "[unknown]",
            "Unknown",
            "UNKNOWN ARTIST",
            "(Unknown Composer)",
            "N/A",
            "-",
            "?",
            "",
            "   ",
            " \0",
        ] {
            assert!(is_placeholder_artist(placeholder), "{placeholder:?}");
        }
        for artist in [
            "Various Artists",
            "Various",
            "Unknown Mortal Orchestra",
            "!!!",
            "? & the Mysterians",
            "The Unknown",
            "A-ha",
            "<Ann>",
        ] {
            assert!(!is_placeholder_artist(artist), "{artist:?}");
        }
    }

    fn place(album: &str, album_artist: Option<&str>, disc: Option<u32>, track: u32) -> AlbumPlace {
        AlbumPlace::of(&TrackTags {
            title: "t".into(),
            album: Some(album.into()),
            album_artist: album_artist.map(String::from),
            disc_number: disc,
            track_number: Some(track),
            ..TrackTags::default()
        })
        .expect("a place")
    }

    #[test]
    fn only_the_next_track_of_the_same_album_continues_it() {
        let third = place("Kind of Blue", Some("Miles Davis"), None, 3);
        assert!(third.is_followed_by(&place("kind of blue", Some("MILES DAVIS"), Some(1), 4)));
        assert!(!third.is_followed_by(&place("Kind of Blue", Some("Miles Davis"), None, 5)));
        assert!(!third.is_followed_by(&place("Kind of Blue", Some("Miles Davis"), None, 2)));
        assert!(!third.is_followed_by(&place("Kind of Blue", Some("Miles Davis"), None, 3)));
        assert!(!third.is_followed_by(&place("Kind of Blue", None, None, 4)));
        assert!(!third.is_followed_by(&place("Blue Train", Some("Miles Davis"), None, 4)));
        // A disc ends, the next begins.
        assert!(third.is_followed_by(&place("Kind of Blue", Some("Miles Davis"), Some(2), 1)));
        assert!(!third.is_followed_by(&place("Kind of Blue", Some("Miles Davis"), Some(2), 4)));
    }

    #[test]
    fn a_track_without_album_or_number_has_no_place() {
        let mut tags = TrackTags {
            title: "t".into(),
            album: Some("A".into()),
            ..TrackTags::default()
        };
        assert_eq!(AlbumPlace::of(&tags), None);
        tags.track_number = Some(1);
        assert!(AlbumPlace::of(&tags).is_some());
        tags.album = Some("  ".into());
        assert_eq!(AlbumPlace::of(&tags), None);
    }
}
