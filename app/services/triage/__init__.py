"""Bug-bash triage: reports, their import from files and GitHub, export, and suggestions."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.triage import reports as reports
    from app.services.triage.clusters import merge_reports as merge_reports
    from app.services.triage.clusters import project_clusters as project_clusters
    from app.services.triage.clusters import similar_reports as similar_reports
    from app.services.triage.clusters import split_report as split_report
    from app.services.triage.export import export_github as export_github
    from app.services.triage.importer import ImportResult as ImportResult
    from app.services.triage.importer import import_file as import_file
    from app.services.triage.importer import import_github as import_github
    from app.services.triage.reports import capture_report as capture_report
    from app.services.triage.reports import dispatch_reports as dispatch_reports
    from app.services.triage.reports import export_csv as export_csv
    from app.services.triage.reports import mark_fixed_by_task as mark_fixed_by_task
    from app.services.triage.reports import paste_reports as paste_reports
    from app.services.triage.reports import set_reports as set_reports
    from app.services.triage.suggest import SuggestError as SuggestError
    from app.services.triage.suggest import suggest_reports as suggest_reports
else:
    __getattr__ = lazy_exports(
        __name__,
        modules=("reports",),
        names={
            "clusters": ("merge_reports", "project_clusters", "similar_reports", "split_report"),
            "export": ("export_github",),
            "importer": ("ImportResult", "import_file", "import_github"),
            "reports": (
                "capture_report",
                "dispatch_reports",
                "export_csv",
                "mark_fixed_by_task",
                "paste_reports",
                "set_reports",
            ),
            "suggest": ("SuggestError", "suggest_reports"),
        },
    )
