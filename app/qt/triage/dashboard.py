"""The bug bash at a glance: counts, intake and triage rate, time to fixed, open P0s."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

_INTAKE, _TRIAGED = QColor("#0969da"), QColor("#1a7f37")


def duration_text(seconds: float | None) -> str:
    """Return '42 min', '3.5 h' or '—'."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    return f"{seconds / 3600:.1f} h"


def _ids(values: Any) -> list[int]:
    if isinstance(values, int):
        return []
    return [int(getattr(v, "id", v)) for v in values or ()]


def _counts(title: str, counts: dict[str, int], by_count: bool = True, rows: int = 6) -> str:
    items = [(k, v) for k, v in counts.items() if v]
    if by_count:
        items.sort(key=lambda kv: (-kv[1], str(kv[0])))
    if len(items) > rows:
        items = [*items[: rows - 1], ("other", sum(v for _k, v in items[rows - 1 :]))]
    cells = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td align=right><b>{v}</b></td></tr>" for k, v in items
    )
    return f"<b>{title}</b><table cellspacing=1>{cells}</table>"


class RateChartView(QWidget):
    """Intake (blue bars) and triaged (green bars) per time bucket, on labelled axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intake: list[int] = []
        self.triaged: list[int] = []
        self.bucket_seconds = 0.0
        self.setMinimumHeight(160)

    def set_series(
        self, intake: Sequence[int], triaged: Sequence[int], bucket_seconds: float = 0.0
    ) -> None:
        """Show two series of per-bucket counts, the last bucket ending now."""
        self.intake, self.triaged = list(intake), list(triaged)
        self.bucket_seconds = bucket_seconds
        self.update()

    def x_label(self) -> str:
        """Return the time axis' label: how long a bucket is, the last ending now."""
        if not self.bucket_seconds:
            return "time →  now"
        return f"time, {duration_text(self.bucket_seconds)} per bar pair →  now"

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint paired bars over a time axis, scaled to a labelled report count."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        top = max([1, *self.intake, *self.triaged])
        left = 8 + metrics.horizontalAdvance(str(top)) + line  # the rotated label, then ticks
        rect = QRectF(self.rect()).adjusted(left, line + 8, -6, -(line + 6))
        self._legend(painter)
        self._bars(painter, rect, top)
        self._axes(painter, rect, top, line)
        painter.end()

    def _bars(self, painter: QPainter, rect: QRectF, top: int) -> None:
        n = max(len(self.intake), len(self.triaged))
        if not n:
            return
        slot = rect.width() / n
        bar = max(1.0, slot * 0.4)
        for i in range(n):
            for offset, series, colour in ((0, self.intake, _INTAKE), (1, self.triaged, _TRIAGED)):
                value = series[i] if i < len(series) else 0
                h = rect.height() * value / top
                x = rect.left() + i * slot + slot * 0.1 + offset * bar
                painter.fillRect(QRectF(x, rect.bottom() - h, bar - 1, h), colour)

    def _axes(self, painter: QPainter, rect: QRectF, top: int, line: int) -> None:
        text = self.palette().text().color()
        painter.setPen(QPen(QColor("#8c959f")))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.bottomLeft(), rect.topLeft())
        painter.setPen(text)
        metrics = painter.fontMetrics()
        for value, y in ((top, rect.top()), (0, rect.bottom())):
            label = str(value)
            x = rect.left() - 4 - metrics.horizontalAdvance(label)
            painter.drawText(QRectF(x, y - line / 2, metrics.horizontalAdvance(label), line), label)
        painter.drawText(
            QRectF(rect.left(), rect.bottom() + 2, rect.width(), line),
            Qt.AlignmentFlag.AlignHCenter,
            self.x_label(),
        )
        painter.save()
        painter.translate(2, rect.center().y())
        painter.rotate(-90)
        label = "reports"
        width = metrics.horizontalAdvance(label)
        painter.drawText(QRectF(-width / 2, 0, width, line), label)
        painter.restore()

    def _legend(self, painter: QPainter) -> None:
        """Label each series beside a swatch of its own colour."""
        painter.setPen(self.palette().text().color())
        x = 4
        for label, colour in (("reports filed", _INTAKE), ("reports triaged", _TRIAGED)):
            painter.fillRect(QRectF(x, 4, 9, 9), colour)
            painter.drawText(x + 13, 13, label)
            x += 13 + painter.fontMetrics().horizontalAdvance(label) + 14


class TriageDashboardView(QWidget):
    """Shows a TriageStats; clicking an open P0 asks to select it."""

    p0_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories = QLabel()
        self.priorities = QLabel()
        self.statuses = QLabel()
        self.chart = RateChartView()
        self.summary = QLabel()
        self.p0 = QLabel()
        self.p0.setWordWrap(True)
        self.p0.linkActivated.connect(lambda link: self.p0_clicked.emit(int(link.lstrip("#"))))
        counts = QHBoxLayout()
        for label in (self.categories, self.priorities, self.statuses):
            label.setAlignment(Qt.AlignmentFlag.AlignTop)
            counts.addWidget(label)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 4)
        box.addWidget(self.p0)
        box.addLayout(counts)
        box.addWidget(self.chart, 1)
        box.addWidget(self.summary)

    def show_stats(self, stats: Any, titles: dict[int, str] | None = None) -> None:
        """Show counts, the rate chart, time to fixed and the open P0s."""
        self.categories.setText(_counts("Category", dict(stats.by_category)))
        self.priorities.setText(_counts("Priority", dict(stats.by_priority), by_count=False))
        statuses = {str(k): v for k, v in stats.by_status.items()}
        self.statuses.setText(_counts("Status", statuses, by_count=False))
        self.chart.set_series(stats.intake, stats.triaged, stats.bucket_seconds)
        self.summary.setText(
            f"{stats.total} reports, {stats.open_count} open · {stats.fixed_count} fixed · "
            f"median report → fixed: {duration_text(stats.median_time_to_fixed)}"
        )
        self._show_p0(_ids(stats.open_p0), titles or {})

    def _show_p0(self, ids: list[int], titles: dict[int, str]) -> None:
        if not ids:
            self.p0.setText("No open P0s.")
            self.p0.setStyleSheet("")
            return
        links = ", ".join(
            f'<a href="#{i}" style="color:#cf222e">#{i} {html.escape(titles.get(i, "")[:40])}</a>'
            for i in ids[:8]
        )
        more = f" and {len(ids) - 8} more" if len(ids) > 8 else ""
        self.p0.setText(f"<b style='color:#cf222e'>{len(ids)} open P0:</b> {links}{more}")
