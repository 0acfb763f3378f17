"""Playlists in the real window: one built from a multi-selection in Tracks, reordered by
dragging a row and with Alt+arrow keys, found intact after a restart (with a deleted file shown
missing), duplicated and deleted, and an M3U written by MusicBee imported. Screenshots in the
light and dark themes go to target/e2e/playlist-*.png."""

import json
import pathlib
import shutil
import sqlite3
import subprocess
import time

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support.ui import Select

from conftest import CLI, DEMO, ROOT, launch
from test_app import click, css, nav, shot, text, wait_for, wait_imported

NAME = "Road trip"


def rows(driver, testid):
    """Each row's track id (entries without a track give None), read in one go."""
    return driver.execute_script(
        f"return [...document.querySelectorAll('[data-testid={testid}]')]"
        ".map(e => e.dataset.trackId === undefined ? null : Number(e.dataset.trackId))")


def entry_statuses(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=entry-row]')].map(e => e.dataset.status)")


def in_store(db, name):
    """The playlist as the database holds it, through the CLI."""
    shown = json.loads(subprocess.check_output([str(CLI), "--db", str(db), "playlist", "show", name, "--json"]))
    return [e["track"]["id"] if e["track"] else None for e in shown["entries"]], shown["playlist"]


def analysed(db):
    """How many tracks the database holds an analysis of."""
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM analysis").fetchone()[0]


def row_title(driver, testid, track_id):
    """A row's title: pressing it selects the row (its middle holds the artist's link)."""
    return css(driver, f"[data-testid={testid}][data-track-id='{track_id}'] .title")[0]


def sidebar_playlists(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=sidebar-playlist] .name')].map(e => e.textContent.trim())")


def open_playlist(driver, name):
    wait_for(driver, lambda d: name in sidebar_playlists(d), timeout=20, message=f"no playlist {name!r} in the sidebar")
    click(driver, "[data-testid=sidebar-playlist]", sidebar_playlists(driver).index(name))
    wait_for(driver, lambda d: d.execute_script(
        "return document.querySelector('[data-testid=playlist-name]')?.textContent.trim()") == name,
        message=f"{name!r} did not open")


def settled_rows(driver, testid, quiet_s=1.0, timeout=30):
    """The rows once they have stayed the same for `quiet_s` seconds."""
    seen, since = rows(driver, testid), time.time()
    deadline = since + timeout
    while time.time() < deadline:
        time.sleep(0.2)
        now = rows(driver, testid)
        if now != seen:
            seen, since = now, time.time()
        elif time.time() - since >= quiet_s:
            return seen
    raise AssertionError(f"the {testid}s never settled: {seen}")


def set_theme(driver, theme):
    nav(driver, "settings")
    Select(css(driver, "[data-testid=theme]")[0]).select_by_value(theme)


