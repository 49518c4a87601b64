"""Reading events into a Spark DataFrame with the same validation as the memory loaders.

Paths and globs go to Spark's own readers, so whatever storage the cluster reaches works
(local files, HDFS, ``s3a://``). Two formats are read on Spark:

* the canonical events table (:mod:`ror_graph.loaders.canonical`): Parquet (a file or a
  folder of part files), CSV/TSV (optionally gzip-compressed) and NDJSON, with the same
  ``column_map``, ``default_kind`` and ``delimiter`` options;
* the SNAP temporal edge list (:mod:`ror_graph.loaders.snap_temporal`), with ``kind`` and
  ``origin``.

Validation follows :func:`ror_graph.model.validate_events`: required columns, non-empty ids,
known kinds, readable times (ISO 8601 text, naive = UTC, or Unix seconds), finite weights;
self-loops dropped, repeated ``event_id`` kept once (the first in file order). The check is
one aggregation over the input. When a value is bad and the file is local, the memory loader
reads that file to report the very same one-line error (file, line, field); on remote storage
the error names the file, the field and the value (Spark does not know line numbers).

Example
-------
>>> events, notes = read_events(spark, GraphRequest(sources=("events.csv",)))   # doctest: +SKIP
>>> events.columns                                                               # doctest: +SKIP
['src', 'dst', 'kind', 'ts', 'weight', 'event_id']
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ror_graph.backends.spark.session import one_row
from ror_graph.errors import InputError, OptionError
from ror_graph.loaders import _common, canonical, snap_temporal
from ror_graph.model import KINDS, REQUIRED_EVENT_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from ror_graph.backends.base import GraphRequest

__all__ = ["format_of", "read_events"]

_ROW = "_row"
_FILE = "_file"
_CANONICAL_OPTIONS = ("column_map", "default_kind", "delimiter")
_SNAP_OPTIONS = ("kind", "origin")
_LOCAL_CHECK_MAX_BYTES = 2 << 30  # the memory loader re-reads a bad local file up to this size


def format_of(path: str, loader: str | None) -> str:
    """``parquet``, ``csv``, ``ndjson`` or ``snap`` for a path or glob (by ``loader``, else
    by extension; a folder is a Parquet dataset)."""
    name = path.rstrip("/").lower()
    name = name.removesuffix(".gz")
    suffix = os.path.splitext(name)[1]
    if loader not in (None, "canonical", "snap_temporal"):
        raise OptionError(
            f"the spark backend reads the canonical events table and SNAP temporal edge lists, not loader {loader!r}; "
            "load other formats with the memory backend and write them to Parquet (ror export / -o events.parquet)"
        )
    if loader == "snap_temporal" or (loader is None and suffix in (".txt", ".edges")):
        return "snap"
    if suffix in canonical._PARQUET_EXT or (suffix == "" and loader in (None, "canonical")):
        return "parquet"
    if suffix in canonical._NDJSON_EXT or suffix == ".json":
        return "ndjson"
    if suffix in canonical._TEXT_EXT or loader == "canonical":
        return "csv"
    raise OptionError(f"{path}: cannot tell the format from the name on the spark backend; pass loader='canonical' or loader='snap_temporal'")


def read_events(spark: SparkSession, request: GraphRequest) -> tuple[DataFrame, tuple[str, ...]]:
    """The validated events of ``request.sources`` (columns ``src, dst, kind, ts, weight``,
    ``kind`` as text) and the loader notes; raises :class:`InputError` like the memory path."""

    if not request.sources:
        raise OptionError("no input files given")
    frames = []
    for source in request.sources:
        fmt = format_of(source, request.loader)
        options = dict(request.loader_options)
        if request.column_map:
            options["column_map"] = dict(request.column_map)
        allowed = _SNAP_OPTIONS if fmt == "snap" else _CANONICAL_OPTIONS
        unknown = [k for k, v in options.items() if v not in (None, {}) and k not in allowed]
        if unknown:
            name = "snap_temporal" if fmt == "snap" else "canonical"
            raise OptionError(f"loader {name!r} does not take option(s) {', '.join(unknown)}")
        raw = _read_snap(spark, source, options) if fmt == "snap" else _read_canonical(spark, source, fmt, options)
        frames.append((source, fmt, raw))
    checked = []
    notes: list[str] = []
    for source, fmt, raw in frames:
        frame, loops = _check(raw, source=source, fmt=fmt, request=request)
        checked.append(frame)
        if loops:
            notes.append(f"{source}: dropped {loops:,} self-loop event(s) (src = dst)")
    events = checked[0]
    for other in checked[1:]:
        events = events.unionByName(other)
    return events.select("src", "dst", "kind", "ts", "weight", "event_id", _ROW), tuple(notes)


# --- readers ------------------------------------------------------------------------------


def _read_canonical(spark: SparkSession, path: str, fmt: str, options: dict[str, Any]) -> DataFrame:
    """The file's columns renamed to the canonical ones (column_map, exact or any case)."""
    from pyspark.sql import functions as F

    mapping = canonical._parse_column_map(options.get("column_map"))
    delimiter = canonical._parse_delimiter(options.get("delimiter"))
    default_kind = options.get("default_kind")
    if default_kind is not None:
        default_kind = str(default_kind).strip().lower()
        if default_kind not in KINDS:
            raise OptionError(f"unknown default_kind {default_kind!r}; known kinds: {', '.join(KINDS)}")
    header_text = None
    try:
        if fmt == "parquet":
            frame = spark.read.parquet(path)
        elif fmt == "ndjson":
            frame = spark.read.json(path)
        else:
            header_text = _first_line(spark, path)
            name = path.lower().removesuffix(".gz")
            by_extension = canonical._TEXT_EXT.get(os.path.splitext(name)[1])
            wanted = {mapping.get(c, c).lower() for c in ("src", "dst", "ts")}
            chosen = canonical._choose_delimiter(header_text, delimiter, by_extension, wanted)
            frame = spark.read.csv(path, header=True, sep=chosen, quote='"', escape='"', inferSchema=False,
                                   ignoreLeadingWhiteSpace=False, mode="PERMISSIVE")
            delimiter = delimiter or chosen
    except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError: path missing, unreadable
        raise InputError(f"cannot read: {_first(exc)}", path=path) from None
    columns = [c.lstrip("\ufeff") for c in frame.columns]
    frame = frame.toDF(*columns)
    by_lower: dict[str, str] = {}
    for c in columns:
        by_lower.setdefault(c.lower(), c)
    source: dict[str, str] = {}
    for name in ("src", "dst", "kind", "ts", "weight", "channel", "event_id"):
        if name in mapping:
            if mapping[name] not in columns:
                raise InputError(
                    f"column_map maps {name} to {mapping[name]!r}, but the file has no such column; "
                    f"found: {', '.join(columns) or 'none'}",
                    path=path, line=1 if fmt == "csv" else None, field=mapping[name],
                )
            source[name] = mapping[name]
        elif name in columns:
            source[name] = name
        elif name in by_lower and by_lower[name] not in mapping.values():
            source[name] = by_lower[name]
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in source and not (c == "kind" and default_kind)]
    if missing:
        raise InputError(
            canonical._missing_message(missing, columns, header_text, delimiter),
            path=path, line=1 if fmt == "csv" else None, field=missing[0],
        )
    selected = [F.col(f"`{source[name]}`").alias(name) for name in source]
    out = frame.select(*selected, F.input_file_name().alias(_FILE))
    if default_kind:
        if "kind" in out.columns:
            kind = F.col("kind").cast("string")
            out = out.withColumn("kind", F.when(kind.isNull() | (F.trim(kind) == ""), F.lit(default_kind)).otherwise(kind))
        else:
            out = out.withColumn("kind", F.lit(default_kind))
    return out


