"""The library map at 100,000 tracks in the real window (not a test:
`.local/venv/bin/python tests/e2e/bench_map.py [APP] [TRACKS]`, after `source
scripts/pulse-test-sink.sh`).

A synthetic library (`segue-bench synth-library`) gets a made-up map: points in 60 clusters and
a label per cluster, written into the tables the layout job writes (the synthetic files cannot be
analysed, and the layout's own time is `segue-bench map`'s). The app opens it with --no-scan
under Xvfb through tauri-driver, and the script reports:
- open: from clicking Map in the sidebar until every dot is drawn (the page's own figure, points
  and colours fetched, beside the wall time seen from the page);
- draw: the canvas's time to draw one frame of every dot (data-draw-ms);
- pan and zoom: frames per second while a drag moves the map every frame, and while the wheel
  zooms every frame (pointer and wheel events dispatched in requestAnimationFrame), beside the
  frame rate of the same loop when nothing moves and when a plain canvas of the same size
  changes every frame (the ceilings the window gives on this machine).
"""

import os
import pathlib
import random
import shutil
import sqlite3
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from conftest import ROOT, _wait_port  # noqa: E402

TABLES = """
CREATE TABLE IF NOT EXISTS map_points (track_id INTEGER PRIMARY KEY, x REAL NOT NULL, y REAL NOT NULL);
CREATE TABLE IF NOT EXISTS map_labels (x REAL NOT NULL, y REAL NOT NULL, tag TEXT NOT NULL, tracks INTEGER NOT NULL);
"""
PORT = 4460
TAGS = ["rock", "pop", "electronic", "jazz", "ambient", "classical", "metal", "folk", "hip-hop", "chillout",
        "dance", "piano", "guitar", "strings", "slow", "fast", "beautiful", "techno", "soul", "blues"]


