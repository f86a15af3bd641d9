"""What the device waits for, shown while it waits: the passcode iOS 16.1+ asks for before each
backup, and the "Trust this computer?" dialog of a phone that does not trust this computer yet."""

import pytest

from test_backup_journey import css, wait, watch_backup


def wizard_without_encryption(app, row_css: str, disk) -> None:
    css(app, f"{row_css} .backup-now").click()
    wait(app, 60).until(lambda a: a.find_elements("id", "encrypt"))
    css(app, "#encrypt").click()
    css(app, "#wizard-next").click()
    wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "location")
    css(app, "#new-location").send_keys(str(disk))
    css(app, "#add-location").click()
    wait(app).until(lambda a: a.find_elements("css selector", "#location-0:checked"))
    css(app, "#wizard-next").click()
    wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "snapshots")
    css(app, "#wizard-finish").click()
    # the new location's recovery key, kept before the first backup starts
    wait(app, 60).until(lambda a: a.find_elements("css selector", "#wizard[data-step=recovery-key]"))
    css(app, "#recovery-kept").click()
    css(app, "#wizard-done").click()


class TestPasscode:
    @pytest.fixture()
    def usbmuxd_address(self, phone):
        # The passcode is typed on the phone four seconds after it asks.
        phone.start("--size", "8MiB", "--passcode", "4")
        return phone.address

    def test_the_passcode_prompt_shows_while_the_phone_waits_then_the_backup_runs(self, app, phone, screenshot, tmp_path):
        row_css = f'.device[data-udid="{phone.udid}"]'
        disk = tmp_path / "Disk"
        disk.mkdir()
        wizard_without_encryption(app, row_css, disk)
        prompt = wait(app, 60).until(lambda a: (p := a.find_elements("css selector", f"{row_css} .prompt")) and p[0].is_displayed() and p[0])
        assert prompt.text == f"Enter your passcode on {phone.name} to let the backup start."
        assert prompt.get_attribute("role") == "alert"
        screenshot("passcode-prompt")
        watch_backup(app, phone.udid)
        result = css(app, f"{row_css} .result").text
        assert result.startswith(f"Backed up {phone.name}"), result
        assert app.find_elements("css selector", f"{row_css} .prompt") == []


class TestTrust:
    @pytest.fixture()
    def usbmuxd_address(self, phone):
        # The phone shows "Trust this computer?" and nobody answers.
        phone.start("--size", "8MiB", "--trust", "wait")
        return phone.address

    def test_an_untrusted_phone_asks_for_trust_and_the_wait_can_be_left(self, app, phone, screenshot):
        row_css = f'.device[data-udid="{phone.udid}"]'
        assert css(app, f"{row_css} .badge").text == "Not trusted yet"
        css(app, f"{row_css} .backup-now").click()
        loading = wait(app).until(lambda a: css(a, "#wizard-loading"))
        assert f"Unlock {phone.name} and tap Trust on it" in loading.text
        screenshot("trust-prompt")
        css(app, "#wizard-loading-cancel").click()
        # back on the device's page (the sidebar, with its "Devices", stays on every screen)
        wait(app).until(lambda a: a.find_elements("css selector", f"{row_css} .backup-now"))
        assert app.find_elements("id", "wizard") == [] and app.find_elements("id", "wizard-loading") == []
