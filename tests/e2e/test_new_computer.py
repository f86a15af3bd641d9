"""The bad day in the app: computer A (the command line, with a settings folder and a keyring of
its own) backs up an Apple-encrypted phone, then computer A is gone: its settings and keyring are
deleted, and the phone is nowhere in sight. The app, a new computer that has never seen the disk,
opens it in Preferences ("Backups from another computer", where the disk is found among the disks
in sight): it asks for a secret, refuses a wrong one, opens with the phone's backup password (and,
in a second run, with the recovery key alone), and lists the phone with the devices not connected,
its snapshots one click away; the snapshot then goes onto a new phone, after a confirmation that
names both phones."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, VirtualPhone
from test_backup_journey import css, text, wait

CLI = ROOT / "target" / "debug" / "keepsake"
PASSWORD = "correct horse battery staple"
# what computer A printed when it set the disk up (the fixture runs before the test)
RECOVERY_KEYS: list[str] = []


def computer_a(tmp_path, phone, *args: str, **extra_env: str) -> str:
    """The keepsake command on computer A: its own settings and its own keyring on disk."""
    env = dict(os.environ, USBMUXD_SOCKET_ADDRESS=phone.address, KEEPSAKE_KEYRING_DIR=str(tmp_path / "a-keyring"))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "a-config")
    env["HOME"] = str(tmp_path / "a-home")
    env.pop("KEEPSAKE_NOW", None)
    env.update(extra_env)
    out = subprocess.run([str(ROOT / "scripts" / "with-keyring.sh"), str(CLI), *args], env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"keepsake {' '.join(args)} failed: {out.stderr}"
    return out.stdout


@pytest.fixture(params=["backup password", "recovery key"])
def secret_kind(request):
    """Computer B opens the disk with the phone's backup password, or (a second run) with the
    recovery key alone, clicking the disk Keepsake found where disks mount."""
    return request.param


class TestANewComputer:
    @pytest.fixture()
    def app_env(self, tmp_path, secret_kind):
        """Disks mount in tmp_path/media here: the old disk is found there. The second run is on a
        dark desktop, so the new screens are seen in both colour schemes."""
        env = {"KEEPSAKE_DISK_ROOTS": str(tmp_path / "media")}
        if secret_kind == "recovery key":
            env["GTK_THEME"] = "Adwaita:dark"
        return env

    @pytest.fixture()
    def new_phone(self, tmp_path):
        """Phone Y, the new phone: the only one the app sees."""
        p = VirtualPhone(tmp_path / "phone-y")
        yield p
        p.stop()

    @pytest.fixture()
    def usbmuxd_address(self, phone, new_phone, tmp_path):
        """Before the app starts: computer A backs the encrypted phone X up, then A is lost. X is
        the catalog's second phone (the first is the new phone Y, another UDID)."""
        if not CLI.is_file():
            pytest.fail(f"{CLI} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
        (tmp_path / "a-home").mkdir(exist_ok=True)
        disk = tmp_path / "media" / "Old Disk"
        disk.mkdir(parents=True)
        phone.start("--size", "8MiB", devices=2)
        x = phone.devices_seen[1][0]
        computer_a(tmp_path, phone, "encryption", "on", x, "--remember", KEEPSAKE_NEW_BACKUP_PASSWORD=PASSWORD)
        out = computer_a(tmp_path, phone, "backup", x, "--yes", "--location", str(disk), "--json")
        RECOVERY_KEYS[:] = [json.loads(out)["recovery_key"]]
        phone.stop()
        shutil.rmtree(tmp_path / "a-config")
        shutil.rmtree(tmp_path / "a-keyring")
        new_phone.start("--size", "4MiB")
        return new_phone.address

    def test_the_disk_opens_with_a_secret_of_the_person_and_its_snapshot_goes_onto_a_new_phone(
        self, app, phone, new_phone, screenshot, tmp_path, secret_kind
    ):
        disk = tmp_path / "media" / "Old Disk"
        by_key = secret_kind == "recovery key"
        shot = (lambda name: screenshot(name + "-recovery-key-dark")) if by_key else screenshot
        x_udid, x_name = phone.devices_seen[1]
        assert x_udid != new_phone.udid
        assert (disk / "Keepsake.Backups" / "keepsake-repo.json").is_file()
        # the new phone is the only device in the sidebar: nothing of the old one is known yet
        wait(app, 30).until(lambda a: a.find_elements("css selector", f'.sidebar-device[data-udid="{new_phone.udid}"]'))
        assert app.execute_script("return document.querySelectorAll('.sidebar-device').length") == 1, "nothing known yet"

        css(app, "#show-preferences").click()
        # the disk is found where disks mount, not known yet
        found = wait(app).until(lambda a: css(a, "#found-disks"))
        assert str(disk) in found.text
        if by_key:
            css(app, ".open-found").click()
        else:
            css(app, "#open-backups-path").send_keys(str(disk))
            css(app, "#open-backups").click()
        # this computer has never seen the disk: it asks for a secret
        wait(app).until(lambda a: a.find_elements("id", "open-backups-secret"))
        assert "backup password" in css(app, "#open-backups-status").text
        css(app, "#open-backups-secret").send_keys("not the password")
        css(app, "#open-backups").click()
        wait(app).until(lambda a: "Nothing was changed" in css(a, "#open-backups-status").text)
        shot("preferences-open-backups-refused")
        secret = css(app, "#open-backups-secret")
        secret.clear()
        # typed as people copy it off paper: lower case, blanks for dashes
        secret.send_keys(RECOVERY_KEYS[0].lower().replace("-", " ") if by_key else PASSWORD)
        css(app, "#open-backups").click()
        wait(app, 30).until(lambda a: css(a, "#open-backups-status").text.startswith("Opened: backups of "))
        assert x_name in css(app, "#open-backups-status").text
        wait(app).until(lambda a: a.find_elements("css selector", f'.location[data-path="{disk}"]'))
        assert not app.find_elements("css selector", ".open-found"), "an opened disk is no longer offered"
        shot("preferences-open-backups")
        # this computer can open them now: it shows their recovery key
        css(app, f'.location[data-path="{disk}"] .show-recovery-key').click()
        key = wait(app).until(lambda a: css(a, "#recovery-key-shown .recovery-value")).text
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}", key), key
        assert key == RECOVERY_KEYS[0], "the key computer A showed when it set the disk up"
        shot("preferences-recovery-key")
        # "Verify" reads every snapshot back: intact
        css(app, f'.location[data-path="{disk}"] .verify-location').click()
        done = wait(app, 60).until(lambda a: css(a, "#verify-status.verify-ok"))
        assert f"{disk} is intact" in done.text, done.text
        shot("preferences-verified")

        # the phone, not connected, is listed in the sidebar with its backups; its page (chosen
        # there: the new phone, the only device until now, was shown) opens its snapshots
        css(app, "#back-to-devices").click()
        entry_css = f'.sidebar-device[data-udid="{x_udid}"]'
        wait(app, 30).until(lambda a: a.find_elements("css selector", entry_css))
        assert "Not connected · last backup " in text(app, entry_css), text(app, entry_css)
        # (the sidebar is drawn again as the devices change: found afresh until the click lands)
        wait(app).until(lambda a: (css(a, entry_css).click(), True)[1])
        row_css = f'.other-device[data-udid="{x_udid}"]'
        wait(app, 30).until(lambda a: css(a, row_css))
        assert css(app, entry_css).get_attribute("aria-current") == "page"
        assert text(app, f"{row_css} .device-name") == x_name
        assert text(app, f"{row_css} .last-backup").startswith("1 snapshot · Last backup: ")
        assert "Not connected" in text(app, f"{row_css} .device-meta")
        shot("devices-other-backups")
        wait(app).until(lambda a: (css(a, f"{row_css} .show-timeline").click(), True)[1])
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 1)
        shot("timeline-device-not-connected")

        # the snapshot opens with the disk's secret alone: computer A kept the encrypted phone's
        # files decrypted under the disk's own encryption, with the phone's keys
        css(app, ".snapshot .snapshot-open").click()
        wait(app, 60).until(lambda a: a.find_elements("id", "restore-snapshot"))
        assert not app.find_elements("id", "snapshot-password"), "no backup password asked to browse"
        # onto the new phone Y: the confirmation names both, then the password (the phone's own)
        css(app, "#restore-snapshot").click()
        question = css(app, "#restore-question").text
        assert f"Restore this snapshot of {x_name}" in question and f"onto {new_phone.name}" in question, question
        assert "keeps its own identity" in question, question
        assert css(app, "#restore-onto").get_attribute("value") == new_phone.udid
        shot("restore-onto-new-phone")
        css(app, "#restore-confirm").click()
        wait(app, 60).until(lambda a: a.find_elements("id", "restore-password"))
        css(app, "#restore-password").send_keys(PASSWORD)
        css(app, "#restore-confirm").click()
        wait(app, 120).until(lambda a: css(a, "#browser-status").text.startswith(("Restored", "The ", "Keepsake", "none")))
        status = css(app, "#browser-status").text
        assert status.startswith(f"Restored ") and status.endswith(f"files to {new_phone.name}."), status


