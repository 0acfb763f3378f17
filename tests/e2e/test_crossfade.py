"""The crossfade setting in the real window: off by default, chosen on the Settings page, kept
by the library (the command line reads back what the window saved), and a length saved from
the command line shown there. Screenshot: target/e2e/settings-crossfade.png."""

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
        select.select_by_value("4000")
        wait_for(app, lambda d: crossfade_of(db).startswith("Crossfade: 4 s"), timeout=10,
                 message=f"the library did not keep the crossfade: {crossfade_of(db)!r}")
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
    finally:
        app.quit()
