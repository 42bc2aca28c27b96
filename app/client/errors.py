"""What a client of the service can be told: the service refused, or no service answers."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """The service refused or failed a request; the message is one line, fit to show."""

    def __init__(self, message: str, reply: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reply = reply  # the service's JSON answer, when it gave one


class Refused(ServiceError):
    """An operation the service (or this process) refused; nothing was changed.

    `kind` names the refusal (LandRefused, UnsentComments…) and `detail` holds what it
    carries for the person, such as a land's check.
    """

    def __init__(self, message: str, kind: str, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.kind, self.detail = kind, detail


class ServiceDown(ServiceError):
    """No service answers on the home's socket."""


class ServiceSilent(ServiceError):
    """A request reached the service but no answer came back; it may have been acted on."""