class TestAFinderBackup:
    @pytest.fixture()
    def usbmuxd_address(self, phone, tmp_path):
        """Before the app starts: a Finder backup folder of the phone (computer A backs it up and
        exports the snapshot as Finder lays a backup out); the phone is then gone."""
        if not CLI.is_file():
            pytest.fail(f"{CLI} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
        (tmp_path / "a-home").mkdir(exist_ok=True)
        disk = tmp_path / "A's disk"
        disk.mkdir()
        phone.start("--size", "4MiB")
        report = json.loads(computer_a(tmp_path, phone, "backup", "--yes", "--location", str(disk), "--json"))
        computer_a(tmp_path, phone, "export", str(report["snapshot"]["id"]), str(tmp_path / "Finder"), "--location", str(disk))
        phone.stop()
        return "127.0.0.1:9"

    def test_a_finder_backup_is_added_as_a_snapshot_and_a_broken_one_is_refused(self, app, phone, screenshot, tmp_path):
        folder = tmp_path / "Finder" / phone.udid
        assert (folder / "Manifest.db").is_file()
        broken = tmp_path / "Broken" / phone.udid
        shutil.copytree(folder, broken)
        (broken / "Status.plist").unlink()
        disk = tmp_path / "New disk"
        disk.mkdir()

        css(app, "#show-preferences").click()
        css(app, "#preferences-new-location").send_keys(str(disk))
        css(app, "#preferences-add").click()
        wait(app).until(lambda a: a.find_elements("css selector", f'.location[data-path="{disk}"]'))
        css(app, "#import-folder").send_keys(str(broken))
        css(app, "#import-backup").click()
        wait(app, 30).until(lambda a: a.find_elements("css selector", "#import-status[role=alert]"))
        assert not (disk / "Keepsake.Backups").exists(), "a refused folder adds nothing"
        field = css(app, "#import-folder")
        field.clear()
        field.send_keys(str(folder))
        css(app, "#import-backup").click()
        wait(app, 60).until(lambda a: css(a, "#import-status").text.startswith("Added as snapshot "))
        assert phone.udid in css(app, "#import-status").text
        # the import set the new disk up: its recovery key is shown
        key = css(app, "#import-status .recovery-value").text
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}", key), key
        screenshot("preferences-import")
        css(app, "#back-to-devices").click()
        # the phone is known by its backup now: in the sidebar, and its page once chosen there
        entry_css = f'.sidebar-device[data-udid="{phone.udid}"]'
        wait(app, 30).until(lambda a: a.find_elements("css selector", entry_css))
        wait(app).until(lambda a: (css(a, entry_css).click(), True)[1])
        wait(app, 30).until(lambda a: css(a, f'.other-device[data-udid="{phone.udid}"]'))
        # (the page may be drawn again meanwhile, as the sidebar follows the devices: read afresh)
        assert text(app, f'.other-device[data-udid="{phone.udid}"] .last-backup').startswith("1 snapshot")
