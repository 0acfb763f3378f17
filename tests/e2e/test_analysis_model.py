"""The analysis model in the real window: Reference (musicnn) by default, "Fast" (the student)
picked on the Settings page re-analyses the library in the background with its progress
shown, and the library keeps the choice (the app after a restart and `segue doctor` read it
back). Screenshots: target/e2e/settings-analysis-model.png and -dark.png."""

import json
import subprocess

from selenium.webdriver.support.ui import Select

from conftest import CLI, launch
from test_app import css, nav, shot, text, wait_analysed, wait_for, wait_imported

MODEL = "[data-testid=analysis-model]"


def chosen(driver):
    return [r.get_attribute("value") for r in css(driver, f"{MODEL} input[type=radio]") if r.is_selected()]


def show_model(driver):
    driver.execute_script(f"document.querySelector('{MODEL}').closest('.card').scrollIntoView({{block: 'start'}})")


def model_of_library(db):
    doctor = subprocess.run([str(CLI), "--db", str(db), "doctor", "--device", "cpu"],
                            capture_output=True, text=True, timeout=120).stdout
    return next((line for line in doctor.splitlines() if line.startswith("analysis model")), doctor)


def left_to_analyse(db):
    """What `segue analyze` (no --model: the library's model) would still do."""
    report = json.loads(subprocess.check_output([str(CLI), "--db", str(db), "analyze", "--device", "cpu", "--json"],
                                                timeout=300))
    return report["analysed"], report["version"]


def test_fast_analysis_is_picked_in_settings_re_analyses_and_is_kept(tauri_driver, tmp_path):
    db = tmp_path / "library.sqlite"
    app = launch(tauri_driver, db)
    try:
        tracks = wait_imported(app)
        # The first analysis, with the reference, is over before the switch (what the window's
        # pass had not done yet, the command line does), so the progress seen next is a new pass.
        wait_analysed(app)
        analysed, version = left_to_analyse(db)
        assert "/student-" not in version, version
        assert not css(app, "[data-testid=analysis-progress]")
        nav(app, "settings")
        wait_for(app, lambda d: css(d, MODEL), message="no analysis model in Settings")
        assert chosen(app) == ["reference"], chosen(app)
        reference = css(app, "[data-testid=analysis-model-reference]")[0]
        assert "Reference (musicnn, most faithful)" in text(reference), text(reference)
        fast = css(app, "[data-testid=analysis-model-student]")[0]
        wait_for(app, lambda d: "real time per core" in text(css(d, "[data-testid=analysis-model-student]")[0]),
                 timeout=10, message="no measured speed beside Fast")
        assert "quicker" in text(fast), text(fast)
        switch = text(css(app, "[data-testid=analysis-model-switch]")[0])
        assert f"for {tracks} tracks" in switch, switch

        show_model(app)
        fast.click()
        # Analysis starts again, from the start of the library, as its progress shows.
        # (It opens at "0 of 0" until the pass has counted what is stale.)
        wait_for(app, lambda d: any(f"of {tracks} tracks" in text(p) for p in css(d, "[data-testid=analysis-progress]")),
                 timeout=30, message="picking Fast did not restart analysis of the whole library")
        assert chosen(app) == ["student"], chosen(app)
        assert model_of_library(db).startswith("analysis model        student"), model_of_library(db)
        show_model(app)
        shot(app, "settings-analysis-model")
        Select(css(app, "[data-testid=theme]")[0]).select_by_value("dark")
        wait_for(app, lambda d: d.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(18, 17, 24)",
                 message="the dark theme did not apply")
        show_model(app)
        shot(app, "settings-analysis-model-dark")
        Select(css(app, "[data-testid=theme]")[0]).select_by_value("system")
        wait_for(app, lambda d: not css(d, "[data-testid=analysis-progress]"), timeout=300,
                 message="the re-analysis never finished")
    finally:
        app.quit()
    # Every track was analysed again, by the student.
    analysed, version = left_to_analyse(db)
    assert analysed == 0 and "/student-" in version, (analysed, version)

    # Kept by the library: the next start shows Fast chosen, and analyses nothing again.
    app = launch(tauri_driver, db)
    try:
        wait_imported(app)
        nav(app, "settings")
        wait_for(app, lambda d: chosen(d) == ["student"], timeout=20,
                 message=f"the choice was not kept: {chosen(app)}")
        switch = text(css(app, "[data-testid=analysis-model-switch]")[0])
        assert f"for {tracks} tracks" in switch, switch
        assert not css(app, "[data-testid=analysis-progress]")
    finally:
        app.quit()
