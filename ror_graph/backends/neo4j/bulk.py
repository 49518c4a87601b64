"""A first load through Neo4j's own bulk importer (``neo4j-admin database import full``), for an
empty database of a server that ror-graph manages (started by ``neo4j_server/server.py``).

The rows are the ones the Bolt load sends (:mod:`.rows`), written as the importer's CSV files
with typed headers, so the graph is the same: the same labels, properties and marks
(docs/neo4j.md, Performance). The server's launcher stops the database, runs the importer
and starts it again (``neo4j_server/Launcher.java``, "Bulk import").

Example
-------
>>> frame = pl.DataFrame({"id": ["ana"], "props": [{"n": 2, "days": [1, 2], "w": 0.5}]})
>>> _csv_frame(frame, {"id": "id:ID(Person)"}).columns
['id:ID(Person)', 'n:long', 'days:long[]', 'w:double']
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import polars as pl

from ror_graph.errors import BackendError

__all__ = ["ARRAY_DELIMITER", "write_import_files", "run_import", "unusable_strings"]

#: Between the elements of an array value and between labels: the ASCII unit separator, which
#: event kinds and attributes do not contain (a load whose strings do falls back to Bolt).
ARRAY_DELIMITER = "\x1f"
_TIME = "%Y-%m-%dT%H:%M:%S%.6f"  # stored with the header's default zone, UTC (as the Bolt load does)


def write_import_files(
    folder: Path,
    people: pl.DataFrame,
    relationships: pl.DataFrame,
    interactions: pl.DataFrame | None,
    load_id: str,
) -> list[str]:
    """Write the importer's CSV files into ``folder``; return the request lines naming them.

    ``people`` (``id, props``), ``relationships`` (``src, dst, first_s, first_ns, last_s,
    last_ns, props``) and ``interactions`` are the frames of :mod:`.rows`; every node and
    relationship gets the mark ``ror_load = load_id``, people the labels ``Person`` and
    ``RorGraph``, and the load record ``(:RorGraphLoad {key: 'current'})`` starts with
    ``complete = false`` (the Bolt side sets it true once the schema is online)."""
    folder.mkdir(parents=True, exist_ok=True)
    mark = pl.lit(load_id).alias("ror_load")
    files = {
        "people": _csv_frame(people.with_columns(mark), {"id": "id:ID(Person)"}),
        "load": pl.DataFrame({"key:ID(RorGraphLoad)": ["current"], "load_id": [load_id], "complete:boolean": ["false"]}),
        "relationships": _csv_frame(
            relationships.with_columns(mark, _time("first", "first_ts"), _time("last", "last_ts")).drop("first_s", "first_ns", "last_s", "last_ns"),
            {"src": ":START_ID(Person)", "dst": ":END_ID(Person)", "first_ts": "first_ts:datetime{timezone:UTC}",
             "last_ts": "last_ts:datetime{timezone:UTC}"},
        ),
    }
    if interactions is not None:
        files["interactions"] = _csv_frame(
            interactions.with_columns(mark, _time("ts", "ts")).drop("ts_s", "ts_ns"),
            {"src": ":START_ID(Person)", "dst": ":END_ID(Person)", "ts": "ts:datetime{timezone:UTC}"},
        )
    for name, frame in files.items():
        frame.write_csv(folder / f"{name}.csv", null_value="")
    lines = [f"--nodes=Person:RorGraph={folder / 'people.csv'}", f"--nodes=RorGraphLoad={folder / 'load.csv'}",
             f"--relationships=INTERACTS={folder / 'relationships.csv'}", "--array-delimiter=U+001F"]
    if interactions is not None:
        lines.append(f"--relationships=INTERACTION={folder / 'interactions.csv'}")
    if any(_has(frame, ("\n", "\r")) for frame in files.values()):
        lines.append("--multiline-fields=true")
    return lines


def unusable_strings(people: pl.DataFrame, relationships: pl.DataFrame, interactions: pl.DataFrame | None) -> str | None:
    """Why the importer's CSV cannot carry these rows exactly (None: it can): a value holding
    the array delimiter, or a property name the CSV header cannot hold."""
    frames = [people, relationships, *([] if interactions is None else [interactions])]
    names = [n for f in frames for c, t in f.schema.items() if isinstance(t, pl.Struct) for n in (x.name for x in t.fields)]
    bad = [n for n in names if any(ch in n for ch in (":", ",", '"', "\n", "\r", ARRAY_DELIMITER)) or not n.strip()]
    if bad:
        return f"the property name {bad[0]!r} cannot be a CSV header field"
    if any(_has(f, (ARRAY_DELIMITER,)) for f in frames):
        return "a value holds the character U+001F, the importer's array delimiter"
    return None


def run_import(bulk_dir: Path, lines: list[str], *, timeout: float = 3600.0) -> None:
    """Ask the server's launcher to import (it stops the database, runs the importer, starts it
    again) and wait for its answer; raise a one-line :class:`BackendError` when it failed."""
    result = bulk_dir / "result"
    result.unlink(missing_ok=True)
    pid = _launcher_pid(bulk_dir)
    request = bulk_dir / "request.tmp"
    request.write_text("\n".join(lines) + "\n")
    request.replace(bulk_dir / "request")
    deadline = time.monotonic() + timeout
    while not result.exists():
        if pid is not None and not Path(f"/proc/{pid}").exists():
            raise BackendError(f"the Neo4j server (pid {pid}) ended during the bulk import; see {bulk_dir / 'import.log'}")
        if time.monotonic() > deadline:
            raise BackendError(f"the bulk import did not finish within {timeout:.0f} s; see {bulk_dir / 'import.log'}")
        time.sleep(0.05)
    answer = result.read_text().strip()
    result.unlink(missing_ok=True)
    if answer != "ok":
        raise BackendError(f"Neo4j's bulk importer {answer.removeprefix('failed: ')} (the database is empty again)")


def remove_files(folder: Path) -> None:
    """Delete the CSV files of one import."""
    shutil.rmtree(folder, ignore_errors=True)


def _launcher_pid(bulk_dir: Path) -> int | None:
    try:
        return int((bulk_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return None


def launcher_alive(bulk_dir: Path) -> bool:
    """True when the launcher that owns ``bulk_dir`` runs (it writes its pid there)."""
    pid = _launcher_pid(bulk_dir)
    return pid is not None and pid != os.getpid() and Path(f"/proc/{pid}").exists()


def _time(prefix: str, name: str) -> pl.Expr:
    """``<prefix>_s`` + ``<prefix>_ns`` as the importer's local date-time text (UTC), named ``name``."""
    us = pl.col(f"{prefix}_s") * 1_000_000 + pl.col(f"{prefix}_ns") // 1_000
    return pl.from_epoch(us, time_unit="us").dt.strftime(_TIME).alias(name)


