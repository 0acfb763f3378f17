//! Which library track a listen from another service names, by artist, title and album.
//!
//! Services spell a track differently from the file's tags, so names are compared folded:
//! without case, accents (`Beyoncé` = `Beyonce`, Cyrillic read as Latin), punctuation and
//! apostrophes (`Don’t` = `Dont`), with `&` read as `and`. First the folded artist and title
//! must agree; failing that, the names without what marks a version of the same song: a
//! featured artist (`feat.`, `ft.`, `featuring`), a remaster, live, edit, mono or version
//! suffix in brackets or after ` - ` (`(Remastered 2011)`, ` - Live`), and the first of
//! several credited artists. Where several tracks fit, the listen's album chooses, then its
//! duration (within [`DURATION_TOLERANCE_MS`]); if they still do not, none is chosen.

use std::collections::{HashMap, HashSet};

use segue_core::{ListenUnmatched, TrackId};
use segue_store::TrackIdentity;

/// Tracks with the same names but lengths further apart are different recordings.
pub const DURATION_TOLERANCE_MS: u64 = 3_000;

/// How a listen was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The folded artist and title agree.
    Names,
    /// They agree once featured artists and version suffixes are set aside.
    Loosely,
}

struct Candidate {
    id: TrackId,
    album: Option<String>,
    duration_ms: u64,
}

/// The library, indexed for matching listens.
pub struct ListenIndex {
    tracks: Vec<Candidate>,
    exact: HashMap<(String, String), Vec<usize>>,
    loose: HashMap<(String, String), Vec<usize>>,
    artists: HashSet<String>,
}

impl ListenIndex {
    pub fn new(tracks: &[TrackIdentity]) -> ListenIndex {
        let mut index = ListenIndex {
            tracks: Vec::with_capacity(tracks.len()),
            exact: HashMap::with_capacity(tracks.len()),
            loose: HashMap::with_capacity(tracks.len()),
            artists: HashSet::new(),
        };
        for track in tracks {
            let at = index.tracks.len();
            index.tracks.push(Candidate {
                id: track.id,
                album: track.album.as_deref().map(base_title),
                duration_ms: track.duration_ms,
            });
            let title = fold(&track.title);
            let title_base = base_title(&track.title);
            for artist in [&track.artist, &track.album_artist].into_iter().flatten() {
                push_unique(&mut index.exact, (fold(artist), title.clone()), at);
                for variant in artist_variants(artist) {
                    index.artists.insert(variant.clone());
                    push_unique(&mut index.loose, (variant, title_base.clone()), at);
                }
            }
        }
        index
    }

    /// The track a listen names, and how; or why none.
    pub fn find(
        &self,
        artist: &str,
        title: &str,
        album: Option<&str>,
        duration_ms: Option<u64>,
    ) -> Result<(TrackId, MatchedBy), ListenUnmatched> {
        let album = album.map(base_title);
        if let Some(found) = self.exact.get(&(fold(artist), fold(title))) {
            return self
                .narrowed(found, album.as_deref(), duration_ms)
                .map(|id| (id, MatchedBy::Names));
        }
        let title = base_title(title);
        let variants = artist_variants(artist);
        let mut found: Vec<usize> = Vec::new();
        for variant in &variants {
            if let Some(ids) = self.loose.get(&(variant.clone(), title.clone())) {
                found.extend(
                    ids.iter()
                        .filter(|i| !found.contains(i))
                        .collect::<Vec<_>>(),
                );
            }
        }
        if !found.is_empty() {
            return self
                .narrowed(&found, album.as_deref(), duration_ms)
                .map(|id| (id, MatchedBy::Loosely));
        }
        if variants.iter().any(|v| self.artists.contains(v)) {
            Err(ListenUnmatched::UnknownTitle)
        } else {
            Err(ListenUnmatched::UnknownArtist)
        }
    }

