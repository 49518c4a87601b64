"""Warm introductions: the strongest chains of relationships from the ego to someone.

A path is as warm as the product of its hops' warmth (a chain is as likely to carry an
introduction as each link is to pass it on). A hop over a tie of strength s (the tie's
recency-decayed, kind-weighted strength, both directions; :mod:`ror_graph.strength`) has

    warmth = s / (1 + s)                     in (0, 1): 0.5 at s = 1, 0.9 at s = 9

multiplied by ``one_sided_factor`` (0.5 by default) when the tie is one-sided (attention only
ever went one way): reciprocated ties are preferred. Recent ties are preferred through s
itself, which halves with every half-life of silence. The warmest paths are the shortest
paths on the cost -log(warmth) (so the product becomes a sum), found by Yen's k-shortest
simple paths (Yen, Management Science 1971; igraph's ``get_k_shortest_paths``) on the
undirected tie graph; with a hop limit (``max_hops``, 4 by default: a friend of a friend of
a friend) every simple path of at most that many hops is enumerated, met in the middle with
polars joins, and the warmest kept (exact, as the Cypher twin is). Each hop reports its tie strength, whether it is reciprocated and the
last contact.

``cypher/warm_intro_paths.cypher`` is the Neo4j Browser twin: the same warmth, the same hop
limit, the same order (warmth, then the path's ids); tests check both give the same paths.

Columns (one row per hop): ``path`` (1 = warmest), ``route`` (``a > b > c``), ``path_warmth``,
``path_hops``, ``hop``, ``from_id``, ``to_id``, ``tie_strength``, ``hop_warmth``,
``reciprocated``, ``last_contact``, ``days_since_contact``.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> raw = pl.DataFrame({"src": ["me", "ana", "ana", "bo", "me", "cy"], "dst": ["ana", "me", "zoe", "zoe", "bo", "zoe"],
...                     "kind": ["message"] * 6, "ts": [0, 60, 120, 180, 240, 300]})
>>> paths = intro_paths(Network.from_dataset(validate_events(raw, source="doc")), me="me", to="zoe")
>>> paths.group_by("path", maintain_order=True).agg(pl.col("route").first(), pl.col("path_warmth").first().round(3)).rows()
[(1, 'me > ana > zoe', 0.321), (2, 'me > bo > zoe', 0.141)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ror_graph.errors import OptionError
from ror_graph.network import Network

__all__ = ["INTRO_COLUMNS", "DEFAULT_MAX_HOPS", "MAX_HOPS", "ONE_SIDED_FACTOR", "hop_costs", "intro_paths"]

DEFAULT_MAX_HOPS = 4
#: The longest hop limit: every simple path up to the limit is enumerated, and their number
#: grows about as the mean degree to the power of the hops (5 hops on the 300-person sample
#: take seconds, 6 more than a minute). Longer chains are no warm introduction anyway.
MAX_HOPS = 5
#: A one-sided tie passes an introduction on half as well as a reciprocated one of equal strength.
ONE_SIDED_FACTOR = 0.5
INTRO_COLUMNS = (
    "path", "route", "path_warmth", "path_hops", "hop", "from_id", "to_id", "tie_strength", "hop_warmth",
    "reciprocated", "last_contact", "days_since_contact",
)
_SCHEMA: dict[Any, Any] = {
    "path": pl.Int64, "route": pl.String, "path_warmth": pl.Float64, "path_hops": pl.Int64, "hop": pl.Int64,
    "from_id": pl.String, "to_id": pl.String, "tie_strength": pl.Float64, "hop_warmth": pl.Float64,
    "reciprocated": pl.Boolean, "last_contact": pl.Datetime("us", "UTC"), "days_since_contact": pl.Float64,
}


def hop_costs(net: Network, *, one_sided_factor: float = ONE_SIDED_FACTOR) -> pl.DataFrame:
    """Per tie (``a < b``, the order of :attr:`Network.ties`): ``strength``, ``reciprocated``,
    ``hop_warmth`` = s / (1 + s), times ``one_sided_factor`` if one-sided, and ``cost`` =
    -log(hop_warmth)."""
    if not 0 < one_sided_factor <= 1:
        raise OptionError(f"one_sided_factor must be in (0, 1], got {one_sided_factor}")
    s = pl.col("strength")
    reciprocated = (pl.col("n_ab") > 0) & (pl.col("n_ba") > 0)
    warmth = s / (1 + s) * pl.when(pl.col("reciprocated")).then(1.0).otherwise(one_sided_factor)
    return net.ties.select("a", "b", "strength", "last_ts", reciprocated.alias("reciprocated")).with_columns(
        warmth.alias("hop_warmth")
    ).with_columns((-pl.col("hop_warmth").log()).alias("cost"))


def intro_paths(
    net: Network,
    *,
    me: str,
    to: str,
    paths: int = 3,
    max_hops: int | None = DEFAULT_MAX_HOPS,
    one_sided_factor: float = ONE_SIDED_FACTOR,
) -> pl.DataFrame:
    """The ``paths`` warmest introduction paths from ``me`` to ``to`` (see the module
    docstring), one row per hop; empty when no path of at most ``max_hops`` hops exists
    (``max_hops=None``: no limit)."""
    if paths < 1:
        raise OptionError(f"paths must be at least 1, got {paths}")
    if max_hops is not None and not 1 <= max_hops <= MAX_HOPS:
        raise OptionError(f"max_hops must lie in 1..{MAX_HOPS} (every path that long is enumerated), got {max_hops}")
    source, target = net.index_of(me), net.index_of(to)
    if source == target:
        raise OptionError(f"to={to!r} is the ego itself; give someone else")
    costs = hop_costs(net, one_sided_factor=one_sided_factor)
    found = _search(net, costs, source, target, paths, max_hops)
    return _rows(net, costs, found)


def _search(net: Network, costs: pl.DataFrame, source: int, target: int, k: int, max_hops: int | None) -> list[list[int]]:
    """The ``k`` cheapest simple paths (vertex lists), by cost and then by the ids along the
    path: exact enumeration for a hop limit, else Yen's algorithm."""
    if max_hops is None:
        found = _yen(net, costs, source, target, k + 8)  # a few beyond k, to order ties at the cut by ids
    else:
        found = _enumerate(costs, source, target, max_hops)
    if not found:
        return []
    ids = net.nodes["node_id"].to_list()
    edge_cost = {(a, b): c for a, b, c in costs.select("a", "b", "cost").iter_rows()}

    def cost(path: list[int]) -> float:
        return float(sum(edge_cost[(min(u, v), max(u, v))] for u, v in zip(path, path[1:])))

    return sorted(found, key=lambda p: (round(cost(p), 12), [ids[v] for v in p]))[:k]


