"""SNAP temporal edge lists: one event per line, ``SRC DST UNIXTS``.

Follows the format of SNAP's temporal networks (https://snap.stanford.edu/data/#temporal),
e.g. ``CollegeMsg.txt`` and ``email-Eu-core-temporal.txt(.gz)``: fields separated by spaces or
tabs (any run of them), optional ``#`` comment lines, no header (a header line of three
words, such as ``SRC DST TS`` added by some copies, is skipped), optionally gzip-compressed.
SRC sent something to DST at UNIXTS, an integer (or decimal) number of seconds.

* ``kind``: the event kind; default ``email`` when the file name contains "email", else
  ``message``.
* ``origin``: what time 0 is. SNAP's anonymised files (email-Eu-core-temporal) count seconds
  from the start of the recording, not from 1970; pass the real start if you know it.
  Default 1970-01-01T00:00:00Z (plain Unix seconds).

Example
-------
``CollegeMsg.txt``::

    1 2 1082040961
    3 4 1082155839

>>> from ror_graph.loaders import load_events
>>> ds = load_events(["CollegeMsg.txt"], loader="snap_temporal")      # doctest: +SKIP
>>> ds.events.select("src", "dst", "kind", "ts").row(0)               # doctest: +SKIP
('1', '2', 'message', datetime.datetime(2004, 4, 15, 14, 56, 1, tzinfo=zoneinfo.ZoneInfo(key='UTC')))
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.loaders import Loader, _common
from ror_graph.loaders._common import LINE
from ror_graph.model import KINDS, Dataset, validate_events

__all__ = ["LOADER", "load", "detect"]

_LINE_RE = re.compile(r"^\s*[^\s,;]+[ \t]+[^\s,;]+[ \t]+-?\d+(\.\d+)?\s*$")
_HEADER_RE = re.compile(r"^\s*#?\s*[A-Za-z_][^\s,;]*[ \t]+[A-Za-z_][^\s,;]*[ \t]+[A-Za-z_][^\s,;]*\s*$")
_NAMES = ("src", "dst", "ts")


def detect(path: Path, head: bytes) -> bool:
    """Three whitespace-separated fields per line, the last a number of seconds."""
    name = path.name.lower()
    if "_network.edgelist" in name:  # Higgs' aggregated layers: the 3rd field is a count
        return False
    if not _common.is_text(head):
        return False
    lines = _common.data_lines(head)
    if lines and _HEADER_RE.match(lines[0]):  # copies that added a header line
        lines = lines[1:]
    return _common.looks_like(lines, _LINE_RE)


def default_kind(path: Path) -> str:
    return "email" if "email" in Path(path).name.lower() else "message"


def load(
    path: Path,
    *,
    kind: str | None = None,
    origin: str | datetime | None = None,
) -> Dataset:
    """Read a SNAP temporal edge list into canonical events (weight 1)."""
    path = Path(path)
    kind = (kind or default_kind(path)).strip().lower()
    if kind not in KINDS:
        raise OptionError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    origin_us = _common.parse_origin(origin)
    data = _common.check_text(_common.read_bytes(path), path, what="a SNAP temporal edge list")
    offset, line = _common.first_data_lines(data)
    first = data[offset : data.find(b"\n", offset) if b"\n" in data[offset:] else len(data)]
    skip = line if _HEADER_RE.match(first.decode("utf-8")) else 0
    raw = _common.read_table(path, _NAMES, separator=None, skip=skip, data=data,
                             what="a SNAP temporal edge list")
    frame = raw.with_columns(
        pl.lit(kind).alias("kind"),
        _common.seconds_to_ts(raw["ts"], path=path, lines=raw[LINE], origin_us=origin_us),
    )
    return validate_events(frame, source=str(path), first_line=1, line_column=LINE)


LOADER = Loader(
    name="snap_temporal",
    summary="SNAP temporal edge list: SRC DST UNIXTS per line (CollegeMsg, email-Eu-core-temporal)",
    extensions=(".txt", ".txt.gz", ".edges"),
    detect=detect,
    load=load,
    options={
        "kind": "event kind (default: email if the file name says so, else message)",
        "origin": "ISO date/time that timestamp 0 stands for (default 1970-01-01, Unix time)",
    },
)
