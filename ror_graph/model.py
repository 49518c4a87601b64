"""The canonical tables every loader produces and every algorithm reads.

``events``: one row per interaction, "src gave attention to dst" (A replies to B, A shares
B's post, A follows B, A rates B).

==========  =====================  ===============================================
column      type                   meaning
==========  =====================  ===============================================
src         String                 who gave attention
dst         String                 who received it
kind        Enum(KINDS)            follow, mention, reply, share, like, rating, ...
ts          Datetime(us, UTC)      when
weight      Float64                1 by default; a rating's value, a call's seconds
channel     String (nullable)      where (platform, channel, thread), optional
event_id    String (nullable)      for de-duplication, optional
==========  =====================  ===============================================

``actors``: ``id`` String plus optional ``name``, ``platform``, ``followers``.

:func:`validate_events` is the one validation step at the boundary: loaders call it, and
algorithms may then assume the schema.

Example
-------
>>> import polars as pl
>>> from datetime import datetime, timezone
>>> raw = pl.DataFrame({"src": ["a"], "dst": ["b"], "kind": ["reply"],
...                     "ts": [datetime(2024, 1, 1, tzinfo=timezone.utc)]})
>>> validate_events(raw, source="demo").events.columns
['src', 'dst', 'kind', 'ts', 'weight', 'channel', 'event_id']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl

from ror_graph.errors import InputError

__all__ = [
    "KINDS",
    "EVENT_KIND",
    "EVENTS_SCHEMA",
    "ACTORS_SCHEMA",
    "Dataset",
    "validate_events",
    "validate_actors",
    "as_polars",
    "empty_events",
    "empty_actors",
    "combine",
]

#: Interaction kinds, in a fixed order (the Enum's categories).
KINDS: tuple[str, ...] = (
    "follow",
    "mention",
    "reply",
    "share",
    "quote",
    "like",
    "reaction",
    "rating",
    "message",
    "email",
    "call",
    "sms",
    "comment",
    "referral",
    "visit",
    "connect",
    "invite",
    "interaction",
)
EVENT_KIND = pl.Enum(list(KINDS))
TIMESTAMP = pl.Datetime("us", "UTC")

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "src": pl.String(),
    "dst": pl.String(),
    "kind": EVENT_KIND,
    "ts": TIMESTAMP,
    "weight": pl.Float64(),
    "channel": pl.String(),
    "event_id": pl.String(),
}
REQUIRED_EVENT_COLUMNS = ("src", "dst", "kind", "ts")

ACTORS_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "name": pl.String(),
    "platform": pl.String(),
    "followers": pl.Int64(),
}


@dataclass(frozen=True)
class Dataset:
    """Validated canonical tables plus what was noticed while loading them.

    ``notes`` are one-line remarks for the user (dropped self-loops, de-duplicated events);
    ``sources`` names the files the tables came from; ``ego`` is the account the data belongs
    to when the format says so (an archive's owner), else None.
    """

    events: pl.DataFrame
    actors: pl.DataFrame = field(default_factory=lambda: empty_actors())
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    ego: str | None = None

    @property
    def first_ts(self) -> datetime | None:
        return self.events["ts"].min() if self.events.height else None  # type: ignore[return-value]

    @property
    def last_ts(self) -> datetime | None:
        return self.events["ts"].max() if self.events.height else None  # type: ignore[return-value]


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENTS_SCHEMA)


def empty_actors() -> pl.DataFrame:
    return pl.DataFrame(schema=ACTORS_SCHEMA)


def _first_bad_row(mask: pl.Series) -> int:
    return int(mask.arg_true()[0])


def _line(row: int, line_of_row: pl.Series | None, first_line: int) -> int:
    """The file line of a row: from the loader's own line column, else row + first_line."""
    if line_of_row is not None:
        return int(line_of_row[row])
    return row + first_line


def validate_events(
    frame: pl.DataFrame,
    *,
    source: str,
    first_line: int = 2,
    line_column: str | None = None,
    actors: pl.DataFrame | None = None,
    ego: str | None = None,
) -> Dataset:
    """Check and convert a raw events frame to :data:`EVENTS_SCHEMA`; raise :class:`InputError`
    naming ``source``, the line and the field of the first bad value.

    ``first_line`` is the file line of row 0 (2 for a CSV with a header); a loader that knows
    each row's line can pass it in ``line_column`` (the column is dropped). Self-loops are
    dropped and events with a repeated ``event_id`` are kept once; both are reported in
    ``notes``. Rows without ``event_id`` are never de-duplicated: two identical messages in
    the same second can be two real messages. Every check is one vectorised pass; the row of
    a failed check is looked up only to name it.
    """
    _check_columns(frame, source=source, first_line=first_line)
    lines = frame[line_column] if line_column and line_column in frame.columns else None

    def fail(bad: pl.Series, message: Callable[[int], str], field: str) -> None:
        if bad.any():
            row = _first_bad_row(bad)
            raise InputError(message(row), path=source, line=_line(row, lines, first_line), field=field)

    src, dst = _ids(frame, fail)
    columns = {
        "src": src,
        "dst": dst,
        "kind": _kinds(frame["kind"], fail),
        "ts": _to_timestamp(frame["ts"], source=source, lines=lines, first_line=first_line),
        "weight": _weights(frame["weight"], fail) if "weight" in frame.columns else _constant(1.0, frame.height, pl.Float64()),
        **{
            name: frame[name].cast(pl.String) if name in frame.columns else _constant(None, frame.height, pl.String())
            for name in ("channel", "event_id")
        },
    }
    events = pl.DataFrame([col.alias(name) for name, col in columns.items()])
    events, notes = _drop_loops_and_repeats(events, source=source)
    actors_table = validate_actors(actors, source=source) if actors is not None else empty_actors()
    return Dataset(events=events, actors=actors_table, sources=(source,), notes=tuple(notes), ego=ego)


def _check_columns(frame: pl.DataFrame, *, source: str, first_line: int) -> None:
    """The required columns are there and there is at least one row."""
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(frame.columns) or 'none'}",
            path=source,
            line=first_line - 1 if first_line > 1 else None,
            field=missing[0],
        )
    if frame.height == 0:
        raise InputError("no events", path=source)


