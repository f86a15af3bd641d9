"""Preferences: backup locations are added with their free space, one is the default, and a
location is forgotten without touching its folder."""

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait


def test_locations_are_added_made_default_and_removed(app, screenshot, tmp_path):
    first, second = tmp_path / "Disk A", tmp_path / "Disk B"
    first.mkdir()
    second.mkdir()
    wait = WebDriverWait(app, 20, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    app.find_element("id", "show-preferences").click()
    assert app.find_element("id", "no-locations").text == "No backup location yet."
    # the sidebar stays, and marks the screen shown
    assert app.find_element("id", "show-preferences").get_attribute("aria-current") == "page"
    for disk in (first, second):
        field = app.find_element("id", "preferences-new-location")
        field.send_keys(str(disk))
        app.find_element("id", "preferences-add").click()
        wait.until(lambda a: a.find_elements("css selector", f'.location[data-path="{disk}"]'))
    row = lambda disk: app.find_element("css selector", f'.location[data-path="{disk}"]')  # noqa: E731
    assert "Default" in row(first).text, "the first location added becomes the default"
    assert " free of " in row(second).find_element("class name", "location-space").text
    row(second).find_element("class name", "make-default").click()
    wait.until(lambda a: "Default" in row(second).text and "Default" not in row(first).text)
    screenshot("preferences")
    row(first).find_element("class name", "remove-location").click()
    wait.until(lambda a: not a.find_elements("css selector", f'.location[data-path="{first}"]'))
    assert first.is_dir(), "removing a location leaves the folder alone"
    # Start at login writes the desktop's autostart entry, which starts Keepsake in the tray.
    autostart = tmp_path / "home" / ".config" / "autostart"
    app.find_element("id", "autostart").click()
    wait.until(lambda a: list(autostart.glob("*.desktop")))
    entry = next(autostart.glob("*.desktop")).read_text()
    assert "--hidden" in entry and "keepsake-app" in entry, entry
    assert app.find_element("id", "autostart").is_selected()
    app.find_element("id", "autostart").click()
    wait.until(lambda a: not list(autostart.glob("*.desktop")))
    app.find_element("id", "back-to-devices").click()
    # The sidebar is drawn again as the devices screen comes back, so every element is read once
    # the view settles: the home pane again (no device), and Preferences no longer marked.
    wait.until(
        lambda a: a.find_element("id", "devices-title").text == "Devices"
        and "Connect one with a cable" in a.find_element("id", "no-devices").text
        and a.find_element("id", "show-preferences").get_attribute("aria-current") is None
    )
