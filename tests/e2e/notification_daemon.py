"""A desktop notification server for the end-to-end tests: it owns org.freedesktop.Notifications on
the test's private D-Bus session, as GNOME Shell or dunst would on a desktop, speaks the Desktop
Notifications Specification the app's notifications go through, and writes each notification it
is sent as a JSON line to LOG. A test "clicks" notification N by appending the line N to
LOG.clicks: the server then emits ActionInvoked(N, "default"), what a real server sends when the
person clicks a notification.

Usage: notification_daemon.py LOG   (LOG.ready appears once the name is owned)
"""

import asyncio
import json
import pathlib
import sys

from dbus_fast import NameFlag, RequestNameReply
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Notifications(ServiceInterface):
    def __init__(self, log: pathlib.Path):
        super().__init__(NAME)
        self.log = log
        self.last_id = 0

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F821 (D-Bus signatures, not Python types)
        return ["actions", "body"]

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["keepsake-test-notifications", "keepsake", "1", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",  # noqa: F821
        replaces_id: "u",  # noqa: F821
        app_icon: "s",  # noqa: F821
        summary: "s",  # noqa: F821
        body: "s",  # noqa: F821
        actions: "as",  # noqa: F821
        hints: "a{sv}",  # noqa: F821
        expire_timeout: "i",  # noqa: F821
    ) -> "u":  # noqa: F821
        self.last_id += 1
        record = {"id": self.last_id, "app": app_name, "summary": summary, "body": body, "actions": actions}
        with self.log.open("a") as f:
            f.write(json.dumps(record) + "\n")
        return self.last_id

    @method()
    def CloseNotification(self, id: "u"):  # noqa: F821
        self.NotificationClosed(id, 3)

    @signal()
    def ActionInvoked(self, id, action) -> "us":  # noqa: F821
        return [id, action]

    @signal()
    def NotificationClosed(self, id, reason) -> "uu":  # noqa: F821
        return [id, reason]


async def main(log: pathlib.Path) -> None:
    bus = await MessageBus().connect()
    server = Notifications(log)
    bus.export(PATH, server)
    reply = await bus.request_name(NAME, NameFlag.DO_NOT_QUEUE)
    if reply != RequestNameReply.PRIMARY_OWNER:
        sys.exit(f"notification_daemon: {NAME} is already owned ({reply})")
    log.touch()
    pathlib.Path(f"{log}.ready").touch()
    clicks = pathlib.Path(f"{log}.clicks")
    done = 0
    while True:
        await asyncio.sleep(0.2)
        lines = clicks.read_text().split() if clicks.exists() else []
        for line in lines[done:]:
            server.ActionInvoked(int(line), "default")
        done = len(lines)


if __name__ == "__main__":
    asyncio.run(main(pathlib.Path(sys.argv[1])))