def _yen(net: Network, costs: pl.DataFrame, source: int, target: int, k: int) -> list[list[int]]:
    import igraph as ig

    graph = ig.Graph(n=net.n, edges=np.column_stack([costs["a"].to_numpy(), costs["b"].to_numpy()]).tolist())
    return graph.get_k_shortest_paths(source, to=target, k=k, mode="all", weights=costs["cost"].to_numpy(), output="vpath")


def _enumerate(costs: pl.DataFrame, source: int, target: int, max_hops: int) -> list[list[int]]:
    """Every simple path of at most ``max_hops`` hops, met in the middle: half-paths of up to
    ceil(max_hops / 2) hops from the source and floor(max_hops / 2) from the target, joined
    on their last vertex (polars joins; a path of h hops is split after ceil(h / 2) hops, so
    each path is built once)."""
    edges = pl.concat([
        costs.select(pl.col("a").alias("u"), pl.col("b").alias("v"), "cost"),
        costs.select(pl.col("b").alias("u"), pl.col("a").alias("v"), "cost"),
    ]).filter(pl.col("u") != pl.col("v"))
    left = _halves(edges, source, (max_hops + 1) // 2)
    right = _halves(edges, target, max_hops // 2)
    parts = []
    for hops in range(1, max_hops + 1):
        a, b = (hops + 1) // 2, hops // 2
        joined = left[a].join(right[b], on="end", suffix="_r")
        whole = pl.concat_list(pl.col("nodes"), pl.col("nodes_r").list.reverse().list.slice(1))
        parts.append(joined.select(whole.alias("nodes")).filter(pl.col("nodes").list.n_unique() == hops + 1))
    return [list(p) for p in pl.concat(parts)["nodes"].to_list()]


def _halves(edges: pl.DataFrame, start: int, hops: int) -> list[pl.DataFrame]:
    """Simple paths from ``start`` of exactly 0, 1, ..., ``hops`` hops: ``end``, ``nodes``."""
    level = pl.DataFrame({"end": [start], "nodes": [[start]]}, schema={"end": pl.UInt32, "nodes": pl.List(pl.UInt32)})
    out = [level]
    for _ in range(hops):
        level = (
            level.join(edges.select("u", "v"), left_on="end", right_on="u")
            .filter(~pl.col("nodes").list.contains(pl.col("v")))
            .select(pl.col("v").alias("end"), pl.concat_list("nodes", "v").alias("nodes"))
        )
        out.append(level)
    return out


def _rows(net: Network, costs: pl.DataFrame, found: list[list[int]]) -> pl.DataFrame:
    if not found:
        return pl.DataFrame(schema=_SCHEMA)
    hops = pl.DataFrame(
        [(i + 1, h + 1, u, v) for i, p in enumerate(found) for h, (u, v) in enumerate(zip(p, p[1:]))],
        schema={"path": pl.Int64, "hop": pl.Int64, "u": pl.UInt32, "v": pl.UInt32},
        orient="row",
    )
    hops = hops.with_columns(pl.min_horizontal("u", "v").alias("a"), pl.max_horizontal("u", "v").alias("b"))
    hops = hops.join(costs, on=["a", "b"], how="left", maintain_order="left")
    hops = net.names(net.names(hops, "u", "from_id"), "v", "to_id")
    as_of = pl.lit(net.as_of).dt.replace_time_zone("UTC").dt.cast_time_unit("us")
    hops = hops.with_columns(
        pl.col("hop_warmth").product().over("path").alias("path_warmth"),
        pl.len().over("path").cast(pl.Int64).alias("path_hops"),
        (pl.col("from_id").first().over("path") + pl.lit(" > ") + pl.col("to_id").str.join(" > ").over("path")).alias("route"),
        ((as_of - pl.col("last_ts")).dt.total_seconds() / 86400).alias("days_since_contact"),
    )
    return hops.select(
        "path", "route", "path_warmth", "path_hops", "hop", "from_id", "to_id",
        pl.col("strength").alias("tie_strength"), "hop_warmth", "reciprocated",
        pl.col("last_ts").alias("last_contact"), "days_since_contact",
    ).cast(_SCHEMA)