    /// One of `found`, told apart by album, then by duration.
    fn narrowed(
        &self,
        found: &[usize],
        album: Option<&str>,
        duration_ms: Option<u64>,
    ) -> Result<TrackId, ListenUnmatched> {
        let mut left: Vec<&Candidate> = found.iter().map(|&i| &self.tracks[i]).collect();
        if left.len() > 1
            && let Some(album) = album
        {
            let same: Vec<&Candidate> = left
                .iter()
                .copied()
                .filter(|c| c.album.as_deref() == Some(album))
                .collect();
            if !same.is_empty() {
                left = same;
            }
        }
        if left.len() > 1
            && let Some(duration) = duration_ms
        {
            let near: Vec<&Candidate> = left
                .iter()
                .copied()
                .filter(|c| c.duration_ms.abs_diff(duration) <= DURATION_TOLERANCE_MS)
                .collect();
            if !near.is_empty() {
                left = near;
            }
        }
        match left.as_slice() {
            [one] => Ok(one.id),
            several => Err(ListenUnmatched::Ambiguous {
                candidates: u32::try_from(several.len()).unwrap_or(u32::MAX),
            }),
        }
    }
}

fn push_unique(map: &mut HashMap<(String, String), Vec<usize>>, key: (String, String), at: usize) {
    let ids = map.entry(key).or_default();
    if !ids.contains(&at) {
        ids.push(at);
    }
}

/// Words that mark a version of the same recording when they are what a bracket or a
/// ` - ` suffix says.
const VERSION_WORDS: [&str; 16] = [
    "remaster",
    "live",
    "version",
    "edit",
    "mono",
    "stereo",
    "deluxe",
    "anniversary",
    "explicit",
    "clean",
    "bonus",
    "single",
    "reissue",
    "bit",
    "digital",
    "album",
];

/// What introduces a featured artist.
const FEATURING: [&str; 5] = ["feat.", "feat ", "ft.", "ft ", "featuring "];

fn is_version_note(note: &str) -> bool {
    let note = fold(note);
    // Short words must be whole ("live", not "lively"); longer ones may be inflected
    // ("remastered").
    note.split(' ').any(|word| {
        VERSION_WORDS
            .iter()
            .any(|v| word == *v || (v.len() >= 5 && word.starts_with(v)))
    }) || FEATURING
        .iter()
        .any(|f| note.starts_with(f.trim_end_matches(['.', ' '])))
        || note.chars().all(|c| c.is_ascii_digit() || c == ' ')
}

/// A title (or album) folded, without featured artists and version notes:
/// `Song (feat. X) [Remastered 2011] - Live` is `song`.
pub fn base_title(title: &str) -> String {
    let mut text = title.trim().to_owned();
    // Notes from the end, bracketed (`(...)`, `[...]`) or after ` - `, until the end is not one.
    loop {
        let trimmed = text.trim_end();
        let bracket = trimmed
            .chars()
            .last()
            .filter(|c| matches!(c, ')' | ']'))
            .and_then(|close| trimmed.rfind(if close == ')' { '(' } else { '[' }))
            .filter(|&at| at > 0 && is_version_note(&trimmed[at + 1..trimmed.len() - 1]));
        let dash = trimmed
            .rfind(" - ")
            .filter(|&at| at > 0 && is_version_note(&trimmed[at + 3..]));
        match bracket.or(dash) {
            Some(at) => text.truncate(at),
            None => break,
        }
    }
    let lower = text.to_lowercase();
    for featuring in FEATURING {
        if let Some(at) = lower.find(&format!(" {featuring}")) {
            text.truncate(at);
            break;
        }
    }
    fold(&text)
}

