"""SNAP signed trust ratings: ``SOURCE,TARGET,RATING,TIME`` per line (Bitcoin OTC / Alpha).

Follows the format of SNAP's "Bitcoin OTC / Alpha trust weighted signed network" pages
(https://snap.stanford.edu/data/soc-sign-bitcoinotc.html): comma-separated, no header (a
``SOURCE,TARGET,RATING,TIME`` header line, which some copies add, is accepted), optionally
gzip-compressed. SOURCE rated TARGET with RATING (-10 ... +10) at TIME, Unix seconds that may
have decimals (OTC) or be whole days (Alpha).

Each line becomes one event: kind ``rating``, ``weight`` = the rating (negative ratings keep
their sign), ``ts`` = TIME.

Example
-------
``soc-sign-bitcoinotc.csv``::

    6,2,4,1289241911.72836
    6,5,2,1289241941.53378

>>> from ror_graph.loaders import load_events
>>> ds = load_events(["soc-sign-bitcoinotc.csv"])                  # doctest: +SKIP
>>> ds.events.select("src", "dst", "kind", "weight").row(0)        # doctest: +SKIP
('6', '2', 'rating', 4.0)
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ror_graph.errors import InputError
from ror_graph.loaders import Loader, _common
from ror_graph.loaders._common import LINE
from ror_graph.model import Dataset, validate_events

__all__ = ["LOADER", "load", "detect"]

_NAMES = ("src", "dst", "rating", "ts")
_NUMBER = r"\s*-?\d+(\.\d+)?\s*"
_LINE_RE = re.compile(rf"^\s*[^,\s]+\s*,\s*[^,\s]+\s*,{_NUMBER},{_NUMBER}$")
_HEADER_RE = re.compile(r"^\s*source\s*,\s*target\s*,\s*rating\s*,\s*time\s*$", re.IGNORECASE)


def _has_header(lines: list[str]) -> bool:
    return bool(lines) and bool(_HEADER_RE.match(lines[0]))


def detect(path: Path, head: bytes) -> bool:
    """Four comma-separated fields per line, the last two numbers; no header other than
    SNAP's own ``SOURCE,TARGET,RATING,TIME``."""
    if not _common.is_text(head):
        return False
    lines = _common.data_lines(head, comment=None)
    if _has_header(lines):
        lines = lines[1:]
    return _common.looks_like(lines, _LINE_RE)


def load(path: Path) -> Dataset:
    """Read a SNAP signed rating file into canonical ``rating`` events."""
    path = Path(path)
    data = _common.check_text(_common.read_bytes(path), path, what="a SNAP signed rating file")
    header = _has_header(_common.data_lines(data[:4096], comment=None, limit=1))
    raw = _common.read_table(
        path, _NAMES, separator=",", skip=1 if header else 0, comment=None, data=data,
        what="a SNAP signed rating file",
    )
    rating = raw["rating"].cast(pl.Float64, strict=False)
    bad = rating.is_null() | rating.is_nan() | rating.is_infinite()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise InputError(
            f"rating {raw['rating'][row]!r} is not a number",
            path=str(path),
            line=int(raw[LINE][row]),
            field="rating",
        )
    frame = raw.select(
        "src",
        "dst",
        pl.lit("rating").alias("kind"),
        _common.seconds_to_ts(raw["ts"], path=path, lines=raw[LINE], field="time"),
        rating.alias("weight"),
        LINE,
    )
    return validate_events(frame, source=str(path), first_line=1, line_column=LINE)


LOADER = Loader(
    name="snap_signed",
    summary="SNAP signed ratings: SOURCE,TARGET,RATING,TIME (Bitcoin OTC/Alpha); weight = rating",
    extensions=(".csv", ".csv.gz"),
    detect=detect,
    load=load,
    options={},
)
