"""What a client of the service can be told: the service refused, or no service answers."""

from __future__ import annotations


class ServiceError(Exception):
    """The service refused or failed a request; the message is one line, fit to show."""


class ServiceDown(ServiceError):
    """No service answers on the home's socket."""


class ServiceSilent(ServiceError):
    """A request reached the service but no answer came back; it may have been acted on."""
