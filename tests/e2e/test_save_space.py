"""Saving space in the app: an Apple-encrypted phone was backed up (by the command line, on this
same computer) without its backup password, so the snapshot keeps the phone's ciphertext. The
timeline says so and offers "Save space": it asks for the backup password, refuses a wrong one,
converts the snapshot with a progress bar and says what the snapshots take now. Run light and
dark, so the notice is seen in both colour schemes."""

import json
import os
import subprocess

import pytest

from conftest import ROOT, shared_keyring_env
from test_backup_journey import css, wait

CLI = ROOT / "target" / "debug" / "keepsake"
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["light", "dark"])
def theme(request):
    return request.param


class TestSaveSpace:
    @pytest.fixture()
    def app_env(self, tmp_path, theme):
        """The app shares this computer's keyring and settings with the command line run before."""
        return shared_keyring_env(tmp_path, theme)

    @pytest.fixture()
    def usbmuxd_address(self, phone, tmp_path):
        """Before the app starts: the phone's backups are encrypted, and it is backed up once
        without the password at hand (none remembered, none given)."""
        if not CLI.is_file():
            pytest.fail(f"{CLI} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
        phone.start("--size", "8MiB")
        (tmp_path / "home").mkdir(exist_ok=True)
        disk = tmp_path / "Backup Disk"
        disk.mkdir()
        env = dict(os.environ, USBMUXD_SOCKET_ADDRESS=phone.address, KEEPSAKE_KEYRING_DIR=str(tmp_path / "keyring"))
        env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
        env["HOME"] = str(tmp_path / "home")
        env.pop("KEEPSAKE_NOW", None)

        def cli(*args: str, **extra: str) -> str:
            out = subprocess.run([str(ROOT / "scripts" / "with-keyring.sh"), str(CLI), *args], env=dict(env, **extra), capture_output=True, text=True)
            assert out.returncode == 0, f"keepsake {' '.join(args)} failed: {out.stderr}"
            return out.stdout

        cli("encryption", "on", phone.udid, KEEPSAKE_NEW_BACKUP_PASSWORD=PASSWORD)
        cli("settings", phone.udid, "--location", str(disk), "--confirm")
        report = json.loads(cli("backup", phone.udid, "--yes", "--json"))
        assert report["kept_as_sent"] == "the backup password is not at hand", report
        return phone.address

    def test_a_snapshot_taken_without_the_password_is_converted_after_asking_for_it(self, app, phone, screenshot, theme):
        shot = (lambda name: screenshot(name + "-dark")) if theme == "dark" else screenshot
        row_css = f'.device[data-udid="{phone.udid}"]'
        wait(app, 60).until(lambda a: a.find_elements("css selector", f"{row_css} .show-timeline"))
        css(app, f"{row_css} .show-timeline").click()
        notice = wait(app, 30).until(lambda a: css(a, "#convert-notice"))
        assert "taken without its backup password" in notice.text
        shot("timeline-save-space")

        css(app, "#convert").click()
        wait(app, 30).until(lambda a: a.find_elements("id", "convert-password-input"))
        css(app, "#convert-password-input").send_keys("not the password")
        css(app, "#convert-unlock").click()
        wait(app, 30).until(lambda a: "That password is not right" in css(a, "#convert-password").text)
        # the field is asked for anew
        field = css(app, "#convert-password-input")
        field.clear()
        field.send_keys(PASSWORD)
        css(app, "#convert-unlock").click()
        done = wait(app, 120).until(lambda a: css(a, "#convert-status").text.startswith("Done: ") and css(a, "#convert-status"))
        assert "kept decrypted in 1 snapshot;" in done.text, done.text
        assert app.find_elements("id", "convert") == [] and not css(app, "#convert-text").is_displayed()
        shot("timeline-save-space-done")

        # read afresh, the timeline offers nothing more
        css(app, "#back-to-devices").click()
        wait(app, 30).until(lambda a: a.find_elements("css selector", f"{row_css} .show-timeline"))
        css(app, f"{row_css} .show-timeline").click()
        wait(app, 30).until(lambda a: a.find_elements("css selector", "#timeline .snapshot"))
        assert app.find_elements("id", "convert-notice") == []
