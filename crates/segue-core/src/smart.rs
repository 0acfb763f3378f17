//! Smart playlists: rules over what Segue knows of each track (analysis, tags, history), all
//! or any of them, a limit and an order. They are evaluated when opened, so they follow the
//! library and the listening as they change, and each member says which rules let it in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{KeyMode, TrackId, camelot};

/// One condition a track must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum SmartRule {
    /// An analysis label (genre, mood or instrument, as the models name it) at least this
    /// likely (0–1).
    Tag { label: String, min: f32 },
    /// Tempo in BPM, inclusive.
    Tempo { min: f32, max: f32 },
    /// A key in Camelot notation ("8A" is A minor).
    Key { camelot: String },
    /// Analysis energy, 0–1.
    Energy { min: f32, max: f32 },
    /// Integrated loudness in LUFS.
    Loudness { min: f32, max: f32 },
    /// At least this many stars.
    Rating { min: u8 },
    /// Liked (or, with `liked: false`, disliked).
    Liked { liked: bool },
    /// Played this many times, inclusive.
    PlayCount { min: u32, max: u32 },
    /// Not played in the last `days` (never played counts).
    NotPlayedFor { days: u32 },
    /// Played in the last `days`.
    PlayedWithin { days: u32 },
    /// At most this share of its plays skipped (0–1); unplayed tracks pass.
    SkipRate { max: f32 },
    /// Added to the library in the last `days`.
    AddedWithin { days: u32 },
    /// Length in seconds, inclusive.
    Duration { min: u32, max: u32 },
    /// A format label as the library shows it ("FLAC", "Opus"), any case.
    Format { format: String },
    /// Words in a text field, any case.
    Text { field: TextField, contains: String },
    /// Year, inclusive.
    Year { min: i32, max: i32 },
}

/// A text field of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TextField {
    Title,
    Artist,
    Album,
    Genre,
}

/// The order of a smart playlist's members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SmartOrder {
    /// Artist, album, disc and track number: the library's own order.
    #[default]
    Library,
    Title,
    /// Newest first.
    Added,
    /// Least recently played first (never played first of all).
    LeastRecentlyPlayed,
    MostPlayed,
    /// Highest rated first.
    Rating,
    /// Slowest first.
    Tempo,
}

/// What a smart playlist asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SmartQuery {
    /// Every rule must hold (else any one).
    pub match_all: bool,
    pub rules: Vec<SmartRule>,
    /// At most this many tracks, after ordering.
    pub limit: Option<u32>,
    #[serde(default)]
    pub order: SmartOrder,
}

/// A saved smart playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SmartPlaylist {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub query: SmartQuery,
}

/// A track in a smart playlist, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SmartMember {
    #[ts(type = "number")]
    pub track_id: TrackId,
    /// The rules it meets, each as what it found: the window words them in the listener's
    /// language, [`SmartMember::why_in_english`] for the command line.
    pub why: Vec<SmartWhy>,
}

impl SmartMember {
    /// "tempo 122, ambient 64 %, not played for 40 days".
    pub fn why_in_english(&self) -> String {
        self.why
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a track showed that met one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "id", rename_all = "snake_case")]
#[ts(export)]
pub enum SmartWhy {
    /// A tag's probability, in whole per cent.
    Tag {
        label: String,
        percent: u32,
    },
    Tempo {
        bpm: u32,
    },
    Key {
        camelot: String,
    },
    Energy {
        energy: f32,
    },
    Loudness {
        lufs: f32,
    },
    Rated {
        stars: u8,
    },
    Liked,
    Disliked,
    Played {
        times: u32,
    },
    NeverPlayed,
    NotPlayedFor {
        days: u32,
    },
    PlayedToday,
    PlayedDaysAgo {
        days: u32,
    },
    NeverSkipped,
    /// Share of plays skipped, in whole per cent.
    Skipped {
        percent: u32,
    },
    AddedDaysAgo {
        days: u32,
    },
    Lasts {
        seconds: u32,
    },
    /// The file format, as the library names it.
    Format {
        format: String,
    },
    /// The title, artist, album or genre that contains the words asked for.
    Text {
        value: String,
    },
    Year {
        year: i32,
    },
}

