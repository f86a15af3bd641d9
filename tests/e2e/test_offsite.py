"""A device's offsite copy in the app, on a real S3-compatible cluster (SeaweedFS, started by
scripts/s3-cluster.sh): the device page offers it, the form refuses keys the bucket refuses, the
copy is sent with "Copy now" (the bucket then holds it, as `keepsake offsite list` reads it), and
once the cluster is gone the next backup is saved and its copy waits for the remote, which the
page says. Light and dark; every screen goes through the layout checks."""

import json
import os
import subprocess

import pytest

from conftest import ROOT, shared_keyring_env
from test_backup_journey import css, text, wait

CLI = ROOT / "target" / "debug" / "keepsake"
CLUSTER = ROOT / "scripts" / "s3-cluster.sh"


@pytest.fixture(params=["light", "dark"])
def theme(request):
    return request.param


@pytest.fixture()
def s3(tmp_path):
    """A cluster of its own with an empty bucket `offsite`; its env (S3_ENDPOINT, keys)."""
    where = tmp_path / "s3"
    subprocess.run(["bash", str(CLUSTER), "start", str(where)], check=True, capture_output=True)
    try:
        env = dict(
            line.split("=", 1) for line in (where / "env").read_text().splitlines() if "=" in line and not line.startswith("#")
        )
        env = {k: v.strip('"') for k, v in env.items()}
        subprocess.run(["bash", str(CLUSTER), "bucket", str(where), "offsite"], check=True, capture_output=True)
        env["DIR"] = str(where)
        yield env
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(where)], capture_output=True)


class TestOffsite:
    @pytest.fixture()
    def app_env(self, tmp_path, theme):
        return shared_keyring_env(tmp_path, theme)

    @pytest.fixture()
    def usbmuxd_address(self, phone, tmp_path):
        """Before the app starts: the phone is set up and backed up once by the command line."""
        if not CLI.is_file():
            pytest.fail(f"{CLI} does not exist: build it with `cargo build --workspace --all-targets` (scripts/test.sh does)")
        phone.start()
        (tmp_path / "home").mkdir(exist_ok=True)
        disk = tmp_path / "Backup Disk"
        disk.mkdir()
        env = self.cli_env(phone, tmp_path)
        for args in (["settings", phone.udid, "--location", str(disk), "--confirm"], ["backup", phone.udid, "--json"]):
            out = subprocess.run([str(ROOT / "scripts" / "with-keyring.sh"), str(CLI), *args], env=env, capture_output=True, text=True)
            assert out.returncode == 0, f"keepsake {' '.join(args)} failed: {out.stderr}"
        return phone.address

    @staticmethod
    def cli_env(phone, tmp_path) -> dict:
        env = dict(os.environ, USBMUXD_SOCKET_ADDRESS=phone.address, KEEPSAKE_KEYRING_DIR=str(tmp_path / "keyring"))
        env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
        env["HOME"] = str(tmp_path / "home")
        env.pop("KEEPSAKE_NOW", None)
        return env

    def test_an_offsite_copy_is_set_sent_and_waits_for_its_remote(self, app, phone, s3, screenshot, theme, tmp_path):
        shot = (lambda name: screenshot(name + "-dark")) if theme == "dark" else screenshot
        page = f'.device-page[data-udid="{phone.udid}"]'
        card = f"{page} .offsite-card"
        wait(app, 60).until(lambda a: a.find_elements("css selector", f"{card} .offsite-set-up"))
        assert "Keep a copy away from home" in text(app, card)
        address = f"s3+http://{s3['S3_ENDPOINT'].removeprefix('http://')}/offsite/keepsake"

        # keys the bucket refuses are said at once, in the form
        css(app, f"{card} .offsite-set-up").click()
        css(app, "#offsite-address").send_keys(address)
        css(app, "#offsite-access-key").send_keys(s3["S3_ACCESS_KEY"])
        css(app, "#offsite-secret").send_keys("not-the-secret-0123456789abcdefghijklmnop")
        css(app, ".offsite-save").click()
        refused = wait(app, 60).until(lambda a: css(a, ".offsite-form-error").is_displayed() and css(a, ".offsite-form-error"))
        assert "refused the keys" in refused.text, refused.text
        shot("offsite-form-refused")

        secret = css(app, "#offsite-secret")
        secret.clear()
        secret.send_keys(s3["S3_SECRET_KEY"])
        css(app, ".offsite-save").click()
        wait(app, 60).until(lambda a: a.find_elements("css selector", f"{card} .offsite-copy-now"))
        assert text(app, f"{card} .offsite-state").startswith(f"Copies go to {address}") or text(app, f"{card} .offsite-state").startswith("Copied to")

        # sent now: the page says so, and the bucket holds the copy with the CLI's backup
        css(app, f"{card} .offsite-copy-now").click()
        wait(app, 120).until(lambda a: text(a, f"{card} .offsite-state").startswith(f"Copied to {address} on "))
        assert "Copied offsite to" in text(app, f"{card} .offsite-status") or "up to date" in text(app, f"{card} .offsite-status")
        shot("device-offsite-copied")
        listed = subprocess.run(
            [str(CLI), "--json", "offsite", "list", address],
            env=dict(self.cli_env(phone, tmp_path), KEEPSAKE_S3_ACCESS_KEY=s3["S3_ACCESS_KEY"], KEEPSAKE_S3_SECRET=s3["S3_SECRET_KEY"]),
            capture_output=True,
            text=True,
        )
        assert listed.returncode == 0, listed.stderr
        copies = json.loads(listed.stdout)
        assert [c["snapshots"] for c in copies] == [1], copies

        # the remote goes away: the next backup is saved, its copy waits for the remote
        subprocess.run(["bash", str(CLUSTER), "stop", s3["DIR"]], check=True, capture_output=True)
        css(app, f"{page} .backup-now").click()
        waiting = wait(app, 240).until(lambda a: a.find_elements("css selector", f"{card} .offsite-state.waiting") and css(a, f"{card} .offsite-state.waiting"))
        assert waiting.text == f"Waiting for {address}: it cannot be reached.", waiting.text
        assert text(app, f"{card} .offsite-next").startswith("Next try: ")
        assert "Last backup:" in text(app, f"{page} .last-backup")
        shot("device-offsite-waiting")

        # the secret is in the credential store only: in no file of the app's, in no log
        for folder in (tmp_path / "config", tmp_path / "data", tmp_path / "home"):
            for f in folder.rglob("*"):
                if f.is_file():
                    assert s3["S3_SECRET_KEY"].encode() not in f.read_bytes(), f
        assert s3["S3_SECRET_KEY"] not in (tmp_path / "tauri-driver.log").read_text(errors="replace")
