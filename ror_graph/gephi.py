"""The graph with every score attached, for Gephi (GEXF) and other tools (GraphML).

Nodes are people (``label`` = the id); edges are directed relationships (src gave attention
to dst) with ``weight`` = decayed tie strength, which Gephi uses as the edge weight.

Node attributes: the influence scores (``pagerank``, ``in_degree``, ``out_degree``,
``in_strength``, ``hub``, ``authority``, ``core``, ``betweenness``; ``personal_pagerank``
with an ego), per-person reciprocity (``reciprocity``, ``mutual``, ``give``, ``get``,
``answers_rate``), the community nurture-next figures (``priority``, ``fade_risk``,
``status``, ``value``, ``bond``, ``worth``), with an ego also ``ego_priority``,
``ego_fade_risk``, ``ego_status``, and ``referral_reach`` when estimates are given.

Edge attributes: ``n_events``, ``n_<kind>`` for each kind present, ``weight_sum``,
``strength``, ``answered_rate``, ``answer_latency_h``, ``reciprocated``, ``first_ts`` and
``last_ts`` (ISO 8601 text, UTC), and the tie's fade figures (``tie_fade_risk``,
``tie_status``, ``silence_days``, ``usual_gap_days``, ``bridge``, ``cut_edge``,
``embeddedness``).

Gephi rejects empty values and attributes whose type changes between elements, so every
attribute has one type and a value on every element: numbers that are undefined (no answer
yet, no rhythm yet, a person outside the ego's ties) are **-1**, text is ``""`` or ``none``,
flags are ``false``. Files are written atomically.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> raw = pl.DataFrame({"src": ["a", "b"], "dst": ["b", "a"], "kind": ["reply"] * 2, "ts": [0, 60]})
>>> g = to_networkx(Network.from_dataset(validate_events(raw, source="doc")))
>>> g.number_of_nodes(), g.number_of_edges(), g.edges["a", "b"]["reciprocated"]
(2, 2, True)
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.network import Network
from ror_graph.output import atomic_write

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GRAPH_FORMATS", "MISSING", "graph_format_for", "to_networkx", "write_graph"]

GRAPH_FORMATS = ("gexf", "graphml")
#: The value of a number that is not defined for an element.
MISSING = -1


def graph_format_for(path: str | None, fmt: str | None) -> str:
    """``fmt`` if given, else from the extension of ``path`` (.gexf or .graphml)."""
    if fmt:
        if fmt not in GRAPH_FORMATS:
            raise OptionError(f"unknown graph format {fmt!r}; use gexf or graphml")
        return fmt
    if path and path != "-":
        ext = Path(path).suffix.lower().lstrip(".")
        if ext in GRAPH_FORMATS:
            return ext
        raise OptionError(f"cannot tell the graph format of {path!r}; name it .gexf or .graphml, or use --format")
    raise OptionError("give -o FILE.gexf or FILE.graphml (or --format with -o -)")


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """One type per column and no nulls: numbers -1, text '', flags false, times ISO text."""
    fixed = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            fixed.append(col.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fill_null(""))
        elif dtype == pl.Boolean:
            fixed.append(col.fill_null(False))
        elif dtype.is_float():
            fixed.append(col.fill_nan(None).fill_null(float(MISSING)).cast(pl.Float64))
        elif dtype.is_integer():
            fixed.append(col.fill_null(MISSING).cast(pl.Int64))
        else:
            fixed.append(col.cast(pl.String).fill_null(""))
    return frame.select(fixed)


def _native(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return float(MISSING)
    return value


def _node_table(net: Network, me: str | None, reach: pl.DataFrame | None) -> pl.DataFrame:
    from ror_graph.influence import influencers, pagerank
    from ror_graph.nurture import nurture_next
    from ror_graph.reciprocity import person_reciprocity

    infl = influencers(net).select(
        "node_id", "pagerank", "in_degree", "out_degree", "in_strength", "hub", "authority", "core", "betweenness"
    )
    table = net.nodes.select("idx", "node_id").join(infl, on="node_id", how="left")
    if me is not None:
        table = table.with_columns(pl.Series("personal_pagerank", pagerank(net, me=me)))
    recip = person_reciprocity(net).select("node_id", "reciprocity", "mutual", "give", "get", "answers_rate")
    community = nurture_next(net, reach=reach).select("node_id", "priority", "fade_risk", "status", "value", "bond", "worth")
    table = table.join(recip, on="node_id", how="left").join(community, on="node_id", how="left")
    if me is not None:
        mine = nurture_next(net, me=me, reach=reach).select(
            "node_id",
            pl.col("priority").alias("ego_priority"),
            pl.col("fade_risk").alias("ego_fade_risk"),
            pl.col("status").alias("ego_status"),
        )
        table = table.join(mine, on="node_id", how="left").with_columns(
            pl.when(pl.col("node_id") == me).then(pl.lit("ego")).otherwise(pl.col("ego_status").fill_null("none")).alias("ego_status")
        )
    if reach is not None:
        table = table.join(reach.select("node_id", "referral_reach"), on="node_id", how="left")
    return table.sort("idx")


def _edge_table(net: Network) -> pl.DataFrame:
    from ror_graph.fading import tie_fade_scores
    from ror_graph.reciprocity import mutual_mask

    rel = net.relationships.with_columns(pl.Series("reciprocated", mutual_mask(net)))
    ties = tie_fade_scores(net).select(
        "a", "b",
        pl.col("fade_risk").alias("tie_fade_risk"), pl.col("status").alias("tie_status"),
        "silence_days", "usual_gap_days", "bridge", "cut_edge", "embeddedness",
    )
    rel = rel.with_columns(pl.min_horizontal("s", "d").alias("a"), pl.max_horizontal("s", "d").alias("b"))
    rel = rel.join(ties, on=["a", "b"], how="left").drop("a", "b")
    return rel.with_columns(pl.col("strength").alias("weight"))


def to_networkx(net: Network, *, me: str | None = None, reach: pl.DataFrame | None = None) -> nx.DiGraph:
    """A :class:`networkx.DiGraph` of people and relationships with every score attached
    (see the module docstring), clean for Gephi."""
    import networkx as nx

    if me is not None:
        net.index_of(me)
    nodes = _clean(_node_table(net, me, reach))
    edges = _clean(_edge_table(net))
    graph = nx.DiGraph(name="ror-graph", as_of=net.as_of.isoformat().replace("+00:00", "Z"))
    for row in nodes.drop("idx").iter_rows(named=True):
        node_id = row.pop("node_id")
        graph.add_node(node_id, label=node_id, **{k: _native(v) for k, v in row.items()})
    attrs = [c for c in edges.columns if c not in ("src", "dst", "s", "d")]
    for row in edges.select("src", "dst", *attrs).iter_rows(named=True):
        graph.add_edge(row.pop("src"), row.pop("dst"), **{k: _native(v) for k, v in row.items()})
    return graph


def write_graph(graph: nx.DiGraph, path: str | None, fmt: str | None = None) -> str:
    """Write ``graph`` as GEXF 1.2 or GraphML to ``path`` (atomically) or to stdout (None or
    ``-``); returns the format used."""
    import networkx as nx

    fmt = graph_format_for(path, fmt)

    def write(handle) -> None:
        if fmt == "gexf":
            # nx.write_gexf stamps today's date; stamp the as_of date so output is reproducible.
            writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
            meta = writer.xml.find("meta")
            if meta is not None and graph.graph.get("as_of"):
                meta.set("lastmodifieddate", str(graph.graph["as_of"])[:10])
            writer.add_graph(graph)
            writer.write(handle)
        else:
            nx.write_graphml(graph, handle, encoding="utf-8", prettyprint=True)

    if path is None or path == "-":
        write(sys.stdout.buffer)
        sys.stdout.flush()
        return fmt
    atomic_write(path, write)
    return fmt
