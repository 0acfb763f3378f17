"""Smart playlists in the real window: one made in the editor (a bad rule refused inline, then
"rating:4"), a track rated 4 stars from its row joins it, and the open page follows ratings live
(the reason changes, a track rated down leaves) without a reload, and editing its name and rules
changes the open page. The database agrees, through `segue smart show`. Screenshots in the light and dark themes go to target/e2e/smart-*.png."""

import json
import subprocess

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import CLI
from test_app import click, css, nav, shot, text, wait_for, wait_imported

NAME = "Four stars and up"


def member_ids(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=smart-page] [data-testid=track-row]')]"
        ".map(e => Number(e.dataset.trackId))")


def reasons(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=track-why]')].map(e => e.textContent.trim())")


def in_store(db, name):
    """The members the database selects now, through the CLI."""
    shown = json.loads(subprocess.check_output([str(CLI), "--db", str(db), "smart", "show", name, "--json"]))
    return [m["track_id"] for m in shown]


def rate_in_row(driver, scope, track_id, stars):
    click(driver, f"{scope} [data-testid=track-row][data-track-id='{track_id}'] [data-star='{stars}']")


def open_smart(driver, name):
    def names(d):
        return d.execute_script(
            "return [...document.querySelectorAll('[data-testid=sidebar-smart] .name')].map(e => e.textContent.trim())")
    wait_for(driver, lambda d: name in names(d), timeout=20, message=f"no smart playlist {name!r} in the sidebar")
    click(driver, "[data-testid=sidebar-smart]", names(driver).index(name))
    wait_for(driver, lambda d: d.execute_script(
        "return document.querySelector('[data-testid=smart-title]')?.textContent.trim()") == name,
        message=f"{name!r} did not open")


