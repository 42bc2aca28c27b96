"""Operations of the inbox: what waits on a person, answers to it, and each project's list."""

from __future__ import annotations

from collections.abc import Sequence

from app.client.operations.calls import Asker
from app.core.inbox import Answer, Ask, Policy


def _answer(answer: Answer) -> dict[str, object]:
    return {"verdict": answer.verdict.value, "message": answer.message, "amount": answer.amount}


class InboxOperations(Asker):
    """Needs you: every agent's request waiting on a person, and the projects' lists."""

    async def pending_asks(self) -> list[Ask]:
        """Return every request waiting on a person, oldest first."""
        found: list[Ask] = await self.do("inbox.list", list[Ask])
        return found

    async def answer_asks(self, ids: Sequence[str], answer: Answer) -> dict[str, str]:
        """Answer requests by id: each id maps to "" if answered, else why not."""
        found: dict[str, str] = await self.do(
            "inbox.answer", dict[str, str], ids=list(ids), **_answer(answer)
        )
        return found

    async def answer_matching(self, pattern: str, answer: Answer) -> list[str]:
        """Answer every waiting command that matches a shell glob; return the ids answered."""
        found: list[str] = await self.do(
            "inbox.answer_matching", list[str], pattern=pattern, **_answer(answer)
        )
        return found

    async def inbox_rules(self, project: str) -> Policy:
        """Return a project's allowed and denied command patterns."""
        found: Policy = await self.do("inbox.rules", Policy, project=project)
        return found

    async def set_inbox_rules(self, project: str, policy: Policy) -> Policy:
        """Record a project's whole list of allowed and denied patterns."""
        found: Policy = await self.do(
            "inbox.set_rules", Policy, project=project, allow=list(policy.allow),
            deny=list(policy.deny),
        )  # fmt: skip
        return found
