"""The crossfade setting in the real window: off by default, chosen on the Settings page, kept
by the library (the command line reads back what the window saved), Smart turned on and off
there and kept, and a length saved from the command line shown there. Screenshot: target/e2e/settings-crossfade.png."""

import subprocess

from selenium.webdriver.support.ui import Select

from conftest import CLI, launch
from test_app import css, nav, shot, wait_for, wait_imported


def crossfade_of(db):
    return subprocess.check_output([str(CLI), "--db", str(db), "crossfade"], text=True).strip()


def test_the_crossfade_is_chosen_in_settings_and_kept_by_the_library(tauri_driver, tmp_path):
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db)
    try:
        wait_imported(app)
        nav(app, "settings")
        wait_for(app, lambda d: css(d, "[data-testid=crossfade]"), message="no crossfade control in Settings")
        select = Select(css(app, "[data-testid=crossfade]")[0])
        assert select.first_selected_option.get_attribute("value") == "0"
        assert select.first_selected_option.text.strip() == "Off (gapless)"
        smart = css(app, "[data-testid=crossfade-smart]")[0]
        assert not smart.is_selected() and not smart.is_enabled(), "Smart is off, and idle while the crossfade is"
        select.select_by_value("4000")
        wait_for(app, lambda d: crossfade_of(db).startswith("Crossfade: 4 s"), timeout=10,
                 message=f"the library did not keep the crossfade: {crossfade_of(db)!r}")
        assert "smart" not in crossfade_of(db)
        # Smart: the fade placed from what analysis found (silence trimmed, the fall of energy).
        smart = css(app, "[data-testid=crossfade-smart]")[0]
        wait_for(app, lambda d: smart.is_enabled(), timeout=10, message="Smart stays idle with a crossfade on")
        smart.click()
        wait_for(app, lambda d: "smart:" in crossfade_of(db), timeout=10,
                 message=f"the library did not keep Smart: {crossfade_of(db)!r}")
        shot(app, "settings-crossfade")
    finally:
        app.quit()

    # Set from the command line, the window shows it at the next start.
    subprocess.check_call([str(CLI), "--db", str(db), "crossfade", "2.5s"], stdout=subprocess.DEVNULL)
    app = launch(tauri_driver, db)
    try:
        wait_imported(app)
        nav(app, "settings")
        wait_for(app, lambda d: css(d, "[data-testid=crossfade]"), message="no crossfade control in Settings")
        select = Select(css(app, "[data-testid=crossfade]")[0])
        wait_for(app, lambda d: select.first_selected_option.get_attribute("value") == "2500", timeout=10,
                 message="the window does not show the crossfade saved from the command line")
        assert select.first_selected_option.text.strip() == "2.5 s"
        assert css(app, "[data-testid=crossfade-smart]")[0].is_selected(), "Smart was not kept"
        css(app, "[data-testid=crossfade-smart]")[0].click()
        wait_for(app, lambda d: "smart" not in crossfade_of(db), timeout=10,
                 message=f"turning Smart off was not kept: {crossfade_of(db)!r}")
    finally:
        app.quit()