impl std::fmt::Display for SmartWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmartWhy::Tag { label, percent } => write!(f, "{label} {percent} %"),
            SmartWhy::Tempo { bpm } => write!(f, "tempo {bpm}"),
            SmartWhy::Key { camelot } => write!(f, "key {camelot}"),
            SmartWhy::Energy { energy } => write!(f, "energy {energy:.2}"),
            SmartWhy::Loudness { lufs } => write!(f, "{lufs:.1} LUFS"),
            SmartWhy::Rated { stars: 1 } => f.write_str("rated 1 star"),
            SmartWhy::Rated { stars } => write!(f, "rated {stars} stars"),
            SmartWhy::Liked => f.write_str("liked"),
            SmartWhy::Disliked => f.write_str("disliked"),
            SmartWhy::Played { times: 1 } => f.write_str("played 1 time"),
            SmartWhy::Played { times } => write!(f, "played {times} times"),
            SmartWhy::NeverPlayed => f.write_str("never played"),
            SmartWhy::NotPlayedFor { days: 1 } => f.write_str("not played for 1 day"),
            SmartWhy::NotPlayedFor { days } => write!(f, "not played for {days} days"),
            SmartWhy::PlayedToday => f.write_str("played today"),
            SmartWhy::PlayedDaysAgo { days: 1 } => f.write_str("played 1 day ago"),
            SmartWhy::PlayedDaysAgo { days } => write!(f, "played {days} days ago"),
            SmartWhy::NeverSkipped => f.write_str("never skipped"),
            SmartWhy::Skipped { percent } => write!(f, "skipped {percent} % of plays"),
            SmartWhy::AddedDaysAgo { days: 0 } => f.write_str("added today"),
            SmartWhy::AddedDaysAgo { days: 1 } => f.write_str("added 1 day ago"),
            SmartWhy::AddedDaysAgo { days } => write!(f, "added {days} days ago"),
            SmartWhy::Lasts { seconds } => write!(f, "{}:{:02} long", seconds / 60, seconds % 60),
            SmartWhy::Format { format } => f.write_str(format),
            SmartWhy::Text { value } => f.write_str(value),
            SmartWhy::Year { year } => write!(f, "from {year}"),
        }
    }
}

/// What the rules are judged on, one per track.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackFacts {
    pub id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub duration_ms: u64,
    pub format: String,
    /// Unix seconds.
    pub added_at_s: i64,
    pub rating: Option<u8>,
    /// 1 liked, -1 disliked.
    pub liked: Option<i8>,
    pub plays: u32,
    pub skips: u32,
    /// Unix milliseconds.
    pub last_played_ms: Option<i64>,
    /// Present once analysed.
    pub analysis: Option<AnalysisFacts>,
    /// Library order: artist, album, disc, track.
    pub library_rank: usize,
}

/// What analysis knows of a track.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisFacts {
    pub bpm: f32,
    pub key: u8,
    pub mode: KeyMode,
    pub energy: f32,
    pub loudness_lufs: Option<f32>,
    /// Label probabilities, in the order of the labels passed to [`evaluate`].
    pub tags: Vec<f32>,
}

/// The rule a person writes on the command line: `KIND:VALUE`, ranges as `MIN..MAX` (either
/// end may be left out). `tag:ambient:0.3`, `tempo:110..130`, `key:8A`, `energy:..0.4`,
/// `loudness:-20..-8`, `rating:4`, `liked`, `disliked`, `plays:0..3`, `not-played-for:30`,
/// `played-within:7`, `skip-rate:0.3`, `added-within:14` (days), `duration:60..300`
/// (seconds), `format:flac`, `title:WORDS`, `artist:WORDS`, `album:WORDS`, `genre:WORDS`,
/// `year:1990..1999`.
impl std::str::FromStr for SmartRule {
    type Err = String;