def _csv_frame(frame: pl.DataFrame, headers: dict[str, str]) -> pl.DataFrame:
    """``frame`` with its ``props`` struct unnested, every column as CSV text under a typed
    header (``name:long``, ``name:double[]``, ...); ``headers`` names the other columns."""
    if "props" in frame.columns:
        frame = frame.unnest("props")
    columns = []
    for name, dtype in frame.schema.items():
        if name in headers:
            columns.append(pl.col(name).alias(headers[name]))
            continue
        inner = dtype.inner if isinstance(dtype, pl.List) else dtype
        kind = _TYPES.get(type(inner))
        if kind is None and inner != pl.String:
            continue  # not a value a load stores (the Bolt rows hold none either)
        if isinstance(dtype, pl.List):
            text = pl.col(name).list.eval(_text(pl.element(), inner)).list.join(ARRAY_DELIMITER)
            columns.append(text.alias(f"{name}:{kind or 'string'}[]"))
        else:
            columns.append(_text(pl.col(name), dtype).alias(f"{name}:{kind}" if kind else name))
    return frame.select(columns)


def _text(expr: pl.Expr, dtype: Any) -> pl.Expr:
    """A value as the text Java parses back to the same value (floats: shortest round trip)."""
    if dtype.is_float():
        return expr.cast(pl.Float64).cast(pl.String)
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(expr.not_()).then(pl.lit("false"))
    return expr.cast(pl.String)


_TYPES: dict[type, str] = {
    pl.Int8: "long", pl.Int16: "long", pl.Int32: "long", pl.Int64: "long",
    pl.UInt8: "long", pl.UInt16: "long", pl.UInt32: "long",
    pl.Float32: "double", pl.Float64: "double", pl.Boolean: "boolean",
}


def _has(frame: pl.DataFrame, chars: tuple[str, ...]) -> bool:
    """True when a string value of ``frame`` (also inside lists and structs) holds one of ``chars``."""
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Struct):
            if _has(frame.select(col).unnest(name), chars):
                return True
            continue
        if isinstance(dtype, pl.List) and dtype.inner == pl.String:
            col = col.list.join("")
        elif dtype != pl.String:
            continue
        if frame.select(pl.any_horizontal([col.str.contains(c, literal=True) for c in chars]).any()).item():
            return True
    return False
