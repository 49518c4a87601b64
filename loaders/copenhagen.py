"""Copenhagen Networks Study interaction data: ``calls.csv`` and ``sms.csv``.

Follows the files of Sapiezynski, Stopczynski, Lassen, Lehmann, "Interaction data from the
Copenhagen Networks Study", Scientific Data 6, 315 (2019), figshare doi:10.6084/m9.figshare.7267433:
comma-separated, one header line, timestamps in seconds from the start of the observation.

* ``calls.csv``, header ``timestamp,caller,callee,duration``: kind ``call``, caller -> callee,
  ``weight`` = duration in seconds. A missed call (duration ``-1``) is still an attempt to reach
  someone, so it is kept, with weight 0; the notes say how many there were (the real file
  has 366 missed calls and another 580 calls of 0 seconds, which weigh 0 too).
* ``sms.csv``, header ``timestamp,sender,recipient``: kind ``sms``, sender -> recipient, weight 1.

``fb_friends.csv`` and ``genders.csv`` from the same study are recognised but refused: they
hold no timed events.

Option ``origin``: what timestamp 0 stands for (ISO date/time; default 1970-01-01). The
study's anonymised release does not give the real start date.

Example
-------
``calls.csv``::

    timestamp,caller,callee,duration
    184,300,301,121

>>> from ror_graph.loaders import load_events
>>> ds = load_events(["calls.csv"], origin="2013-01-01")           # doctest: +SKIP
>>> ds.events.select("src", "dst", "kind", "weight").row(0)        # doctest: +SKIP
('300', '301', 'call', 121.0)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl

from ror_graph.errors import InputError
from ror_graph.loaders import Loader, _common
from ror_graph.loaders._common import LINE
from ror_graph.model import Dataset, validate_events

__all__ = ["LOADER", "load", "detect", "HEADERS"]

#: Header line -> (column names, kind).
HEADERS: dict[str, tuple[tuple[str, ...], str]] = {
    "timestamp,caller,callee,duration": (("ts", "src", "dst", "duration"), "call"),
    "timestamp,sender,recipient": (("ts", "src", "dst"), "sms"),
}
#: Headers of the study's files that hold no events.
_NOT_EVENTS = ("# user_a,user_b", "# user,female")


def _header(head: bytes) -> str:
    lines = _common.data_lines(head, comment=None, limit=1)
    return lines[0].replace(" ", "").lower() if lines else ""


def detect(path: Path, head: bytes) -> bool:
    """By the header line (``timestamp,caller,callee,duration`` or ``timestamp,sender,recipient``,
    also the study's fb_friends / genders headers)."""
    if not _common.is_text(head):
        return False
    header = _header(head)
    return header in HEADERS or header in {h.replace(" ", "") for h in _NOT_EVENTS}


def load(path: Path, *, origin: str | datetime | None = None) -> Dataset:
    """Read a Copenhagen calls.csv or sms.csv into canonical events."""
    path = Path(path)
    data = _common.check_text(_common.read_bytes(path), path, what="a Copenhagen study file")
    header = _header(data[:4096])
    if header not in HEADERS:
        if header in {h.replace(" ", "") for h in _NOT_EVENTS}:
            raise InputError(
                "this Copenhagen file has no timed interactions (only calls.csv and sms.csv do)",
                path=str(path),
                line=1,
            )
        raise InputError(
            f"unexpected header {header!r}; expected one of: {', '.join(HEADERS)}",
            path=str(path),
            line=1,
        )
    names, kind = HEADERS[header]
    raw = _common.read_table(
        path, names, separator=",", skip=1, comment=None, data=data, what="a Copenhagen study file"
    )
    columns = [
        "src",
        "dst",
        pl.lit(kind).alias("kind"),
        _common.seconds_to_ts(
            raw["ts"], path=path, lines=raw[LINE], field="timestamp",
            origin_us=_common.parse_origin(origin),
        ),
    ]
    missed = zero = 0
    if kind == "call":
        duration = raw["duration"].cast(pl.Int64, strict=False)
        bad = duration.is_null() | (duration < -1)
        if bad.any():
            row = int(bad.arg_true()[0])
            raise InputError(
                f"duration {raw['duration'][row]!r} is not a number of seconds (or -1, missed)",
                path=str(path),
                line=int(raw[LINE][row]),
                field="duration",
            )
        missed = int((duration == -1).sum())
        zero = int((duration == 0).sum())
        columns.append(duration.clip(lower_bound=0).cast(pl.Float64).alias("weight"))
    frame = raw.select(*columns, LINE)
    dataset = validate_events(frame, source=str(path), first_line=2, line_column=LINE)
    if missed:
        note = f"{path}: kept {missed:,} missed call(s) (duration -1) as call attempts with weight 0"
        if zero:
            note += f"; {zero:,} other call(s) lasted 0 seconds and also weigh 0"
        dataset = replace(dataset, notes=(*dataset.notes, note))
    return dataset


LOADER = Loader(
    name="copenhagen",
    summary="Copenhagen Networks Study calls.csv (weight = seconds) and sms.csv",
    extensions=(".csv",),
    detect=detect,
    load=load,
    options={"origin": "ISO date/time that timestamp 0 stands for (default 1970-01-01)"},
)
