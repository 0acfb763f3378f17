"""The real Segue window under Xvfb, driven through WebDriver."""

import json
import subprocess
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CLI, SHOTS, demo_track_count


def test_first_run_imports_the_demo_library_and_shows_its_count(app):
    expected = demo_track_count()
    assert expected >= 10
    count = app.find_element(By.CSS_SELECTOR, "[data-testid=track-count]")
    WebDriverWait(app, 90, poll_frequency=0.25).until(
        lambda _: count.text.replace(",", "") == str(expected),
        message=f"the window never showed {expected} tracks",
    )
    detail = app.find_element(By.ID, "library-detail").text
    assert "albums" in detail and "artists" in detail, detail
    assert app.title == "Segue"
    time.sleep(0.5)  # let the last frame paint before the screenshot
    shot = SHOTS / "library.png"
    app.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000

    # The window's figure is the database's: ask the CLI on the same file.
    stats = json.loads(subprocess.check_output([str(CLI), "--db", str(app.db_path), "stats", "--json"]))
    assert stats["tracks"] == expected
    assert stats["failed"] == 0