    fn from_str(text: &str) -> Result<SmartRule, String> {
        let text = text.trim();
        let (kind, value) = text.split_once(':').unwrap_or((text, ""));
        let value = value.trim();
        let bad = |what: &str| format!("{text:?}: {what}");
        let number = |v: &str| -> Result<f32, String> {
            v.trim()
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(&format!("{v:?} is not a number")))
        };
        let range = |lo: f32, hi: f32| -> Result<(f32, f32), String> {
            let (a, b) = value.split_once("..").unwrap_or((value, value));
            let a = if a.trim().is_empty() { lo } else { number(a)? };
            let b = if b.trim().is_empty() { hi } else { number(b)? };
            if a > b {
                return Err(bad("the range's start is past its end"));
            }
            Ok((a, b))
        };
        let whole = |v: f32| -> Result<u32, String> {
            (v >= 0.0 && v <= u32::MAX as f32)
                .then_some(v as u32)
                .ok_or_else(|| bad("needs a whole number of 0 or more"))
        };
        let words = || -> Result<String, String> {
            (!value.is_empty())
                .then(|| value.to_owned())
                .ok_or_else(|| bad("needs words to look for"))
        };
        let text_rule = |field| {
            Ok(SmartRule::Text {
                field,
                contains: words()?,
            })
        };
        match kind.to_ascii_lowercase().as_str() {
            "tag" => {
                let (label, min) = value.rsplit_once(':').map_or((value, 0.3), |(l, m)| {
                    (l, m.parse::<f32>().unwrap_or(f32::NAN))
                });
                if label.is_empty() || !(0.0..=1.0).contains(&min) {
                    return Err(bad(
                        "write tag:LABEL or tag:LABEL:0.3 (a share from 0 to 1)",
                    ));
                }
                Ok(SmartRule::Tag {
                    label: label.to_owned(),
                    min,
                })
            }
            "tempo" | "bpm" => range(0.0, 1000.0).map(|(min, max)| SmartRule::Tempo { min, max }),
            "key" => {
                let k = value.to_ascii_uppercase();
                let valid = k.len() >= 2
                    && (k.ends_with('A') || k.ends_with('B'))
                    && k[..k.len() - 1]
                        .parse::<u8>()
                        .is_ok_and(|n| (1..=12).contains(&n));
                if !valid {
                    return Err(bad("a key is written in Camelot notation, 1A to 12B"));
                }
                Ok(SmartRule::Key { camelot: k })
            }
            "energy" => range(0.0, 1.0).map(|(min, max)| SmartRule::Energy { min, max }),
            "loudness" => range(-100.0, 10.0).map(|(min, max)| SmartRule::Loudness { min, max }),
            "rating" => {
                let r = number(value)?;
                if !(1.0..=5.0).contains(&r) {
                    return Err(bad("a rating is 1 to 5 stars"));
                }
                Ok(SmartRule::Rating { min: r as u8 })
            }
            "liked" => Ok(SmartRule::Liked { liked: true }),
            "disliked" => Ok(SmartRule::Liked { liked: false }),
            "plays" => {
                let (a, b) = range(0.0, u32::MAX as f32)?;
                Ok(SmartRule::PlayCount {
                    min: whole(a)?,
                    max: whole(b)?,
                })
            }
            "not-played-for" => Ok(SmartRule::NotPlayedFor {
                days: whole(number(value)?)?,
            }),
            "played-within" => Ok(SmartRule::PlayedWithin {
                days: whole(number(value)?)?,
            }),
            "added-within" => Ok(SmartRule::AddedWithin {
                days: whole(number(value)?)?,
            }),
            "skip-rate" => {
                let max = number(value)?;
                if !(0.0..=1.0).contains(&max) {
                    return Err(bad("a skip rate is a share from 0 to 1"));
                }
                Ok(SmartRule::SkipRate { max })
            }
            "duration" => {
                let (a, b) = range(0.0, u32::MAX as f32)?;
                Ok(SmartRule::Duration {
                    min: whole(a)?,
                    max: whole(b)?,
                })
            }
            "format" => Ok(SmartRule::Format { format: words()? }),
            "title" => text_rule(TextField::Title),
            "artist" => text_rule(TextField::Artist),
            "album" => text_rule(TextField::Album),
            "genre" => text_rule(TextField::Genre),
            "year" => {
                let (a, b) = range(0.0, 9999.0)?;
                Ok(SmartRule::Year {
                    min: a as i32,
                    max: b as i32,
                })
            }
            _ => Err(bad(
                "unknown rule; rules are tag, tempo, key, energy, loudness, rating, liked, \
                 disliked, plays, not-played-for, played-within, skip-rate, added-within, \
                 duration, format, title, artist, album, genre, year",
            )),
        }
    }
}

