"""Operations of bug-bash triage: take reports in, triage them, send them to agents, export."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.client.operations.calls import Asker
from app.core.clusters import Cluster
from app.core.suggestion import Suggestion, SuggestRun
from app.core.task import Task
from app.core.triage import ExportResult, ImportResult, Report
from app.core.wire import encode


class TriageOperations(Asker):
    """Bug-bash reports: intake, triage, dispatch to agents, export."""

    async def reports(self, project: str, statuses: Sequence[str] | None = None) -> list[Report]:
        """Return a project's reports by id; only those in `statuses` (names) if given."""
        found: list[Report] = await self.do(
            "triage.reports", list[Report], project=project, statuses=_listed(statuses)
        )
        return found

    async def set_reports(self, ids: Sequence[int | str], **changes: Any) -> list[Report]:
        """Change reports' triage fields; return every report changed (followers too)."""
        found: list[Report] = await self.do(
            "triage.set", list[Report], ids=list(ids), changes=encode(changes)
        )
        return found

    async def capture_report(
        self, project: str, title: str, body: str = "", reporter: str = ""
    ) -> Report:
        """Take in one report typed by hand."""
        found: Report = await self.do(
            "triage.capture", Report, project=project, title=title, body=body, reporter=reporter
        )
        return found

    async def paste_reports(self, project: str, text: str) -> ImportResult:
        """Take in a paste: one report per line, Markdown bullets, or ## sections."""
        found: ImportResult = await self.do(
            "triage.paste", ImportResult, project=project, text=text
        )
        return found

    async def import_report_file(self, project: str, path: str) -> ImportResult:
        """Take in the reports of a .csv or .json file."""
        found: ImportResult = await self.do(
            "triage.import_file", ImportResult, project=project, path=_absolute(path)
        )
        return found

    async def import_github_issues(
        self,
        project: str,
        repo: str,
        api_url: str | None = None,
        github_env: Mapping[str, str] | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> ImportResult:
        """Take in GitHub repository OWNER/REPO's open issues, or what changed since last time.

        `on_progress` hears each page read and each pause for GitHub's rate limit.
        """
        found: ImportResult = await self.do_reporting(
            "triage.import_github",
            ImportResult,
            None if on_progress is None else _said(on_progress),
            project=project,
            repo=repo,
            api_url=api_url,
            github_env=_given(github_env),
        )
        return found

    async def export_reports_csv(self, project: str, path: str) -> int:
        """Write a project's reports to a CSV file; return how many."""
        return int(await self.do("triage.export_csv", int, project=project, path=_absolute(path)))

    async def export_triage_to_github(
        self,
        project: str,
        ids: Sequence[int] | None = None,
        api_url: str | None = None,
        github_env: Mapping[str, str] | None = None,
    ) -> ExportResult:
        """Write the triage of a project's GitHub reports (or just `ids`) back to their issues."""
        found: ExportResult = await self.do(
            "triage.export_github",
            ExportResult,
            project=project,
            ids=_listed(ids),
            api_url=api_url,
            github_env=_given(github_env),
        )
        return found

    async def dispatch_reports(
        self,
        ids: Sequence[int | str],
        agent: str | None = None,
        attempts: int = 1,
        template: str | None = None,
    ) -> list[tuple[Report, list[Task]]]:
        """Send each report to agents: one task (or best-of-N group) per report."""
        found: list[tuple[Report, list[Task]]] = await self.do(
            "triage.dispatch",
            list[tuple[Report, list[Task]]],
            ids=list(ids),
            agent=agent,
            attempts=attempts,
            template=template,
        )
        return found

    async def apply_suggestions(
        self, project: str, suggestions: Sequence[Suggestion]
    ) -> dict[int, list[str]]:
        """Fill in the suggested fields each report lacks; return the fields set per report."""
        found = await self.do(
            "triage.apply_suggestions",
            dict[str, list[str]],
            project=project,
            suggestions=encode(list(suggestions)),
        )
        return {int(report_id): fields for report_id, fields in found.items()}  # JSON's keys

    async def suggest(
        self,
        project: str,
        ids: Sequence[int],
        candidates: Mapping[int, Sequence[tuple[int, float]]],
        on_suggestion: Callable[[Suggestion], None],
        on_progress: Callable[[str], None],
        api_key: str | None = None,
    ) -> SuggestRun:
        """Ask the model about these reports; each suggestion is handed on as it comes back."""

        def relay(news: Any) -> None:
            if isinstance(news, dict) and isinstance(news.get("suggestion"), Suggestion):
                on_suggestion(news["suggestion"])
            elif isinstance(news, dict) and isinstance(news.get("say"), str):
                on_progress(news["say"])

        found: SuggestRun = await self.do_reporting(
            "triage.suggest",
            SuggestRun,
            relay,
            project=project,
            ids=list(ids),
            candidates={str(k): [list(c) for c in v] for k, v in candidates.items()},
            api_key=api_key,
        )
        return found

    async def similar_reports(
        self, project: str, report: int | str, k: int = 5
    ) -> list[tuple[Report, float]]:
        """Return the reports of `project` most like `report`, best first (never itself)."""
        found: list[tuple[Report, float]] = await self.do(
            "triage.similar", list[tuple[Report, float]], project=project, report=report, k=k
        )
        return found

    async def clusters(self, project: str, min_score: float | None = None) -> list[Cluster]:
        """Return `project`'s duplicate clusters, surest first."""
        found: list[Cluster] = await self.do(
            "triage.clusters", list[Cluster], project=project, min_score=min_score
        )
        return found

    async def split_report(self, project: str, report: int | str) -> list[Report]:
        """Take a report out of its duplicate cluster for good."""
        found: list[Report] = await self.do(
            "triage.split", list[Report], project=project, report=report
        )
        return found

    async def merge_reports(
        self, project: str, ids: Sequence[int | str], original: int | None = None
    ) -> list[Report]:
        """Mark reports duplicates of `original` (default: their cluster's original)."""
        found: list[Report] = await self.do(
            "triage.merge", list[Report], project=project, ids=list(ids), original=original
        )
        return found


def _said(on_progress: Callable[[str], None]) -> Callable[[Any], None]:
    return lambda news: on_progress(news["say"]) if isinstance(news, dict) else None


def _listed(values: Sequence[Any] | None) -> list[Any] | None:
    return None if values is None else list(values)


def _absolute(path: str) -> str:
    """Return `path` as the service can find it: its working folder is not the asker's."""
    return str(Path(path).expanduser().absolute())


def _given(env: Mapping[str, str] | None) -> dict[str, str] | None:
    """Return the asker's token variables to send, or None to use the service's own."""
    return dict(env) if env else None
