"""The small client of the background service's local API, used by the CLI and the window."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.client.connection import ServiceClient as ServiceClient
    from app.client.connection import what_agents_see as what_agents_see
    from app.client.door import DoorClosed as DoorClosed
    from app.client.door import door_follow as door_follow
    from app.client.door import door_open as door_open
    from app.client.door import door_request as door_request
    from app.client.errors import Refused as Refused
    from app.client.errors import ServiceDown as ServiceDown
    from app.client.errors import ServiceError as ServiceError
    from app.client.link import ServiceLink as ServiceLink
    from app.client.operations import Operations as Operations
    from app.client.operations import client_call as client_call
    from app.client.operations import link_call as link_call
    from app.client.quick import answer as answer
    from app.client.quick import decode_event as decode_event
    from app.client.starter import ensure_service as ensure_service
    from app.client.starter import stop_service as stop_service
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "connection": ("ServiceClient", "what_agents_see"),
            "door": ("DoorClosed", "door_follow", "door_open", "door_request"),
            "errors": ("Refused", "ServiceDown", "ServiceError"),
            "link": ("ServiceLink",),
            "operations": ("Operations", "client_call", "link_call"),
            "quick": ("answer", "decode_event"),
            "starter": ("ensure_service", "stop_service"),
        },
    )