/// The folded forms an artist credit is known by: the whole credit without featured artists,
/// and the first of several credited (`A & B`, `A, B`, `A and B`, `A x B`, `A / B`), each also
/// without a leading `the`.
pub fn artist_variants(artist: &str) -> Vec<String> {
    let lower = artist.to_lowercase();
    let mut main = artist;
    for featuring in FEATURING {
        if let Some(at) = lower.find(&format!(" {featuring}")) {
            main = &artist[..at];
            break;
        }
    }
    fn push(variants: &mut Vec<String>, v: String) {
        if !v.is_empty() && !variants.contains(&v) {
            variants.push(v);
        }
    }
    let mut variants = Vec::with_capacity(4);
    let whole = fold(main);
    push(&mut variants, whole.clone());
    for separator in [" and ", " x ", " vs ", " with "] {
        if let Some((first, _)) = whole.split_once(separator) {
            push(&mut variants, first.to_owned());
        }
    }
    // Separators with a space after them: "AC/DC" and "http://..." are one name.
    if let Some(at) = [", ", " / ", "; "]
        .iter()
        .filter_map(|sep| main.find(sep))
        .min()
    {
        push(&mut variants, fold(&main[..at]));
    }
    let without_the: Vec<String> = variants
        .iter()
        .filter_map(|v| v.strip_prefix("the ").map(str::to_owned))
        .collect();
    for v in without_the {
        push(&mut variants, v);
    }
    variants
}

