//! `segue play`: plays tracks in the terminal with a progress line and keys.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use segue_core::Track;
use segue_service::{PlayerEvent, Service};

const SEEK_STEP: Duration = Duration::from_secs(10);

/// Restores the terminal when dropped, whatever happens.
struct RawMode(bool);

impl RawMode {
    fn enable() -> RawMode {
        RawMode(std::io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok())
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

/// Library tracks for the arguments: files by path, otherwise the words as a search. Empty
/// words are refused: they would match the whole library.
pub(crate) fn resolve(service: &Service, args: &[String]) -> Result<Vec<Track>> {
    if args.iter().all(|a| a.trim().is_empty()) {
        bail!("name a track: an id, a file, or search words (an empty argument names none)");
    }
    if !args.is_empty() && args.iter().all(|a| Path::new(a).is_file()) {
        let library = service.tracks(None, None)?;
        let mut tracks = Vec::new();
        for a in args {
            let wanted = std::fs::canonicalize(a).unwrap_or_else(|_| a.into());
            match library.iter().find(|t| Path::new(&t.path) == wanted) {
                Some(t) => tracks.push(t.clone()),
                None => {
                    bail!("{a} is not in the library: import its folder with `segue scan` first")
                }
            }
        }
        return Ok(tracks);
    }
    let query = args.join(" ");
    let tracks = service.tracks((!query.is_empty()).then_some(query.as_str()), None)?;
    if tracks.is_empty() {
        bail!("no track matches \"{query}\"");
    }
    Ok(tracks)
}

fn clock(ms: u64) -> String {
    format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)
}

/// A crossfade length as typed: `4s`, `2.5s`, `1500ms`, a bare number of seconds, or `off`.
/// (Its upper bound is the service's: [`segue_service::check_crossfade`].)
pub(crate) fn parse_crossfade(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim().to_ascii_lowercase();
    if text == "off" || text == "none" {
        return Ok(Duration::ZERO);
    }
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else {
        (text.strip_suffix('s').unwrap_or(&text), 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(format!(
            "\"{text}\" is not a crossfade length: write it as 4s, 2.5s, 1500ms or off"
        )),
    }
}

/// `segue crossfade [LENGTH]`: sets the library's crossfade if given, then says what it is.
/// `segue crossfade [LENGTH] [--smart | --plain]`: `smart` `None` leaves it as it is.
pub fn crossfade(service: &Service, length: Option<Duration>, smart: Option<bool>) -> Result<i32> {
    if let Some(length) = length {
        service.set_crossfade(length)?;
    }
    if let Some(smart) = smart {
        service.set_crossfade_smart(smart)?;
    }
    let now = service.crossfade()?;
    let smart = service.crossfade_smart()?;
    if now.is_zero() {
        println!(
            "Crossfade: off (tracks join gaplessly){}.",
            if smart { "; smart once it is on" } else { "" }
        );
    } else {
        println!(
            "Crossfade: {} s between tracks that end by themselves{} (an album played in order stays gapless; a skip fades out over 200 ms).",
            now.as_secs_f64(),
            if smart {
                ", smart: the silence at the ends trimmed, the fade started where the outgoing track's energy falls"
            } else {
                ""
            }
        );
    }
    Ok(0)
}

pub fn play(
    service: &Service,
    args: &[String],
    autoplay: bool,
    crossfade: Option<Duration>,
) -> Result<i32> {
    let tracks = resolve(service, args)?;
    play_in_terminal(service, &tracks, autoplay, crossfade)
}

/// Plays `tracks` in order in the terminal until they end (then autoplay, if on) or `q`.
pub fn play_tracks(service: &Service, tracks: &[Track], autoplay: bool) -> Result<i32> {
    play_in_terminal(service, tracks, autoplay, None)
}

/// [`play_tracks`], with the crossfade for this run (`None`: the library's).
fn play_in_terminal(
    service: &Service,
    tracks: &[Track],
    autoplay: bool,
    crossfade: Option<Duration>,
) -> Result<i32> {
    let playback = service
        .start_playback()
        .context("cannot play (browsing, import and analysis still work)")?;
    playback.set_autoplay(autoplay);
    if let Some(length) = crossfade {
        // For this run only; `segue crossfade` keeps one.
        playback.set_crossfade(length)?;
    }
    let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
    playback.play_tracks(service, &ids, 0)?;
    eprintln!(
        "{} tracks. Keys: space pause, ←/→ seek 10 s, n next, p previous, +/- volume, q quit",
        tracks.len()
    );

    let raw = RawMode::enable();
    let (key_tx, keys) = crossbeam_channel::unbounded::<KeyEvent>();
    if raw.0 {
        // Blocks on the terminal; it ends with the process.
        std::thread::spawn(move || {
            while let Ok(e) = event::read() {
                if let Event::Key(k) = e
                    && key_tx.send(k).is_err()
                {
                    break;
                }
            }
        });
    }

    let player = playback.player();
    let (mut index, mut position, mut paused, mut volume) = (0usize, 0u64, false, 1.0f32);
    // The playing track: from the list, or one autoplay added.
    let mut playing: Option<Track> = tracks.first().cloned();
    let mut out = std::io::stderr();
    loop {
        crossbeam_channel::select! {
            recv(playback.events()) -> e => match e {
                Ok(PlayerEvent::TrackStarted { index: i, position_ms, track_id }) => {
                    index = i;
                    position = position_ms;
                    playing = tracks.iter().find(|t| t.id == track_id).cloned().or_else(|| service.track(track_id).ok());
                }
                Ok(PlayerEvent::Position { position_ms, .. }) => position = position_ms,
                Ok(PlayerEvent::Paused) => paused = true,
                Ok(PlayerEvent::Resumed) => paused = false,
                Ok(PlayerEvent::Error { message, .. }) => { let _ = write!(out, "\r\x1b[2K! {message}\r\n"); }
                Ok(PlayerEvent::QueueFinished) | Err(_) => break,
                Ok(_) => {}
            },
            recv(keys) -> k => {
                let Ok(k) = k else { continue };
                match (k.code, k.modifiers) {
                    (KeyCode::Char('q') | KeyCode::Esc, _) | (KeyCode::Char('c'), KeyModifiers::CONTROL) => break,
                    (KeyCode::Char(' '), _) => { let _ = if paused { player.resume() } else { player.pause() }; }
                    (KeyCode::Right, _) => { let _ = player.seek(Duration::from_millis(position) + SEEK_STEP); }
                    (KeyCode::Left, _) => { let _ = player.seek(Duration::from_millis(position).saturating_sub(SEEK_STEP)); }
                    (KeyCode::Char('n'), _) => { let _ = player.next(); }
                    (KeyCode::Char('p'), _) => { let _ = player.previous(); }
                    (KeyCode::Char('+' | '='), _) => { volume = (volume + 0.1).min(1.0); let _ = player.set_volume(volume); }
                    (KeyCode::Char('-'), _) => { volume = (volume - 0.1).max(0.0); let _ = player.set_volume(volume); }
                    _ => {}
                }
            }
        }
        if let Some(t) = playing.as_ref() {
            let artist = t.display_artist();
            let place = if index < tracks.len() {
                format!("{}/{}", index + 1, tracks.len())
            } else {
                "autoplay".to_string()
            };
            let _ = write!(
                out,
                "\r\x1b[2K{} {}  {} — {}  {} / {}  vol {:.0}%",
                if paused { "⏸" } else { "▶" },
                place,
                artist,
                t.tags.title,
                clock(position),
                clock(t.audio.duration_ms),
                volume * 100.0
            );
            let _ = out.flush();
        }
    }
    drop(raw);
    let _ = writeln!(out);
    let status = player.buffering();
    if status.dropouts > 0 {
        let _ = writeln!(
            out,
            "Playback dropped out {} time(s): the machine did not decode in time (see the log). The buffer grew to {}; the next play starts there.",
            status.dropouts,
            buffering_words(
                status.buffering.decode_ahead.as_millis() as u64,
                status.buffering.device_buffer_frames,
                status.sample_rate
            )
        );
    }
    Ok(0)
}

/// "1500 ms decoded ahead and a device buffer of 2048 frames (43 ms at 48 kHz)".
fn buffering_words(decode_ahead_ms: u64, device_frames: u32, rate: u32) -> String {
    format!(
        "{decode_ahead_ms} ms decoded ahead and a device buffer of {device_frames} frames ({} ms at {} kHz)",
        u64::from(device_frames) * 1000 / u64::from(rate.max(1)),
        f64::from(rate) / 1000.0
    )
}

/// `segue doctor`'s playback lines. Doctor runs no player, so they say what the next play
/// starts with: the buffering the library keeps after dropouts (none yet: a new player's).
/// `db`: the library asked for; one that does not exist is not created.
pub(crate) fn doctor_buffering(db: Option<&Path>) {
    let db = match db.map(Path::to_path_buf) {
        Some(p) => Ok(p),
        None => segue_service::default_db_path(),
    };
    let kept = db
        .map_err(anyhow::Error::from)
        .and_then(|db| Ok(Service::open_existing(&db)?.kept_buffering()?));
    // The engine's rate is the device's, unknown without opening it: said at 48 kHz.
    let rate = 48_000;
    match kept {
        Ok(kept) => {
            let b = kept.buffering;
            println!(
                "playback buffering    the next play starts with {}",
                buffering_words(
                    b.decode_ahead.as_millis() as u64,
                    b.device_buffer_frames,
                    rate
                )
            );
            if kept.grown() {
                println!(
                    "  grown               after {} dropout(s); kept in the library's settings ({}), so every start begins there until {:.1} h of music without a dropout ({:.1} h so far), then a start tries the small buffer again",
                    kept.dropouts,
                    segue_service::BUFFERING_KEY,
                    kept.clean_needed_s() as f64 / 3600.0,
                    kept.clean_s as f64 / 3600.0
                );
            } else {
                println!(
                    "  grown               not yet (no dropouts); after one it grows to 4000 ms and 8192 frames, and the library keeps it ({})",
                    segue_service::BUFFERING_KEY
                );
            }
        }
        Err(e) => {
            let first = segue_service::KeptBuffering::default().buffering;
            println!(
                "playback buffering    the next play starts with {} (no library to read a grown one from: {e})",
                buffering_words(
                    first.decode_ahead.as_millis() as u64,
                    first.device_buffer_frames,
                    rate
                )
            );
        }
    }
}
