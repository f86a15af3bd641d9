"""The app on a French desktop (LANG=fr_FR.UTF-8): the first-backup wizard, the backup, the device
page, the timeline, the snapshot browser with its search and the preferences all speak French,
with French dates and sizes, and still fit the window (every screenshot goes through the layout
and accessibility checks, French being about a fifth longer than English). The notification
the backup sends comes from the Rust side's catalog, in French too."""

import pytest

from test_backup_journey import css, text, wait, watch_backup

PASSWORD = "mot de passe correct"
PHONE = ("--size", "16MiB")
# (not "Preferences": iOS names a folder so, and the browser shows its paths)
ENGLISH = ("Back up now", "Snapshots", "Settings", "Last backup", "Never backed up", "Keep forever", "Search this snapshot", "Devices", "Cancel")


def no_english(app, where: str) -> None:
    """None of the interface's common English words is left on the screen."""
    shown = css(app, "body").text
    attrs = app.execute_script(
        "return Array.from(document.querySelectorAll('[aria-label],[title],[placeholder]'))"
        ".map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')].join(' ')).join(' ')"
    )
    left = [w for w in ENGLISH if w in shown or w in attrs]
    assert left == [], f"English on the {where} screen: {left}"


def looked_at(app, screenshot, name: str) -> None:
    """The screen has no English left, and its screenshot (through the layout checks) is saved."""
    no_english(app, name)
    screenshot(f"{name}-fr")


class TestInFrench:
    @pytest.fixture()
    def app_env(self):
        return {"LANG": "fr_FR.UTF-8", "LC_ALL": "fr_FR.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8", "LANGUAGE": "fr"}

    @pytest.fixture()
    def usbmuxd_address(self, phone):
        phone.start(*PHONE)
        return phone.address

    def test_the_first_backup_and_the_main_screens_in_french(self, app, phone, screenshot, notifications, tmp_path):
        disk = tmp_path / "Disque de sauvegarde"
        disk.mkdir()
        row_css = f'.device[data-udid="{phone.udid}"]'
        row = wait(app, 30).until(lambda a: css(a, row_css))
        assert app.execute_script("return document.documentElement.lang") == "fr"
        assert text(app, f"{row_css} .backup-now") == "Sauvegarder maintenant"
        assert text(app, f"{row_css} .last-backup") == "Jamais sauvegardé"
        assert text(app, "#devices-title") == "Appareils"
        assert text(app, "#show-preferences") == "Préférences"
        looked_at(app, screenshot, "device")

        # The wizard, in French, with the longer words still inside its cards.
        row.find_element("class name", "backup-now").click()
        wait(app).until(lambda a: a.find_elements("id", "password"))
        css(app, "#password").send_keys(PASSWORD)
        css(app, "#password-confirm").send_keys(PASSWORD)
        looked_at(app, screenshot, "wizard-encryption")
        css(app, "#wizard-next").click()
        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "location")
        css(app, "#new-location").send_keys(str(disk))
        css(app, "#add-location").click()
        wait(app).until(lambda a: a.find_elements("css selector", "#location-0:checked"))
        assert " libres sur " in css(app, "label[for=location-0]").text, css(app, "label[for=location-0]").text
        looked_at(app, screenshot, "wizard-location")
        css(app, "#wizard-next").click()
        wait(app).until(lambda a: css(a, "#wizard").get_attribute("data-step") == "snapshots")
        looked_at(app, screenshot, "wizard-snapshots")
        css(app, "#wizard-finish").click()
        wait(app, 60).until(lambda a: a.find_elements("css selector", "#wizard[data-step=recovery-key]"))
        looked_at(app, screenshot, "wizard-recovery-key")
        css(app, "#recovery-kept").click()
        css(app, "#wizard-done").click()

        # The backup, its result and the device page in French.
        wait(app, 120).until(lambda a: a.find_elements("css selector", f"{row_css} progress"))
        watch_backup(app, phone.udid)
        result = text(app, f"{row_css} .result")
        assert result.startswith(f"{phone.name} sauvegardé"), result
        assert "Dernière sauvegarde" in text(app, f"{row_css} .last-backup")
        wait(app).until(lambda a: a.find_elements("css selector", f"{row_css} .space-bar"))
        looked_at(app, screenshot, "device-backed-up")
        # the desktop notification, from the Rust side's French catalog
        done = wait(app, 30).until(lambda a: notifications.titled("Sauvegarde terminée"))
        assert done[0]["body"] == f"{phone.name} est sauvegardé.", done

        # The timeline, French dates and sizes (a decimal comma, "Mo").
        css(app, f"{row_css} .show-timeline").click()
        wait(app).until(lambda a: len(a.find_elements("css selector", ".snapshot")) == 1)
        timeline = text(app, "#view")
        assert " Mo" in timeline or " ko" in timeline, timeline
        looked_at(app, screenshot, "timeline")

        # The browser and its search.
        css(app, ".snapshot .snapshot-open").click()
        wait(app, 60).until(lambda a: a.find_elements("css selector", '.kind[data-kind="photos"] .open-kind'))
        looked_at(app, screenshot, "browser-contents")
        css(app, "#snapshot-search").send_keys("sms")
        wait(app, 30).until(lambda a: a.find_elements("css selector", "#search-results tr.search-hit"))
        looked_at(app, screenshot, "browser-search")

        # The preferences.
        css(app, "#show-preferences").click()
        wait(app).until(lambda a: css(a, "#show-preferences").get_attribute("aria-current") == "page")
        looked_at(app, screenshot, "preferences")
