"""Durations and points in time given on the command line: ``30d``, ``2024-05-01``, ``-90d``.

Nothing here reads the wall clock: a relative time is relative to a reference the caller
passes (usually the time of the last event).

Example
-------
>>> parse_duration("36h")
datetime.timedelta(days=1, seconds=43200)
>>> parse_as_of("-7d", reference=datetime(2024, 1, 31, tzinfo=timezone.utc)).isoformat()
'2024-01-24T00:00:00+00:00'
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ror_graph.errors import OptionError

__all__ = ["US_PER_DAY", "parse_duration", "parse_as_of", "format_duration"]

#: Microseconds in a day: event times are compared as epoch microseconds.
US_PER_DAY = 86_400_000_000

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdwy])\s*$", re.IGNORECASE)


def parse_duration(text: str | timedelta, *, name: str = "duration") -> timedelta:
    """Parse ``90s``, ``15m``, ``36h``, ``30d``, ``2w`` or ``1y`` (365 days) into a timedelta."""
    if isinstance(text, timedelta):
        value = text
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise OptionError(
                f"{name}={text!r} is not a duration; use a number and a unit, e.g. 30d, 12h, 2w"
            )
        value = timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    if value <= timedelta(0):
        raise OptionError(f"{name}={text!r} must be positive")
    return value


def parse_as_of(text: str | datetime | None, *, reference: datetime, name: str = "as_of") -> datetime:
    """Resolve ``as_of`` (or the parameter ``name``): ISO date or date-time (UTC unless it says
    otherwise), ``-30d`` (30 days before ``reference``), ``last`` or None (``reference`` itself)."""
    if text is None or (isinstance(text, str) and text.strip().lower() in ("", "last")):
        return reference
    if isinstance(text, datetime):
        value = text
    else:
        raw = text.strip()
        if raw.startswith("-"):
            return reference - parse_duration(raw[1:], name=name)
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise OptionError(
                f"{name}={text!r} is neither an ISO date/time (2024-05-01, 2024-05-01T12:00) "
                "nor a relative time (-30d)"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def format_duration(days: float) -> str:
    """A short human form of a number of days: ``41 days``, ``6 hours``, ``1.5 days``."""
    if days != days:  # NaN
        return "n/a"
    if days < 1:
        hours = days * 24
        return f"{hours:.0f} hours" if hours >= 1.5 else f"{hours * 60:.0f} minutes"
    if days < 10 and abs(days - round(days)) > 0.05:
        return f"{days:.1f} days"
    return f"{days:.0f} day" + ("" if round(days) == 1 else "s")
