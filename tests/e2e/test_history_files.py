"""Settings → History in the real window: a ListenBrainz export picked in the desktop's own
chooser is imported (the summary says what came in, what did not match and why, and which
lines could not be read), a second import adds nothing, and the history is exported as CSV
through the save dialog; the CLI reads the same library, and the History page marks the
imported listens. Screenshots: target/e2e/settings-history-import.png (light),
settings-history-import-dark.png and history-imported.png."""

import subprocess
import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select

from chooser import answer_chooser
from conftest import CLI, ROOT
from test_app import css, nav, shot, text, wait_for, wait_imported

FIXTURE = ROOT / "tests" / "fixtures" / "history" / "listenbrainz-export.json"


def show_card(app):
    app.execute_script(
        "const box = document.querySelector('[data-testid=settings]');"
        "const card = document.querySelector('[data-testid=history-files]');"
        "box.scrollTop += card.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;")


def summary_text(driver):
    """The summary's words, or none while an import runs (the summary is gone or going)."""
    try:
        return text(css(driver, "[data-testid=history-summary]")[0])
    except (IndexError, StaleElementReferenceException):
        return ""


def summary(app):
    return wait_for(app, lambda d: css(d, "[data-testid=history-summary]"), timeout=30,
                    message="no import summary")[0]


def test_a_listenbrainz_export_is_imported_and_the_history_exported_from_settings(app, tmp_path):
    wait_imported(app)
    css(app, "[data-testid=keep-demo]")[0].click()
    nav(app, "settings")
    wait_for(app, lambda d: css(d, "[data-testid=import-history]"), message="no History card")
    show_card(app)

    # Cancelling the chooser imports nothing.
    css(app, "[data-testid=import-history]")[0].click()
    answer_chooser("Import listening history", None)
    time.sleep(1)
    assert not css(app, "[data-testid=history-summary]")

    css(app, "[data-testid=import-history]")[0].click()
    answer_chooser("Import listening history", FIXTURE)
    words = text(summary(app))
    assert "8 records read (ListenBrainz JSON): 3 imported, 1 already in your history." in words, words
    assert "Did not match: 2" in words, words
    assert "Could not read: 2" in words, words
    # The reasons are listed when opened.
    for details in css(app, "[data-testid=history-unmatched], [data-testid=history-bad]"):
        details.find_element("css selector", "summary").click()
    words = text(summary(app))
    assert "Radiohead — Creep" in words and "no track by the artist" in words, words
    assert "the time “yesterday” cannot be read" in words, words
    show_card(app)
    shot(app, "settings-history-import")

    # The library's history holds the three listens (the CLI reads the same file).
    listens = subprocess.run([str(CLI), "--db", str(app.db_path), "history", "export", "--format", "csv"],
                             capture_output=True, text=True, timeout=30)
    assert listens.returncode == 0, listens.stderr
    assert len(listens.stdout.strip().splitlines()) == 4, listens.stdout

    # A second import of the same file adds nothing.
    css(app, "[data-testid=import-history]")[0].click()
    answer_chooser("Import listening history", FIXTURE)
    wait_for(app, lambda d: "0 imported, 4 already in your history" in summary_text(d), timeout=30,
             message="the second import did not say it added nothing")

    # Export as CSV where the person chooses.
    out = tmp_path / "listens.csv"
    css(app, "[data-testid=export-csv]")[0].click()
    answer_chooser("Export listening history", out, kind="save")
    done = wait_for(app, lambda d: css(d, "[data-testid=history-exported]"), timeout=30, message="no export message")
    assert f"Wrote 3 listens to {out}" in text(done[0]), text(done[0])
    lines = out.read_text().splitlines()
    assert lines[0] == "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid", lines
    assert len(lines) == 4, lines

    Select(css(app, "[data-testid=theme]")[0]).select_by_value("dark")
    show_card(app)
    shot(app, "settings-history-import-dark")
    Select(css(app, "[data-testid=theme]")[0]).select_by_value("system")

    # The History page lists them among the plays, each marked as imported.
    nav(app, "history")
    wait_for(app, lambda d: len(css(d, "[data-testid=imported]")) == 3, timeout=15,
             message="the History page does not mark the three imported listens")
    shot(app, "history-imported")