/// Writes a rule as [`SmartRule::from_str`](std::str::FromStr) reads it.
impl std::fmt::Display for SmartRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmartRule::Tag { label, min } => write!(f, "tag:{label}:{min}"),
            SmartRule::Tempo { min, max } => write!(f, "tempo:{min}..{max}"),
            SmartRule::Key { camelot } => write!(f, "key:{camelot}"),
            SmartRule::Energy { min, max } => write!(f, "energy:{min}..{max}"),
            SmartRule::Loudness { min, max } => write!(f, "loudness:{min}..{max}"),
            SmartRule::Rating { min } => write!(f, "rating:{min}"),
            SmartRule::Liked { liked: true } => write!(f, "liked"),
            SmartRule::Liked { liked: false } => write!(f, "disliked"),
            SmartRule::PlayCount { min, max } => write!(f, "plays:{min}..{max}"),
            SmartRule::NotPlayedFor { days } => write!(f, "not-played-for:{days}"),
            SmartRule::PlayedWithin { days } => write!(f, "played-within:{days}"),
            SmartRule::SkipRate { max } => write!(f, "skip-rate:{max}"),
            SmartRule::AddedWithin { days } => write!(f, "added-within:{days}"),
            SmartRule::Duration { min, max } => write!(f, "duration:{min}..{max}"),
            SmartRule::Format { format } => write!(f, "format:{format}"),
            SmartRule::Text { field, contains } => {
                let field = match field {
                    TextField::Title => "title",
                    TextField::Artist => "artist",
                    TextField::Album => "album",
                    TextField::Genre => "genre",
                };
                write!(f, "{field}:{contains}")
            }
            SmartRule::Year { min, max } => write!(f, "year:{min}..{max}"),
        }
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The members of `query` among `facts`, ordered and limited, each with its reason. `labels`
/// names the analysis tags (as [`AnalysisFacts::tags`] orders them); `now_ms` is the time
/// the day counts start from.
pub fn evaluate(
    query: &SmartQuery,
    facts: &[TrackFacts],
    labels: &[String],
    now_ms: i64,
) -> Vec<SmartMember> {
    // Tag rules name a label: find its index once, not per track.
    let tag_index: Vec<Option<usize>> = query
        .rules
        .iter()
        .map(|r| match r {
            SmartRule::Tag { label, .. } => {
                labels.iter().position(|l| l.eq_ignore_ascii_case(label))
            }
            _ => None,
        })
        .collect();
    let lowered: Vec<Option<String>> = query
        .rules
        .iter()
        .map(|r| match r {
            SmartRule::Text { contains, .. } => Some(contains.to_lowercase()),
            SmartRule::Format { format } => Some(format.to_lowercase()),
            SmartRule::Key { camelot } => Some(camelot.to_uppercase()),
            _ => None,
        })
        .collect();
    let mut members: Vec<(&TrackFacts, Vec<SmartWhy>)> = facts
        .iter()
        .filter_map(|f| {
            let mut why = Vec::new();
            let mut all = true;
            for (i, rule) in query.rules.iter().enumerate() {
                let context = Context {
                    tag: tag_index[i],
                    text: lowered[i].as_deref(),
                    labels,
                    now_ms,
                };
                match check(rule, f, &context) {
                    Some(reason) => why.push(reason),
                    None if query.match_all => return None,
                    None => all = false,
                }
            }
            let member = if query.match_all {
                all
            } else {
                !why.is_empty()
            };
            (member && !query.rules.is_empty()).then_some((f, why))
        })
        .collect();
    order(&mut members, query.order);
    members
        .into_iter()
        .take(query.limit.map_or(usize::MAX, |l| l as usize))
        .map(|(f, why)| SmartMember {
            track_id: f.id,
            why,
        })
        .collect()
}

