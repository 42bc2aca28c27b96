"""What the window and the command line ask of whichever process supervises the home.

One `Operations` object, whatever answers: the background service over the local API, or
(the demo window, a command run with no service) this process itself, through the same JSON.
A refusal arrives as `Refused`, one line with what it carries for the person. Each feature's
operations are a class of their own here; `Operations` has them all.
"""

from app.client.operations.calls import Asker as Asker
from app.client.operations.calls import Call as Call
from app.client.operations.calls import client_call as client_call
from app.client.operations.calls import link_call as link_call
from app.client.operations.compare import CompareOperations
from app.client.operations.health import HealthOperations
from app.client.operations.inbox import InboxOperations
from app.client.operations.land import LandOperations
from app.client.operations.logs import LogOperations
from app.client.operations.projects import ProjectOperations
from app.client.operations.review import ReviewOperations
from app.client.operations.settings import SettingsOperations
from app.client.operations.tasks import TaskOperations
from app.client.operations.train import TrainOperations
from app.client.operations.triage import TriageOperations


class Operations(
    TaskOperations,
    LandOperations,
    CompareOperations,
    HealthOperations,
    InboxOperations,
    LogOperations,
    ProjectOperations,
    ReviewOperations,
    SettingsOperations,
    TriageOperations,
    TrainOperations,
):
    """Every operation, asked through one call."""
