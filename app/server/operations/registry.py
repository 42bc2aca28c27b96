"""What the window and the command line ask of the process that supervises a home.

Each operation takes JSON parameters and returns a value that core's wire turns into JSON.
The local API serves them at POST /v1/do/{name}; a process that supervises its home itself
(the demo window, a command run with no service) performs them in place through `local_call`,
through the same JSON, so both paths give the client exactly the same answers.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import orjson

from app.core.task import Task
from app.core.triage import TriageError
from app.core.wire import WireError, encode
from app.services.config import ConfigError
from app.services.orchard import Orchard, UserError

Params = dict[str, Any]
Operation = Callable[[Orchard, Params], Awaitable[Any]]
Envelope = dict[str, Any]  # {"value": ...} or {"error": one line, "kind": ..., "detail": {...}}
Progress = Callable[[Any], None]
OPERATIONS: dict[str, Operation] = {}
_progress: ContextVar[Progress | None] = ContextVar("progress", default=None)


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register an operation under `name`."""

    def register(function: Operation) -> Operation:
        OPERATIONS[name] = function
        return function

    return register


def report(value: Any) -> None:
    """Tell the asker how the operation goes (a batch of suggestions, a page imported)."""
    send = _progress.get()
    if send is not None:
        send(encode(value))


async def perform(
    orchard: Orchard, name: str, params: Params, on_progress: Progress | None = None
) -> Envelope:
    """Run operation `name`; return its value, or the refusal the person is shown.

    What the operation reports on the way goes to `on_progress`, as JSON, if given.
    """
    function = OPERATIONS.get(name)
    if function is None:
        return {"error": f"this Orchard service has no operation {name!r}", "kind": "Unknown"}
    token = _progress.set(on_progress)  # its tasks and threads inherit it
    try:
        value = await function(orchard, params)
    except (UserError, ConfigError, TriageError) as exc:  # a rule broken: one line
        return refusal(exc)
    finally:
        _progress.reset(token)
    for task in changed_tasks(value):  # every window's board shows it at once
        orchard.supervisor.announce(task)
    return {"value": encode(value)}


def refusal(exc: Exception) -> Envelope:
    """Return a refusal's line, its kind and what it carries for the person (a land's check)."""
    detail = {k: v for k, v in vars(exc).items() if not k.startswith("_")}
    try:
        carried = encode(detail)
    except WireError:
        carried = {}
    return {"error": str(exc), "kind": type(exc).__name__, "detail": carried}


def changed_tasks(value: Any) -> list[Task]:
    """Return the tasks an operation's value holds, at any depth (a land's, a pick's)."""
    if isinstance(value, Task):
        return [value]
    kind: Any = type(value)  # a class is hashable, whatever typeshed says of type[Any]
    if not _may_hold_tasks(kind):  # a diff's thousands of rows are never walked
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [t for v in value for t in changed_tasks(v)]
    if isinstance(value, dict):
        return changed_tasks(list(value.values()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return changed_tasks([getattr(value, f.name) for f in dataclasses.fields(value)])
    return []


@functools.cache
def _may_hold_tasks(kind: type) -> bool:
    """Say whether a value of `kind` can hold a task, as its fields' annotations say."""
    return _holds_tasks(kind, set())


def _holds_tasks(hint: Any, seen: set[Any]) -> bool:
    if hint is Task or hint is Any:
        return True
    if hint in seen:
        return False
    seen.add(hint)
    args = typing.get_args(hint)
    if args:
        return any(_holds_tasks(a, seen) for a in args)
    if not isinstance(hint, type) or hint in (str, bytes, int, float, bool, type(None)):
        return False
    if issubclass(hint, enum.Enum):
        return False
    named = issubclass(hint, tuple) and hasattr(hint, "_fields")
    if dataclasses.is_dataclass(hint) or named:
        try:
            hints = typing.get_type_hints(hint)
        except (NameError, TypeError):
            return True  # cannot tell: look inside
        return any(_holds_tasks(h, seen) for h in hints.values())
    return True  # a plain container or something unknown: look inside


def local_call(orchard: Orchard) -> Callable[[str, Params, Progress | None], Awaitable[Envelope]]:
    """Return the client's call for a process that supervises `orchard` itself."""

    async def call(name: str, params: Params, on_progress: Progress | None = None) -> Envelope:
        # Through bytes as the API's would be: what works here works over the socket.
        relay = None if on_progress is None else _through_json(on_progress)
        envelope = await perform(orchard, name, orjson.loads(orjson.dumps(params)), relay)
        return dict(orjson.loads(orjson.dumps(envelope)))

    return call


def _through_json(on_progress: Progress) -> Progress:
    return lambda value: on_progress(orjson.loads(orjson.dumps(value)))


# parameters


def text(params: Params, name: str, default: str | None = None) -> str:
    """Return a text parameter; refuse a missing or mistyped one in one line."""
    value = params.get(name, default)
    if not isinstance(value, str):
        raise UserError(f"the request needs '{name}' as text")
    return value


def optional_text(params: Params, name: str) -> str | None:
    """Return a text parameter that may be left out."""
    value = params.get(name)
    return None if value is None else text(params, name)


def flag(params: Params, name: str, default: bool = False) -> bool:
    """Return a yes/no parameter."""
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise UserError(f"the request needs '{name}' as true or false")
    return value


def number(params: Params, name: str, default: int | None = None) -> int:
    """Return a whole-number parameter."""
    value = params.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise UserError(f"the request needs '{name}' as a whole number")
    return value


def optional_amount(params: Params, name: str) -> float | None:
    """Return a number parameter (whole or not) that may be left out."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UserError(f"the request needs '{name}' as a number")
    return float(value)


def drop_choice(params: Params) -> bool | list[int]:
    """Return which unsent comments an action may drop: all (true), none, or these ids."""
    value = params.get("drop_comments", False)
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(i, int) for i in value):
        return value
    raise UserError("the request needs 'drop_comments' as true, false or a list of ids")
