"""Landing from the window: merge, discard, restore, follow-ups, compare, forecast, land train."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.land.controller import LandingController as LandingController
    from app.qt.land.forecastcontroller import ForecastController as ForecastController
    from app.qt.land.traincontroller import TrainController as TrainController
    from app.qt.land.trainview import TrainView as TrainView
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "controller": ("LandingController",),
            "forecastcontroller": ("ForecastController",),
            "traincontroller": ("TrainController",),
            "trainview": ("TrainView",),
        },
    )
