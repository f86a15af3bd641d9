"""The agent inside the app and the cleaning question, for real: the phone's two first backups are
made with the command line on a clock set 40 and 39 days back (KEEPSAKE_NOW), then the person
clears out the phone. The app, started with the phone connected, backs it up on its own (it is
due: the last backup is 39 days old). Most photos went, so the backup says so and keeps the
snapshot before it forever until the person says they may go; the cleaning policy finds the old
snapshots taking more space than half of the new backup and, as the wizard's default says, asks
first, about the one not kept. Nothing is deleted until the person approves in the device's
row, and a snapshot pinned meanwhile is kept."""

import os
import subprocess
import time

import pytest

from conftest import ROOT
from test_backup_journey import css, text, wait, watch_backup

DAY = 86_400
CLI = ROOT / "target" / "debug" / "keepsake"


def cli(tmp_path, phone, *args: str, days_ago: int | None = None) -> str:
    """Runs the keepsake command as the app's user: same settings, same keyring (kept on disk in
    KEEPSAKE_KEYRING_DIR, so the app's own keyring session finds the store key it saved)."""
    env = dict(os.environ, USBMUXD_SOCKET_ADDRESS=phone.address, KEEPSAKE_KEYRING_DIR=str(tmp_path / "keyring"))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["HOME"] = str(tmp_path / "home")
    env.pop("KEEPSAKE_NOW", None)
    if days_ago is not None:
        env["KEEPSAKE_NOW"] = str(int(time.time()) - days_ago * DAY)
    out = subprocess.run([str(ROOT / "scripts" / "with-keyring.sh"), str(CLI), *args], env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"keepsake {' '.join(args)} failed: {out.stderr}"
    return out.stdout


class TestAgentAndCleaning:
    @pytest.fixture()
    def app_env(self, tmp_path):
        return {"KEEPSAKE_KEYRING_DIR": str(tmp_path / "keyring")}

    @pytest.fixture()
    def usbmuxd_address(self, phone, tmp_path):
        """Before the app starts: two backups dated 40 and 39 days ago, then a cleared-out phone."""
        if not CLI.is_file():
            pytest.fail(f"{CLI} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
        (tmp_path / "home").mkdir(exist_ok=True)
        disk = tmp_path / "Backup Disk"
        disk.mkdir()
        phone.start("--size", "32MiB")
        cli(tmp_path, phone, "locations", "add", str(disk))
        cli(tmp_path, phone, "locations", "default", str(disk))
        cli(tmp_path, phone, "backup", "--yes", days_ago=40)
        phone.stop()
        phone.start("--size", "32MiB", "--live-days", "1")
        cli(tmp_path, phone, "backup", "--yes", days_ago=39)
        phone.stop()
        # The person deletes most of the photos on the phone; slowed down so the bar is seen.
        phone.start("--size", "32MiB", "--live-days", "1", "--clear-photos", "80", "--bandwidth", "2MB")
        return phone.address

    def test_the_agent_backs_up_a_due_phone_and_cleaning_waits_for_approval(self, app, phone, screenshot, notifications):
        row_css = f'.device[data-udid="{phone.udid}"]'
        # Nobody clicks "Back up now": the agent starts the backup a few seconds after start.
        wait(app, 60).until(lambda a: a.find_elements("css selector", f"{row_css} progress"))
        # (the journey test checks that the bar moves; this phone is one progress step small)
        watch_backup(app, phone.udid)
        result = text(app, f"{row_css} .result")
        assert result.startswith(f"Backed up {phone.name} automatically."), result
        assert "asks before deleting" in result, result
        wait(app).until(lambda a: "Last backup:" in css(a, f"{row_css} .last-backup").text)
        # Backed up today: the next automatic backup is tomorrow's.
        assert css(app, f"{row_css} .next-backup").text.startswith("Next automatic backup: "), css(app, f"{row_css} .next-backup").text
        assert "now" not in css(app, f"{row_css} .next-backup").text

        # Most photos went: said plainly, and the snapshot before is kept for them.
        warning = wait(app).until(lambda a: css(a, f"{row_css} .mass-deletion"))
        assert " photos and videos (" in warning.text, warning.text
        assert "kept forever until you say they may go" in warning.text, warning.text
        # Of the two older snapshots, the one kept for the photos is not offered for deletion.
        question = wait(app).until(lambda a: css(a, f"{row_css} .cleaning"))
        assert "Delete one of them to free " in question.text, question.text
        assert len(question.find_elements("css selector", ".cleaning-list li")) == 1
        screenshot("cleaning-dialog")

        # The desktop notifications said so too (the test's notification server received them),
        # each opening the screen that answers it when clicked.
        finished = wait(app, 30).until(lambda a: notifications.titled("Backup finished"))
        assert finished[0]["body"] == f"{phone.name} is backed up.", finished
        gone = wait(app, 30).until(lambda a: notifications.titled(f"Many photos or messages are gone from {phone.name}"))
        cleaning = wait(app, 30).until(lambda a: notifications.titled("Older snapshots take too much space"))
        assert f" of {phone.name}, which would free " in cleaning[0]["body"], cleaning
        assert len(notifications.titled("Older snapshots")) == 1, "a question is told once"

        # Nothing is deleted while the question waits. The photos' notification opens the timeline.
        notifications.click(gone[0])
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 3)
        rows = app.find_elements("css selector", ".snapshot")
        ids = [int(s.get_attribute("data-id")) for s in rows]
        newest, middle, oldest = sorted(ids, reverse=True)
        assert css(app, f'.snapshot[data-id="{middle}"] .snapshot-pin').text == "Kept forever"
        assert "Kept: the backup after it no longer had" in css(app, f'.snapshot[data-id="{middle}"]').text
        # The oldest is kept forever after all: the answer leaves it out.
        pin = rows[-1].find_element("class name", "snapshot-pin")
        assert pin.text == "Keep forever"
        pin.click()
        wait(app).until(lambda a: css(a, f'.snapshot[data-id="{oldest}"] .snapshot-pin').text == "Kept forever")
        assert css(app, f'.snapshot[data-id="{oldest}"] .snapshot-pin').get_attribute("aria-pressed") == "true"
        screenshot("timeline-pinned")
        # The cleaning's notification opens the device's page, where the question waits.
        notifications.click(cleaning[0])
        wait(app).until(lambda a: a.find_elements("css selector", f"{row_css} .cleaning-approve"))

        # The person says the photos may go: the snapshot kept for them is kept no more.
        css(app, f"{row_css} .mass-deletion-fine").click()
        wait(app).until(lambda a: not a.find_elements("css selector", f"{row_css} .mass-deletion"))
        assert text(app, f"{row_css} .result") == "The snapshot kept for them is no longer kept forever."

        css(app, f"{row_css} .cleaning-approve").click()
        wait(app, 60).until(lambda a: not css(a, f"{row_css} .result").text.startswith(("Backed up", "Deleting")))
        # The question named only the oldest, pinned since: nothing was deleted, and it says so.
        assert text(app, f"{row_css} .result") == "Nothing was deleted: the snapshots it named are kept forever now."
        assert app.find_elements("css selector", f"{row_css} .cleaning") == []
        css(app, f"{row_css} .show-timeline").click()
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 3)
        kept = [int(s.get_attribute("data-id")) for s in app.find_elements("css selector", ".snapshot")]
        assert kept == [newest, middle, oldest], kept
        assert css(app, f'.snapshot[data-id="{oldest}"] .snapshot-pin').text == "Kept forever"
        assert css(app, f'.snapshot[data-id="{middle}"] .snapshot-pin').text == "Keep forever"
