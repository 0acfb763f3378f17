//! `segue review`: a year of listening at a glance, and `segue rotation`: the artists rising and
//! fading in it now; from the same service as the app's Year in review page and History card.

use anyhow::Result;
use segue_core::PlayCount;
use segue_core::forecast::Forecaster;
use segue_core::review::YearInReview;
use segue_core::rotation::{Rotation, RotationArtist};
use segue_service::Service;

pub fn review(service: &Service, year: Option<i32>, json: bool) -> Result<i32> {
    let review = service.year_in_review(year)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&review)?);
        return Ok(0);
    }
    print!("{}", written(&review));
    Ok(0)
}

/// The review as the terminal shows it.
fn written(r: &YearInReview) -> String {
    let mut out = String::new();
    if r.plays == 0 {
        out += &format!("Nothing was played in {}.\n", r.year);
    } else {
        out += &format!(
            "{} in review: {} plays of {} tracks, {} of listening over {} days; {:.0} % skipped.\n",
            r.year,
            r.plays,
            r.distinct_tracks,
            hours_and_minutes(r.listened_ms),
            r.days_listened,
            r.skip_rate() * 100.0
        );
        if let Some(day) = &r.busiest_day {
            out += &format!(
                "Busiest day: {} ({} plays, {}).\n",
                day.day,
                day.plays,
                hours_and_minutes(day.listened_ms)
            );
        }
        out += &format!("\nTop artists: {}\n", counts(&r.top_artists));
        out += &format!("Top albums:  {}\n", counts(&r.top_albums));
        out += &format!("Top tracks:  {}\n", counts(&r.top_tracks));
        out += &format!(
            "First heard this year: {} artist{}{}\n",
            r.new_artists,
            if r.new_artists == 1 { "" } else { "s" },
            if r.discoveries.is_empty() {
                String::new()
            } else {
                format!(": {}", counts(&r.discoveries))
            }
        );
        out += &format!(
            "\nBy hour   0h {} 23h\nBy month  Jan {} Dec\n",
            bars(&r.hours),
            bars(&r.months)
        );
    }
    let others: Vec<String> = r
        .years
        .iter()
        .filter(|y| **y != r.year)
        .map(ToString::to_string)
        .collect();
    if !others.is_empty() {
        out += &format!("\nOther years: {} (segue review YEAR)\n", others.join(", "));
    }
    out
}

pub fn rotation(service: &Service, json: bool) -> Result<i32> {
    let rotation = service.rotation()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rotation)?);
    } else {
        print!("{}", rotation_written(&rotation));
    }
    Ok(0)
}

fn rotation_written(r: &Rotation) -> String {
    let line = |a: &RotationArtist| {
        format!(
            "  {:<28} {}  {} plays in {} weeks (usually {:.0})\n",
            a.name,
            bars(&a.weekly),
            a.recent,
            r.recent_weeks,
            a.usual
        )
    };
    let mut out = String::new();
    out += "Rising:\n";
    if r.rising.is_empty() {
        out += "  no artist is clearly rising\n";
    }
    out.extend(r.rising.iter().map(line));
    out += "Fading favourites:\n";
    if r.fading.is_empty() {
        out += "  no favourite is clearly fading\n";
    }
    out.extend(r.fading.iter().map(line));
    match &r.forecast {
        Some(f) => {
            out += &format!(
                "This week you'll probably want ({}, {:.0} % closer than last week's plays on your history):\n",
                forecaster_name(f.backtest.chosen),
                (1.0 - f.backtest.chosen_mase / f.backtest.naive_mase) * 100.0
            );
            for a in &f.next_week {
                out += &format!(
                    "  {:<28} about {:.0} plays ({:.0}-{:.0})\n",
                    a.name, a.plays, a.low, a.high
                );
            }
        }
        None => out += "No forecast: nothing beat \"same as last week\" on your history yet.\n",
    }
    out
}

fn forecaster_name(f: Option<Forecaster>) -> &'static str {
    match f {
        None | Some(Forecaster::Naive) => "last week",
        Some(Forecaster::MeanOfFourWeeks) => "mean of four weeks",
        Some(Forecaster::Ewma) => "weighted mean",
        Some(Forecaster::Croston) => "Croston",
        Some(Forecaster::Tsb) => "TSB",
        Some(Forecaster::Lstm) => "the LSTM",
    }
}

fn counts(list: &[PlayCount]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|c| format!("{} ({})", c.name, c.plays))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hours_and_minutes(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes / 60 {
        0 => format!("{minutes} min"),
        h => format!("{h} h {} min", minutes % 60),
    }
}

/// One block per value, as tall as its share of the largest.
fn bars(values: &[u32]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| match v {
            0 => ' ',
            v => BLOCKS[((v as usize * BLOCKS.len()).div_ceil(top as usize)).clamp(1, 8) - 1],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_leave_empty_slots_blank() {
        assert_eq!(bars(&[0, 1, 4, 8]), " ▁▄█");
        assert_eq!(bars(&[0, 0]), "  ");
    }

    #[test]
    fn the_rotation_lists_each_artist_with_their_weeks_and_usual_rate() {
        let r = Rotation {
            rising: vec![RotationArtist {
                name: "Ann".into(),
                weekly: vec![0, 0, 1, 4],
                recent: 5,
                usual: 0.4,
            }],
            fading: Vec::new(),
            recent_weeks: 2,
            forecast: None,
        };
        assert_eq!(
            rotation_written(&r),
            "Rising:\n  Ann                            ▂█  5 plays in 2 weeks (usually 0)\nFading favourites:\n  no favourite is clearly fading\nNo forecast: nothing beat \"same as last week\" on your history yet.\n"
        );
    }

    #[test]
    fn an_empty_year_says_so_and_names_the_others() {
        let r = YearInReview {
            year: 2019,
            years: vec![2024, 2023],
            ..Default::default()
        };
        assert_eq!(
            written(&r),
            "Nothing was played in 2019.\n\nOther years: 2024, 2023 (segue review YEAR)\n"
        );
    }
}