def made_up_map(db: pathlib.Path):
    rng = random.Random(7)
    with sqlite3.connect(db) as conn:
        conn.executescript(TABLES)
        ids = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY id")]
        centres = [(rng.gauss(0, 1.2), rng.gauss(0, 1.2), rng.uniform(0.05, 0.25)) for _ in range(60)]
        rows = []
        for i, track in enumerate(ids):
            cx, cy, spread = centres[i % len(centres)]
            rows.append((track, cx + rng.gauss(0, spread), cy + rng.gauss(0, spread)))
        conn.executemany("INSERT OR REPLACE INTO map_points VALUES (?, ?, ?)", rows)
        conn.execute("DELETE FROM map_labels")
        conn.executemany("INSERT INTO map_labels VALUES (?, ?, ?, ?)",
                         [(c[0], c[1], TAGS[k % len(TAGS)], len(ids) // 60) for k, c in enumerate(centres[:20])])
    return len(ids)


FRAMES = """
const [kind, frames, done] = arguments;
const canvas = document.querySelector('[data-testid=map-canvas]');
const r = canvas.getBoundingClientRect();
let x = r.left + r.width / 2, y = r.top + r.height / 2, k = 0, draws = [];
let probe = null;
if (kind === 'probe') {
  // A plain canvas of the map's size, changed every frame: what this window can show at all.
  probe = document.createElement('canvas');
  probe.width = r.width; probe.height = r.height;
  probe.style = `position:fixed;left:${r.left}px;top:${r.top}px;z-index:99`;
  document.body.append(probe);
}
const t0 = performance.now();
if (kind === 'pan') canvas.dispatchEvent(new PointerEvent('pointerdown', {button: 0, clientX: x, clientY: y, pointerId: 1, bubbles: true}));
function step() {
  draws.push(Number(canvas.dataset.drawMs));
  if (k++ >= frames) {
    if (kind === 'pan') canvas.dispatchEvent(new PointerEvent('pointerup', {button: 0, clientX: x, clientY: y, pointerId: 1, bubbles: true}));
    const seconds = (performance.now() - t0) / 1000;
    done([frames / seconds, draws.reduce((a, b) => a + b, 0) / draws.length, Math.max(...draws)]);
    return;
  }
  if (kind === 'pan') {
    x += 4 * Math.cos(k / 15); y += 4 * Math.sin(k / 15);
    canvas.dispatchEvent(new PointerEvent('pointermove', {buttons: 1, clientX: x, clientY: y, pointerId: 1, bubbles: true}));
  } else if (kind === 'probe') {
    const c = probe.getContext('2d');
    c.clearRect(0, 0, probe.width, probe.height);
    c.fillStyle = '#7c5cff';
    c.fillRect((k * 7) % probe.width, 40, 40, 40);
    if (k === frames - 1) probe.remove();
  } else if (kind === 'zoom') {
    canvas.dispatchEvent(new WheelEvent('wheel', {deltaY: k < frames / 2 ? -40 : 40, clientX: x, clientY: y, bubbles: true, cancelable: true}));
  }
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
"""


def main():
    app = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "debug" / "segue-app"
    tracks = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = ROOT / "target" / "bench-map"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / f"map-{tracks}.sqlite"
    bench = ROOT / "target" / "release" / "segue-bench"
    subprocess.run([str(bench), "synth-library", "--db", str(db), "--tracks", str(tracks)], check=True,
                   stdout=subprocess.DEVNULL)
    n = made_up_map(db)
    xvfb = subprocess.Popen(["Xvfb", ":98", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver_proc = None
    try:
        os.environ["DISPLAY"] = ":98"
        time.sleep(1)
        exe = shutil.which("tauri-driver") or str(pathlib.Path.home() / ".cargo" / "bin" / "tauri-driver")
        # Ports of its own: an e2e run (port 4444) may share the machine.
        driver_proc = subprocess.Popen([exe, "--port", str(PORT), "--native-port", str(PORT + 1),
                                        "--native-driver", shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(PORT, 30)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(app), "args": ["--db", str(db), "--no-scan"]})
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{PORT}", options=options)
        driver.set_script_timeout(120)
        try:
            deadline = time.time() + 120
            while not driver.execute_script("return !!document.querySelector('[data-nav=map]')"):
                assert time.time() < deadline, "the window never showed its sidebar"
                time.sleep(0.2)
            time.sleep(3)  # let the library's own start-up settle
            opened = driver.execute_async_script("""
                const done = arguments[0];
                const t0 = performance.now();
                document.querySelector('[data-nav=map]').click();
                (function wait() {
                  const c = document.querySelector('[data-testid=map-canvas]');
                  if (c && Number(c.dataset.points) > 0 && Number(c.dataset.drawMs) > 0 && Number(c.dataset.openMs) > 0)
                    done([performance.now() - t0, Number(c.dataset.openMs), Number(c.dataset.points), Number(c.dataset.drawMs)]);
                  else setTimeout(wait, 5);
                })();""")
            wall_ms, own_ms, points, draw_ms = opened
            assert points == n, (points, n)
            time.sleep(1)
            idle = driver.execute_async_script(FRAMES, "idle", 240)
            probe = driver.execute_async_script(FRAMES, "probe", 240)
            pan = driver.execute_async_script(FRAMES, "pan", 240)
            zoom = driver.execute_async_script(FRAMES, "zoom", 240)
            # Back to the whole map, drawn again once the motion has stopped.
            driver.execute_script("document.querySelector('[data-testid=map-canvas]')"
                                  ".dispatchEvent(new KeyboardEvent('keydown', {key: '0', bubbles: true}))")
            time.sleep(1)
            driver.save_screenshot(str(work / "map-100k.png"))
            print(f"app {app}")
            print(f"{points} dots; open: {wall_ms:.0f} ms from the click until drawn "
                  f"(the page's own figure, points and colours fetched: {own_ms:.0f} ms); first draw {draw_ms:.1f} ms")
            print(f"idle (nothing moves: the window's own frame rate here): {idle[0]:.1f} frames/s")
            print(f"a plain canvas of the map's size changed every frame (no map code): {probe[0]:.1f} frames/s")
            print(f"pan: {pan[0]:.1f} frames/s, draw {pan[1]:.1f} ms mean, {pan[2]:.1f} ms slowest (240 frames)")
            print(f"zoom: {zoom[0]:.1f} frames/s, draw {zoom[1]:.1f} ms mean, {zoom[2]:.1f} ms slowest (240 frames)")
            print(f"screenshot {work / 'map-100k.png'}")
        finally:
            driver.quit()
    finally:
        if driver_proc:
            driver_proc.terminate()
            driver_proc.wait(10)
        xvfb.terminate()
        xvfb.wait(10)


if __name__ == "__main__":
    main()
