"""ISO-8601 durations as Kestra (java.time.Duration) writes them: PT5M, PT0.5S, P1D, P1DT2H."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

_DURATION = re.compile(
    r"(?P<sign>[-+]?)P"
    r"(?:(?P<days>[-+]?\d+)D)?"
    r"(?:T(?:(?P<hours>[-+]?\d+)H)?(?:(?P<minutes>[-+]?\d+)M)?"
    r"(?:(?P<seconds>[-+]?\d+(?:[.,]\d{1,9})?)S)?)?",
    re.IGNORECASE,
)


def parse_duration(value: str) -> datetime.timedelta:
    """Parse an ISO-8601 duration (days, hours, minutes, seconds); ValueError on bad input."""
    if not isinstance(value, str):
        raise ValueError(f"an ISO-8601 duration must be a string, got {type(value).__name__}")
    text = value.strip()
    match = _DURATION.fullmatch(text)
    if (
        match is None
        or text.upper().endswith("T")
        or not any(match.group(part) for part in ("days", "hours", "minutes", "seconds"))
    ):
        raise ValueError(f"invalid ISO-8601 duration: {value!r} (expected e.g. PT5M, PT0.5S, P1D)")
    seconds = Decimal((match.group("seconds") or "0").replace(",", "."))
    delta = datetime.timedelta(
        days=int(match.group("days") or 0),
        hours=int(match.group("hours") or 0),
        minutes=int(match.group("minutes") or 0),
        seconds=float(seconds),
    )
    return -delta if match.group("sign") == "-" else delta


def is_duration(value: str) -> bool:
    try:
        parse_duration(value)
    except ValueError:
        return False
    return True
