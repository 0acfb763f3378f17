"""Live folders in the real window: a file copied into a watched library folder appears in
Tracks without a click; the folder unplugged (renamed away) shows as unavailable with its tracks
kept, and watched again when it returns. Adding a folder goes through the desktop's own chooser,
driven here with xdotool as a person would (the window can name no folder itself).
Screenshots: target/e2e/live-*.png."""

import json
import shutil
import subprocess
import time

from conftest import CLI, DEMO, ROOT, launch
from test_app import click, css, nav, shot, text, wait_for, wait_imported

FIXTURE = ROOT / "tests" / "fixtures" / "gapless" / "part1.ogg"


def track_count(driver):
    shown = css(driver, "[data-testid=track-count]")
    return int(text(shown[0]).replace(",", "")) if shown else -1


def watch_states(driver):
    """Each library folder in Settings with its watch state."""
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=library-folder]')].map(li => ["
        "li.querySelector('code').textContent.trim(),"
        "li.querySelector('[data-testid=watch-state]')?.dataset.state ?? null])")


def in_library(db):
    return json.loads(subprocess.check_output([str(CLI), "--db", str(db), "tracks", "--json"]))


def test_a_file_copied_into_a_watched_folder_appears_without_a_click(tauri_driver, tmp_path):
    library = tmp_path / "music"
    shutil.copytree(DEMO, library)
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db, demo=library)
    try:
        expected = wait_imported(app)
        click(app, "[data-testid=keep-demo]")
        wait_for(app, lambda d: not css(d, "[data-testid=scan-progress]"), timeout=90, message="the import never finished")
        nav(app, "settings")
        wait_for(app, lambda d: watch_states(d) == [[str(library), "watching"]], timeout=10,
                 message=f"the library folder is not shown watched: {watch_states(app)}")
        shot(app, "live-settings-watched")

        # A new album lands in the folder (as a file manager or a download would put it).
        nav(app, "tracks")
        album = library / "Gapless Test" / "Part One"
        album.mkdir(parents=True)
        started = time.monotonic()
        shutil.copy(FIXTURE, album / "01 part1.ogg")
        wait_for(app, lambda d: track_count(d) == expected + 1, timeout=10,
                 message="the copied file never appeared in the window")
        took = time.monotonic() - started
        print(f"copied file shown in the window after {took:.2f} s")
        new = next(t for t in in_library(db) if t["path"].endswith("01 part1.ogg"))
        wait_for(app, lambda d: d.execute_script(
            f"return !!document.querySelector('[data-testid=track-row][data-track-id=\"{new['id']}\"]')"),
            timeout=5, message="the new track has no row in Tracks")
        shot(app, "live-new-track")
        assert took <= 3, f"{took:.2f} s from copy to the window (target 2 s in the library)"

        # Unplugged: the folder is gone; its tracks stay and Settings says what happened.
        away = tmp_path / "music-unplugged"
        library.rename(away)
        nav(app, "settings")
        wait_for(app, lambda d: watch_states(d) == [[str(library), "unavailable"]], timeout=10,
                 message=f"the vanished folder is not shown unavailable: {watch_states(app)}")
        notice = wait_for(app, lambda d: css(d, "[data-testid=folder-unavailable]"), timeout=5,
                          message="no notice that the folder is unavailable")
        assert "its tracks are kept" in text(notice[0]), text(notice[0])
        assert not css(app, "[data-testid=error]"), text(css(app, "[data-testid=error]")[0])
        shot(app, "live-folder-unavailable")
        assert track_count(app) == expected + 1

        # Plugged in again: watched again, and a file copied afterwards appears too.
        away.rename(library)
        wait_for(app, lambda d: watch_states(d) == [[str(library), "watching"]], timeout=10,
                 message=f"the returned folder is not watched again: {watch_states(app)}")
        assert not css(app, "[data-testid=folder-unavailable]")
        shutil.copy(ROOT / "tests" / "fixtures" / "gapless" / "part2.ogg", album / "02 part2.ogg")
        wait_for(app, lambda d: track_count(d) == expected + 2, timeout=10,
                 message="a file copied after the folder returned never appeared")
        assert not css(app, "[data-testid=error]")
    finally:
        app.quit()


def test_a_bulk_copy_of_10000_files_is_imported_while_the_window_stays_responsive(tauri_driver, tmp_path):
    library = tmp_path / "music"
    shutil.copytree(DEMO, library)
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db, demo=library)
    try:
        expected = wait_imported(app)
        click(app, "[data-testid=keep-demo]")
        wait_for(app, lambda d: not css(d, "[data-testid=scan-progress]"), timeout=90, message="the import never finished")
        sources = [ROOT / "tests" / "fixtures" / "gapless" / f"{part}.{ext}"
                   for ext in ("ogg", "opus", "mp3") for part in ("part1", "part2")]
        bulk = 10_000
        started = time.monotonic()
        for i in range(bulk):
            folder = library / "Bulk" / f"disc {i // 100:03}"
            if i % 100 == 0:
                folder.mkdir(parents=True)
            source = sources[i % len(sources)]
            shutil.copyfile(source, folder / f"{i:05}{source.suffix}")
        copied = time.monotonic() - started
        # While it is imported (then analysed), the window answers: each round trip to the page
        # is timed, and the track count read as it grows.
        slowest, counts, shot_taken = 0.0, [], False
        while time.monotonic() - started < 180:
            asked = time.monotonic()
            count = track_count(app)
            slowest = max(slowest, time.monotonic() - asked)
            if not counts or counts[-1] != count:
                counts.append(count)
            if not shot_taken and css(app, "[data-testid=scan-progress]"):
                shot(app, "live-bulk-importing")
                shot_taken = True
            if count == expected + bulk:
                break
            time.sleep(0.1)
        took = time.monotonic() - started
        print(f"{bulk} files copied in {copied:.1f} s, all in the window after {took:.1f} s; "
              f"counts seen {counts}; slowest page round trip {slowest * 1000:.0f} ms")
        assert counts[-1] == expected + bulk, counts
        assert slowest < 1.0, f"the window froze for {slowest:.2f} s"
        shot(app, "live-bulk-done")
    finally:
        app.quit()
