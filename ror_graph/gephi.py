"""The graph with every score attached, for Gephi (GEXF) and other tools (GraphML).

Nodes are people (``label`` = the id); edges are directed relationships (src gave attention
to dst) with ``weight`` = decayed tie strength, which Gephi uses as the edge weight.

Node attributes: the influence scores (``pagerank``, ``in_degree``, ``out_degree``,
``in_strength``, ``hub``, ``authority``, ``core``, ``betweenness``; ``personal_pagerank``
with an ego), per-person reciprocity (``reciprocity``, ``mutual``, ``give``, ``get``,
``answers_rate``), the community nurture-next figures (``priority``, ``fade_risk``,
``status``, ``value``, ``bond``, ``worth``), with an ego also ``ego_priority``,
``ego_fade_risk``, ``ego_status``, and ``referral_reach`` when estimates are given.

So that the file opens readable in Gephi, every node also carries its Leiden ``community``
(:func:`ror_graph.communities.find_communities`, default seed), a ``size`` from its
influence (4 + 36 * sqrt(pagerank / the largest pagerank)), a colour per community (``r``,
``g``, ``b``; the 20 largest communities get tab20's colours, the rest grey) and a layout
position ``x``, ``y`` (see :func:`layout`: a force layout up to 20,000 people, communities
as discs above). GEXF writes these as ``viz:size``,
``viz:color`` and ``viz:position``; GraphML as attributes named ``x``, ``y``, ``size``,
``r``, ``g``, ``b``, which Gephi's GraphML import reads as position, size and colour.

Edge attributes: ``n_events``, ``n_<kind>`` for each kind present, ``weight_sum``,
``strength``, ``answered_rate``, ``answer_latency_h``, ``reciprocated``, ``first_ts`` and
``last_ts`` (ISO 8601 text, UTC), and the tie's fade figures (``tie_fade_risk``,
``tie_status``, ``silence_days``, ``usual_gap_days``, ``bridge``, ``cut_edge``,
``embeddedness``).

Gephi rejects empty values and attributes whose type changes between elements, so every
attribute has one type and a value on every element: numbers that are undefined (no answer
yet, no rhythm yet, a person outside the ego's ties) are **-1**, text is ``""`` or ``none``,
flags are ``false``. Characters XML 1.0 cannot hold (control characters other than tab
and line breaks) become U+FFFD in every id, label and text value. Files are written atomically.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network, igraph_random
>>> raw = pl.DataFrame({"src": ["a", "b"], "dst": ["b", "a"], "kind": ["reply"] * 2, "ts": [0, 60]})
>>> g = to_networkx(Network.from_dataset(validate_events(raw, source="doc")))
>>> g.number_of_nodes(), g.number_of_edges(), g.edges["a", "b"]["reciprocated"]
(2, 2, True)
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ror_graph.errors import OptionError
from ror_graph.network import Network, igraph_random
from ror_graph.output import atomic_write

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GRAPH_FORMATS", "MISSING", "graph_format_for", "layout", "to_networkx", "write_graph"]

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
        raise OptionError(f"cannot tell the graph format of {path!r}; name it .gexf or .graphml, or give fmt=")
    raise OptionError("give a file named .gexf or .graphml (or fmt= to write to stdout)")


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
    return _with_drawing(net, table.sort("idx"))


#: The viz attributes: written as viz:position, viz:size and viz:color in GEXF.
_VIZ = ("x", "y", "size", "r", "g", "b")
_TAB20 = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194),
    (127, 127, 127), (188, 189, 34), (23, 190, 207), (174, 199, 232), (255, 187, 120), (152, 223, 138),
    (255, 152, 150), (197, 176, 213), (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141),
    (158, 218, 229),
)
_GREY = (170, 170, 170)


#: Up to this many people the layout is a force-directed one; above, communities as discs.
FORCE_LAYOUT_MAX = 20_000
_GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


def layout(net: Network, membership: np.ndarray, *, seed: int = 7, extent: float = 1000.0) -> np.ndarray:
    """n x 2 positions, seeded, scaled to [-``extent``, ``extent``].

    Up to :data:`FORCE_LAYOUT_MAX` people: Fruchterman-Reingold (igraph, on the tie-strength
    graph, weights strength / median strength clipped to [0.1, 10]) started from each
    community's place on a circle, so communities stay together (500 iterations, fewer past
    5,000 people). Larger graphs: each community is a disc (members on a sunflower spiral,
    the most strongly tied inside at the centre) and the discs are placed by
    Fruchterman-Reingold on the graph of communities (edge weight: tie strength between them),
    which takes seconds where the force layout of every person takes many minutes."""
    if net.n > FORCE_LAYOUT_MAX:
        return _disc_layout(net, membership, seed=seed, extent=extent)


    from ror_graph.communities import tie_graph

    graph = tie_graph(net)
    weights = np.asarray(graph.es["weight"], dtype=np.float64)
    if weights.size:
        weights = np.clip(weights / np.median(weights), 0.1, 10.0)
    rng = np.random.default_rng(seed)
    k = int(membership.max()) + 1 if membership.size else 1
    sizes = np.bincount(membership, minlength=k).astype(np.float64)
    angle = 2 * np.pi * np.arange(k) / max(k, 1)
    radius = np.sqrt(net.n) * 2.0
    spread = np.sqrt(sizes[membership])
    start = np.column_stack([radius * np.cos(angle[membership]), radius * np.sin(angle[membership])])
    start += rng.normal(scale=1.0, size=start.shape) * spread[:, None]
    niter = 500 if net.n <= 5000 else max(50, int(500 * 5000 / net.n))
    with igraph_random(seed):
        pos = np.asarray(graph.layout_fruchterman_reingold(weights=list(weights), niter=niter, seed=start.tolist()).coords)
    return _scaled(pos, extent)


def _scaled(pos: np.ndarray, extent: float) -> np.ndarray:
    if pos.size == 0:
        return pos.reshape(0, 2)
    pos = pos - pos.mean(axis=0)
    scale = np.abs(pos).max()
    return pos * (extent / scale) if scale > 0 else pos


def _disc_layout(net: Network, membership: np.ndarray, *, seed: int, extent: float) -> np.ndarray:
    """Communities as sunflower discs, placed by a force layout of the community graph."""

    import igraph as ig

    k = int(membership.max()) + 1
    sizes = np.bincount(membership, minlength=k).astype(np.float64)
    ties = net.ties.filter(pl.col("a") != pl.col("b"))
    comm = pl.Series(membership.astype(np.int64))
    between = (
        pl.DataFrame({"x": comm.gather(ties["a"].cast(pl.Int64)), "y": comm.gather(ties["b"].cast(pl.Int64)),
                      "w": ties["strength"]})
        .filter(pl.col("x") != pl.col("y"))
        .select(pl.min_horizontal("x", "y").alias("x"), pl.max_horizontal("x", "y").alias("y"), "w")
        .group_by("x", "y").agg(pl.col("w").sum())
        .sort("x", "y")
    )
    graph = ig.Graph(n=k, edges=np.column_stack([between["x"].to_numpy(), between["y"].to_numpy()]).tolist())
    weights = between["w"].to_numpy()
    if weights.size:
        weights = np.clip(weights / np.median(weights), 0.1, 10.0)
    with igraph_random(seed):
        centres = np.asarray(graph.layout_fruchterman_reingold(weights=list(weights) or None, niter=300, grid="auto").coords)
    centres = _scaled(centres, 1.0)
    # disc radius grows with sqrt(size); the largest disc is a fifth of the picture
    radius = 0.2 * np.sqrt(sizes / sizes.max())
    inside = net.ties.filter(pl.col("a") != pl.col("b"))
    strength = np.bincount(np.concatenate([inside["a"].to_numpy(), inside["b"].to_numpy()]),
                           weights=np.concatenate([inside["strength"].to_numpy()] * 2), minlength=net.n)
    order = np.lexsort((-strength, membership))  # by community, strongest first
    first = np.searchsorted(membership[order], np.arange(k))
    rank = np.empty(net.n, dtype=np.int64)
    rank[order] = np.arange(net.n) - first[membership[order]]
    r = radius[membership] * np.sqrt((rank + 0.5) / sizes[membership])
    theta = rank * _GOLDEN_ANGLE
    pos = centres[membership] + np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    return _scaled(pos, extent)


def _with_drawing(net: Network, table: pl.DataFrame) -> pl.DataFrame:
    """Community, size by influence, colour by community and a layout position, per node."""
    from ror_graph.communities import find_communities

    found = find_communities(net)
    membership = found.membership - 1  # vertex order; ``table`` is sorted by idx
    pos = layout(net, membership)
    pr = table["pagerank"].fill_null(0.0).to_numpy()
    top = pr.max() if pr.size else 0.0
    size = 4.0 + 36.0 * np.sqrt(pr / top) if top > 0 else np.full(pr.size, 4.0)
    colours = np.array([_TAB20[c] if c < len(_TAB20) else _GREY for c in membership], dtype=np.int64).reshape(-1, 3)
    return table.with_columns(
        pl.Series("community", found.membership, dtype=pl.Int64),
        pl.Series("size", size, dtype=pl.Float64),
        pl.Series("x", pos[:, 0], dtype=pl.Float64),
        pl.Series("y", pos[:, 1], dtype=pl.Float64),
        pl.Series("r", colours[:, 0]), pl.Series("g", colours[:, 1]), pl.Series("b", colours[:, 2]),
    )


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


def _with_viz(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose nodes carry ``x, y, size, r, g, b`` as GEXF's ``viz`` instead of attributes."""
    if not all(key in data for _, data in graph.nodes(data=True) for key in _VIZ):
        return graph
    out = graph.copy()
    for _, data in out.nodes(data=True):
        x, y, size, r, g, b = (data.pop(key) for key in _VIZ)
        data["viz"] = {"position": {"x": x, "y": y, "z": 0.0}, "size": size, "color": {"r": r, "g": g, "b": b, "a": 1.0}}
    return out


