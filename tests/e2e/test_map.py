"""The library map in the real window: after the demo library is imported and analysed, the
layout job puts every analysed track on the map; hovering a dot names its track, clicking it
plays it (heard in the null sink) and lists its true neighbours, the playing track glows with Up
Next drawn as a route, a lasso over the map selects every dot and makes a playlist of them, and
the map can be coloured by a tag. Screenshots: target/e2e/map-*.png."""

import sqlite3

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from test_app import Capture, click, css, nav, rms_dbfs, shot, text, wait_analysed, wait_for, wait_imported


def stored_points(db):
    """The map's points as the app stored them, with each track's title and length (ms)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT m.track_id, m.x, m.y, t.title, t.duration_ms FROM map_points m JOIN tracks t ON t.id = m.track_id"
        ).fetchall()


def screen_offset(canvas, points, track_id):
    """Where a track's dot is, as an offset from the canvas's centre (how WebDriver moves), by
    the view's own fitting: the layout's bounding square at 86 % of the shorter side."""
    xs = [p[1] for p in points]
    ys = [p[2] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    size = canvas.size
    scale = min(size["width"], size["height"]) * 0.86 / span
    x, y = next((p[1], p[2]) for p in points if p[0] == track_id)
    return round((x - cx) * scale), round((y - cy) * scale)


def loneliest(points, at_least_ms=0):
    """The track whose nearest other dot is farthest away (a hover there cannot be ambiguous),
    among those lasting at least `at_least_ms`."""
    def gap(p):
        return min((p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2 for q in points if q[0] != p[0])
    return max((p for p in points if p[4] >= at_least_ms), key=gap)


def test_the_map_shows_every_analysed_track_and_a_click_plays_it(app):
    expected = wait_imported(app)
    if css(app, "[data-testid=keep-demo]"):
        click(app, "[data-testid=keep-demo]")
    wait_analysed(app)
    nav(app, "map")
    canvas = wait_for(app, lambda d: css(d, "[data-testid=map-canvas]"), message="no map")[0]
    # The layout job follows analysis: every analysed track gets its dot.
    wait_for(app, lambda d: css(d, "[data-testid=map-canvas]")[0].get_attribute("data-points") == str(expected),
             timeout=60, message=f"the map never showed {expected} dots: {text(css(app, '[data-testid=map-status]')[0])}")
    points = stored_points(app.db_path)
    assert len(points) == expected
    assert "Less" not in text(css(app, "[data-testid=map-legend]")[0])
    assert "Unheard" in text(css(app, "[data-testid=map-legend]")[0])
    shot(app, "map")

    # Hover: the dot's track and its top tags.
    # A track long enough to still play when the keys are tried at the end (the demo holds
    # 6-second ones, which end, rightly, on their own before then).
    track_id, _, _, title, _ = loneliest(points, at_least_ms=30_000)
    dx, dy = screen_offset(canvas, points, track_id)
    ActionChains(app).move_to_element_with_offset(canvas, dx, dy).perform()
    tip = wait_for(app, lambda d: css(d, "[data-testid=map-tip]"), timeout=10, message="hovering a dot named nothing")[0]
    assert title in text(tip), (title, text(tip))
    assert css(app, "[data-testid=map-tip] .chip"), "the hovered track shows no tags"
    shot(app, "map-hover")

    # Click: it plays (heard), and its true neighbours are listed.
    capture = Capture()
    ActionChains(app).move_to_element_with_offset(canvas, dx, dy).click().perform()
    wait_for(app, lambda d: css(d, "[data-testid=now-title]") and text(css(d, "[data-testid=now-title]")[0]) == title,
             timeout=15, message=f"clicking the dot of {title!r} did not play it")
    wait_for(app, lambda d: text(css(d, "[data-testid=position]")[0]) not in ("0:00", ""),
             timeout=20, message="the position never moved")
    samples = capture.stop()
    assert rms_dbfs(samples) > -50, "the sink heard silence"
    neighbours = wait_for(app, lambda d: css(d, "[data-testid=map-neighbour]"), timeout=10,
                          message="a click listed no neighbours")
    ids = [int(n.get_attribute("data-track-id")) for n in neighbours]
    assert len(ids) == min(8, expected - 1) and track_id not in ids, ids
    # Up Next is drawn as a route from the glowing track once suggestions come.
    wait_for(app, lambda d: "Up next" in text(css(d, "[data-testid=map-legend]")[0]), timeout=30,
             message="no Up Next route")
    shot(app, "map-playing")

    # A lasso around the whole map selects every dot; they become a playlist.
    click(app, "[data-testid=map-lasso]")
    size = canvas.size
    w, h = size["width"] // 2 - 4, size["height"] // 2 - 4
    chain = ActionChains(app).move_to_element_with_offset(canvas, -w, -h).click_and_hold()
    for x, y in ((w, -h), (w, h), (-w, h), (-w, -h + 2)):
        chain = chain.move_to_element_with_offset(canvas, x, y)
    chain.release().perform()
    panel = wait_for(app, lambda d: css(d, "[data-testid=map-selection]"), timeout=10, message="the lasso selected nothing")[0]
    assert f"{expected} tracks selected" in text(panel), text(panel)
    shot(app, "map-lasso")
    before = len(css(app, "[data-testid=sidebar-playlist]"))
    click(app, "[data-testid=map-selection-playlist]")
    wait_for(app, lambda d: len(css(d, "[data-testid=sidebar-playlist]")) == before + 1, timeout=10,
             message="no playlist was made from the selection")
    made = css(app, "[data-testid=sidebar-playlist]")
    assert any(text(p).startswith("From the map") and text(p).endswith(str(expected)) for p in made), [text(p) for p in made]

    # Coloured by a tag: the legend says which.
    select = Select(css(app, "[data-testid=map-colour]")[0])
    tag = select.options[1].get_attribute("value")
    select.select_by_value(tag)
    wait_for(app, lambda d: "Less" in text(css(d, "[data-testid=map-legend]")[0]), timeout=10,
             message="colouring by a tag did not change the legend")
    # Mouse and keyboard move the view; the map keeps its keys from the player's shortcuts
    # (the arrows would seek, + and - are nothing there).
    def view(d):
        c = css(d, "[data-testid=map-canvas]")[0]
        return c.get_attribute("data-zoom"), c.get_attribute("data-pan")
    assert view(app) == ("1.00", "0,0"), view(app)
    ActionChains(app).move_to_element_with_offset(canvas, 0, 0).click_and_hold() \
        .move_by_offset(40, 0).move_by_offset(40, 25).release().perform()
    wait_for(app, lambda d: view(d)[1] == "80,25", timeout=5, message=f"a drag did not pan: {view(app)}")
    canvas.send_keys("0")
    canvas.send_keys("+")
    canvas.send_keys("+")
    wait_for(app, lambda d: view(d)[0] == "1.56", timeout=5, message=f"+ did not zoom in: {view(app)}")
    shot(app, "map-zoomed")
    canvas.send_keys("\ue014")  # the right arrow
    wait_for(app, lambda d: view(d)[1] == "-60,0", timeout=5, message=f"→ did not pan: {view(app)}")
    canvas.send_keys("0")
    wait_for(app, lambda d: view(d) == ("1.00", "0,0"), timeout=5, message=f"0 did not reset: {view(app)}")
    assert text(css(app, "[data-testid=now-title]")[0]) == title
    assert css(app, "[data-testid=play-pause]")[0].get_attribute("aria-label") == "Pause", "a map key paused the music"
    shot(app, "map-tag")

    # The same map in the dark theme and in Chinese (then back as it was).
    nav(app, "settings")
    theme = Select(css(app, "[data-testid=theme]")[0])
    language = Select(css(app, "[data-testid=language]")[0])
    was = (theme.first_selected_option.get_attribute("value"), language.first_selected_option.get_attribute("value"))
    theme.select_by_value("dark")
    Select(css(app, "[data-testid=language]")[0]).select_by_value("zh-CN")
    nav(app, "map")
    wait_for(app, lambda d: css(d, "[data-testid=map-canvas]")
             and css(d, "[data-testid=map-canvas]")[0].get_attribute("data-points") == str(expected),
             timeout=20, message="the map did not open again")
    assert "音乐地图" in text(css(app, "h1")[0]), text(css(app, "h1")[0])
    shot(app, "map-dark-zh-CN")
    nav(app, "settings")
    Select(css(app, "[data-testid=theme]")[0]).select_by_value(was[0])
    Select(css(app, "[data-testid=language]")[0]).select_by_value(was[1])
