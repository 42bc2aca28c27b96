"""Freedesktop notifications over the session bus (dbus-fast): send one, hear its actions.

No Qt here: the notifier decides what to say and what an action does. Every failure (no
session bus, no notification server, a server that refuses) comes back as None, so the
caller can fall back to the tray.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

from dbus_fast import BusType, Variant
from dbus_fast.aio import MessageBus, ProxyInterface
from dbus_fast.errors import DBusError

log = logging.getLogger(__name__)

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
# Only what Orchard calls and hears, so no introspection round trip is needed.
INTROSPECTION = f"""<node><interface name="{NAME}">
<method name="Notify">
<arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{{sv}}" direction="in"/><arg type="i" direction="in"/>
<arg type="u" direction="out"/>
</method>
<signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
</interface></node>"""


class DesktopNotifications:
    """One connection to the session bus's notification server, opened on first use."""

    def __init__(
        self, app_name: str, desktop_entry: str, on_action: Callable[[int, str], None]
    ) -> None:
        self.app_name = app_name
        self.desktop_entry = desktop_entry
        self.on_action = on_action  # (notification id, action key)
        self._bus: MessageBus | None = None
        self._interface: ProxyInterface | None = None

    async def notify(
        self, summary: str, body: str, actions: Sequence[tuple[str, str]]
    ) -> int | None:
        """Show a notification with (key, label) actions; return its id, or None if none showed.

        The hints ask for nothing that takes focus: the server shows it and the window stays
        where it is until the person picks an action.
        """
        interface = await self._connect()
        if interface is None:
            return None
        hints = {"desktop-entry": Variant("s", self.desktop_entry)}
        flat = [part for action in actions for part in action]
        try:
            found: int = await interface.call_notify(  # type: ignore[attr-defined]
                self.app_name, 0, "", summary, body, flat, hints, -1
            )
        except (DBusError, OSError, EOFError) as exc:
            log.info("no desktop notification: %s", exc)  # no server: the tray says it
            self.close()
            return None
        return found

    async def _connect(self) -> ProxyInterface | None:
        if self._interface is not None and self._bus is not None and self._bus.connected:
            return self._interface
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return None  # no session bus (a bare X server, a CI runner)
        try:
            bus = await MessageBus(bus_type=BusType.SESSION).connect()
        except (OSError, ValueError, DBusError, EOFError) as exc:
            log.info("no session bus: %s", exc)
            return None
        interface = bus.get_proxy_object(NAME, PATH, INTROSPECTION).get_interface(NAME)
        interface.on_action_invoked(self._on_action_invoked)  # type: ignore[attr-defined]
        self._bus, self._interface = bus, interface
        return interface

    def _on_action_invoked(self, notification_id: int, key: str) -> None:
        self.on_action(notification_id, key)

    def close(self) -> None:
        """Leave the bus."""
        if self._bus is not None:
            self._bus.disconnect()
        self._bus = self._interface = None
