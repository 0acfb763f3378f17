"""The year in review in the real window: listens recorded through the CLI show on the poster
(plays, top tracks, the hour of the day), another year can be picked, and "Save as picture" writes
a PNG of the poster where the desktop's save dialog says. Back on History, listens of this
week make their artist rise in the rotation card. Screenshots: target/e2e/review*.png,
history-rotation.png, and the saved picture itself as target/e2e/review-saved.png."""

import shutil
import struct
import subprocess
import time

from selenium.webdriver.support.ui import Select

from chooser import answer_chooser
from conftest import CLI, SHOTS
from test_app import click, css, nav, shot, text, wait_for, wait_imported


def add_listen(db, track, ended, at):
    listened = "5s" if ended == "skipped" else "100%"
    subprocess.run([str(CLI), "--db", str(db), "history", "add", str(track), "--listened", listened,
                    "--ended", ended, "--at", at], check=True, capture_output=True, timeout=60)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_year_in_review_shows_the_listening_and_saves_a_picture(app, tmp_path):
    wait_imported(app)
    db = app.db_path
    ids = app.execute_script(
        "return [...document.querySelectorAll('[data-testid=track-row]')].slice(0, 3).map(e => e.dataset.trackId)")
    # Noon UTC in July: 2024 and July in any time zone within ±11 h; one listen in 2023.
    for track, ended, at in [(ids[0], "completed", "2024-07-01T12:00:00Z"),
                             (ids[0], "completed", "2024-07-01T12:10:00Z"),
                             (ids[1], "skipped", "2024-07-02T12:00:00Z"),
                             (ids[2], "completed", "2023-03-01T12:00:00Z")]:
        add_listen(db, track, ended, at)

    nav(app, "history")
    click(app, "[data-testid=open-review]")
    wait_for(app, lambda d: css(d, "[data-testid=review-poster]"), message="no poster")
    assert css(app, "[data-testid=review-poster]")[0].get_attribute("aria-label") == "2024 in review"
    tiles = [text(t) for t in css(app, "[data-testid=review-tile]")]
    assert tiles[1] == "3" and tiles[2] == "2" and tiles[3] == "33 %", tiles
    assert text(css(app, "[data-testid=review-track]")[0]).startswith("1. ")
    hours = [int(h.get_attribute("data-plays")) for h in css(app, "[data-testid=review-hour]")]
    assert len(hours) == 24 and sum(hours) == 3, hours
    shot(app, "review")

    # The picture, saved where the dialog says.
    saved = tmp_path / "my year.png"
    click(app, "[data-testid=review-save]")
    answer_chooser("Save the year in review", saved, kind="save")
    wait_for(app, lambda _: saved.exists() and saved.stat().st_size > 0, timeout=20, message="no picture saved")
    time.sleep(0.5)
    assert png_size(saved) == (2000, 2600), png_size(saved)
    assert saved.stat().st_size > 60_000, "the picture looks empty"
    shutil.copy(saved, SHOTS / "review-saved.png")
    notice = wait_for(app, lambda d: css(d, "[data-testid=notice]"), message="no notice after saving")
    assert "my year.png" in text(notice[0]), text(notice[0])

    # The other year, from the picker.
    Select(css(app, "[data-testid=review-year]")[0]).select_by_value("2023")
    wait_for(app, lambda d: css(d, "[data-testid=review-poster]")
             and css(d, "[data-testid=review-poster]")[0].get_attribute("aria-label") == "2023 in review",
             message="2023 did not open")
    assert [text(t) for t in css(app, "[data-testid=review-tile]")][1] == "1"

    # Three listens this week: their artist rises in the rotation card on History.
    now_ms = int(time.time() * 1000)
    for hours_ago in (30, 20, 2):
        add_listen(db, ids[1], "completed", str(now_ms - hours_ago * 3_600_000))
    nav(app, "history")
    card = wait_for(app, lambda d: css(d, "[data-testid=rotation]"), timeout=20, message="no rotation card")[0]
    rising = [text(r) for r in css(app, "[data-testid=rising-artist]")]
    assert len(rising) == 1 and "3 plays in 4 weeks" in rising[0], rising
    assert card.is_displayed()
    shot(app, "history-rotation")
