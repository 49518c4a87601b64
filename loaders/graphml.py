"""GraphML and GEXF graphs (Gephi, yEd, networkx, igraph exports), read with networkx.

Follows GraphML 1.0 (graphml.graphdrawing.org, ``<key>`` declarations and ``<data>`` on
edges) and GEXF 1.2/1.3 (gexf.net; ``weight``/``label`` edge attributes, ``<attvalues>``,
dynamic ``start``/``end`` or ``<spells>``), as networkx 3.x reads them
(``read_graphml(force_multigraph=True)``, ``read_gexf``; ``timeformat="dateTime"``, which
networkx does not know, is read as text). A ``.gz`` file is fine.

Each edge becomes one event, ``src`` -> ``dst`` (an undirected graph gives both directions):

* **time**: the first edge attribute among ``timestamp``, ``ts``, ``time``, ``date``,
  ``datetime``, ``start`` (GEXF dynamic edges), ``last_ts`` (ror-graph's own ``ror export``,
  one edge per relationship), else the first spell's start; ISO 8601 or Unix seconds. A graph without edge times is a snapshot: every edge gets ``default_ts``
  (option; default the Unix epoch, with a note), so influence and reciprocity work while
  fading has nothing to say.
* **weight**: ``weight`` (default 1; GEXF's weight attribute).
* **kind**: ``kind``, ``type``, ``interaction``, ``relation`` or ``label`` when it is a known
  kind (case-insensitive), else ``default_kind`` (option; default ``interaction``).
* **ids**: node ids; a node's ``label``/``name`` goes to the actors table.

Errors (XML that is not GraphML/GEXF, an edge with an unreadable time or weight) name the
file and the edge.
"""

from __future__ import annotations

import io
import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ror_graph.errors import InputError, OptionError
from ror_graph.loaders import Loader
from ror_graph.loaders import _archive as ar
from ror_graph.loaders import _common
from ror_graph.model import KINDS, Dataset

__all__ = ["LOADER", "load", "detect"]

_TIME_KEYS = ("timestamp", "ts", "time", "date", "datetime", "start", "last_ts")
_KIND_KEYS = ("kind", "type", "interaction", "relation", "label")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def detect(path: Path, head: bytes) -> bool:
    """``.graphml``/``.gexf`` (maybe ``.gz``), or XML whose root is graphml or gexf."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in (".graphml", ".gexf"):
        return True
    text = head[:2048].lstrip().lower()
    return text.startswith(b"<?xml") and (b"<graphml" in text or b"<gexf" in text)


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > 1e11:
            return None
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _time(float(text))
        except ValueError:
            return ar.iso_time(text)
    return None


def load(path: Path, *, default_ts: str | None = None, default_kind: str | None = None) -> Dataset:
    """Read a GraphML or GEXF file into canonical events."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    path = Path(path)
    kind_default = (default_kind or "interaction").strip().lower()
    if kind_default not in KINDS:
        raise OptionError(f"default_kind {default_kind!r} is not a kind; known kinds: {', '.join(KINDS)}")
    snapshot = _time(default_ts) if default_ts is not None else None
    if default_ts is not None and snapshot is None:
        raise OptionError(f"default_ts {default_ts!r} is not ISO 8601 or Unix seconds")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if raw[:2] == b"\x1f\x8b":
        raw = _common.gunzip(raw, str(path))
    head = raw[:4096].lower()
    is_gexf = b"<gexf" in head or (b"<graphml" not in head and path.name.lower().rstrip(".gz").endswith(".gexf"))
    try:
        if is_gexf:
            # networkx 3.x knows timeformat integer/double/date but not GEXF 1.2/1.3's
            # "dateTime" (KeyError): read such times as text, parsed as ISO 8601 below
            raw = re.sub(rb"timeformat\s*=\s*([\"'])date[Tt]ime\1", b'timeformat="date"', raw, count=1)
            graph = nx.read_gexf(io.BytesIO(raw))
        else:
            graph = nx.read_graphml(io.BytesIO(raw), force_multigraph=True)
    except ET.ParseError as exc:
        raise InputError(f"not well-formed XML: {exc}", path=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - networkx's XML readers raise many types on bad input
        what = "GEXF" if is_gexf else "GraphML"
        raise InputError(f"not a readable {what} graph: {type(exc).__name__}: {exc}", path=str(path)) from None
    rows = ar.Rows()
    undated = 0
    directed = graph.is_directed()
    for index, (u, v, data) in enumerate(graph.edges(data=True)):
        where = f"edge {index} ({u} -> {v})"
        ts = None
        for key in _TIME_KEYS:
            if key in data and data[key] not in (None, ""):
                ts = _time(data[key])
                if ts is None:
                    raise InputError(f"{where}: cannot read time {data[key]!r}", path=str(path), field=key)
                break
        if ts is None and isinstance(data.get("spells"), list) and data["spells"]:
            first = data["spells"][0]
            ts = _time(first[0]) if isinstance(first, (tuple, list)) and first else None
        if ts is None:
            undated += 1
            ts = snapshot or _EPOCH
        weight = data.get("weight", 1.0)
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise InputError(f"{where}: weight {weight!r} is not a number", path=str(path), field="weight") from None
        if not math.isfinite(weight):
            raise InputError(f"{where}: weight {weight!r} is not finite", path=str(path), field="weight")
        kind = kind_default
        for key in _KIND_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value.strip().lower() in KINDS:
                kind = value.strip().lower()
                break
        src, dst = str(u), str(v)
        if not src.strip() or not dst.strip():
            raise InputError(f"{where}: empty node id", path=str(path))
        rows.add(src, dst, kind, ts, weight=weight)
        if not directed:
            rows.add(dst, src, kind, ts, weight=weight)
    notes = []
    if undated:
        when = snapshot.isoformat() if snapshot else "1970-01-01 (pass default_ts=...)"
        notes.append(f"{path}: {undated:,} edge(s) without a time; dated {when}")
    if not directed:
        notes.append(f"{path}: undirected graph: each edge counted in both directions")
    actors = {}
    for node, data in graph.nodes(data=True):
        label = data.get("label") if isinstance(data.get("label"), str) else data.get("name") if isinstance(data.get("name"), str) else None
        actors[str(node)] = {"name": label}
    return ar.finish(rows, source=str(path), what="graph (no edges)", actors=actors, notes=notes)


LOADER = Loader(
    name="graphml",
    summary="GraphML / GEXF graph (Gephi, yEd, networkx): edges with optional time, weight, kind",
    extensions=(".graphml", ".gexf", ".graphml.gz", ".gexf.gz"),
    detect=detect,
    load=load,
    options={
        "default_ts": "time of edges without one (ISO 8601 or Unix seconds; default 1970-01-01)",
        "default_kind": "kind of edges without a known kind attribute (default interaction)",
    },
)
