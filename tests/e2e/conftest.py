"""Fixtures that start the real Keepsake desktop app under Xvfb and drive it over WebDriver.

tauri-driver bridges WebDriver to Debian's WebKitWebDriver, which launches the app binary given in
the session capabilities. Everything is started on free ports and torn down by PID, because
WebKitWebDriver accepts one session only and a leftover one blocks the next run.
"""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screens"
# Debian's ImageMagick, by full path: another `convert` may come first on PATH.
IMAGEMAGICK_IMPORT = "/usr/bin/import"
IMAGEMAGICK_CONVERT = "/usr/bin/convert"
# Deque's axe-core (an npm devDependency of the UI): WCAG 2.1 A/AA checks run inside the page.
AXE = ROOT / "ui" / "node_modules" / "axe-core" / "axe.min.js"
LAYOUT_CHECK = pathlib.Path(__file__).with_name("layout_check.js").read_text()
# The window sizes every screen is checked at: the app's own, and a small laptop's.
LAYOUT_SIZES = [(1100, 720), (800, 600)]


def layout_problems(app, name: str, capture=None) -> list[str]:
    """What layout_check.js finds wrong with the screen, at each of LAYOUT_SIZES (the window is
    resized and put back): overflow, things out of their boxes, cut-off text, overlaps.
    `capture(path)`, if given, saves the screen at each smaller size, to be looked at."""
    problems = []
    for i, (width, height) in enumerate(LAYOUT_SIZES):
        if i:
            app.set_window_rect(width=width, height=height)
            time.sleep(0.3)  # the webview lays the page out again
        size = app.execute_script("return [window.innerWidth, window.innerHeight]")
        problems += app.execute_script(f"return ({LAYOUT_CHECK}).apply(null, arguments);", f"{name} at {size[0]}x{size[1]}")
        if i and capture:
            capture(ARTIFACTS / f"{name}@{width}x{height}.png")
    width, height = LAYOUT_SIZES[0]
    app.set_window_rect(width=width, height=height)
    time.sleep(0.3)
    return problems
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
  .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }))))
  .catch((e) => done([{ id: "axe-failed", help: String(e) }]));
"""


def shared_keyring_env(tmp_path: pathlib.Path, theme: str) -> dict:
    """The app's env when it shares this computer's keyring with a command line run before it
    (the test's own keyring folder), in the `theme` asked for ("light" or "dark")."""
    env = {"KEEPSAKE_KEYRING_DIR": str(tmp_path / "keyring")}
    if theme == "dark":
        env["GTK_THEME"] = "Adwaita:dark"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout}s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def app_binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("KEEPSAKE_APP", ROOT / "target" / "debug" / "keepsake-app"))
    if not path.is_file():
        pytest.fail(
            f"{path} does not exist: build it with "
            "`cargo build --workspace --all-targets` (scripts/test.sh does)"
        )
    return path


@pytest.fixture(scope="session")
def display():
    for tool in ("Xvfb", "tauri-driver", "WebKitWebDriver", IMAGEMAGICK_IMPORT, IMAGEMAGICK_CONVERT):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run scripts/setup.sh")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1100x720x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        start_new_session=True,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as r:
        number = r.readline().strip()
    if not number:
        _stop(xvfb)
        pytest.fail("Xvfb did not report a display number")
    yield f":{number}"
    _stop(xvfb)