def _read_snap(spark: SparkSession, path: str, options: dict[str, Any]) -> DataFrame:
    """SRC DST SECONDS per line; ``#`` comments, blank lines and a word header skipped."""
    from pyspark.sql import functions as F

    kind = options.get("kind")
    if kind is not None:
        kind = str(kind).strip().lower()
        if kind not in KINDS:
            raise OptionError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    origin_us = _common.parse_origin(options.get("origin"))
    try:
        lines = spark.read.text(path)
    except Exception as exc:  # noqa: BLE001 - AnalysisException: path missing, unreadable
        raise InputError(f"cannot read: {_first(exc)}", path=path) from None
    text = F.trim(F.col("value"))
    lines = lines.filter((text != "") & ~text.startswith("#") & ~F.col("value").rlike(snap_temporal._HEADER_RE.pattern))
    fields = F.split(text, r"[ \t]+")
    frame = lines.select(fields.alias("f"), F.input_file_name().alias(_FILE))
    seconds = F.col("f")[2]
    exact = seconds.rlike(r"^-?\d+$")
    as_float = seconds.try_cast("double")
    micros = (
        F.when(exact & (F.abs(seconds.try_cast("long")) <= 100_000_000_000), seconds.try_cast("long") * 1_000_000 + origin_us)
        .when(~exact & (F.abs(as_float) <= 1e11), F.round(as_float * 1_000_000).cast("long") + origin_us)
    )
    if kind is None:
        file_kind = F.when(F.lower(F.regexp_extract(F.col(_FILE), r"([^/]*)$", 1)).contains("email"), F.lit("email")).otherwise(F.lit("message"))
    else:
        file_kind = F.lit(kind)
    return frame.select(
        F.col("f")[0].alias("src"),
        F.col("f")[1].alias("dst"),
        file_kind.alias("kind"),
        F.when(F.size("f") == 3, F.timestamp_micros(micros)).alias("ts"),
        seconds.alias("_ts_text"),
        (F.size("f") != 3).alias("_ragged"),
        F.col(_FILE),
    )


