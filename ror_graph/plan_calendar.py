"""The outreach plan as an iCalendar file (RFC 5545) that any calendar or task app imports.

(Named ``plan_calendar`` rather than ``calendar`` so that it can never shadow the standard
library's ``calendar`` module, which ``dateutil`` and others import.)

One component per plan row, written with the ``icalendar`` package:

* ``kind="event"`` (default; every calendar app shows these): an all-day ``VEVENT`` on the due
  date (``DTSTART;VALUE=DATE`` and ``DTEND`` the day after), ``TRANSP:TRANSPARENT`` so it does
  not block time;
* ``kind="todo"`` (task apps): a ``VTODO`` with ``DUE;VALUE=DATE`` and ``STATUS:NEEDS-ACTION``.

Each has ``SUMMARY`` (the action and the contact), ``DESCRIPTION`` (the suggestion, the reason
and why it is due then), ``CATEGORIES`` (the action and the tier), ``PRIORITY`` (1 for the
first tenth of the plan ... 9 for the last) and a stable ``UID``: a hash of the ego, the contact
and the action, so importing next week's plan updates the entries instead of adding copies.
``DTSTAMP`` is the plan's ``as_of``, never the wall clock, so the same plan gives the same bytes.
Files are written atomically.

Example
-------
>>> import polars as pl
>>> from datetime import date, datetime, timezone
>>> plan = pl.DataFrame({"rank": [1], "contact_id": ["ana"], "action": ["reach_out"],
...                      "suggestion": ["Reach out after the silence"], "reason": ["top 5% influence"],
...                      "due_date": [date(2024, 5, 2)], "tier": ["inner"], "due_reason": ["inner tier: at most 14 days"]})
>>> text = plan_calendar(plan, me="brand", as_of=datetime(2024, 5, 1, tzinfo=timezone.utc)).decode()
>>> "BEGIN:VEVENT" in text and "DTSTART;VALUE=DATE:20240502" in text and "SUMMARY:Reach out: ana" in text
True
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.output import atomic_write

__all__ = ["CALENDAR_KINDS", "plan_calendar", "write_calendar"]

CALENDAR_KINDS = ("event", "todo")
_LABELS = {
    "thank_fan": "Thank", "reply": "Reply to", "reconnect_bridge": "Reconnect with", "reach_out": "Reach out",
    "ask_referral": "Ask for a referral", "keep_in_touch": "Keep in touch",
}


def _uid(me: str, contact: str, action: str) -> str:
    digest = hashlib.sha256(f"{me}\x1f{contact}\x1f{action}".encode()).hexdigest()[:24]
    return f"{digest}@ror-graph"


def plan_calendar(plan: pl.DataFrame, *, me: str, as_of: datetime, kind: str = "event") -> bytes:
    """The plan (columns of :data:`ror_graph.plan.PLAN_COLUMNS`) as iCalendar bytes."""
    from icalendar import Calendar, Event, Todo

    if kind not in CALENDAR_KINDS:
        raise OptionError(f"calendar kind {kind!r}: use event or todo")
    cal = Calendar()
    cal.add("prodid", "-//ror-graph//outreach plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Outreach plan: {me}")
    n = max(plan.height, 1)
    for row in plan.iter_rows(named=True):
        item = Event() if kind == "event" else Todo()
        label = _LABELS.get(row["action"], row["action"])
        item.add("uid", _uid(me, row["contact_id"], row["action"]))
        item.add("dtstamp", as_of)
        item.add("summary", f"{label}: {row['contact_id']}")
        lines = [row.get("suggestion"), f"Why them: {row['reason']}" if row.get("reason") else None,
                 f"Due: {row['due_reason']}" if row.get("due_reason") else None]
        item.add("description", "\n".join(x for x in lines if x))
        item.add("categories", [c for c in (row["action"], row.get("tier")) if c])
        item.add("priority", 1 + min(8, (int(row["rank"]) - 1) * 9 // n))
        if kind == "event":
            item.add("dtstart", row["due_date"])
            item.add("dtend", row["due_date"] + timedelta(days=1))
            item.add("transp", "TRANSPARENT")
        else:
            item.add("due", row["due_date"])
            item.add("status", "NEEDS-ACTION")
        cal.add_component(item)
    return cal.to_ical()


def write_calendar(plan: pl.DataFrame, path: str | Path, *, me: str, as_of: datetime, kind: str = "event") -> int:
    """Write :func:`plan_calendar` to ``path`` atomically; returns the number of entries."""
    data = plan_calendar(plan, me=me, as_of=as_of, kind=kind)
    atomic_write(path, lambda out: out.write(data))
    return plan.height
