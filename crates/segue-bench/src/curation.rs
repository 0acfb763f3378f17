//! What a curator knows about the evaluation music and Segue's features do not: which
//! soundtrack (Debian package) a track comes from, the style a curator files that soundtrack
//! under, and who composed it. Simulated listeners' tastes are defined from these labels only,
//! so a figure measures how well Segue learns a taste it did not design.
//!
//! The styles are written from the packages' own descriptions, their copyright files and
//! `../shared/notes/test-music.md`, not from Segue's analysis. A third of the tracks (whole
//! packages, chosen before any figure was seen, with a style mix like the rest) are held
//! aside: nothing is tuned on them, and they are reported on their own.

/// One soundtrack: its package, the curator's style, which set it belongs to, and its
/// composer when the package credits one person for all of it and the files do not say.
pub struct Soundtrack {
    pub package: &'static str,
    pub style: &'static str,
    pub held_aside: bool,
    pub credited_composer: Option<&'static str>,
}

/// Every package `scripts/fetch-test-music.sh` fetches (the plain, `--evaluation` and `--more`
/// sets): 324 tracks. Only packages `../shared/notes/test-music.md` lists (colobot-common-sounds,
/// which it does not, was dropped on 2026-12-06).
pub const SOUNDTRACKS: &[Soundtrack] = &[
    // Tuning set: 233 tracks.
    st("singularity-music", "ambient", false, Some("Maxstack")),
    st("freeorion-data", "ambient", false, None),
    st(
        "fretsonfire-songs-muldjord",
        "rock & metal",
        false,
        Some("Muldjord"),
    ),
    st(
        "fretsonfire-songs-sectoid",
        "rock & metal",
        false,
        Some("sectoid"),
    ),
    st("wesnoth-1.16-music", "orchestral", false, None),
    st("0ad-data", "world & historical", false, Some("Omri Lahav")),
    st("supertux-data", "chiptune & retro", false, None),
    st("xmoto-data", "electronic", false, None),
    st("extremetuxracer-data", "electronic", false, None),
    st("warzone2100-music", "synth score", false, None),
    // Held aside: 91 tracks.
    st("hyperrogue-music", "ambient", true, None),
    st(
        "marsshooter-data",
        "rock & metal",
        true,
        Some("Obsidian Shell"),
    ),
    st("megaglest-data", "orchestral", true, None),
    st("flare-game", "fantasy & folk", true, None),
    st("freecol", "fantasy & folk", true, None),
    st(
        "adonthell-data",
        "fantasy & folk",
        true,
        Some("Joseph Toscano"),
    ),
    st("redeclipse-data", "electronic", true, None),
    st("scorched3d-data", "electronic", true, None),
    st("pinball-data", "electronic", true, None),
];

/// The tuning set split in two halves by package, for estimating how what is tuned on one
/// library does on another without touching the held-aside set: tune on one half, judge on the
/// other. Each half holds about 116 tracks (the held-aside set: 91) and one of the two large
/// soundtracks (0 A.D., SuperTux); the rest are dealt so both halves keep four styles. Few
/// style and soundtrack tastes fit the share in a half (in half B one of each, the same
/// three soundtracks), so the halves judge composer and mixed tastes better than those.
pub const TUNING_HALF_A: &[&str] = &[
    "0ad-data",
    "warzone2100-music",
    "singularity-music",
    "fretsonfire-songs-muldjord",
    "freeorion-data",
];

/// Which half of the tuning set a soundtrack is in: 0 (`TUNING_HALF_A`) or 1; `None` when it
/// is held aside.
pub fn tuning_half(s: &Soundtrack) -> Option<usize> {
    (!s.held_aside).then(|| usize::from(!TUNING_HALF_A.contains(&s.package)))
}

const fn st(
    package: &'static str,
    style: &'static str,
    held_aside: bool,
    credited_composer: Option<&'static str>,
) -> Soundtrack {
    Soundtrack {
        package,
        style,
        held_aside,
        credited_composer,
    }
}

/// The soundtrack a file belongs to: the folder right under one of the music caches
/// (`.cache/<set>/<package>/...`).
pub fn soundtrack_of(path: &str) -> Option<&'static Soundtrack> {
    let parts: Vec<&str> = path.split('/').collect();
    let package = parts
        .windows(2)
        .find(|w| matches!(w[0], "test-music" | "eval-music" | "more-music"))
        .map(|w| w[1])?;
    SOUNDTRACKS.iter().find(|s| s.package == package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_filed_under_the_package_folder_it_came_from() {
        let s = soundtrack_of(
            "/work/.cache/more-music/0ad-data/usr/share/games/0ad/mods/public/audio/music/Sunrise.ogg",
        )
        .map(|s| (s.package, s.style, s.held_aside));
        assert_eq!(s, Some(("0ad-data", "world & historical", false)));
        assert!(soundtrack_of("/home/me/Music/a.ogg").is_none());
    }

    #[test]
    fn about_a_third_of_the_styles_and_packages_are_held_aside() {
        let held = SOUNDTRACKS.iter().filter(|s| s.held_aside).count();
        assert_eq!((held, SOUNDTRACKS.len()), (9, 19));
    }

    #[test]
    fn the_tuning_halves_split_the_tuning_packages_and_nothing_held() {
        let half = |h| {
            SOUNDTRACKS
                .iter()
                .filter(|s| tuning_half(s) == Some(h))
                .count()
        };
        assert_eq!((half(0), half(1)), (5, 5));
        assert!(
            TUNING_HALF_A
                .iter()
                .all(|p| SOUNDTRACKS.iter().any(|s| s.package == *p && !s.held_aside))
        );
    }
}
