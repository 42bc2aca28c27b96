"""What Orchard keeps: the database and its tables, every task's log, search across the logs."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.store import logs as logs
    from app.services.store.database import ReportBatch as ReportBatch
    from app.services.store.database import Store as Store
    from app.services.store.database import StoreCorrupt as StoreCorrupt
    from app.services.store.database import StoreError as StoreError
    from app.services.store.database import move_aside as move_aside
    from app.services.store.logs import HeldOutput as HeldOutput
    from app.services.store.logs import MaskedSinks as MaskedSinks
    from app.services.store.logs import TaskLogWriter as TaskLogWriter
    from app.services.store.logs import follow_bytes as follow_bytes
    from app.services.store.logs import read_turn_events as read_turn_events
    from app.services.store.search import SearchHit as SearchHit
    from app.services.store.search import search_logs as search_logs
else:
    __getattr__ = lazy_exports(
        __name__,
        modules=("logs",),
        names={
            "database": ("ReportBatch", "Store", "StoreCorrupt", "StoreError", "move_aside"),
            "logs": (
                "HeldOutput",
                "MaskedSinks",
                "TaskLogWriter",
                "follow_bytes",
                "read_turn_events",
            ),
            "search": ("SearchHit", "search_logs"),
        },
    )