#: What XML 1.0 cannot hold: control characters other than tab, LF, CR; surrogates; U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: Any) -> Any:
    """``value`` with the characters XML cannot hold replaced by U+FFFD; other values as they are."""
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``graph`` whose ids, attribute names and text values all pass :func:`_xml_text`."""

    def fix(data: dict) -> dict:
        return {_xml_text(k): _xml_text(v) for k, v in data.items()}

    out = graph.__class__(**fix(graph.graph))
    out.add_nodes_from((_xml_text(n), fix(d)) for n, d in graph.nodes(data=True))
    out.add_edges_from((_xml_text(u), _xml_text(v), fix(d)) for u, v, d in graph.edges(data=True))
    return out


def write_graph(graph: nx.DiGraph, path: str | None, fmt: str | None = None) -> str:
    """Write ``graph`` as GEXF 1.2 or GraphML to ``path`` (atomically) or to stdout (None or
    ``-``); returns the format used."""
    import networkx as nx

    fmt = graph_format_for(path, fmt)
    graph = _xml_safe(graph)

    def write(handle) -> None:
        if fmt == "gexf":
            # nx.write_gexf stamps today's date; stamp the as_of date so output is reproducible.
            writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
            meta = writer.xml.find("meta")
            if meta is not None and graph.graph.get("as_of"):
                meta.set("lastmodifieddate", str(graph.graph["as_of"])[:10])
            writer.add_graph(_with_viz(graph))
            writer.write(handle)
        else:
            nx.write_graphml(graph, handle, encoding="utf-8", prettyprint=True)

    if path is None or path == "-":
        write(sys.stdout.buffer)
        sys.stdout.flush()
        return fmt
    atomic_write(path, write)
    return fmt
