"""The issue's journey through the real app and the virtual iPhone: the device appears, the
first-backup wizard is completed with encryption on, the backup runs with a moving progress bar,
a day of use later a second backup, the timeline shows both snapshots, and a file extracted from
the first one (after its password is asked for) equals what the phone's generator made."""

import json
import os
import plistlib
import re
import subprocess
import time

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT

PASSWORD = "correct horse battery"
STORE_PASSWORD = "a password of my own"
# The first phone's seed is 1; the oracle must be told the same seed and size as the emulator.
# The device reports its percentage per 8 MiB batch: 32 MiB gives the bar four steps to move.
SEED, SIZE = 1, 32 << 20
FILE_DOMAIN, FILE_PATH = "HomeDomain", "Library/SMS/sms.db"
# Slow enough that the progress bar is seen moving, fast enough for a short test.
BANDWIDTH = "3MB"
PHONE = ("--size", "32MiB", "--bandwidth", BANDWIDTH)


def generated_file(domain: str, path: str) -> bytes:
    """The file's bytes as the generator makes them on day 0 (src-tauri/examples/phone_file.rs)."""
    oracle = ROOT / "target" / "debug" / "examples" / "phone_file"
    if not oracle.is_file():
        pytest.fail(f"{oracle} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
    out = subprocess.run(
        [str(oracle), str(SEED), str(SIZE), domain, path],
        check=True,
        capture_output=True,
    )
    return out.stdout


def wait(app, seconds: float = 30):
    # Views re-render as devices come and go: an element found a moment ago may be replaced.
    return WebDriverWait(app, seconds, poll_frequency=0.05, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def css(app, selector: str):
    return app.find_element("css selector", selector)


def text(app, selector: str) -> str:
    """The text of the element at `selector`, read again if the view re-rendered it meanwhile."""
    return wait(app).until(lambda a: (a.find_element("css selector", selector).text,))[0]


def watch_backup(app, udid: str, screenshot=None, name: str | None = None) -> list[float]:
    """Follows a running backup in the device's row until its result shows; returns the bar's
    values seen on the way, and saves a screenshot while it is mid-way."""
    seen: list[float] = []
    shot = False
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        app.implicitly_wait(0)
        try:
            bars = app.find_elements("css selector", f'.device[data-udid="{udid}"] progress')
            if bars:
                value = float(bars[0].get_attribute("value") or 0)
                if not seen or seen[-1] != value:
                    seen.append(value)
                if screenshot and not shot and 5 < value < 80:
                    screenshot(name)
                    shot = True
            results = app.find_elements("css selector", f'.device[data-udid="{udid}"] .result')
            if results:
                return seen
        except Exception:  # the row is re-rendered under us when the device list changes
            pass
        finally:
            app.implicitly_wait(10)
        time.sleep(0.05)
    raise AssertionError(f"the backup did not finish; bar values seen: {seen}")


class TestBackupJourney:
    @pytest.fixture()
    def usbmuxd_address(self, phone):
        phone.start(*PHONE)
        return phone.address

    def test_wizard_two_backups_timeline_and_a_file_from_the_first_snapshot(self, app, phone, screenshot, tmp_path):
        disk = tmp_path / "Backup Disk"
        disk.mkdir()
        row_css = f'.device[data-udid="{phone.udid}"]'

        # The device appears, never backed up.
        row = css(app, row_css)
        assert row.find_element("class name", "device-name").text == phone.name
        assert row.find_element("class name", "last-backup").text == "Never backed up"
        screenshot("devices")

        # "Back up now" on a new device opens the wizard first.
        row.find_element("class name", "backup-now").click()
        wait(app).until(lambda a: a.find_elements("id", "password"))
        assert css(app, "#wizard").get_attribute("data-step") == "encryption"
        assert css(app, "#encrypt").is_selected()
        assert "nobody can open these snapshots" in css(app, ".warning").text
        css(app, "#password").send_keys(PASSWORD)
        css(app, "#password-confirm").send_keys(PASSWORD + "!")
        css(app, "#remember").click()  # not remembered: the browser must ask for it
        css(app, "#wizard-next").click()
        assert "do not match" in css(app, "#wizard-errors").text
        screenshot("wizard-encryption")
        confirm = css(app, "#password-confirm")
        confirm.clear()
        confirm.send_keys(PASSWORD)
        css(app, "#wizard-next").click()

        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "location")
        css(app, "#wizard-next").click()
        assert "Choose where the snapshots go" in css(app, "#wizard-errors").text
        css(app, "#new-location").send_keys(str(disk))
        css(app, "#add-location").click()
        wait(app).until(lambda a: a.find_elements("css selector", "#location-0:checked"))
        assert css(app, "label[for=location-0]").text.startswith(f"{disk} — ")
        assert " free of " in css(app, "label[for=location-0]").text
        # a new location: its snapshots may also open with a password of the person's choosing
        assert "recovery key" in css(app, "#new-location-note").text
        css(app, "#own-password").click()
        css(app, "#store-password").send_keys(STORE_PASSWORD)
        css(app, "#store-password-confirm").send_keys(STORE_PASSWORD + "?")
        css(app, "#wizard-next").click()
        assert "do not match" in css(app, "#wizard-errors").text
        confirm = css(app, "#store-password-confirm")
        confirm.clear()
        confirm.send_keys(STORE_PASSWORD)
        screenshot("wizard-location")
        css(app, "#wizard-next").click()

        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "snapshots")
        assert css(app, "#snapshots").is_selected() and css(app, "#ask-first").is_selected()
        screenshot("wizard-snapshots")
        css(app, "#wizard-finish").click()

        # The wizard set the location up: its recovery key is shown once, before the backup.
        wait(app, 60).until(lambda a: a.find_elements("css selector", "#wizard[data-step=recovery-key]"))
        key = css(app, "#wizard-recovery .recovery-value").text
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}", key), key
        config = (disk / "Keepsake.Backups" / "keepsake-repo.json").read_text()
        assert key not in config and STORE_PASSWORD not in config
        assert not app.find_elements("css selector", f"{row_css} progress"), "no backup before the key is kept"
        screenshot("wizard-recovery-key")
        assert not css(app, "#wizard-done").is_enabled(), "goes on only once kept"
        css(app, "#recovery-kept").click()
        assert css(app, "#wizard-done").text == "Start the first backup"
        css(app, "#wizard-done").click()

        # Encryption goes on, the settings are saved, and the first backup runs with a moving bar.
        wait(app, 120).until(lambda a: a.find_elements("css selector", f"{row_css} progress"))
        seen = watch_backup(app, phone.udid, screenshot, "backup-in-progress")
        moving = [v for v in seen if 0 < v < 100]
        outcome = app.find_elements("css selector", f"{row_css} .result")
        assert len(moving) >= 2, f"the bar never moved: {seen}; {outcome[0].text if outcome else 'no result'}"
        assert moving == sorted(moving), f"the bar went backwards: {seen}"
        result = css(app, f"{row_css} .result").text
        assert result.startswith(f"Backed up {phone.name}"), result
        assert (disk / "Keepsake.Backups" / "keepsake-repo.json").is_file()
        assert not app.find_elements("css selector", f"{row_css} .recovery-key"), "the key was shown in the wizard"
        screenshot("devices-backed-up")
        expected = generated_file(FILE_DOMAIN, FILE_PATH)

        # A day of use later, the same phone comes back and is backed up again, without the wizard.
        phone.stop()
        wait(app).until(lambda a: a.find_elements("id", "usbmuxd-problem") or not a.find_elements("css selector", row_css))
        phone.start(*PHONE, "--live-days", "1")
        wait(app, 30).until(lambda a: a.find_elements("css selector", f"{row_css} .backup-now") and not a.find_elements("id", "usbmuxd-problem"))
        css(app, f"{row_css} .backup-now").click()
        watch_backup(app, phone.udid)
        result = css(app, f"{row_css} .result").text
        assert result.startswith(f"Backed up {phone.name}"), result

        # The timeline shows both snapshots, newest first.
        css(app, f"{row_css} .show-timeline").click()
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 2)
        snapshots = app.find_elements("css selector", ".snapshot")
        newer_id, older_id = (int(s.get_attribute("data-id")) for s in snapshots)
        assert newer_id > older_id
        assert snapshots[0].find_element("class name", "snapshot-added").text.startswith("Added ")
        assert snapshots[1].find_element("class name", "snapshot-added").text.startswith("First backup: ")
        # Its history, newest first: the two backups (the wizard's and the one just made).
        events = app.find_elements("css selector", "#history .history-event")
        assert [e.get_attribute("data-kind") for e in events] == ["backed_up", "backed_up"], [e.text for e in events]
        assert "added" in events[0].text, events[0].text
        # The pictures above the list: the space the two snapshots take (the newest whole, the
        # older one's extra, the allowance of half the newest), and the timeline drawn along
        # time, a mark a snapshot; choosing a mark finds its snapshot in the list.
        wait(app).until(lambda a: a.find_elements("css selector", "#space .space-bar"))
        assert "beyond the newest backup" in text(app, "#space"), text(app, "#space")
        marks = app.find_elements("css selector", "#timeline-chart .timeline-mark")
        assert sorted(int(m.get_attribute("data-id")) for m in marks) == [older_id, newer_id]
        css(app, f'#timeline-chart .timeline-mark[data-id="{older_id}"]').click()
        wait(app).until(lambda a: "chosen" in (a.find_element("css selector", f'.snapshot[data-id="{older_id}"]').get_attribute("class") or ""))
        screenshot("timeline")

        # What the day of use changed: the comparison asks for the password, then lists the
        # message database (a day of use always writes messages) among the changed files.
        snapshots[0].find_element("class name", "snapshot-compare").click()
        wait(app).until(lambda a: a.find_elements("id", "snapshot-password"))
        css(app, "#snapshot-password").send_keys(PASSWORD)
        css(app, "#unlock").click()
        wait(app, 90).until(lambda a: a.find_elements("css selector", f'.diff-domain[data-domain="{FILE_DOMAIN}"]'))
        home = css(app, f'.diff-domain[data-domain="{FILE_DOMAIN}"]')
        home.find_element("tag name", "summary").click()
        assert home.find_elements("css selector", f'.changed[data-path="{FILE_PATH}"]'), home.text
        assert " changed (" in home.find_element("tag name", "summary").text
        screenshot("compare")
        css(app, "#back-to-timeline").click()
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 2)
        snapshots = app.find_elements("css selector", ".snapshot")

        # The first snapshot asks for its password, then browses down to the file and extracts it.
        snapshots[1].find_element("class name", "snapshot-open").click()
        wait(app).until(lambda a: a.find_elements("id", "snapshot-password"))
        screenshot("browser-password")
        css(app, "#snapshot-password").send_keys(PASSWORD)
        css(app, "#unlock").click()
        # What it holds, as people name it: kinds of data, and apps by name with their icons.
        wait(app, 60).until(lambda a: a.find_elements("css selector", '.kind[data-kind="photos"] .open-kind'))
        assert app.find_elements("css selector", '.kind[data-kind="messages"] .open-kind')
        acme = css(app, '.app[data-bundle-id="com.acme.notes"]')
        assert "Acme Notes" in acme.text, acme.text
        icon = acme.find_element("tag name", "img").get_attribute("src")
        assert icon.startswith("data:image/png;base64,iVBORw0KGg"), icon[:40]
        assert app.find_elements("css selector", f'.domain[data-domain="{FILE_DOMAIN}"] .open-domain'), "every domain is still listed"
        screenshot("browser-contents")
        # Search finds the messages database; its folder opens from the result.
        css(app, "#snapshot-search").send_keys("SMS.db")
        hit = f'tr.search-hit[data-domain="{FILE_DOMAIN}"][data-path="{FILE_PATH}"]'
        wait(app, 30).until(lambda a: a.find_elements("css selector", hit))
        assert "found" in css(app, "#search-status").text, css(app, "#search-status").text
        screenshot("browser-search")
        css(app, f"{hit} .open-hit-folder").click()
        out = tmp_path / "extracted"
        css(app, "#extract-target").send_keys(str(out))
        wait(app).until(lambda a: a.find_elements("css selector", f'.entry[data-path="{FILE_PATH}"] .extract'))
        screenshot("browser")
        css(app, f'.entry[data-path="{FILE_PATH}"] .extract').click()
        wait(app, 30).until(lambda a: "Extracted" in css(a, "#browser-status").text)
        assert (out / FILE_DOMAIN / FILE_PATH).read_bytes() == expected

        # The whole snapshot as a Finder backup folder, named by the device's UDID.
        exported = tmp_path / "export"
        target = css(app, "#extract-target")
        target.clear()
        target.send_keys(str(exported))
        css(app, "#export-snapshot").click()
        wait(app, 60).until(lambda a: "Exported" in css(a, "#browser-status").text)
        folder = exported / phone.udid
        assert str(folder) in css(app, "#browser-status").text
        manifest = plistlib.loads((folder / "Manifest.plist").read_bytes())
        assert manifest["Lockdown"]["UniqueDeviceID"] == phone.udid
        assert manifest["IsEncrypted"] is True
        assert (folder / "Manifest.db").stat().st_size > 0 and (folder / "Status.plist").is_file()

        # Later, in the device's settings: turning encryption off needs the current password. The
        # location step links to the location preferences and comes back with the choices kept.
        css(app, "#back-to-timeline").click()
        css(app, "#back-to-devices").click()
        css(app, f"{row_css} .show-settings").click()
        wait(app, 60).until(lambda a: a.find_elements("id", "encryption-off"))
        assert css(app, "#encryption-keep").is_selected()
        css(app, "#encryption-off").click()
        css(app, "#current-password").send_keys("not the password")
        screenshot("settings-encryption")
        css(app, "#wizard-next").click()
        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "location")
        css(app, "#location-preferences").click()
        wait(app).until(lambda a: a.find_elements("id", "back-to-wizard"))
        assert str(disk) in css(app, "#locations").text
        css(app, "#back-to-wizard").click()
        wait(app).until(lambda a: a.find_elements("css selector", "#wizard[data-step=location]"))
        css(app, "#wizard-next").click()
        css(app, "#wizard-finish").click()
        # The device refuses the wrong password; the wizard says so and stays.
        wait(app, 60).until(lambda a: a.find_elements("id", "wizard-errors"))
        assert "password" in css(app, "#wizard-errors").text.lower(), css(app, "#wizard-errors").text
        css(app, "#wizard-back").click()
        css(app, "#wizard-back").click()
        assert css(app, "#encryption-off").is_selected()
        current = css(app, "#current-password")
        current.clear()
        current.send_keys(PASSWORD)
        css(app, "#wizard-next").click()
        css(app, "#wizard-next").click()
        css(app, "#wizard-finish").click()
        # back on the device's page (the sidebar's "Devices" is on every screen: no sign of it)
        wait(app, 60).until(lambda a: a.find_elements("css selector", f"{row_css} .show-settings"))
        # Asked again, the device says its backups are no longer encrypted.
        css(app, f"{row_css} .show-settings").click()
        wait(app, 60).until(lambda a: a.find_elements("id", "encrypt"))
        assert not css(app, "#encrypt").is_selected()
        assert app.find_elements("id", "encryption-off") == []
        css(app, "#wizard-cancel").click()

        # The first snapshot back onto the phone, after a confirmation; its password is asked for.
        css(app, f"{row_css} .show-timeline").click()
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 2)
        css(app, f'.snapshot[data-id="{older_id}"] .snapshot-open').click()
        wait(app, 60).until(lambda a: a.find_elements("id", "restore-snapshot"))
        css(app, "#restore-snapshot").click()
        assert "Replace everything on" in css(app, "[role=alertdialog]").text
        screenshot("restore-confirm")
        css(app, "#restore-confirm").click()
        wait(app, 60).until(lambda a: a.find_elements("id", "restore-password"))
        css(app, "#restore-password").send_keys(PASSWORD)
        css(app, "#restore-confirm").click()
        wait(app, 120).until(lambda a: css(a, "#browser-status").text.startswith(("Restored", "The ", "Keepsake")) and not a.find_elements("css selector", "#restore-snapshot[disabled]"))
        assert css(app, "#browser-status").text.startswith("Restored "), css(app, "#browser-status").text
        assert css(app, "#browser-status").text.endswith(f"files to {phone.name}.")

        # Another computer (no settings, an empty keyring) opens the disk with the snapshots'
        # password chosen in the wizard, and with the recovery key the wizard showed.
        for name, secret in (("KEEPSAKE_STORE_PASSWORD", STORE_PASSWORD), ("KEEPSAKE_RECOVERY_KEY", key)):
            other = tmp_path / f"computer-b-{name}"
            (other / "home").mkdir(parents=True)
            env = dict(os.environ, XDG_CONFIG_HOME=str(other / "config"), HOME=str(other / "home"), USBMUXD_SOCKET_ADDRESS="127.0.0.1:9")
            env[name] = secret
            out = subprocess.run([str(ROOT / "scripts" / "with-keyring.sh"), str(ROOT / "target" / "debug" / "keepsake"), "timeline", "--location", str(disk), "--json"], env=env, capture_output=True, text=True)
            assert out.returncode == 0, f"{name}: {out.stderr}"
            assert sorted(s["id"] for s in json.loads(out.stdout)) == [older_id, newer_id], out.stdout
