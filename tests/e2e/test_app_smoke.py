"""The desktop app starts, renders its UI and gets answers from Rust."""

import json
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cli_version() -> str:
    cli = ROOT / "target" / "debug" / "keepsake"
    out = subprocess.run([str(cli), "--json", "info"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["version"]


def test_window_shows_version_from_rust_and_the_device_list(app, screenshot):
    # The version is rendered only after the UI's `overview` call came back from Rust: a blank
    # window, a dev build pointing at a dead devUrl, or a broken IPC bridge all fail here.
    version = app.find_element("id", "app-version")
    assert version.text == f"Version {_cli_version()}"
    heading = app.find_element("id", "devices-title")
    assert heading.text == "Devices"
    empty = app.find_element("id", "no-devices")
    assert re.search(r"No iPhone or iPad found", empty.text)
    assert app.title == "Keepsake"
    screenshot("devices-empty")


def test_blank_capture_is_recognised_as_blank(tmp_path):
    # The guard the screenshots rely on: a one-colour window must not pass for a rendered one.
    from conftest import IMAGEMAGICK_CONVERT, unique_colours

    blank = tmp_path / "blank.png"
    subprocess.run([IMAGEMAGICK_CONVERT, "-size", "1100x720", "xc:#f6f7f9", str(blank)], check=True)
    assert unique_colours(blank) == 1