fn per_cent(share: f32) -> u32 {
    (share * 100.0).round().clamp(0.0, 100.0) as u32
}

fn whole_days(days: i64) -> u32 {
    u32::try_from(days).unwrap_or(u32::MAX)
}

struct Context<'a> {
    tag: Option<usize>,
    text: Option<&'a str>,
    labels: &'a [String],
    now_ms: i64,
}

/// The reason `f` meets `rule`, or `None` when it does not.
fn check(rule: &SmartRule, f: &TrackFacts, c: &Context<'_>) -> Option<SmartWhy> {
    let analysis = f.analysis.as_ref();
    let days_since = |ms: i64| (c.now_ms - ms).max(0) / DAY_MS;
    match rule {
        SmartRule::Tag { min, .. } => {
            let i = c.tag?;
            let p = *analysis?.tags.get(i)?;
            (p >= *min).then(|| SmartWhy::Tag {
                label: c.labels[i].clone(),
                percent: per_cent(p),
            })
        }
        SmartRule::Tempo { min, max } => {
            let bpm = analysis?.bpm;
            (bpm >= *min && bpm <= *max).then(|| SmartWhy::Tempo {
                bpm: bpm.round() as u32,
            })
        }
        SmartRule::Key { .. } => {
            let a = analysis?;
            let key = camelot(a.key, a.mode);
            (Some(key.as_str()) == c.text).then_some(SmartWhy::Key { camelot: key })
        }
        SmartRule::Energy { min, max } => {
            let e = analysis?.energy;
            (e >= *min && e <= *max).then_some(SmartWhy::Energy { energy: e })
        }
        SmartRule::Loudness { min, max } => {
            let l = analysis?.loudness_lufs?;
            (l >= *min && l <= *max).then_some(SmartWhy::Loudness { lufs: l })
        }
        SmartRule::Rating { min } => {
            let r = f.rating?;
            (r >= *min).then_some(SmartWhy::Rated { stars: r })
        }
        SmartRule::Liked { liked } => {
            let want = if *liked { 1 } else { -1 };
            (f.liked == Some(want)).then_some(if *liked {
                SmartWhy::Liked
            } else {
                SmartWhy::Disliked
            })
        }
        SmartRule::PlayCount { min, max } => {
            (f.plays >= *min && f.plays <= *max).then_some(SmartWhy::Played { times: f.plays })
        }
        SmartRule::NotPlayedFor { days } => match f.last_played_ms {
            None => Some(SmartWhy::NeverPlayed),
            Some(ms) => {
                let d = days_since(ms);
                (d >= i64::from(*days)).then(|| SmartWhy::NotPlayedFor {
                    days: whole_days(d),
                })
            }
        },
        SmartRule::PlayedWithin { days } => {
            let d = days_since(f.last_played_ms?);
            (d < i64::from(*days)).then(|| match d {
                0 => SmartWhy::PlayedToday,
                d => SmartWhy::PlayedDaysAgo {
                    days: whole_days(d),
                },
            })
        }
        SmartRule::SkipRate { max } => {
            if f.plays == 0 {
                return Some(SmartWhy::NeverSkipped);
            }
            let rate = f.skips as f32 / f.plays as f32;
            (rate <= *max).then(|| SmartWhy::Skipped {
                percent: per_cent(rate),
            })
        }
        SmartRule::AddedWithin { days } => {
            let d = days_since(f.added_at_s.saturating_mul(1000));
            (d < i64::from(*days)).then(|| SmartWhy::AddedDaysAgo {
                days: whole_days(d),
            })
        }
        SmartRule::Duration { min, max } => {
            let s = (f.duration_ms / 1000) as u32;
            (s >= *min && s <= *max).then_some(SmartWhy::Lasts { seconds: s })
        }
        SmartRule::Format { .. } => {
            (Some(f.format.to_lowercase().as_str()) == c.text).then(|| SmartWhy::Format {
                format: f.format.clone(),
            })
        }
        SmartRule::Text { field, .. } => {
            let value = match field {
                TextField::Title => Some(f.title.as_str()),
                TextField::Artist => f.artist.as_deref(),
                TextField::Album => f.album.as_deref(),
                TextField::Genre => f.genre.as_deref(),
            }?;
            value
                .to_lowercase()
                .contains(c.text?)
                .then(|| SmartWhy::Text {
                    value: value.to_owned(),
                })
        }
        SmartRule::Year { min, max } => {
            let y = f.year?;
            (y >= *min && y <= *max).then_some(SmartWhy::Year { year: y })
        }
    }
}