def _ids(frame: pl.DataFrame, fail: Callable) -> tuple[pl.Series, pl.Series]:
    """``src`` and ``dst`` as text without surrounding (Unicode) white space; no id may be
    empty. Whether a column has padded ids is checked for both columns at once, in parallel:
    an id is padded when stripping changes it (cheaper than a regular expression)."""
    text = frame.select(pl.col("src", "dst").cast(pl.String))
    padded = text.select((pl.col("src", "dst").str.strip_chars() != pl.col("src", "dst")).any()).row(0)
    columns = []
    for name, has_padding in zip(("src", "dst"), padded):
        ids = text[name].str.strip_chars() if has_padding else text[name]
        fail(ids.is_null() | (ids == ""), lambda _row: "empty id", name)
        columns.append(ids)
    return columns[0], columns[1]


def _kinds(col: pl.Series, fail: Callable) -> pl.Series:
    """Kinds as the :data:`EVENT_KIND` Enum; text is matched without case and spaces."""
    if col.dtype == EVENT_KIND:
        return col
    text = col.cast(pl.String)
    exact = text.cast(EVENT_KIND, strict=False)  # the usual case: already canonical
    if exact.null_count() == 0:
        return exact
    text = text.str.strip_chars().str.to_lowercase()
    fail(
        text.is_null() | ~text.is_in(list(KINDS)),
        lambda row: f"unknown kind {text[row]!r}; known kinds: {', '.join(KINDS)}",
        "kind",
    )
    return text.cast(EVENT_KIND)


def _weights(col: pl.Series, fail: Callable) -> pl.Series:
    """Weights as finite floats; a missing weight is 1."""
    value = col.cast(pl.Float64, strict=False)
    bad = (value.is_null() & col.is_not_null()) | value.is_nan() | value.is_infinite()
    fail(bad, lambda row: f"weight {col[row]!r} is not a finite number", "weight")
    return value.fill_null(1.0)


def _constant(value: float | None, n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True)