def test_a_playlist_built_by_multi_select_is_reordered_and_survives_a_restart(tauri_driver, tmp_path):
    # A copy of the demo library, so that one of its files can go missing before the restart.
    library = tmp_path / "demo"
    shutil.copytree(DEMO, library)
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db, demo=library)
    try:
        tracks = wait_imported(app)
        click(app, "[data-testid=keep-demo]")
        # The rows settle in library order once the import has finished. The clicks and the
        # drag below aim at screen positions, so they wait for the import's analysis too: its
        # progress strip above the list goes when it ends, and moves every row up (CI saw a
        # Ctrl+click select another row, and a drop land nowhere).
        wait_for(app, lambda d: analysed(db) == tracks and not css(d, "[data-testid=scan-progress], [data-testid=analysis-progress]"),
                 timeout=300, message="the import and its analysis never finished")
        library_order = settled_rows(app, "track-row")
        first, second, third, fifth = (library_order[i] for i in (0, 1, 2, 4))

        # Select three rows with the keyboard (click, then Shift+↓ twice), add a fourth with
        # Ctrl+click.
        row_title(app, "track-row", first).click()
        ActionChains(app).key_down(Keys.SHIFT).send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN).key_up(Keys.SHIFT).perform()
        fifth_title = row_title(app, "track-row", fifth)
        ActionChains(app).key_down(Keys.CONTROL).click(fifth_title).key_up(Keys.CONTROL).perform()
        bar = wait_for(app, lambda d: css(d, "[data-testid=selection-bar]"), message="no selection bar")[0]
        assert "4 tracks selected" in text(bar), text(bar)
        selected = app.execute_script(
            "return [...document.querySelectorAll('[data-testid=track-row].selected')].map(e => Number(e.dataset.trackId))")
        assert selected == [first, second, third, fifth], selected

        # Add to playlist → New playlist… → a name.
        click(app, "[data-testid=selection-add-to-playlist]")
        click(app, "[data-testid=menu-new-playlist]")
        field = wait_for(app, lambda d: css(d, "[data-testid=new-playlist-name]"), message="no name field")[0]
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(NAME)
        shot(app, "playlist-add-menu")
        click(app, "[data-testid=create-playlist]")
        notice = wait_for(app, lambda d: css(d, "[data-testid=notice]"), message="no notice after creating")
        assert f"Created “{NAME}” with 4 tracks" in text(notice[0]), text(notice[0])

        open_playlist(app, NAME)
        wait_for(app, lambda d: rows(d, "entry-row") == [first, second, third, fifth],
                 message="the playlist does not hold the selection in order")
        assert "4 tracks" in text(css(app, "[data-testid=playlist-meta]")[0])

        # Drag the last row above the first (pressed on its title, dropped on the first row's
        # upper half).
        source = row_title(app, "entry-row", fifth)
        target = row_title(app, "entry-row", first)
        # As a user does, release only once the drop line shows above the first row: a loaded
        # machine's WebView can still be handling the moves when a scripted release comes.
        (ActionChains(app).click_and_hold(source).pause(0.1).move_by_offset(0, -12).pause(0.1)
         .move_to_element_with_offset(target, 0, -8).perform())
        wait_for(app, lambda d: css(d, f"[data-testid=entry-row][data-track-id='{first}'].drop-before"),
                 timeout=10, message="no drop line above the first row while dragging")
        ActionChains(app).release().perform()
        try:
            wait_for(app, lambda d: rows(d, "entry-row") == [fifth, first, second, third], timeout=10)
        except TimeoutException:
            raise AssertionError(f"dragging did not reorder: {rows(app, 'entry-row')}") from None
        wait_for(app, lambda _: in_store(db, NAME)[0] == [fifth, first, second, third], timeout=10,
                 message="the drag did not reach the database")

        # Alt+↓ on the focused first row moves it one down; the focus follows it.
        row_title(app, "entry-row", fifth).click()
        ActionChains(app).key_down(Keys.ALT).send_keys(Keys.ARROW_DOWN).key_up(Keys.ALT).perform()
        wait_for(app, lambda d: rows(d, "entry-row") == [first, fifth, second, third], timeout=10,
                 message=f"Alt+Down did not move the row: {rows(app, 'entry-row')}")
        focused = app.execute_script("return document.activeElement.dataset.trackId")
        assert focused == str(fifth), focused
        wait_for(app, lambda _: in_store(db, NAME)[0] == [first, fifth, second, third], timeout=10,
                 message="Alt+Down did not reach the database")
        shot(app, "playlist")
        paths = {t["id"]: t["path"] for t in json.loads(
            subprocess.check_output([str(CLI), "--db", str(db), "tracks", "--json"]))}
    finally:
        app.quit()

    # The first track's file goes away; the restart rescans and finds it missing.
    gone = pathlib.Path(paths[first])
    assert library in gone.parents, gone
    gone.unlink()
    app = launch(tauri_driver, db, demo=library)
    try:
        open_playlist(app, NAME)
        wait_for(app, lambda d: rows(d, "entry-row") == [first, fifth, second, third],
                 message=f"the playlist changed over the restart: {rows(app, 'entry-row')}")
        wait_for(app, lambda d: entry_statuses(d) == ["missing", "available", "available", "available"], timeout=60,
                 message=f"the deleted file is not shown missing: {entry_statuses(app)}")
        missing = css(app, "[data-testid=entry-row][data-status=missing]")[0]
        assert "The file is missing" in missing.get_attribute("title"), missing.get_attribute("title")
        opacity = app.execute_script("return getComputedStyle(arguments[0].querySelector('.title-cell')).opacity", missing)
        assert float(opacity) < 0.7, f"a missing entry is not greyed ({opacity})"
        meta = text(css(app, "[data-testid=playlist-meta]")[0])
        assert "4 tracks" in meta and "1 cannot play" in meta, meta
        shot(app, "playlist-missing")

        # Playing the playlist skips the missing entry.
        click(app, "[data-testid=play-playlist]")
        wait_for(app, lambda d: d.execute_script(
            "return document.querySelector('[data-testid=entry-row].playing')?.dataset.trackId") == str(fifth),
            timeout=20, message="Play did not start at the first entry that can play")

        # Duplicate, then delete the copy after confirming.
        click(app, "[data-testid=duplicate-playlist]")
        copy = f"{NAME} (copy)"
        wait_for(app, lambda d: d.execute_script(
            "return document.querySelector('[data-testid=playlist-name]')?.textContent.trim()") == copy,
            message="no copy opened")
        wait_for(app, lambda d: rows(d, "entry-row") == [first, fifth, second, third], message="the copy differs")
        click(app, "[data-testid=delete-playlist]")
        dialog = wait_for(app, lambda d: css(d, "[data-testid=delete-dialog]"), message="no confirmation")[0]
        assert copy in text(dialog), text(dialog)
        shot(app, "playlist-delete")
        click(app, "[data-testid=confirm-delete]")
        wait_for(app, lambda d: copy not in sidebar_playlists(d), message="the deleted copy is still listed")

        # Import a playlist MusicBee wrote (Windows paths of another machine): four lines
        # match library tracks, the fifth is kept, greyed, with what the file said.
        click(app, "[data-testid=import-playlist]")
        path_field = wait_for(app, lambda d: css(d, "[data-testid=import-path]"), message="no import dialog")[0]
        # Typed as text: Selenium would otherwise upload a file whose path it is sent.
        with app.file_detector_context(UselessFileDetector):
            path_field.send_keys(str(ROOT / "tests" / "fixtures" / "playlists" / "musicbee.m3u"))
        click(app, "[data-testid=import-submit]")
        wait_for(app, lambda d: d.execute_script(
            "return document.querySelector('[data-testid=playlist-name]')?.textContent.trim()") == "musicbee",
            message="the import did not open")
        summary = wait_for(app, lambda d: css(d, "[data-testid=import-summary]"), message="no import summary")[0]
        assert "4 of 5 entries found" in text(summary), text(summary)
        assert "Café.mp3" in text(summary) and "no such track in your library" in text(summary), text(summary)
        wait_for(app, lambda d: entry_statuses(d) == ["available"] * 4 + ["unresolved"],
                 message=f"unexpected entries: {entry_statuses(app)}")
        unresolved = css(app, "[data-testid=entry-row][data-status=unresolved]")[0]
        assert "Zoë - Café" in text(unresolved), text(unresolved)
        assert "D:\\Music\\Zoë\\Café.mp3" in unresolved.get_attribute("title")
        shot(app, "playlist-import")

        # In Simplified Chinese.
        nav(app, "settings")
        Select(css(app, "[data-testid=language]")[0]).select_by_value("zh-CN")
        open_playlist(app, "musicbee")
        wait_for(app, lambda d: "播放列表" in text(css(d, "[data-testid=playlist-page]")[0]), message="no zh-CN text")
        assert "不在音乐库" in text(css(app, "[data-testid=entry-row][data-status=unresolved]")[0])
        shot(app, "playlist-import-zh-CN")
        nav(app, "settings")
        Select(css(app, "[data-testid=language]")[0]).select_by_value("en")

        # The same pages in the dark theme.
        set_theme(app, "dark")
        open_playlist(app, "musicbee")
        shot(app, "playlist-import-dark")
        open_playlist(app, NAME)
        wait_for(app, lambda d: len(css(d, "[data-testid=entry-row]")) == 4, message="the playlist did not load")
        shot(app, "playlist-dark")
        nav(app, "albums")
        click(app, "[data-testid=album]")
        click(app, "[data-testid=add-album-to-playlist]")
        wait_for(app, lambda d: css(d, "[data-testid=menu-playlist]"), message="no Add to playlist menu on an album")
        shot(app, "playlist-add-menu-dark")
        ActionChains(app).send_keys(Keys.ESCAPE).perform()
    finally:
        # The theme is kept by the webview between runs: leave it as the other tests expect.
        try:
            ActionChains(app).send_keys(Keys.ESCAPE).perform()
            set_theme(app, "system")
        finally:
            app.quit()