@pytest.fixture()
def virtual_iphone(tmp_path):
    """One virtual iPhone behind its own usbmuxd; yields the USBMUXD_SOCKET_ADDRESS value and
    the device lines the emulator printed (`# <udid>  <name>  <model> iOS <version>`)."""
    binary = ROOT / "target" / "debug" / "keepsake-virtual-iphone"
    if not binary.is_file():
        pytest.fail(f"{binary} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
    proc = subprocess.Popen(
        [str(binary), "--devices", "1", "--state-dir", str(tmp_path / "phone")],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("USBMUXD_SOCKET_ADDRESS="), f"unexpected first line {first!r}"
        devices = [proc.stdout.readline().strip()]
        yield first.split("=", 1)[1], devices
    finally:
        _stop(proc)


class VirtualPhone:
    """The virtual iPhone binary, restartable with the same state dir and usbmuxd port, so the
    app sees the same phone come back (for instance after a day of use)."""

    def __init__(self, state_dir: pathlib.Path):
        self.binary = ROOT / "target" / "debug" / "keepsake-virtual-iphone"
        if not self.binary.is_file():
            pytest.fail(f"{self.binary} does not exist: build it with `cargo build --workspace --all-targets`")
        self.state_dir = state_dir
        self.address = f"127.0.0.1:{_free_port()}"
        self.proc = None
        self.udid = self.name = None

    def start(self, *flags: str, devices: int = 1) -> None:
        """Plugs in `devices` phones of the catalog; `udid` and `name` are the first one's, and
        `devices_seen` lists every one as (udid, name)."""
        self.proc = subprocess.Popen(
            [str(self.binary), "--devices", str(devices), "--no-wifi", "--state-dir", str(self.state_dir), "--listen", self.address, *flags],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        first = self.proc.stdout.readline().strip()
        assert first == f"USBMUXD_SOCKET_ADDRESS={self.address}", f"unexpected first line {first!r}"
        self.devices_seen = []
        for _ in range(devices):
            line = self.proc.stdout.readline().strip()
            self.devices_seen.append(re.match(r"# (\S+)  (.+?)  ", line).groups())
        self.udid, self.name = self.devices_seen[0]

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


@pytest.fixture()
def phone(tmp_path):
    p = VirtualPhone(tmp_path / "phone")
    yield p
    p.stop()


@pytest.fixture()
def usbmuxd_address():
    """Where the app looks for usbmuxd; tests that start a virtual iPhone override this."""
    return "127.0.0.1:9"  # nothing listens there


@pytest.fixture()
def app_env():
    """Extra environment for the app; tests override it (a dark GTK theme, for instance)."""
    return {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test, so the `app` fixture knows when its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _report_failure(request, session, log: pathlib.Path) -> None:
    """What a failed test left on the screen: its text and a screenshot under
    test-artifacts/failures/, and the text and the app's last log lines in the test's output."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    out = ROOT / "test-artifacts" / "failures"
    out.mkdir(parents=True, exist_ok=True)
    name = request.node.name
    try:
        text = session.find_element("css selector", "body").text
        session.save_screenshot(str(out / f"{name}.png"))
    except Exception as e:  # the session itself may be what failed
        text = f"(the page could not be read: {e})"
    (out / f"{name}.txt").write_text(text)
    tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
    print(f"\n--- the page when {name} failed ---\n{text}\n--- the app's last log lines ---")
    print("\n".join(tail))


@pytest.fixture()
def app(request, display, app_binary, tmp_path, usbmuxd_address, app_env):
    """A WebDriver session on a freshly started app, with its own empty config and data dirs."""
    port, native_port = _free_port(), _free_port()
    env = dict(os.environ, DISPLAY=display, USBMUXD_SOCKET_ADDRESS=usbmuxd_address)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    # Some writers ignore XDG_CONFIG_HOME (the autostart entry goes to ~/.config/autostart).
    # Caches (fontconfig's above all) stay where they are: rebuilding them costs seconds a test.
    env.setdefault("XDG_CACHE_HOME", str(pathlib.Path.home() / ".cache"))
    env["HOME"] = str(tmp_path / "home")
    env.update(app_env)
    # Desktop notifications go to a notification server of the test's own (see `notifications`).
    env["KEEPSAKE_TEST_NOTIFICATIONS"] = str(tmp_path / "notifications.jsonl")
    env["KEEPSAKE_PYTHON"] = sys.executable
    (tmp_path / "home").mkdir(exist_ok=True)
    driver_log = open(tmp_path / "tauri-driver.log", "wb")
    # The app keeps store keys and passwords in the OS credential store: a private D-Bus session
    # with a throwaway, unlocked GNOME Keyring stands in for the person's own.
    bridge = subprocess.Popen(
        [str(ROOT / "scripts" / "with-keyring.sh"), "tauri-driver", "--port", str(port), "--native-port", str(native_port)],
        env=env,
        stdout=driver_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    session = None
    try:
        _wait_for_port(port, bridge, "tauri-driver")
        # tauri-driver listens before its WebKitWebDriver does (slower inside the D-Bus session).
        _wait_for_port(native_port, bridge, "WebKitWebDriver")
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(app_binary)})
        session = webdriver.Remote(f"http://127.0.0.1:{port}", options=opts)
        session.implicitly_wait(10)
        yield session
        _report_failure(request, session, tmp_path / "tauri-driver.log")
    finally:
        if session is not None:
            session.quit()
        _stop(bridge)
        driver_log.close()


class Notifications:
    """The desktop notifications the app sent, as the test's notification server received them
    (tests/e2e/notification_daemon.py), and clicking one as a person would."""

    def __init__(self, log: pathlib.Path):
        self.log = log

    def all(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def titled(self, start: str) -> list[dict]:
        return [n for n in self.all() if n["summary"].startswith(start)]

    def click(self, notification: dict) -> None:
        assert "default" in notification["actions"], f"the notification offers no click: {notification}"
        with open(f"{self.log}.clicks", "a") as f:
            f.write(f"{notification['id']}\n")


@pytest.fixture()
def notifications(app, tmp_path) -> Notifications:
    return Notifications(tmp_path / "notifications.jsonl")


def unique_colours(png: pathlib.Path) -> int:
    out = subprocess.run(
        [IMAGEMAGICK_CONVERT, str(png), "-format", "%k", "info:"], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip())


@pytest.fixture()
def screenshot(app, display):
    """Saves a PNG of the screen under test-artifacts/screens/, checks that it shows something and
    that axe-core finds no accessibility problem on it.

    The capture is taken from the X server, not through WebDriver: WebKitWebDriver's own screenshot
    came back as a plain background here while the window showed its content. A blank window has
    one or two colours; rendered text brings dozens (anti-aliasing), so a blank capture fails.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in ui/ (scripts/setup.sh does)")
    axe = AXE.read_text()

    def save(name: str, min_colours: int = 16) -> pathlib.Path:
        """Also checks the screen with axe-core: every main screen is screenshotted, so every
        main screen must pass WCAG 2.1 A/AA's automatic checks (labels, contrast, roles...)."""
        violations = app.execute_async_script(axe + AXE_RUN)
        assert violations == [], f"the {name} screen has accessibility problems: {violations}"
        layout = layout_problems(
            app,
            name,
            lambda small: subprocess.run([IMAGEMAGICK_IMPORT, "-display", display, "-window", "root", "-crop", f"{LAYOUT_SIZES[1][0]}x{LAYOUT_SIZES[1][1]}+0+0", str(small)], check=True),
        )
        if os.environ.get("KEEPSAKE_LAYOUT_REPORT"):
            with open(os.environ["KEEPSAKE_LAYOUT_REPORT"], "a") as report:
                report.writelines(p + "\n" for p in layout)
        else:
            assert layout == [], f"the {name} screen has layout problems:\n" + "\n".join(layout)
        path = ARTIFACTS / f"{name}.png"
        colours = 0
        time.sleep(0.3)  # WebKit paints a frame or two after the DOM changed
        for _ in range(50):  # painting can lag the DOM by a frame or two
            subprocess.run([IMAGEMAGICK_IMPORT, "-display", display, "-window", "root", str(path)], check=True)
            colours = unique_colours(path)
            if colours >= min_colours:
                return path
            time.sleep(0.2)
        raise AssertionError(f"the window looks blank: {path} has only {colours} colours")

    return save
