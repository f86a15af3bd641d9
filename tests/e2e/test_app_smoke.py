"""The desktop app starts, renders its UI and gets answers from Rust."""

import json
import pathlib
import re
import subprocess

import pytest

from test_backup_journey import text

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cli_version() -> str:
    cli = ROOT / "target" / "debug" / "keepsake"
    out = subprocess.run([str(cli), "--json", "info"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["version"]


def test_window_shows_version_from_rust_and_says_usbmuxd_is_missing(app, screenshot):
    # The version is rendered only after the UI's `overview` call came back from Rust: a blank
    # window, a dev build pointing at a dead devUrl, or a broken IPC bridge all fail here.
    version = app.find_element("id", "app-version")
    assert version.text == f"Version {_cli_version()}"
    assert text(app, "#devices-title") == "Devices"
    # no device: the home pane says what to do, beside an empty sidebar
    assert "Connect one with a cable" in text(app, "#no-devices")
    assert text(app, "nav#sidebar #show-preferences") == "Preferences"
    problem = app.find_element("id", "usbmuxd-problem")
    assert "cannot reach usbmuxd at 127.0.0.1:9" in problem.text
    assert "Is usbmuxd installed and running?" in problem.text
    assert app.title == "Keepsake"
    screenshot("devices-no-usbmuxd")


class TestWithAVirtualIphone:
    @pytest.fixture()
    def usbmuxd_address(self, virtual_iphone):
        return virtual_iphone[0]

    def test_the_device_appears_with_its_name_and_trust_advice(self, app, virtual_iphone, screenshot):
        _, lines = virtual_iphone
        udid, name = re.match(r"# (\S+)  (.+?)  ", lines[0]).groups()
        # the only device is shown without being chosen, and marked in the sidebar
        row = app.find_element("css selector", f'main .device[data-udid="{udid}"]')
        entry = app.find_element("css selector", f'nav .sidebar-device[data-udid="{udid}"]')
        assert entry.get_attribute("aria-current") == "page"
        assert entry.text.startswith(name) and "Connected · " in entry.text, entry.text
        assert row.find_element("class name", "device-name").text == name
        assert row.find_element("class name", "badge").text == "Not trusted yet"
        assert "tap Trust" in row.find_element("class name", "advice").text
        assert app.find_elements("id", "usbmuxd-problem") == []
        screenshot("devices")


def test_blank_capture_is_recognised_as_blank(tmp_path):
    # The guard the screenshots rely on: a one-colour window must not pass for a rendered one.
    from conftest import IMAGEMAGICK_CONVERT, unique_colours

    blank = tmp_path / "blank.png"
    subprocess.run([IMAGEMAGICK_CONVERT, "-size", "1100x720", "xc:#f6f7f9", str(blank)], check=True)
    assert unique_colours(blank) == 1


class TestDarkMode:
    @pytest.fixture()
    def app_env(self):
        # WebKitGTK answers prefers-color-scheme from the GTK theme's variant.
        return {"GTK_THEME": "Adwaita:dark"}

    def test_a_dark_desktop_gets_the_dark_colours(self, app, screenshot):
        assert text(app, "#devices-title") == "Devices"
        background = app.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(27, 29, 33)", background
        screenshot("devices-dark")


def test_the_layout_check_finds_each_kind_of_fault(app):
    # The guard every screenshot relies on (conftest.layout_problems): planted faults must be
    # found, and the screen without them must pass.
    from conftest import layout_problems

    assert layout_problems(app, "devices") == []
    app.execute_script("""
        const main = document.querySelector('main') || document.body;
        const card = document.createElement('section');
        card.id = 'planted';
        card.style.cssText = 'width: 300px; height: 60px; position: relative';
        const out = document.createElement('button');
        out.textContent = 'Outside';
        out.style.cssText = 'position: absolute; left: 280px; top: 0; width: 100px';
        const under = document.createElement('button');
        under.textContent = 'Under';
        under.style.cssText = 'position: absolute; left: 0; top: 0';
        const over = document.createElement('button');
        over.textContent = 'Over';
        over.style.cssText = 'position: absolute; left: 10px; top: 5px';
        const cut = document.createElement('p');
        cut.textContent = 'A sentence far too long for the narrow box it is given here';
        cut.style.cssText = 'width: 60px; overflow: hidden; white-space: nowrap; position: absolute; top: 30px; margin: 0';
        const wide = document.createElement('div');
        wide.style.cssText = 'width: 1500px; height: 1px';
        card.append(out, under, over, cut);
        main.append(card, wide);
    """)
    problems = "\n".join(layout_problems(app, "planted"))
    assert "horizontal scrolling" in problems, problems
    assert '"Outside" sticks out of <section#planted>' in problems, problems
    assert '"Under" and <button> "Over" overlap' in problems, problems
    assert "is cut off" in problems, problems
    app.execute_script("document.getElementById('planted').remove(); document.querySelector('main, body').lastElementChild.remove()")
