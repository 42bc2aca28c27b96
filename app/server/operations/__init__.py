"""The operations the window and the command line ask of whichever process supervises a home."""

# The feature modules register their operations as they are imported.
from app.server.operations import compare as compare
from app.server.operations import health as health
from app.server.operations import inbox as inbox
from app.server.operations import land as land
from app.server.operations import logs as logs
from app.server.operations import projects as projects
from app.server.operations import review as review
from app.server.operations import settings as settings
from app.server.operations import tasks as tasks
from app.server.operations import train as train
from app.server.operations import triage as triage
from app.server.operations.registry import OPERATIONS as OPERATIONS
from app.server.operations.registry import Envelope as Envelope
from app.server.operations.registry import local_call as local_call
from app.server.operations.registry import perform as perform