fn order(members: &mut [(&TrackFacts, Vec<SmartWhy>)], by: SmartOrder) {
    match by {
        SmartOrder::Library => members.sort_by_key(|(f, _)| f.library_rank),
        SmartOrder::Title => {
            members.sort_by_cached_key(|(f, _)| (f.title.to_lowercase(), f.library_rank))
        }
        SmartOrder::Added => {
            members.sort_by_key(|(f, _)| (std::cmp::Reverse(f.added_at_s), f.library_rank))
        }
        SmartOrder::LeastRecentlyPlayed => {
            members.sort_by_key(|(f, _)| (f.last_played_ms.unwrap_or(i64::MIN), f.library_rank))
        }
        SmartOrder::MostPlayed => {
            members.sort_by_key(|(f, _)| (std::cmp::Reverse(f.plays), f.library_rank))
        }
        SmartOrder::Rating => {
            members.sort_by_key(|(f, _)| (std::cmp::Reverse(f.rating.unwrap_or(0)), f.library_rank))
        }
        SmartOrder::Tempo => members.sort_by(|(a, _), (b, _)| {
            let bpm = |f: &TrackFacts| f.analysis.as_ref().map_or(f32::MAX, |a| a.bpm);
            bpm(a)
                .total_cmp(&bpm(b))
                .then(a.library_rank.cmp(&b.library_rank))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn labels() -> Vec<String> {
        ["rock", "ambient", "piano"].map(String::from).to_vec()
    }

    fn track(id: TrackId) -> TrackFacts {
        TrackFacts {
            id,
            title: format!("Track {id}"),
            format: "FLAC".into(),
            duration_ms: 200_000,
            added_at_s: NOW / 1000 - 100 * 86_400,
            library_rank: id as usize,
            ..Default::default()
        }
    }

    fn analysed(id: TrackId, bpm: f32, tags: [f32; 3]) -> TrackFacts {
        TrackFacts {
            analysis: Some(AnalysisFacts {
                bpm,
                key: 9,
                mode: KeyMode::Minor,
                energy: 0.5,
                loudness_lufs: Some(-12.0),
                tags: tags.to_vec(),
            }),
            ..track(id)
        }
    }

    fn query(match_all: bool, rules: Vec<SmartRule>) -> SmartQuery {
        SmartQuery {
            match_all,
            rules,
            limit: None,
            order: SmartOrder::Library,
        }
    }

    fn ids(members: &[SmartMember]) -> Vec<TrackId> {
        members.iter().map(|m| m.track_id).collect()
    }

    #[test]
    fn all_rules_must_hold_and_each_member_says_why() {
        let mut old = analysed(1, 122.0, [0.1, 0.64, 0.2]);
        old.last_played_ms = Some(NOW - 40 * DAY_MS);
        old.plays = 3;
        let mut recent = analysed(2, 124.0, [0.1, 0.7, 0.2]);
        recent.last_played_ms = Some(NOW - DAY_MS / 2);
        let fast = analysed(3, 170.0, [0.1, 0.9, 0.2]);
        let unanalysed = track(4);
        let q = query(
            true,
            vec![
                SmartRule::Tempo {
                    min: 110.0,
                    max: 130.0,
                },
                SmartRule::Tag {
                    label: "Ambient".into(),
                    min: 0.5,
                },
                SmartRule::NotPlayedFor { days: 30 },
            ],
        );
        let members = evaluate(&q, &[old, recent, fast, unanalysed], &labels(), NOW);
        assert_eq!(ids(&members), [1]);
        assert_eq!(
            members[0].why_in_english(),
            "tempo 122, ambient 64 %, not played for 40 days"
        );
    }

    /// The window words the same findings in `ui/src/lib/smart-why.test.ts`: both must read
    /// the same in English.
    #[test]
    fn every_finding_reads_in_english_as_the_window_writes_it() {
        let findings = [
            SmartWhy::Tag {
                label: "ambient".into(),
                percent: 64,
            },
            SmartWhy::Tempo { bpm: 122 },
            SmartWhy::Key {
                camelot: "8A".into(),
            },
            SmartWhy::Energy { energy: 0.4 },
            SmartWhy::Loudness { lufs: -12.34 },
            SmartWhy::Rated { stars: 1 },
            SmartWhy::Rated { stars: 4 },
            SmartWhy::Liked,
            SmartWhy::Disliked,
            SmartWhy::Played { times: 1 },
            SmartWhy::Played { times: 3 },
            SmartWhy::NeverPlayed,
            SmartWhy::NotPlayedFor { days: 1 },
            SmartWhy::NotPlayedFor { days: 40 },
            SmartWhy::PlayedToday,
            SmartWhy::PlayedDaysAgo { days: 1 },
            SmartWhy::PlayedDaysAgo { days: 2 },
            SmartWhy::NeverSkipped,
            SmartWhy::Skipped { percent: 25 },
            SmartWhy::AddedDaysAgo { days: 0 },
            SmartWhy::AddedDaysAgo { days: 1 },
            SmartWhy::AddedDaysAgo { days: 14 },
            SmartWhy::Lasts { seconds: 185 },
            SmartWhy::Format {
                format: "FLAC".into(),
            },
            SmartWhy::Text {
                value: "Nocturnes".into(),
            },
            SmartWhy::Year { year: 1995 },
        ];
        let member = SmartMember {
            track_id: 1,
            why: findings.to_vec(),
        };
        assert_eq!(
            member.why_in_english(),
            "ambient 64 %, tempo 122, key 8A, energy 0.40, -12.3 LUFS, rated 1 star, rated 4 stars, \
             liked, disliked, played 1 time, played 3 times, never played, not played for 1 day, \
             not played for 40 days, played today, played 1 day ago, played 2 days ago, never \
             skipped, skipped 25 % of plays, added today, added 1 day ago, added 14 days ago, \
             3:05 long, FLAC, Nocturnes, from 1995"
        );
    }

    #[test]
    fn any_rule_is_enough_and_names_only_the_ones_met() {
        let mut rated = track(1);
        rated.rating = Some(5);
        let mut liked = track(2);
        liked.liked = Some(1);
        let plain = track(3);
        let q = query(
            false,
            vec![
                SmartRule::Rating { min: 4 },
                SmartRule::Liked { liked: true },
            ],
        );
        let members = evaluate(&q, &[rated, liked, plain], &labels(), NOW);
        assert_eq!(ids(&members), [1, 2]);
        assert_eq!(members[0].why_in_english(), "rated 5 stars");
        assert_eq!(members[1].why_in_english(), "liked");
    }

    #[test]
    fn order_and_limit_come_after_the_rules() {
        let mut tracks: Vec<TrackFacts> = (1..=5)
            .map(|i| analysed(i, 100.0 + i as f32, [0.0; 3]))
            .collect();
        tracks[3].plays = 9;
        tracks[1].plays = 4;
        let mut q = query(
            true,
            vec![SmartRule::Format {
                format: "flac".into(),
            }],
        );
        q.order = SmartOrder::MostPlayed;
        q.limit = Some(2);
        assert_eq!(ids(&evaluate(&q, &tracks, &labels(), NOW)), [4, 2]);
        q.order = SmartOrder::Tempo;
        q.limit = None;
        assert_eq!(ids(&evaluate(&q, &tracks, &labels(), NOW)), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn text_key_year_skips_and_added_rules() {
        let mut t = analysed(1, 90.0, [0.0; 3]);
        t.artist = Some("Battle for Wesnoth".into());
        t.year = Some(2009);
        t.plays = 4;
        t.skips = 1;
        t.added_at_s = NOW / 1000 - 3 * 86_400;
        let q = query(
            true,
            vec![
                SmartRule::Text {
                    field: TextField::Artist,
                    contains: "wesnoth".into(),
                },
                SmartRule::Key {
                    camelot: "8a".into(),
                },
                SmartRule::Year {
                    min: 2000,
                    max: 2010,
                },
                SmartRule::SkipRate { max: 0.3 },
                SmartRule::AddedWithin { days: 7 },
            ],
        );
        let members = evaluate(&q, &[t], &labels(), NOW);
        assert_eq!(
            members[0].why_in_english(),
            "Battle for Wesnoth, key 8A, from 2009, skipped 25 % of plays, added 3 days ago"
        );
    }

    #[test]
    fn rules_are_read_from_what_a_person_writes_and_nonsense_is_refused() {
        let parsed = |t: &str| t.parse::<SmartRule>();
        assert_eq!(
            parsed("tempo:110..130"),
            Ok(SmartRule::Tempo {
                min: 110.0,
                max: 130.0
            })
        );
        assert_eq!(
            parsed("energy:..0.4"),
            Ok(SmartRule::Energy { min: 0.0, max: 0.4 })
        );
        assert_eq!(
            parsed("loudness:-20..-8"),
            Ok(SmartRule::Loudness {
                min: -20.0,
                max: -8.0
            })
        );
        assert_eq!(
            parsed("tag:ambient:0.5"),
            Ok(SmartRule::Tag {
                label: "ambient".into(),
                min: 0.5
            })
        );
        assert_eq!(
            parsed("key:8a"),
            Ok(SmartRule::Key {
                camelot: "8A".into()
            })
        );
        assert_eq!(parsed("liked"), Ok(SmartRule::Liked { liked: true }));
        assert_eq!(
            parsed("plays:0..3"),
            Ok(SmartRule::PlayCount { min: 0, max: 3 })
        );
        assert_eq!(
            parsed("artist:Wesnoth"),
            Ok(SmartRule::Text {
                field: TextField::Artist,
                contains: "Wesnoth".into()
            })
        );
        for written in [
            "tag:ambient:0.5",
            "tempo:110..130",
            "key:8A",
            "energy:0..0.4",
            "loudness:-20..-8",
            "rating:4",
            "liked",
            "disliked",
            "plays:0..3",
            "not-played-for:30",
            "played-within:7",
            "skip-rate:0.3",
            "added-within:14",
            "duration:60..300",
            "format:flac",
            "artist:Wesnoth",
            "year:1990..1999",
        ] {
            let rule = parsed(written).expect("a rule");
            assert_eq!(rule.to_string(), written);
            assert_eq!(parsed(&rule.to_string()), Ok(rule));
        }
        for nonsense in [
            "tempo:fast",
            "tempo:130..110",
            "tempo:inf",
            "key:13A",
            "rating:9",
            "skip-rate:2",
            "plays:-1",
            "artist:",
            "tag::0.5",
            "colour:blue",
        ] {
            assert!(parsed(nonsense).is_err(), "{nonsense} was taken");
        }
    }

    #[test]
    fn no_rules_match_nothing_and_an_unknown_tag_matches_nothing() {
        let t = analysed(1, 100.0, [1.0; 3]);
        assert!(
            evaluate(
                &query(true, vec![]),
                std::slice::from_ref(&t),
                &labels(),
                NOW
            )
            .is_empty()
        );
        let q = query(
            true,
            vec![SmartRule::Tag {
                label: "polka".into(),
                min: 0.0,
            }],
        );
        assert!(evaluate(&q, &[t], &labels(), NOW).is_empty());
    }
}
