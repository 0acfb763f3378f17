"""The queue in the real window: tracks queued with Play next and Add to queue from a row's
menu, reordered by Alt+arrow and by dragging, one removed; the queue, the playing track and its
position come back after quitting the app (paused), and after `kill -9` with at most a second of
position lost (playing on, once Settings asks to play on at start); `segue queue` reads and
edits the same queue, and the running window follows its edits. Screenshots:
target/e2e/queue-*.png."""

import json
import os
import signal
import sqlite3
import subprocess
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import CLI, launch
from test_app import click, css, nav, shot, text, wait_for, wait_imported


def setting(db, key):
    """A saved setting as the library stores it (None: never saved)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def cli_queue(db):
    """The saved queue as `segue queue show --json` prints it."""
    return json.loads(subprocess.check_output([str(CLI), "--db", str(db), "queue", "show", "--json"]))


def tracks(db):
    return json.loads(subprocess.check_output([str(CLI), "--db", str(db), "tracks", "--json"]))


def queued(driver, section="queue-queued"):
    """The track ids of the rows in a section of the queue panel, read in one go."""
    return driver.execute_script(
        f"return [...document.querySelectorAll('[data-testid={section}] [data-testid=queued]')]"
        ".map(e => Number(e.dataset.trackId))")


def track_row(driver, track_id):
    return css(driver, f"[data-testid=track-row][data-track-id='{track_id}'] .title")[0]


def from_menu(driver, track_id, item):
    """Right-clicks a track's row and picks `item` in its menu. A right click selects the row
    it lands on: when the list moved under the pointer (the analysis card coming and going
    above it), the menu is closed and the click tried again."""
    def selected(d):
        return d.execute_script(
            "return [...document.querySelectorAll('[data-testid=track-row].selected')].map(e => Number(e.dataset.trackId))")
    for _ in range(5):
        ActionChains(driver).context_click(track_row(driver, track_id)).perform()
        wait_for(driver, lambda d: css(d, "[data-testid=track-menu]"), timeout=5, message="no track menu")
        if selected(driver) == [track_id]:
            break
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        wait_for(driver, lambda d: not css(d, "[data-testid=track-menu]"), timeout=5, message="the menu stayed open")
    else:
        raise AssertionError(f"the right click never landed on track {track_id}: {selected(driver)}")
    click(driver, f"[data-testid={item}]")
    wait_for(driver, lambda d: not css(d, "[data-testid=track-menu]"), timeout=5, message="the menu stayed open")


def position_ms(driver):
    """The Now Playing position in milliseconds (the bar shows m:ss)."""
    shown = text(css(driver, "[data-testid=position]")[0])
    minutes, seconds = shown.split(":")
    return (int(minutes) * 60 + int(seconds)) * 1000


def exact_position_ms(driver, duration_ms):
    """The position the window has from the player's last event (every 250 ms), to the
    millisecond: the seek bar's played part is position / duration of its width."""
    fraction = driver.execute_script(
        "const svg = document.querySelector('.wave svg');"
        "return svg.querySelector('#played rect').width.baseVal.value / svg.viewBox.baseVal.width")
    return fraction * duration_ms


def now_title(driver):
    found = css(driver, "[data-testid=now-title]")
    return text(found[0]) if found else ""


def play_pause_label(driver):
    return css(driver, "[data-testid=play-pause]")[0].get_attribute("aria-label")


def app_pid(db):
    """The app process started on `db` (only this test's app has that database)."""
    out = subprocess.run(["pgrep", "-f", f"segue-app --db {db}"], capture_output=True, text=True).stdout.split()
    assert len(out) == 1, f"app processes on {db}: {out}"
    return int(out[0])


