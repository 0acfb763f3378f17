"""The .deb that scripts/package.sh builds, unpacked with `dpkg -x` into a temporary root and run
from there with the source checkout hidden (an empty tmpfs mounted over it in a private mount
namespace, and `/` as the working folder): `segue doctor`, an import of the demo library, and
the app's first window under Xvfb. What the package carries, and that no path of the build tree
is compiled into its binaries, are checked too.

Runs when SEGUE_PACKAGE_DEB names the package: `bash scripts/test-package.sh` builds it and
runs this file."""

import dataclasses
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import DEMO, ROOT, SHOTS, demo_track_count

DEB = os.environ.get("SEGUE_PACKAGE_DEB")
pytestmark = pytest.mark.skipif(
    not DEB, reason="SEGUE_PACKAGE_DEB is not set: bash scripts/test-package.sh builds the package and runs this")

# Variables that would point Segue at the checkout's resources instead of the package's.
RESOURCE_VARS = ("SEGUE_ORT_LIB", "SEGUE_MODELS", "SEGUE_DEMO_LIBRARY", "SEGUE_DB", "SEGUE_LOG")


def checkout_folders():
    """Every folder under which the checkout's files are reachable (target/ and .local/ may be
    links into another checkout)."""
    found = {ROOT, ROOT.resolve()}
    for name in ("target", ".local", "models", "ui"):
        real = (ROOT / name).resolve()
        found.add(real.parent)
    return sorted(str(f) for f in found)


HIDDEN = checkout_folders()


def hide_checkout_script(path: pathlib.Path, program: pathlib.Path, log: pathlib.Path, env: str = ""):
    """Writes a launcher that runs `program` from `/` in a private mount namespace where every
    checkout folder is an empty, read-only tmpfs, its stderr going to `log`."""
    mounts = " && ".join(f"mount -t tmpfs -o ro,size=4k segue-hidden '{d}'" for d in HIDDEN)
    path.write_text(
        "#!/bin/sh\n"
        f"{env}exec unshare --mount --propagation private -- /bin/sh -c "
        f"\"{mounts} && cd / && exec \\\"\\$0\\\" \\\"\\$@\\\"\" '{program}' \"$@\" 2>>'{log}'\n")
    path.chmod(0o755)
    return path


@dataclasses.dataclass
class Unpacked:
    root: pathlib.Path
    seconds: float


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in RESOURCE_VARS}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    """The package unpacked into a fresh root; `.seconds` is how long unpacking took."""
    root = tmp_path_factory.mktemp("package-root")
    started = time.monotonic()
    subprocess.run(["dpkg-deb", "-x", DEB, str(root)], check=True)
    return Unpacked(root, time.monotonic() - started)


@pytest.fixture(scope="module")
def run_hidden(unpacked, tmp_path_factory):
    """Runs a program of the package (`segue`, `segue-app`) with the checkout hidden."""
    bin_dir = tmp_path_factory.mktemp("launchers")

    def run(program, *args, env=None, timeout=600):
        log = bin_dir / f"{program}.stderr"
        log.write_text("")
        launcher = hide_checkout_script(bin_dir / program, unpacked.root / "usr" / "bin" / program, log)
        done = subprocess.run([str(launcher), *args], capture_output=True, text=True, cwd="/",
                              env=env or clean_env(), timeout=timeout)
        done.stderr = log.read_text() + done.stderr
        return done

    return run


def test_the_package_carries_the_programs_models_runtime_and_desktop_entry(unpacked):
    info = subprocess.run(["dpkg-deb", "-f", DEB, "Package", "Version", "Depends"],
                          capture_output=True, text=True, check=True).stdout
    assert "Package: segue" in info, info
    assert "libwebkit2gtk-4.1" in info, info
    for program in ("segue", "segue-app"):
        path = unpacked.root / "usr" / "bin" / program
        assert path.is_file() and os.access(path, os.X_OK), f"{path} is not an executable"
    lib = unpacked.root / "usr" / "lib" / "segue"
    assert (lib / "libonnxruntime.so").stat().st_size > 5_000_000
    for name in ("musicnn-msd.onnx", "musicnn-mtt.onnx", "segue-ranker.onnx", "SHA256SUMS",
                 "musicnn-msd.md", "musicnn-mtt.md", "segue-ranker.md", "musicnn-msd.labels.txt"):
        assert (lib / "models" / name).is_file(), f"the package lacks models/{name}"
    desktop = (unpacked.root / "usr" / "share" / "applications" / "Segue.desktop").read_text()
    assert "Exec=segue-app %F" in desktop, desktop
    assert "MimeType=audio/flac;" in desktop and "audio/mpeg;" in desktop, desktop
    icon = desktop.split("Icon=")[1].split()[0]
    icons = list((unpacked.root / "usr" / "share" / "icons").rglob(f"{icon}.png"))
    assert icons, f"no icon named {icon}"
    assert (unpacked.root / "usr" / "share" / "metainfo" / "app.segue.player.metainfo.xml").is_file()
    assert (unpacked.root / "usr" / "share" / "doc" / "segue" / "copyright").is_file()
    assert (unpacked.root / "usr" / "share" / "doc" / "segue" / "LICENSE-onnxruntime.txt").is_file()