/// Lower case, Latin letters without accents, Cyrillic in Latin letters, `&` as `and`,
/// apostrophes and dots dropped, other punctuation as spaces, runs of spaces as one.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    let mut push = |s: &str, out: &mut String| {
        for c in s.chars() {
            if c == ' ' {
                if !space {
                    out.push(' ');
                    space = true;
                }
            } else {
                out.push(c);
                space = false;
            }
        }
    };
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '’' | '‘' | '`' | '´' | '.' => {}
            '&' => push(" and ", &mut out),
            c if c.is_ascii_alphanumeric() => push(c.encode_utf8(&mut [0; 4]), &mut out),
            c => match transliterate(c) {
                Some(latin) => push(latin, &mut out),
                None if c.is_alphanumeric() => push(c.encode_utf8(&mut [0; 4]), &mut out),
                None => push(" ", &mut out),
            },
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Latin letters for an accented Latin letter or a Cyrillic one (lower case).
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' | 'ы' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(
        id: TrackId,
        artist: &str,
        title: &str,
        album: &str,
        duration_ms: u64,
    ) -> TrackIdentity {
        TrackIdentity {
            id,
            path: format!("/music/{id}.flac").into(),
            title: title.into(),
            artist: Some(artist.into()),
            album_artist: None,
            album: Some(album.into()),
            duration_ms,
        }
    }

    fn library() -> ListenIndex {
        ListenIndex::new(&[
            track(1, "Beyoncé", "Halo", "I Am... Sasha Fierce", 261_000),
            track(2, "The Beatles", "Come Together", "Abbey Road", 259_000),
            track(
                3,
                "Daft Punk",
                "Get Lucky",
                "Random Access Memories",
                369_000,
            ),
            track(4, "Sigur Rós", "Hoppípolla", "Takk...", 268_000),
            track(5, "Кино", "Группа крови", "Группа крови", 287_000),
            // The same song on two albums.
            track(
                6,
                "Queen",
                "Bohemian Rhapsody",
                "A Night at the Opera",
                355_000,
            ),
            track(7, "Queen", "Bohemian Rhapsody", "Greatest Hits", 355_000),
            // The same song twice on one album, told apart only by length.
            track(8, "Wansti", "Theme", "SuperTux", 120_000),
            track(9, "Wansti", "Theme", "SuperTux", 200_000),
            track(
                10,
                "Guns N' Roses",
                "Don't Cry",
                "Use Your Illusion I",
                284_000,
            ),
        ])
    }

    fn find(
        artist: &str,
        title: &str,
        album: Option<&str>,
        ms: Option<u64>,
    ) -> Result<TrackId, ListenUnmatched> {
        library().find(artist, title, album, ms).map(|(id, _)| id)
    }

    #[test]
    fn names_match_without_case_accents_or_punctuation() {
        assert_eq!(find("BEYONCE", "halo", None, None), Ok(1));
        assert_eq!(find("Sigur Ros", "Hoppipolla", None, None), Ok(4));
        assert_eq!(find("Guns N’ Roses", "Dont Cry", None, None), Ok(10));
        assert_eq!(find("Guns N Roses", "Don’t cry!", None, None), Ok(10));
        assert_eq!(find("Kino", "Gruppa krovi", None, None), Ok(5));
        assert_eq!(
            library().find("beatles", "come together", None, None),
            Ok((2, MatchedBy::Loosely))
        );
    }

    #[test]
    fn featured_artists_and_version_suffixes_are_set_aside() {
        assert_eq!(
            library().find("Daft Punk feat. Pharrell Williams", "Get Lucky", None, None),
            Ok((3, MatchedBy::Loosely))
        );
        assert_eq!(
            find(
                "Daft Punk ft. Pharrell",
                "Get Lucky (feat. Pharrell Williams)",
                None,
                None
            ),
            Ok(3)
        );
        assert_eq!(
            find(
                "Daft Punk & Pharrell Williams",
                "Get Lucky - Radio Edit",
                None,
                None
            ),
            Ok(3)
        );
        assert_eq!(
            find("The Beatles", "Come Together (Remastered 2009)", None, None),
            Ok(2)
        );
        assert_eq!(
            find("The Beatles", "Come Together - 2019 Mix", None, None),
            Err(ListenUnmatched::UnknownTitle)
        );
        assert_eq!(
            find("The Beatles", "Come Together - Live", None, None),
            Ok(2)
        );
        assert_eq!(
            find(
                "The Beatles",
                "Come Together [Live at the BBC] - Remastered",
                None,
                None
            ),
            Ok(2)
        );
    }

    #[test]
    fn several_fits_are_told_apart_by_album_then_duration() {
        assert_eq!(
            find("Queen", "Bohemian Rhapsody", None, None),
            Err(ListenUnmatched::Ambiguous { candidates: 2 })
        );
        assert_eq!(
            find("Queen", "Bohemian Rhapsody", Some("Greatest Hits"), None),
            Ok(7)
        );
        assert_eq!(
            find(
                "Queen",
                "Bohemian Rhapsody (Remastered 2011)",
                Some("A Night At The Opera (Deluxe Edition)"),
                None
            ),
            Ok(6)
        );
        assert_eq!(
            find("Wansti", "Theme", Some("SuperTux"), Some(201_500)),
            Ok(9)
        );
        assert_eq!(
            find("Wansti", "Theme", Some("SuperTux"), Some(160_000)),
            Err(ListenUnmatched::Ambiguous { candidates: 2 })
        );
    }

    #[test]
    fn what_does_not_match_says_whether_the_artist_is_known() {
        assert_eq!(
            find("Radiohead", "Creep", None, None),
            Err(ListenUnmatched::UnknownArtist)
        );
        assert_eq!(
            find("Queen", "Under Pressure", None, None),
            Err(ListenUnmatched::UnknownTitle)
        );
        // A different recording is not taken for the song.
        assert_eq!(
            find("Daft Punk", "Get Lucky (Daft Punk Remix)", None, None),
            Err(ListenUnmatched::UnknownTitle)
        );
    }

    #[test]
    fn folding_keeps_letters_of_other_scripts() {
        assert_eq!(
            fold("坂本 龍一 — Merry Christmas, Mr. Lawrence"),
            "坂本 龍一 merry christmas mr lawrence"
        );
        assert_eq!(fold("  AC/DC  "), "ac dc");
        assert_eq!(artist_variants("AC/DC"), ["ac dc"]);
        assert_eq!(artist_variants("http://example.com/"), ["http examplecom"]);
        assert_eq!(
            artist_variants("The Crosby, Stills & Nash"),
            [
                "the crosby stills and nash",
                "the crosby stills",
                "the crosby",
                "crosby stills and nash",
                "crosby stills",
                "crosby"
            ]
        );
        assert_eq!(
            base_title("Song (feat. X) [Remastered 2011] - Live"),
            "song"
        );
        assert_eq!(
            base_title("(What's the Story) Morning Glory?"),
            "whats the story morning glory"
        );
    }
}
