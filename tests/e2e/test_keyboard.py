"""The app without a mouse: from the device list through the first-backup wizard to a finished
backup, with Tab, Space and Enter only, the way someone who cannot use a pointer would. On a dark
desktop, so the wizard's steps and the timeline's pictures are seen (and layout-checked) dark."""

import time

import pytest
from selenium.webdriver.common.keys import Keys

from test_backup_journey import css, wait, watch_backup


def active(app):
    return app.switch_to.active_element


def tab_to(app, selector: str, limit: int = 40):
    """Presses Tab until the focused element matches `selector`; fails if it never does."""
    for _ in range(limit):
        if app.execute_script("return document.activeElement.matches(arguments[0])", selector):
            return active(app)
        active(app).send_keys(Keys.TAB)
    raise AssertionError(f"{selector} is not reachable with Tab (last focus: {active(app).get_attribute('outerHTML')[:120]})")


class TestKeyboard:
    @pytest.fixture()
    def usbmuxd_address(self, phone):
        phone.start("--size", "8MiB")
        return phone.address

    @pytest.fixture()
    def app_env(self):
        return {"GTK_THEME": "Adwaita:dark"}

    def test_first_backup_with_the_keyboard_only(self, app, phone, screenshot, tmp_path):
        disk = tmp_path / "Disk"
        disk.mkdir()
        row_css = f'.device[data-udid="{phone.udid}"]'
        wait(app).until(lambda a: a.find_elements("css selector", f"{row_css} .backup-now"))
        app.find_element("tag name", "body").send_keys(Keys.TAB)
        # the sidebar comes first: its entry for the phone (shown, as the only device) opens
        # the phone's page with Enter, and the page's buttons follow
        entry = tab_to(app, f'.sidebar-device[data-udid="{phone.udid}"]')
        assert entry.get_attribute("aria-current") == "page"
        entry.send_keys(Keys.ENTER)
        time.sleep(0.5)  # the page is drawn again, the focus kept on the entry
        wait(app).until(lambda a: a.find_elements("css selector", f"{row_css} .backup-now"))
        tab_to(app, f"{row_css} .backup-now").send_keys(Keys.ENTER)

        # The wizard opens with the focus on its first control.
        wait(app, 60).until(lambda a: a.find_elements("id", "encrypt"))
        wait(app).until(lambda a: active(a).get_attribute("id") == "encrypt")
        background = app.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(27, 29, 33)", background
        screenshot("wizard-encryption-dark")
        active(app).send_keys(Keys.SPACE)  # no encryption: no password to type
        assert not css(app, "#encrypt").is_selected()
        tab_to(app, "#wizard-next").send_keys(Keys.ENTER)

        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "location")
        tab_to(app, "#new-location").send_keys(str(disk))
        tab_to(app, "#add-location").send_keys(Keys.ENTER)
        wait(app).until(lambda a: a.find_elements("css selector", "#location-0:checked"))
        screenshot("wizard-location-dark")
        tab_to(app, "#wizard-next").send_keys(Keys.ENTER)

        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "snapshots")
        screenshot("wizard-snapshots-dark")
        tab_to(app, "#wizard-finish").send_keys(Keys.ENTER)
        # the recovery key, kept with the keyboard too: the box, then the button
        wait(app, 60).until(lambda a: a.find_elements("css selector", "#wizard[data-step=recovery-key]"))
        screenshot("wizard-recovery-key-dark")
        tab_to(app, "#recovery-kept").send_keys(Keys.SPACE)
        wait(app).until(lambda a: css(a, "#wizard-done").is_enabled())
        assert active(app).get_attribute("id") == "recovery-kept", "focus stays on the box"
        tab_to(app, "#wizard-done").send_keys(Keys.ENTER)

        watch_backup(app, phone.udid)
        result = css(app, f"{row_css} .result").text
        assert result.startswith(f"Backed up {phone.name}"), result
        # Focus is not lost to nowhere: Tab still reaches the device's buttons.
        time.sleep(0.2)
        tab_to(app, f"{row_css} .show-timeline").send_keys(Keys.ENTER)
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 1)
        wait(app).until(lambda a: a.find_elements("css selector", "#space .space-bar"))
        screenshot("timeline-dark")
