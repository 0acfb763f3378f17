"""The equaliser panel in Settings, in the real window: presets and sliders change the curve Rust
computes, the settings are kept for the device (the CLI reads the same), what is set is heard
at once in the null sink while a track plays, and the panel is photographed light, dark and in
Chinese (target/e2e/equaliser-*.png)."""

import json
import subprocess
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from conftest import CLI
from test_app import Capture, css, nav, rms_dbfs, shot, text, wait_for, wait_imported


def eq_show(app):
    out = subprocess.run([str(CLI), "--db", str(app.db_path), "eq", "show", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def curve(app):
    return css(app, "[data-testid=eq-curve-path]")[0].get_attribute("d")


def show_panel(app):
    """Scrolls Settings (its own scroll box) so the equaliser panel is at the top."""
    app.execute_script(
        "const box = document.querySelector('[data-testid=settings]');"
        "const panel = document.querySelector('[data-testid=equaliser]');"
        "box.scrollTop += panel.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;")


def move_slider(app, element, value):
    """Drags a range input to `value` as the browser reports a drag: value, then `input`."""
    app.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", element, str(value))


def test_the_equaliser_panel_sets_presets_and_bands_kept_for_the_device(app):
    wait_imported(app)
    # The first-run banner would leave the panel little room in the photographs.
    css(app, "[data-testid=keep-demo]")[0].click()
    nav(app, "settings")
    wait_for(app, lambda d: css(d, "[data-testid=eq-curve-path]"), message="no equaliser panel")
    show_panel(app)
    assert len(css(app, "[data-testid=eq-band]")) == 10
    flat = curve(app)
    assert not css(app, "[data-testid=eq-enabled]")[0].is_selected()

    # A preset switches it on; the curve Rust sends back rises at the bass.
    Select(css(app, "[data-testid=eq-preset]")[0]).select_by_value("bass_boost")
    wait_for(app, lambda d: curve(d) != flat, timeout=10, message="the curve did not follow the preset")
    wait_for(app, lambda d: "Lowered" in text(css(d, "[data-testid=eq-headroom]")[0]), timeout=10,
             message="the automatic headroom is not shown")
    assert css(app, "[data-testid=eq-enabled]")[0].is_selected()
    kept = eq_show(app)
    assert kept["settings"]["preset"] == "bass_boost" and kept["settings"]["enabled"]
    assert kept["response"]["headroom_db"] < -5

    # A slider: the 1 kHz band to -6 dB, shown, kept, and the preset becomes Custom.
    band_1k = css(app, "[data-testid=eq-band]")[5]
    move_slider(app, band_1k, -6)
    wait_for(app, lambda d: eq_show(d)["settings"]["bands_db"][5] == -6, timeout=10,
             message="the 1 kHz band was not kept")
    assert Select(css(app, "[data-testid=eq-preset]")[0]).first_selected_option.get_attribute("value") == ""
    move_slider(app, css(app, "[data-testid=eq-preamp]")[0], -3)
    wait_for(app, lambda d: eq_show(d)["settings"]["preamp_db"] == -3, timeout=10,
             message="the preamp was not kept")
    wait_for(app, lambda d: text(css(d, "[data-testid=eq-preamp-value]")[0]) == "-3.0", timeout=5)
    # A parametric band: one out of range is refused with Rust's reason, then a good one kept.
    css(app, "[data-testid=equaliser] details summary")[0].click()
    for field, value in (("eq-new-hz", "30000"), ("eq-new-db", "-4"), ("eq-new-q", "2")):
        box = css(app, f"[data-testid={field}]")[0]
        box.clear()
        box.send_keys(value)
    css(app, "[data-testid=eq-add]")[0].click()
    wait_for(app, lambda d: css(d, "[data-testid=eq-problem]")
             and "30000 Hz" in text(css(d, "[data-testid=eq-problem]")[0]), timeout=10,
             message="an out-of-range band was not refused with the reason")
    assert eq_show(app)["settings"]["parametric"] == []
    box = css(app, "[data-testid=eq-new-hz]")[0]
    box.clear()
    box.send_keys("3150")
    css(app, "[data-testid=eq-add]")[0].click()
    wait_for(app, lambda d: eq_show(d)["settings"]["parametric"] == [{"frequency_hz": 3150.0, "gain_db": -4.0, "q": 2.0}],
             timeout=10, message="the parametric band was not kept")
    assert len(css(app, "[data-testid=eq-parametric-band]")) == 1
    assert not css(app, "[data-testid=eq-problem]")
    show_panel(app)
    shot(app, "equaliser")
    app.execute_script("document.querySelector('[data-testid=equaliser] details')"
                       ".scrollIntoView({block: 'end'})")
    shot(app, "equaliser-parametric")

    # Dark, and Simplified Chinese.
    Select(css(app, "[data-testid=theme]")[0]).select_by_value("dark")
    wait_for(app, lambda d: d.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(18, 17, 24)",
             message="the dark theme did not apply")
    show_panel(app)
    shot(app, "equaliser-dark")
    Select(css(app, "[data-testid=language]")[0]).select_by_value("zh-CN")
    wait_for(app, lambda d: "均衡器" in text(css(d, "[data-testid=equaliser]")[0]), message="no zh-CN text")
    show_panel(app)
    shot(app, "equaliser-zh-CN")
    Select(css(app, "[data-testid=language]")[0]).select_by_value("en")
    Select(css(app, "[data-testid=theme]")[0]).select_by_value("system")

    # Off: kept off, the bands stay for next time.
    css(app, "[data-testid=eq-enabled]")[0].click()
    wait_for(app, lambda d: not eq_show(d)["settings"]["enabled"], timeout=10, message="off was not kept")
    assert eq_show(app)["settings"]["bands_db"][5] == -6
    assert "off" in css(app, "[data-testid=eq-curve]")[0].get_attribute("class")


def test_the_equaliser_set_in_the_window_is_heard_while_playing(app):
    wait_imported(app)
    css(app, "[data-testid=keep-demo]")[0].click()
    search = css(app, "[data-testid=search]")[0]
    search.send_keys("forest dance")  # 45 s of steady music: room for a few tries
    wait_for(app, lambda d: 1 <= len(css(d, "[data-testid=track-row]")) <= 3,
             message="search did not narrow the list")
    ActionChains(app).double_click(css(app, "[data-testid=track-row]")[0]).perform()
    wait_for(app, lambda d: text(css(d, "[data-testid=position]")[0]) not in ("0:00", ""),
             timeout=20, message="the position never moved")
    nav(app, "settings")
    wait_for(app, lambda d: css(d, "[data-testid=eq-curve-path]"), message="no equaliser panel")
    show_panel(app)

    def level(seconds=1.5):
        capture = Capture()
        time.sleep(seconds)
        return rms_dbfs(capture.stop())

    def switch(on):
        css(app, "[data-testid=eq-enabled]")[0].click()
        wait_for(app, lambda d: eq_show(d)["settings"]["enabled"] == on, timeout=10,
                 message=f"the equaliser did not turn {'on' if on else 'off'}")
        time.sleep(0.3)  # what the device already holds plays out

    # The preamp alone at -12 dB: the music must drop by about that much while it plays.
    move_slider(app, css(app, "[data-testid=eq-preamp]")[0], -12)
    wait_for(app, lambda d: eq_show(d)["settings"]["preamp_db"] == -12, timeout=10,
             message="the preamp was not kept")
    # Music gets louder and quieter by itself: a try counts when the level heard before and
    # after (equaliser off) agree within 4 dB.
    tries = []
    for _ in range(4):
        before = level()
        switch(True)
        during = level()
        switch(False)
        after = level()
        tries.append((before, during, after))
        if before > -50 and after > -50 and abs(before - after) < 4:
            break
    print("levels off / with a -12 dB preamp / off, dBFS:", tries)
    before, during, after = tries[-1]
    assert abs(before - after) < 4, f"the music's own level kept changing: {tries}"
    drop = (before + after) / 2 - during
    assert 8 < drop < 16, f"the equaliser's -12 dB preamp changed the level by {-drop:+.1f} dB: {tries}"