def test_no_path_of_the_build_tree_is_compiled_into_the_programs(unpacked):
    for program in ("segue", "segue-app"):
        data = (unpacked.root / "usr" / "bin" / program).read_bytes()
        for folder in HIDDEN:
            assert folder.encode() + b"/" not in data, f"{program} holds the path {folder}"


def test_doctor_passes_from_the_root_folder_with_the_packages_resources(unpacked, run_hidden):
    done = run_hidden("segue", "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    lib = unpacked.root / "usr" / "lib" / "segue"
    out = done.stdout
    assert f"ONNX Runtime library  {lib / 'libonnxruntime.so'}" in out, out
    assert f"models                {lib / 'models'}" in out, out
    assert out.count("installed with the executable") == 2, out
    assert "matches SHA256SUMS" in out and "NOT" not in out, out
    # Dependencies say only what is wrong: ONNX Runtime's INFO lines stay out of the console.
    assert "INFO" not in done.stderr, done.stderr


def test_an_import_and_the_first_window_work_from_the_package(unpacked, run_hidden, tmp_path, display,
                                                             session_bus):
    # The demo library is copied out first: the package carries none, and the checkout is hidden.
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    expected = demo_track_count()

    db = tmp_path / "cli" / "library.sqlite"
    done = run_hidden("segue", "--db", str(db), "scan", "--no-analyze", str(demo))
    assert done.returncode == 0, done.stdout + done.stderr
    stats = run_hidden("segue", "--db", str(db), "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["tracks"] == expected, stats.stdout

    # The first window, started as the desktop would (its first start imports the demo copy).
    log = tmp_path / "segue-app.stderr"
    app_db = tmp_path / "app" / "library.sqlite"
    # A release build lets WebDriver drive its webview only when asked to.
    launcher = hide_checkout_script(tmp_path / "segue-app", unpacked.root / "usr" / "bin" / "segue-app", log,
                                    env="TAURI_WEBVIEW_AUTOMATION=true ")
    for var in RESOURCE_VARS:
        os.environ.pop(var, None)
    port = free_port()
    driver_proc = subprocess.Popen(
        [shutil.which("tauri-driver") or str(pathlib.Path.home() / ".cargo" / "bin" / "tauri-driver"),
         "--native-driver", shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver",
         "--port", str(port), "--native-port", str(free_port())],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, 30)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {
            "application": str(launcher),
            "args": ["--db", str(app_db), "--demo-library", str(demo)],
        })
        started = time.monotonic()
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        try:
            WebDriverWait(driver, 120, poll_frequency=0.2).until(
                lambda d: [e.get_attribute("textContent").strip().replace(",", "")
                           for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=track-count]")]
                == [str(expected)],
                message=f"the packaged app's window never showed {expected} tracks")
            first_window = time.monotonic() - started
            SHOTS.mkdir(parents=True, exist_ok=True)
            time.sleep(0.4)
            driver.save_screenshot(str(SHOTS / "package-first-window.png"))
            # "Open with Segue" on a library file while the window is open: the second launch
            # hands the file to this window and exits, and the window plays it.
            tracks = json.loads(run_hidden("segue", "--db", str(app_db), "tracks", "--json").stdout)
            opened = next(t for t in tracks if t.get("title") and not t["missing"])
            second = subprocess.run([str(launcher), "--db", str(app_db), opened["path"]], cwd="/",
                                    env=clean_env(), timeout=60)
            assert second.returncode == 0
            WebDriverWait(driver, 30, poll_frequency=0.2).until(
                lambda d: [e.get_attribute("textContent").strip()
                           for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=now-title]")]
                == [opened["title"]],
                message=f"the window did not play {opened['path']} handed over by a second launch")
            driver.save_screenshot(str(SHOTS / "package-opened-file.png"))
            windows = len(driver.window_handles)
        finally:
            driver.quit()
    finally:
        driver_proc.terminate()
        driver_proc.wait(10)
    install_to_window = unpacked.seconds + first_window
    print(f"\npackage: {pathlib.Path(DEB).stat().st_size / 1e6:.1f} MB; unpacked in {unpacked.seconds:.1f} s; "
          f"first window showing the {expected} imported tracks {first_window:.1f} s after launch; "
          f"install to first window {install_to_window:.1f} s")
    assert windows == 1
    stderr = log.read_text()
    assert "panicked" not in stderr, stderr
    # Only warnings and errors from dependencies: Segue's own targets may say what they do.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stderr)
    chatter = [line for line in plain.splitlines()
               if (" INFO " in line or " DEBUG " in line) and " segue" not in line]
    assert not chatter, "\n".join(chatter[:20])


def test_without_a_display_the_app_says_so_in_one_line(run_hidden):
    env = clean_env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = run_hidden("segue-app", env=env, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0], done.stderr


def test_with_an_unreachable_display_the_app_says_so_in_one_line(run_hidden, tmp_path):
    env = clean_env(DISPLAY=":7171")
    env.pop("WAYLAND_DISPLAY", None)
    done = run_hidden("segue-app", "--db", str(tmp_path / "library.sqlite"), env=env, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == ['segue-app: cannot open a window on display ":7171" (Failed to initialize gtk backend!)'], \
        done.stderr


def free_port() -> int:
    """A port nothing listens on now (other end-to-end runs may hold the usual ones)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")
