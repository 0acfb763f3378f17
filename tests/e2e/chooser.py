"""The desktop's own file chooser, answered as a person would: keys sent with xdotool to the GTK
dialog the app opened under Xvfb (the page has no path field, so tests cannot go around it)."""

import subprocess
import time

from conftest import SHOTS


def _xdotool(*args, timeout=10):
    subprocess.run(["xdotool", *args], check=True, timeout=timeout)


def _visible(title):
    return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                          capture_output=True, text=True, timeout=10).stdout.split()


def _wait_closed(title, timeout):
    deadline = time.time() + timeout
    while _visible(title):
        if time.time() > deadline:
            return False
        time.sleep(0.2)
    return True


def _closed_or_fail(title, key, timeout=10):
    """Returns once the chooser has gone, so the next test step (or the next chooser's search)
    cannot meet this one still closing."""
    if not _wait_closed(title, timeout):
        _fail(f"the chooser “{title}” did not close on {key}")


def _fail(message):
    """Fails with a picture of the whole screen: the chooser is not part of the page."""
    shot = SHOTS / "chooser-failed.png"
    subprocess.run(["import", "-window", "root", str(shot)], timeout=30)
    raise AssertionError(f"{message}: see {shot}")


def answer_chooser(title, path=None, *, kind="open"):
    """Picks `path` in the chooser titled `title`, or cancels it with Escape when `path` is None.
    `kind` is "open" (a file), "folder" (Enter goes into the folder, Enter again picks it) or
    "save" (the path is typed over the suggested name)."""
    deadline = time.time() + 20
    while not _visible(title):
        if time.time() > deadline:
            _fail(f"the chooser “{title}” did not open")
        time.sleep(0.2)
    wid = _visible(title)[0]
    # No window manager under Xvfb: give the dialog the keyboard directly.
    _xdotool("windowfocus", wid)
    time.sleep(0.5)
    if path is None:
        _xdotool("key", "Escape")
        _closed_or_fail(title, "Escape")
        return
    if kind != "save":
        # A typed / opens GTK's location field; keys typed while it appears can be lost
        # ("/ork/main/…" was caught on screen one run in three), so wait before the path.
        _xdotool("type", "/")
        time.sleep(0.5)
    # Replace what the field holds (a save dialog suggests a name) with the whole path.
    _xdotool("key", "ctrl+a")
    _xdotool("type", "--delay", "30", f"{path}/" if kind == "folder" else str(path), timeout=60)
    time.sleep(0.5)
    _xdotool("key", "Return")
    if kind == "folder" and not _wait_closed(title, 1):
        _xdotool("key", "Return")
    _closed_or_fail(title, "Enter")
