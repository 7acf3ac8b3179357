"""The dashboard's numbers: small aggregate queries on executions, drawn as inline SVG."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from executions.models import Execution
from executions.states import State

COLOURS = {
    "SUCCESS": "#17a34a",
    "WARNING": "#d97706",
    "FAILED": "#dc2626",
    "KILLED": "#b91c1c",
    "RUNNING": "#2563eb",
    "PAUSED": "#7c3aed",
    "QUEUED": "#64748b",
    "CREATED": "#94a3b8",
    "CANCELLED": "#9ca3af",
}
OTHER = "#cbd5e1"
EVERYTHING = Q()  # no namespace restriction (a user's is rights_for(user).q())


def _days(count: int, today: date) -> list[date]:
    return [today - timedelta(days=count - 1 - i) for i in range(count)]


def executions_per_day(
    days: int = 14, now: datetime | None = None, scope: Q = EVERYTHING
) -> dict[date, dict[str, int]]:
    now = now or datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), UTC)
    table: dict[date, dict[str, int]] = {day: {} for day in _days(days, now.date())}
    rows = (
        Execution.objects.filter(scope, created__gte=since)
        .annotate(day=TruncDate("created"))
        .values("day", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        day = row["day"]
        if isinstance(day, datetime):
            day = day.date()
        if day in table:
            table[day][row["state"]] = row["n"]
    return table


def failures_by_flow(days: int = 14, limit: int = 10, scope: Q = EVERYTHING) -> list[dict]:
    since = datetime.now(UTC) - timedelta(days=days)
    return list(
        Execution.objects.filter(scope, created__gte=since, state=State.FAILED.value)
        .values("namespace", "flow_id")
        .annotate(n=Count("id"))
        .order_by("-n", "namespace", "flow_id")[:limit]
    )


def duration_per_day(
    days: int = 14, now: datetime | None = None, scope: Q = EVERYTHING
) -> dict[date, float | None]:
    now = now or datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), UTC)
    table: dict[date, float | None] = {day: None for day in _days(days, now.date())}
    rows = (
        Execution.objects.filter(scope, created__gte=since)
        .exclude(start_date=None)
        .exclude(end_date=None)
        .annotate(day=TruncDate("created"))
        .values("day")
        .annotate(
            avg=Avg(
                ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
            )
        )
    )
    for row in rows:
        day = row["day"]
        if isinstance(day, datetime):
            day = day.date()
        if day in table and row["avg"] is not None:
            table[day] = row["avg"].total_seconds()
    return table


def totals(days: int = 14, scope: Q = EVERYTHING) -> dict[str, int]:
    since = datetime.now(UTC) - timedelta(days=days)
    counts = dict(
        Execution.objects.filter(scope, created__gte=since)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    running = sum(n for s, n in counts.items() if not State(s).is_terminal)
    return {
        "total": sum(counts.values()),
        "success": counts.get("SUCCESS", 0),
        "failed": counts.get("FAILED", 0) + counts.get("KILLED", 0),
        "running": running,
    }


W, H, LEFT, BOTTOM, TOP = 640, 200, 36, 22, 8


def _axis(peak: float, fmt) -> list[str]:
    out = []
    for i in range(5):
        value = peak * i / 4
        y = TOP + (H - TOP - BOTTOM) * (1 - i / 4)
        out.append(f'<line x1="{LEFT}" x2="{W}" y1="{y:.0f}" y2="{y:.0f}" stroke="#eef0f5"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.0f}" text-anchor="end">{fmt(value)}</text>')
    return out


def stacked_bars(table: dict[date, dict[str, int]]) -> SafeString:
    """Executions per day, one bar per day stacked by state."""
    highest = max([sum(c.values()) for c in table.values()] + [1])
    peak = max(4, -(-highest // 4) * 4)  # a multiple of 4: whole numbers on every grid line
    step = (W - LEFT) / max(len(table), 1)
    plot = H - TOP - BOTTOM
    out = _axis(peak, lambda v: f"{v:.0f}")
    for index, (day, counts) in enumerate(table.items()):
        x = LEFT + index * step + step * 0.15
        y = TOP + plot
        for state in sorted(counts, key=lambda s: list(COLOURS).index(s) if s in COLOURS else 99):
            height = counts[state] / peak * plot
            y -= height
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}"'
                f' fill="{COLOURS.get(state, OTHER)}"><title>{day} {escape(state)}: {counts[state]}'
                "</title></rect>"
            )
        out.append(
            f'<text x="{x + step * 0.35:.1f}" y="{H - 6}" text-anchor="middle">{day:%m-%d}</text>'
        )
    return _svg(out, "Executions per day by state")


def line(table: dict[date, float | None]) -> SafeString:
    """Average duration per day (seconds)."""
    values = [v for v in table.values() if v is not None]
    peak = max([*values, 1.0])
    step = (W - LEFT) / max(len(table), 1)
    plot = H - TOP - BOTTOM
    out = _axis(peak, lambda v: f"{v:.0f}s" if v >= 10 or v == 0 else f"{v:.1f}s")
    points = []
    for index, (day, value) in enumerate(table.items()):
        x = LEFT + index * step + step / 2
        out.append(f'<text x="{x:.1f}" y="{H - 6}" text-anchor="middle">{day:%m-%d}</text>')
        if value is None:
            continue
        y = TOP + plot * (1 - value / peak)
        points.append(f"{x:.1f},{y:.1f}")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#8405ff"><title>{day}: '
            f"{value:.2f} s</title></circle>"
        )
    if len(points) > 1:
        out.insert(
            0,
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#8405ff"'
            ' stroke-width="2"/>',
        )
    return _svg(out, "Average duration per day")


def _svg(parts: list[str], label: str) -> SafeString:
    # Every part is built here from numbers, dates and state names; the label is escaped.
    return mark_safe(  # noqa: S308
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(label)}">'
        + "".join(parts)
        + "</svg>"
    )