def test_the_queue_is_edited_and_survives_a_restart_and_kill_9(tauri_driver, tmp_path):
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db)
    try:
        wait_imported(app)
        click(app, "[data-testid=keep-demo]")
        wait_for(app, lambda d: not css(d, "[data-testid=scan-progress]"), timeout=90, message="the import never finished")
        # Four rows on screen: the longest plays, the three others are queued.
        on_screen = app.execute_script(
            "return [...document.querySelectorAll('[data-testid=track-row]')].map(e => Number(e.dataset.trackId))")[:4]
        library = {t["id"]: t for t in tracks(db)}
        playing = max(on_screen, key=lambda t: library[t]["duration_ms"])
        assert library[playing]["duration_ms"] > 30_000, library[playing]
        a, b, c = (t for t in on_screen if t != playing)
        title = {t: library[t]["title"] for t in library}

        from_menu(app, playing, "menu-play")
        wait_for(app, lambda d: now_title(d) == title[playing], timeout=20, message="the track never started")
        from_menu(app, a, "menu-enqueue")
        from_menu(app, b, "menu-enqueue")
        from_menu(app, c, "menu-play-next")
        wait_for(app, lambda d: queued(d) == [c, a, b], timeout=10, message=f"queued: {queued(app)}")

        # Alt+↓ moves c below a, and the focus follows it.
        css(app, f"[data-testid=queue-queued] [data-track-id='{c}'] .title")[0].click()
        ActionChains(app).key_down(Keys.ALT).send_keys(Keys.ARROW_DOWN).key_up(Keys.ALT).perform()
        wait_for(app, lambda d: queued(d) == [a, c, b], timeout=10, message=f"Alt+Down: {queued(app)}")
        wait_for(app, lambda d: d.execute_script("return document.activeElement.dataset.trackId") == str(c),
                 timeout=5, message="the focus did not follow the moved entry")
        # Drag b above a (pressed on its title, dropped on a's upper half).
        source = css(app, f"[data-testid=queue-queued] [data-track-id='{b}'] .title")[0]
        target = css(app, f"[data-testid=queue-queued] [data-track-id='{a}'] .title")[0]
        (ActionChains(app).click_and_hold(source).move_by_offset(0, -12)
         .move_to_element_with_offset(target, 0, -8).pause(0.2).release().perform())
        wait_for(app, lambda d: queued(d) == [b, a, c], timeout=10, message=f"dragging did not reorder: {queued(app)}")
        # Remove a with its button (shown on hover).
        row = css(app, f"[data-testid=queue-queued] [data-track-id='{a}']")[0]
        ActionChains(app).move_to_element(row).perform()
        row.find_element("css selector", "[data-testid=queued-remove]").click()
        wait_for(app, lambda d: queued(d) == [b, c], timeout=10, message=f"remove: {queued(app)}")

        # The command line edits the same queue: the window shows it within a second or two,
        # the track playing on.
        subprocess.check_call([str(CLI), "--db", str(db), "queue", "add", str(a)], stdout=subprocess.DEVNULL)
        wait_for(app, lambda d: queued(d) == [b, c, a], timeout=5, message=f"segue queue add: {queued(app)}")
        at = [e["track_id"] for e in cli_queue(db)["queue"]].index(a) + 1
        subprocess.check_call([str(CLI), "--db", str(db), "queue", "remove", str(at)], stdout=subprocess.DEVNULL)
        wait_for(app, lambda d: queued(d) == [b, c], timeout=5, message=f"segue queue remove: {queued(app)}")
        assert now_title(app) == title[playing] and play_pause_label(app) == "Pause", "playback was disturbed"

        # The saved queue is what the window shows: the playing track, then b and c, before
        # anything autoplay added.
        saved = cli_queue(db)
        ids = [e["track_id"] for e in saved["queue"]]
        assert ids[saved["current"]] == playing, saved
        assert ids[saved["current"] + 1:saved["current"] + 3] == [b, c], saved
        assert all(e["autoplay"] for e in saved["queue"][saved["current"] + 3:]), saved
        autoplay = queued(app, "queue-autoplay")

        # Let it play a few seconds, pause, and quit.
        wait_for(app, lambda d: position_ms(d) >= 4000, timeout=30, message="the position never reached 0:04")
        click(app, "[data-testid=play-pause]")
        wait_for(app, lambda d: play_pause_label(d) == "Play", timeout=10, message="did not pause")
        paused_at = position_ms(app)
        shot(app, "queue-edited")
        time.sleep(1)
        assert abs(cli_queue(db)["position_ms"] - paused_at) < 1000, (cli_queue(db), paused_at)
    finally:
        app.quit()

    # After a restart: the same track, paused where it was, the same queue.
    app = launch(tauri_driver, db)
    try:
        wait_for(app, lambda d: now_title(d) == title[playing], timeout=30,
                 message=f"the playing track did not come back: {now_title(app)!r}")
        assert play_pause_label(app) == "Play", "a restored session starts paused"
        assert abs(position_ms(app) - paused_at) <= 1000, (position_ms(app), paused_at)
        wait_for(app, lambda d: queued(d) == [b, c], timeout=10, message=f"queued after the restart: {queued(app)}")
        assert queued(app, "queue-autoplay") == autoplay, (queued(app, "queue-autoplay"), autoplay)
        shot(app, "queue-restored")

        # Asked to play on at start (Settings → Playback), the next start will not wait.
        nav(app, "settings")
        click(app, "[data-testid=resume-on-start]")
        wait_for(app, lambda d: setting(db, "playback.resume_on_start") == "true", timeout=10,
                 message="the setting to play on at start was not saved")
        nav(app, "tracks")

        # Playing on starts from there; kill -9 while it plays loses at most a second.
        click(app, "[data-testid=play-pause]")
        wait_for(app, lambda d: position_ms(d) >= paused_at + 3000, timeout=30, message="it did not play on")
        pid = app_pid(db)
        heard = exact_position_ms(app, library[playing]["duration_ms"])
        os.kill(pid, signal.SIGKILL)
        killed = cli_queue(db)
        # What was heard at the kill is at most 250 ms (one position event) past `heard`.
        lost = heard - killed["position_ms"]
        print(f"kill -9 with {heard:.0f} ms heard (by the last position event): "
              f"{killed['position_ms']} ms saved, {lost:.0f} ms behind it")
        assert lost <= 750, f"{lost:.0f} ms of position lost, and up to 250 ms more"
    finally:
        try:
            app.quit()
        except Exception:  # noqa: BLE001 - the app was killed; the session is gone with it
            pass

    app = launch(tauri_driver, db)
    try:
        wait_for(app, lambda d: now_title(d) == title[playing], timeout=30, message="nothing came back after kill -9")
        # Set to play on at start: it carries on from where the kill left it.
        back_at = position_ms(app)
        assert killed["position_ms"] - 1000 <= back_at <= killed["position_ms"] + 4000, (back_at, killed)
        wait_for(app, lambda d: play_pause_label(d) == "Pause", timeout=10, message="the session did not play on at start")
        wait_for(app, lambda d: position_ms(d) >= killed["position_ms"] + 2000, timeout=30,
                 message=f"it did not play on from {killed['position_ms']} ms: {position_ms(app)}")
        wait_for(app, lambda d: queued(d) == [b, c], timeout=10, message=f"queued after kill -9: {queued(app)}")
        shot(app, "queue-after-kill")
    finally:
        app.quit()
