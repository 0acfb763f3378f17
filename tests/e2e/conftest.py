"""End-to-end fixtures: a virtual display, tauri-driver (WebDriver for Tauri, over WebKitWebDriver)
and a fresh app session per test with its own library database."""

import os
import pathlib
import shutil
import socket
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = ROOT / "target" / "debug" / "segue-app"
CLI = ROOT / "target" / "debug" / "segue"
SHOTS = ROOT / "target" / "e2e"
DEMO = ROOT / "assets" / "demo"
# Seconds any one WebDriver call may take (starting the app included).
DRIVER_TIMEOUT_S = 180
AUDIO_EXTENSIONS = {".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".wav", ".aif", ".aiff"}


def demo_track_count() -> int:
    return sum(1 for p in DEMO.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS)


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def display():
    """A virtual display of this run's own: Xvfb picks a free display number (-displayfd), so
    runs side by side on one machine never share a screen."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        number = answer.readline().strip()
    assert number, "Xvfb did not start"
    os.environ["DISPLAY"] = f":{number}"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


@pytest.fixture(scope="session")
def session_bus():
    """A private D-Bus session bus, so MPRIS (media keys) can be tested without a desktop."""
    out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                         capture_output=True, text=True, check=True).stdout.split()
    address, pid = out[0], int(out[1])
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    yield address
    os.kill(pid, 15)


@pytest.fixture(scope="session")
def private_dirs(tmp_path_factory):
    """The app's WebKit storage (the language and theme chosen) and config in this run's own
    folders: a run that stopped midway, or the person's own Segue, cannot leave them behind."""
    root = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(root / name.lower())
    return root


@pytest.fixture(scope="session")
def tauri_driver(display, session_bus, private_dirs):
    assert APP.exists(), f"build the app first: {APP}"
    cargo_home = pathlib.Path(os.environ.get("CARGO_HOME", pathlib.Path.home() / ".cargo"))
    exe = shutil.which("tauri-driver") or str(cargo_home / "bin" / "tauri-driver")
    native = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
    # Ports of this run's own, for the same reason.
    port, native_port = _free_port(), _free_port()
    # The driver's output, and the app's (the driver starts it), for a failure's post-mortem.
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = open(SHOTS / "tauri-driver.log", "wb")
    proc = subprocess.Popen([exe, "--native-driver", native, "--port", str(port), "--native-port", str(native_port)],
                            stdout=log, stderr=subprocess.STDOUT)
    _wait_port(port, 30)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)
    log.close()


# The D-Bus name a running Segue holds so a second start hands its arguments over
# (tauri-plugin-single-instance: the identifier in tauri.conf.json + ".SingleInstance").
SINGLE_INSTANCE_NAME = "app.segue.player.SingleInstance"


def _processes_of_this_run() -> list[str]:
    """The app and its WebKit helpers started on this run's bus, still running (not zombies)."""
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").encode()
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"\nState:\tZ" in (proc / "status").read_bytes():
                continue
            cmd = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            if not (cmd.endswith("/segue-app") or "webkit2gtk" in cmd):
                continue
            if bus and b"DBUS_SESSION_BUS_ADDRESS=" + bus + b"\0" in (proc / "environ").read_bytes():
                found.append(f"{proc.name} {cmd}")
        except OSError:
            continue
    return found


def _wait_for_the_last_app_to_go(timeout: float = 20) -> None:
    """A quit app holds its single-instance name for a moment while it closes; an app started
    then hands its arguments to the closing one, gets no reply and exits, and the driver waits
    for a window that never comes. So a start waits until no app holds the name, and until the
    last app's WebKit helpers are gone too: started after the app's D-Bus connection, they
    outlive it by a moment (caught: the new app found the name taken while the old app was a
    zombie and only its helpers ran)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        names = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
            capture_output=True, text=True, timeout=10).stdout
        if SINGLE_INSTANCE_NAME not in names and not _processes_of_this_run():
            return
        time.sleep(0.2)
    raise RuntimeError(f"an earlier app still runs after {timeout} s: "
                       f"{SINGLE_INSTANCE_NAME} in names: {SINGLE_INSTANCE_NAME in names}; {_processes_of_this_run()}")


def launch(tauri_driver, db, demo=DEMO):
    """Starts the app on `db` (a first start imports `demo`); quit the driver to close it."""
    _wait_for_the_last_app_to_go()
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {
        "application": str(APP),
        "args": ["--db", str(db), "--demo-library", str(demo)],
    })
    # A bound on every driver call: an app that never answers fails its test instead of
    # holding the whole run (a start that hung once kept CI waiting with no app running).
    config = ClientConfig(remote_server_addr=tauri_driver, timeout=DRIVER_TIMEOUT_S)
    driver = webdriver.Remote(command_executor=tauri_driver, options=options, client_config=config)
    driver.db_path = db
    SHOTS.mkdir(parents=True, exist_ok=True)
    return driver


@pytest.fixture
def app(tauri_driver, tmp_path):
    """A running app on a fresh database that starts with the demo library."""
    driver = launch(tauri_driver, tmp_path / "library.sqlite")
    yield driver
    driver.quit()
