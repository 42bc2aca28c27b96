"""The background service's process: owns the supervisor and serves the local API."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.server.entry import main as main
    from app.server.entry import serve as serve
    from app.server.service import Service as Service
    from app.server.service import ServiceFailed as ServiceFailed
else:
    __getattr__ = lazy_exports(
        __name__,
        names={"entry": ("main", "serve"), "service": ("Service", "ServiceFailed")},
    )
