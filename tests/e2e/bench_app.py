"""Start-up and memory of the real app window (not a test: `bash scripts/bench-app.sh`).

For each library it starts the app under Xvfb through tauri-driver and reports:
- start → interactive: from asking for the window until the Tracks view lists tracks and
  shows the library's count (what a person can click);
- the UI's own mark: navigation start → library shown (performance.mark in main.ts);
- memory: PSS of the app process plus its WebKit processes (web, network), after settling.
"""

import os
import pathlib
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from conftest import DEMO, ROOT, _wait_port  # noqa: E402


def pss_kib(pid: int) -> int:
    try:
        for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children.get(p, []))
    return seen


def measure(app: pathlib.Path, db: pathlib.Path, args: list[str], expected: int, label: str):
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(app), "args": ["--db", str(db), *args]})
    t0 = time.perf_counter()
    driver = webdriver.Remote(command_executor="http://127.0.0.1:4444", options=options)
    try:
        while True:
            shown = driver.execute_script(
                "const c = document.querySelector('[data-testid=track-count]');"
                "return [document.querySelectorAll('[data-testid=track-row]').length,"
                " c ? c.textContent.replace(/[^0-9]/g, '') : ''];")
            if shown[0] > 0 and shown[1] == str(expected):
                break
            if time.perf_counter() - t0 > 120:
                raise RuntimeError(f"{label}: never interactive ({shown})")
            time.sleep(0.02)
        interactive = time.perf_counter() - t0
        mark = driver.execute_script(
            "const m = performance.getEntriesByName('segue-library-shown'); return m.length ? m[0].startTime : null;")
        views = ""
        if expected >= 10_000:
            # Large libraries stay smooth: each view's first items, from the click.
            for nav, item in [("albums", "album"), ("artists", "artist"), ("tracks", "track-row")]:
                t1 = time.perf_counter()
                driver.execute_script(f"document.querySelector('[data-nav={nav}]').click()")
                while not driver.execute_script(f"return document.querySelector('[data-testid={item}]') !== null"):
                    time.sleep(0.01)
                views += f"  {nav} {(time.perf_counter() - t1) * 1000:.0f} ms"
            t1 = time.perf_counter()
            driver.execute_script(
                "const s = document.querySelector('[data-testid=search]');"
                "s.value = 'amber echo'; s.dispatchEvent(new Event('input', {bubbles: true}));")
            while not driver.execute_script("return document.querySelector('h1').textContent.includes('amber echo')"):
                time.sleep(0.01)
            views += f"  search {(time.perf_counter() - t1) * 1000:.0f} ms"
            # Sorting the whole library by title, from the header click to the new first row.
            driver.execute_script(
                "const s = document.querySelector('[data-testid=search]');"
                "s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true}));")
            first = driver.execute_script("return document.querySelector('[data-testid=track-row]').dataset.trackId")
            t1 = time.perf_counter()
            driver.execute_script("document.querySelector('[data-sort=title]').click()")
            while driver.execute_script(
                    "return document.querySelector('[data-testid=track-row]').dataset.trackId") == first:
                time.sleep(0.005)
            views += f"  sort by title {(time.perf_counter() - t1) * 1000:.0f} ms"
        time.sleep(8)  # let start-up work (scan; on a first run the demo's analysis) settle
        pid = int(subprocess.run(["pgrep", "-n", "-f", str(app)], capture_output=True, text=True).stdout.split()[0])
        procs = descendants(pid)
        total = sum(pss_kib(p) for p in procs) / 1024
        own = pss_kib(pid) / 1024
        print(f"{label:<22} start→interactive {interactive * 1000:7.0f} ms   UI mark {mark or 0:6.0f} ms   "
              f"memory {total:6.0f} MB (app {own:.0f} MB + {len(procs) - 1} WebKit processes)")
        if views:
            print(f"{'':<22} views from the click:{views}")
    finally:
        driver.quit()


def main():
    profile = os.environ.get("SEGUE_BENCH_PROFILE", "release")
    app = ROOT / "target" / profile / "segue-app"
    cache = ROOT / ".cache"
    tmp = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"segue-bench-app-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DISPLAY"):
        subprocess.Popen(["Xvfb", ":98", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.environ["DISPLAY"] = ":98"
        time.sleep(1)
    cargo_home = pathlib.Path(os.environ.get("CARGO_HOME", pathlib.Path.home() / ".cargo"))
    driver = subprocess.Popen([str(cargo_home / "bin" / "tauri-driver"), "--native-driver", "/usr/bin/WebKitWebDriver"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_port(4444, 30)
    demo_tracks = sum(1 for p in DEMO.rglob("*") if p.suffix.lower() in {".flac", ".mp3", ".ogg", ".opus", ".m4a", ".wav", ".aiff"})
    print(f"app: {app}")
    try:
        measure(app, tmp / "demo.sqlite", ["--demo-library", str(DEMO)], demo_tracks, "demo, first run")
        measure(app, tmp / "demo.sqlite", [], demo_tracks, "demo, second start")
        for n, name in [(10_000, "synth-10k"), (100_000, "synth-100k")]:
            db = cache / f"{name}.sqlite"
            if not db.exists():
                subprocess.run([str(ROOT / "target" / "release" / "segue-bench"), "synth-library", "--db", str(db),
                                "--tracks", str(n)], check=True)
            measure(app, db, ["--no-scan"], n, f"{n // 1000}k tracks")
    finally:
        driver.terminate()


if __name__ == "__main__":
    main()
