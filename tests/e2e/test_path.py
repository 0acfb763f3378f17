"""Sonic paths in the real window: "Segue to…" in a track's menu opens the path panel, an end
chosen among the matches draws the path, each step is listed with why (the same path `segue
path --json` prints on the same library), "Save as playlist" keeps it in order, and "Play" plays
it from its first track (heard in the null sink). Screenshots: target/e2e/path-*.png."""

import json
import sqlite3
import subprocess

from selenium.webdriver.common.keys import Keys

from conftest import CLI
from test_app import Capture, click, css, rms_dbfs, shot, text, wait_analysed, wait_for, wait_imported
from test_queue import from_menu


def track_id(db, title_part):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM tracks WHERE lower(title) LIKE ?", (f"%{title_part}%",)).fetchone()[0]


def test_a_path_from_a_track_menu_is_listed_with_reasons_saved_and_played(app):
    wait_imported(app)
    if css(app, "[data-testid=keep-demo]"):
        click(app, "[data-testid=keep-demo]")
    wait_analysed(app)
    db = app.db_path
    start, end = track_id(db, "boss attack"), track_id(db, "awakening")

    from_menu(app, start, "menu-path")
    wait_for(app, lambda d: css(d, "[data-testid=path-panel]"), timeout=10, message="no path panel")
    length = css(app, "[data-testid=path-length]")[0]
    length.send_keys(Keys.CONTROL, "a")
    length.send_keys("5")
    css(app, "[data-testid=path-end]")[0].send_keys("awaken")
    match = wait_for(app, lambda d: css(d, "[data-testid=path-match]"), timeout=10, message="no matches")[0]
    assert "Awakening" in text(match), text(match)
    match.click()
    steps = wait_for(app, lambda d: len(css(d, "[data-testid=path-step]")) == 5 and css(d, "[data-testid=path-step]"),
                     timeout=20, message="the path was not listed")
    shown = [int(s.get_attribute("data-track-id")) for s in steps]
    assert shown[0] == start and shown[-1] == end, shown
    reasons = [text(s.find_element("css selector", ".why")) for s in steps]
    assert reasons[0].startswith("Sets out towards"), reasons
    assert all(r.startswith("Bridges ") for r in reasons[1:-1]), reasons
    assert reasons[-1].startswith("Arrives from"), reasons
    shot(app, "path")

    # The command line draws the same path on the same library.
    cli = json.loads(subprocess.check_output([str(CLI), "--db", str(db), "path", str(start), str(end), "-n", "5", "--json"]))
    assert [s["track_id"] for s in cli["steps"]] == shown

    # Saved as a playlist, in order.
    click(app, "[data-testid=path-save]")
    name = wait_for(app, lambda d: css(d, "[data-testid=path-playlist-name]"), timeout=5, message="no name field")[0]
    playlist_name = name.get_attribute("value")
    assert "→" in playlist_name, playlist_name
    click(app, "[data-testid=path-save-confirm]")

    def saved(_):
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT e.track_id FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id "
                "WHERE p.name = ? ORDER BY e.position", (playlist_name,)).fetchall()
        return [r[0] for r in rows]
    wait_for(app, lambda d: saved(d) == shown, timeout=10, message=f"the playlist holds {saved(None)}, not {shown}")

    # Played from its first track, and heard.
    first_title = text(css(app, "[data-testid=path-step] .title")[0])
    capture = Capture()
    click(app, "[data-testid=path-play]")
    wait_for(app, lambda d: not css(d, "[data-testid=path-panel]"), timeout=5, message="the panel stayed open")
    wait_for(app, lambda d: css(d, "[data-testid=now-title]") and text(css(d, "[data-testid=now-title]")[0]) == first_title,
             timeout=15, message=f"Play did not start the path's first track {first_title!r}")
    wait_for(app, lambda d: text(css(d, "[data-testid=position]")[0]) not in ("0:00", ""),
             timeout=20, message="the position never moved")
    assert rms_dbfs(capture.stop()) > -50, "the sink heard silence"
    shot(app, "path-playing")
