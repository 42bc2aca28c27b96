"""The window's shell: main window, its controller, notifications, settings, health, projects."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.shell.accessiblenames import name_controls as name_controls
    from app.qt.shell.controller import WindowController as WindowController
    from app.qt.shell.healthcontroller import HealthController as HealthController
    from app.qt.shell.host import Supervised as Supervised
    from app.qt.shell.host import WindowHost as WindowHost
    from app.qt.shell.mainwindow import MainWindow as MainWindow
    from app.qt.shell.openers import OpenController as OpenController
    from app.qt.shell.remote import RemoteSupervisor as RemoteSupervisor
    from app.qt.shell.remote import ServiceHome as ServiceHome
    from app.qt.shell.remote import service_home as service_home
    from app.qt.shell.theme import apply_theme as apply_theme
    from app.qt.shell.toolscontroller import SearchController as SearchController
    from app.qt.shell.toolscontroller import SettingsController as SettingsController
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "accessiblenames": ("name_controls",),
            "controller": ("WindowController",),
            "healthcontroller": ("HealthController",),
            "host": ("Supervised", "WindowHost"),
            "mainwindow": ("MainWindow",),
            "openers": ("OpenController",),
            "remote": ("RemoteSupervisor", "ServiceHome", "service_home"),
            "theme": ("apply_theme",),
            "toolscontroller": ("SearchController", "SettingsController"),
        },
    )