def test_a_smart_playlist_made_in_the_window_follows_ratings_live(app):
    wait_imported(app)
    click(app, "[data-testid=keep-demo]")
    wait_for(app, lambda d: not css(d, "[data-testid=scan-progress]"), timeout=90, message="the import never finished")
    db = app.db_path

    # The editor: a rule the parser refuses is named inline and the dialog keeps it.
    click(app, "[data-testid=new-smart]")
    editor = wait_for(app, lambda d: css(d, "[data-testid=smart-editor]"), message="no editor")[0]
    name = css(app, "[data-testid=smart-name]")[0]
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys(NAME)
    rule = css(app, "[data-testid=smart-rule]")[0]
    rule.send_keys("rating:9")
    click(app, "[data-testid=smart-create]")
    problem = wait_for(app, lambda d: css(d, "[data-testid=smart-problem]"), message="no refusal shown")[0]
    assert 'rule 1: "rating:9"' in text(problem) and "1 to 5 stars" in text(problem), text(problem)
    assert css(app, "[data-testid=smart-editor]"), "the editor closed on a refusal"
    shot(app, "smart-editor-refused")

    rule.send_keys(Keys.CONTROL, "a")
    rule.send_keys("rating:4")
    Select(css(app, "[data-testid=smart-order]")[0]).select_by_value("rating")
    click(app, "[data-testid=smart-create]")
    wait_for(app, lambda d: not css(d, "[data-testid=smart-editor]"), message="the editor stayed open")
    assert editor is not None
    wait_for(app, lambda d: css(d, "[data-testid=smart-empty]"), message="a new smart playlist over an unrated library is not empty")
    assert "0 tracks" in text(css(app, "[data-testid=smart-meta]")[0])

    # Rate a track 4 stars from its row in Tracks: the smart playlist holds it.
    nav(app, "tracks")
    first = app.execute_script("return Number(document.querySelector('[data-testid=track-row]').dataset.trackId)")
    rate_in_row(app, "[data-testid=track-table]", first, 4)
    open_smart(app, NAME)
    wait_for(app, lambda d: member_ids(d) == [first], timeout=10, message=f"the rated track is not in: {member_ids(app)}")
    assert reasons(app) == ["rated 4 stars"], reasons(app)
    assert "1 track" in text(css(app, "[data-testid=smart-meta]")[0])
    assert in_store(db, NAME) == [first]
    shot(app, "smart-page")

    # On the open page, the member's own stars: 5 keeps it in and its reason follows at once;
    # 2 takes it out at once.
    rate_in_row(app, "[data-testid=smart-page]", first, 5)
    wait_for(app, lambda d: reasons(d) == ["rated 5 stars"], timeout=10, message=f"the reason did not follow: {reasons(app)}")
    rate_in_row(app, "[data-testid=smart-page]", first, 2)
    wait_for(app, lambda d: member_ids(d) == [] and css(d, "[data-testid=smart-empty]"), timeout=10,
             message=f"the track rated down is still listed: {member_ids(app)}")
    assert in_store(db, NAME) == []

    # Two tracks rated 4 and 5 from Tracks: both in, the highest rated first (the order chosen).
    nav(app, "tracks")
    ids = app.execute_script(
        "return [...document.querySelectorAll('[data-testid=track-row]')].slice(1, 3).map(e => Number(e.dataset.trackId))")
    rate_in_row(app, "[data-testid=track-table]", ids[0], 4)
    rate_in_row(app, "[data-testid=track-table]", ids[1], 5)
    open_smart(app, NAME)
    wait_for(app, lambda d: member_ids(d) == [ids[1], ids[0]], timeout=10, message=f"unexpected members: {member_ids(app)}")
    assert "2 tracks" in text(css(app, "[data-testid=smart-meta]")[0])
    assert text(css(app, "[data-testid=smart-rules]")[0]) == "All of: rating:4 · Highest rated", \
        text(css(app, "[data-testid=smart-rules]")[0])

    # Play starts the first member.
    click(app, "[data-testid=play-smart]")
    wait_for(app, lambda d: d.execute_script(
        "return document.querySelector('[data-testid=smart-page] [data-testid=track-row].playing')?.dataset.trackId")
        == str(ids[1]), timeout=20, message="Play did not start at the first member")
    shot(app, "smart-page-playing")

    # In Simplified Chinese.
    nav(app, "settings")
    Select(css(app, "[data-testid=language]")[0]).select_by_value("zh-CN")
    open_smart(app, NAME)
    wait_for(app, lambda d: "智能播放列表" in text(css(d, "[data-testid=smart-page]")[0]), message="no zh-CN text")
    assert text(css(app, "[data-testid=smart-rules]")[0]) == "满足全部：rating:4 · 评分最高", text(css(app, "[data-testid=smart-rules]")[0])
    shot(app, "smart-page-zh-CN")
    nav(app, "settings")
    Select(css(app, "[data-testid=language]")[0]).select_by_value("en")

    # The same page and the editor in the dark theme.
    nav(app, "settings")
    Select(css(app, "[data-testid=theme]")[0]).select_by_value("dark")
    open_smart(app, NAME)
    wait_for(app, lambda d: len(member_ids(d)) == 2, message="the page did not load in the dark theme")
    shot(app, "smart-page-dark")
    click(app, "[data-testid=new-smart]")
    wait_for(app, lambda d: css(d, "[data-testid=smart-editor]"), message="no editor")
    css(app, "[data-testid=smart-rule]")[0].send_keys("tempo:100..fast")
    click(app, "[data-testid=smart-add-rule]")
    click(app, "[data-testid=smart-create]")
    wait_for(app, lambda d: css(d, "[data-testid=smart-problem]"), message="no refusal shown")
    shot(app, "smart-editor-dark")
    app.find_element(By.CSS_SELECTOR, "[data-testid=smart-rule]").send_keys(Keys.ESCAPE)
    wait_for(app, lambda d: not css(d, "[data-testid=smart-editor]"), message="Escape did not close the editor")

    # Editing it: the editor opens filled in; a new name and a stricter rule, saved, change the
    # open page at once, and the database agrees.
    click(app, "[data-testid=edit-smart]")
    wait_for(app, lambda d: css(d, "[data-testid=smart-editor]"), message="no editor for editing")
    assert css(app, "[data-testid=smart-name]")[0].get_attribute("value") == NAME
    rule = css(app, "[data-testid=smart-rule]")[0]
    assert rule.get_attribute("value") == "rating:4", rule.get_attribute("value")
    shot(app, "smart-editor-edit-dark")
    name = css(app, "[data-testid=smart-name]")[0]
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Five stars")
    rule.send_keys(Keys.CONTROL, "a")
    rule.send_keys("rating:5")
    click(app, "[data-testid=smart-create]")
    wait_for(app, lambda d: not css(d, "[data-testid=smart-editor]"), message="the editor stayed open after saving")
    wait_for(app, lambda d: text(css(d, "[data-testid=smart-title]")[0]) == "Five stars", message="the title did not follow")
    wait_for(app, lambda d: member_ids(d) == [ids[1]], timeout=10, message=f"the members did not follow: {member_ids(app)}")
    wait_for(app, lambda d: text(css(d, "[data-testid=smart-rules]")[0]) == "All of: rating:5 · Highest rated",
             message=f"the rules shown did not follow: {text(css(app, '[data-testid=smart-rules]')[0])}")
    assert in_store(db, "Five stars") == [ids[1]]

    # Deleting it after confirming.
    click(app, "[data-testid=delete-smart]")
    wait_for(app, lambda d: css(d, "[data-testid=delete-smart-dialog]"), message="no confirmation")
    click(app, "[data-testid=confirm-delete-smart]")
    wait_for(app, lambda d: not css(d, "[data-testid=sidebar-smart]"), message="the deleted smart playlist is still listed")
    listed = json.loads(subprocess.check_output([str(CLI), "--db", str(db), "smart", "list", "--json"]))
    assert listed == [], listed