# --- validation ---------------------------------------------------------------------------


def _timestamp(col: Column, dtype: str) -> Column:
    """Any input type -> timestamp (UTC); null when unreadable (see the module docstring)."""
    from pyspark.sql import functions as F

    def from_seconds(seconds: Column) -> Column:
        ok = seconds.isNotNull() & ~F.isnan(seconds) & (F.abs(seconds) <= 1e11)
        return F.when(ok, F.timestamp_micros(F.round(seconds * 1_000_000).cast("long")))

    if dtype.startswith("timestamp"):
        return col.cast("timestamp")
    if dtype == "date":
        return col.cast("timestamp")
    if dtype in ("int", "bigint", "smallint", "tinyint", "double", "float") or dtype.startswith("decimal"):
        return from_seconds(col.cast("double"))
    text = F.trim(col.cast("string"))
    numeric = text.rlike(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    return F.when(numeric, from_seconds(text.try_cast("double"))).otherwise(text.try_cast("timestamp"))


def _check(raw: DataFrame, *, source: str, fmt: str, request: GraphRequest) -> tuple[DataFrame, int]:
    """Validated canonical columns and the number of self-loops dropped; raises the first
    problem as an :class:`InputError`."""
    from pyspark.sql import functions as F

    dtypes = dict(raw.dtypes)
    src = F.trim(F.col("src").cast("string"))
    dst = F.trim(F.col("dst").cast("string"))
    kind_text = F.lower(F.trim(F.col("kind").cast("string")))
    ts = F.col("ts") if fmt == "snap" else _timestamp(F.col("ts"), dtypes["ts"])
    if "weight" in raw.columns:
        weight = F.col("weight").cast("string").try_cast("double") if dtypes["weight"] == "string" else F.col("weight").cast("double")
        weight_bad = (weight.isNull() & F.col("weight").isNotNull()) | F.isnan(weight) | (F.abs(weight) == float("inf"))
        weight = F.coalesce(weight, F.lit(1.0))
    else:
        weight, weight_bad = F.lit(1.0), F.lit(False)
    event_id = F.col("event_id").cast("string") if "event_id" in raw.columns else F.lit(None).cast("string")
    frame = raw.withColumn(_ROW, F.monotonically_increasing_id()).select(
        src.alias("src"), dst.alias("dst"), kind_text.alias("kind"), ts.alias("ts"), weight.alias("weight"),
        event_id.alias("event_id"), F.col(_ROW), F.col(_FILE),
        (F.col("_ragged") if fmt == "snap" else F.lit(False)).alias("_bad_fields"),
        (src.isNull() | (src == "")).alias("_bad_src"),
        (dst.isNull() | (dst == "")).alias("_bad_dst"),
        (kind_text.isNull() | ~kind_text.isin(*KINDS)).alias("_bad_kind"),
        F.col("ts").isNull().alias("_bad_ts") if fmt == "snap" else ts.isNull().alias("_bad_ts"),
        weight_bad.alias("_bad_weight"),
    )
    checks = ["fields", "src", "dst", "kind", "ts", "weight"]
    summary = frame.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count(F.when(F.col("src") == F.col("dst"), 1)).alias("loops"),
        *[F.min(F.when(F.col(f"_bad_{c}"), F.col(_ROW))).alias(c) for c in checks],
    ).first()
    if summary is None or summary["rows"] == 0:
        raise InputError("no events", path=source)
    for name in checks:
        if summary[name] is not None:
            _raise_bad(frame, raw, name, summary[name], source=source, fmt=fmt, request=request)
    if summary["loops"] == summary["rows"]:
        raise InputError("no events left after dropping self-loops", path=source)
    kept = frame.filter(F.col("src") != F.col("dst")).drop(
        _FILE, "_bad_fields", "_bad_src", "_bad_dst", "_bad_kind", "_bad_ts", "_bad_weight"
    )
    return kept, int(summary["loops"])