def _drop_loops_and_repeats(events: pl.DataFrame, *, source: str) -> tuple[pl.DataFrame, list[str]]:
    """Drop self-loops and keep each ``event_id`` once; say so in notes."""
    notes: list[str] = []
    loops = events["src"] == events["dst"]
    n_loops = int(loops.sum())
    if n_loops:
        events = events.filter(~loops)
        notes.append(f"{source}: dropped {n_loops:,} self-loop event(s) (src = dst)")
    if events["event_id"].null_count() < events.height:
        before = events.height
        with_id = events.filter(pl.col("event_id").is_not_null()).unique(
            subset=["event_id"], keep="first", maintain_order=True
        )
        events = pl.concat([with_id, events.filter(pl.col("event_id").is_null())])
        if events.height < before:
            notes.append(f"{source}: kept {before - events.height:,} repeated event_id(s) once")
    if events.height == 0:
        raise InputError("no events left after dropping self-loops", path=source)
    return events, notes


def _to_timestamp(
    col: pl.Series, *, source: str, lines: pl.Series | None, first_line: int
) -> pl.Series:
    """Unix seconds (int or float), datetimes, or ISO-8601 text -> Datetime(us, UTC)."""
    if col.dtype == pl.Datetime:
        ts = col if col.dtype.time_zone else col.dt.replace_time_zone("UTC")  # type: ignore[attr-defined]
        ts = ts.dt.convert_time_zone("UTC").cast(TIMESTAMP)
        bad = ts.is_null()
    elif col.dtype == pl.Date:
        ts = col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        bad = ts.is_null()
    elif col.dtype.is_numeric():
        ts = _from_seconds(col)
        bad = ts.is_null()
    else:
        text = col.cast(pl.String).str.strip_chars()
        numeric = text.cast(pl.Float64, strict=False)
        if numeric.is_not_null().all():
            return _to_timestamp(numeric, source=source, lines=lines, first_line=first_line)
        ts = _parse_iso(text)
        if numeric.is_not_null().any():  # a column mixing ISO text and Unix seconds
            ts = ts.fill_null(_from_seconds(numeric))
        bad = ts.is_null()
    if bad.any():
        row = _first_bad_row(bad)
        raise InputError(
            ("empty time" if col[row] is None or str(col[row]).strip() == "" else f"cannot read time {col[row]!r}")
            + "; use ISO 8601 (2024-05-01T12:00:00Z) or Unix seconds",
            path=source,
            line=_line(row, lines, first_line),
            field="ts",
        )
    micros = ts.dt.epoch("us")
    if ts.len() and (micros.min() < _FIRST_TS_US or micros.max() >= _END_TS_US):  # type: ignore[operator]
        row = _first_bad_row((micros < _FIRST_TS_US) | (micros >= _END_TS_US))
        shown = col.slice(row, 1).cast(pl.String)[0]  # as text: Python's datetime stops at year 9999
        raise InputError(
            f"time {shown!r} is out of range: times must lie in the years {_FIRST_YEAR} to {_END_YEAR - 1}",
            path=source,
            line=_line(row, lines, first_line),
            field="ts",
        )
    return ts.alias("ts")


#: Event times must lie in [_FIRST_YEAR, _END_YEAR): a time outside is a unit or typing error
#: (milliseconds read as seconds, a year 0), and dates near year 9999 break date arithmetic.
_FIRST_YEAR, _END_YEAR = 1900, 2200
_FIRST_TS_US = int(datetime(_FIRST_YEAR, 1, 1, tzinfo=timezone.utc).timestamp() * 1_000_000)
_END_TS_US = int(datetime(_END_YEAR, 1, 1, tzinfo=timezone.utc).timestamp() * 1_000_000)


