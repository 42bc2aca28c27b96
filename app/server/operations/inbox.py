"""Operations of the inbox: what waits on a person, answers to it, and each project's list."""

from __future__ import annotations

from typing import Any

from app.core.inbox import Answer, Ask, Policy, Verdict
from app.server.operations.registry import Params, operation, text
from app.services.orchard import Orchard, UserError

_PERSON = ("allow", "allow-task", "allow-project", "deny", "reply", "raise", "stop")


def answer_of(params: Params) -> Answer:
    """Return the answer a request carries: `verdict`, `message`, `amount`."""
    verdict = text(params, "verdict")
    if verdict not in _PERSON:
        raise UserError(f"'{verdict}' is not an answer: use one of {', '.join(_PERSON)}")
    message = text(params, "message", "")
    amount = params.get("amount")
    if amount is not None and (not isinstance(amount, int | float) or isinstance(amount, bool)):
        raise UserError("the request needs 'amount' as a number")
    if verdict == "reply" and not message.strip():
        raise UserError("a reply needs its text")
    return Answer(Verdict(verdict), message, None if amount is None else float(amount))


def _texts(params: Params, name: str) -> list[str]:
    value = params.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"the request needs '{name}' as a list of text")
    return value


@operation("inbox.list")
async def pending(orchard: Orchard, params: Params) -> list[Ask]:
    """Return every request waiting on a person here, oldest first."""
    return orchard.inbox.pending()


@operation("inbox.answer")
async def answer(orchard: Orchard, params: Params) -> dict[str, str]:
    """Answer requests by id; each id maps to "" if answered, else why not, in one line."""
    ids = _texts(params, "ids")
    if not ids:
        raise UserError("name at least one request to answer")
    return orchard.inbox.answer(ids, answer_of(params))


@operation("inbox.answer_matching")
async def answer_matching(orchard: Orchard, params: Params) -> list[str]:
    """Answer every waiting command matching a shell glob; return the ids answered."""
    pattern = text(params, "pattern")
    if not pattern.strip():
        raise UserError("the pattern is empty")
    return orchard.inbox.answer_matching(pattern, answer_of(params))


@operation("inbox.rules")
async def rules(orchard: Orchard, params: Params) -> Policy:
    """Return the project's allowed and denied command patterns."""
    project = orchard.store.project(text(params, "project"))
    return orchard.rules.policy(project.name)


@operation("inbox.set_rules")
async def set_rules(orchard: Orchard, params: Params) -> Policy:
    """Record the project's whole list of allowed and denied patterns."""
    project = orchard.store.project(text(params, "project"))
    policy = Policy(tuple(_texts(params, "allow")), tuple(_texts(params, "deny")))
    return orchard.rules.set_policy(project.name, policy)


def feed_line(orchard: Orchard) -> dict[str, Any]:
    """Return the waiting requests as the board feed carries them."""
    from app.core.wire import encode

    return {"asks": encode(orchard.inbox.pending())}