def _raise_bad(frame: DataFrame, raw: DataFrame, name: str, row_id: int, *, source: str, fmt: str, request: GraphRequest) -> None:
    """Raise the memory loader's error for a local file, else one naming file, field and value."""
    from pyspark.sql import functions as F

    bad_file = one_row(frame.filter(F.col(_ROW) == row_id).select(_FILE))[_FILE]
    local = Path(source) if Path(source).is_file() else _local_path(bad_file)
    if local is not None and local.stat().st_size <= _LOCAL_CHECK_MAX_BYTES:
        from ror_graph.loaders import load_events

        options = dict(request.loader_options)
        if request.column_map:
            options["column_map"] = dict(request.column_map)
        load_events([str(local)], loader="snap_temporal" if fmt == "snap" else "canonical", **options)
        # The memory loader raised nothing (it reads this value): fall through to our message.
    raw_row = one_row(raw.withColumn(_ROW, F.monotonically_increasing_id()).filter(F.col(_ROW) == row_id))
    field = {"fields": None, "src": "src", "dst": "dst"}.get(name, name)
    if name == "fields":
        message = "row does not have 3 fields (SRC DST SECONDS)"
    elif name in ("src", "dst"):
        message = "empty id"
    elif name == "kind":
        value = raw_row["kind"]
        message = f"unknown kind {str(value).strip().lower() if value is not None else None!r}; known kinds: {', '.join(KINDS)}"
    elif name == "ts":
        value = raw_row["_ts_text"] if fmt == "snap" else raw_row["ts"]
        message = (f"time {value!r} is not a number of seconds" if fmt == "snap" else
                   f"cannot read time {value!r}; use ISO 8601 (2024-05-01T12:00:00Z) or Unix seconds")
    else:
        message = f"weight {raw_row['weight']!r} is not a finite number"
    raise InputError(message, path=_display(bad_file) or source, field=field)


def _local_path(uri: str | None) -> Path | None:
    if not uri:
        return None
    if uri.startswith("file:"):
        uri = re.sub(r"^file:(//)?", "", uri)
    elif "://" in uri:
        return None
    from urllib.parse import unquote

    path = Path(unquote(uri))
    return path if path.is_file() else None


def _display(uri: str | None) -> str | None:
    local = _local_path(uri)
    return str(local) if local is not None else uri


def _first_line(spark: SparkSession, path: str) -> str:
    """The header line of a text table (of the first file a glob matches)."""
    row = spark.read.text(path).limit(1).first()
    if row is None:
        raise InputError("empty file: expected a header line and events", path=path)
    return row["value"].lstrip("\ufeff").rstrip("\r")


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