def _from_seconds(col: pl.Series) -> pl.Series:
    """Unix seconds -> Datetime(us, UTC), rounded to the microsecond; null where the value is
    missing, NaN, infinite or beyond year ~5000 (|s| > 1e11)."""
    seconds = col.cast(pl.Float64)
    ok = ~(seconds.is_null() | seconds.is_nan() | (seconds.abs() > 1e11))
    frame = pl.DataFrame({"s": seconds, "ok": ok})
    micros = frame.select(
        pl.when(pl.col("ok")).then((pl.col("s") * 1_000_000).round()).otherwise(None).cast(pl.Int64)
    ).to_series()
    return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _parse_iso(text: pl.Series) -> pl.Series:
    """ISO 8601 text with or without offset; naive times are taken as UTC.

    Formats are tried in turn, each only while some value is still unparsed (most files use
    one format, so this is usually a single pass)."""
    frame = pl.DataFrame({"t": text})
    parsers = [
        pl.col("t").str.to_datetime(format="%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us", time_zone="UTC")
    ]
    for fmt in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        parsers.append(
            pl.col("t").str.to_datetime(format=fmt, strict=False, time_unit="us").dt.replace_time_zone("UTC")
        )
    parsers.append(
        pl.col("t").str.to_datetime(format="%Y-%m-%d %H:%M:%S%.f%#z", strict=False, time_unit="us", time_zone="UTC")
    )
    out = None
    for parser in parsers:
        parsed = frame.select(parser)["t"]
        out = parsed if out is None else out.fill_null(parsed)
        if out.null_count() == text.null_count():
            break
    assert out is not None  # parsers is not empty
    return out


def as_polars(frame: object, *, source: str) -> pl.DataFrame:
    """A polars DataFrame from a polars or pandas frame; anything else is an :class:`InputError`."""
    if isinstance(frame, pl.DataFrame):
        return frame
    if type(frame).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(frame)  # type: ignore[arg-type]
    raise InputError(f"expected a polars or pandas DataFrame, got {type(frame).__name__}", path=source)


def validate_actors(frame: pl.DataFrame, *, source: str, first_line: int = 2) -> pl.DataFrame:
    """Check an actors frame: an ``id`` column, unique and non-empty; other known columns cast.

    ``first_line`` is the file line of row 0 (2 for a CSV with a header). An empty or repeated
    id is an :class:`InputError` naming the line.

    Example
    -------
    >>> validate_actors(pl.DataFrame({"id": ["a", "b", "a"]}), source="people.csv")
    Traceback (most recent call last):
    ...
    ror_graph.errors.InputError: people.csv:4: field 'id': actor id 'a' appears twice (first on line 2)
    """
    if "id" not in frame.columns:
        raise InputError("actors table has no 'id' column", path=source, field="id")
    ids = frame["id"].cast(pl.String)
    empty = ids.is_null() | (ids.str.strip_chars() == "")
    if empty.any():
        raise InputError("empty actor id", path=source, line=_first_bad_row(empty) + first_line, field="id")
    repeated = ids.is_duplicated() & ~ids.is_first_distinct()
    if repeated.any():
        row = _first_bad_row(repeated)
        first = _first_bad_row(ids == ids[row])
        raise InputError(
            f"actor id {ids[row]!r} appears twice (first on line {first + first_line})",
            path=source, line=row + first_line, field="id",
        )
    cols = {"id": ids}
    for name, dtype in ACTORS_SCHEMA.items():
        if name != "id":
            cols[name] = (
                frame[name].cast(dtype, strict=False)
                if name in frame.columns
                else pl.Series(name, [None] * frame.height, dtype=dtype)
            )
    extra = [c for c in frame.columns if c not in ACTORS_SCHEMA]
    return pl.DataFrame(cols).hstack(frame.select(extra)) if extra else pl.DataFrame(cols)


def combine(datasets: list[Dataset]) -> Dataset:
    """Concatenate datasets loaded from several files into one; an ``event_id`` seen in an
    earlier file is dropped (with a note), so overlapping exports count each event once."""
    if len(datasets) == 1:
        return datasets[0]
    events = pl.concat([d.events for d in datasets])
    notes = [n for d in datasets for n in d.notes]
    ids = events["event_id"]
    repeated = ids.is_not_null() & ~ids.is_first_distinct()
    if repeated.any():
        events = events.filter(~repeated)
        notes.append(f"dropped {int(repeated.sum()):,} event(s) whose event_id appeared in an earlier input file")
    actors = pl.concat([d.actors for d in datasets], how="diagonal_relaxed").unique(
        subset=["id"], keep="first", maintain_order=True
    )
    egos = {d.ego for d in datasets if d.ego}
    return Dataset(
        events=events,
        actors=actors,
        sources=tuple(s for d in datasets for s in d.sources),
        notes=tuple(notes),
        ego=egos.pop() if len(egos) == 1 else None,
    )
