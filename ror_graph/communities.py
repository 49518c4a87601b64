"""The groups a relationship network falls into, each person's role in their group, and which
groups are cooling.

Communities are found by the Leiden algorithm (Traag, Waltman and van Eck, "From Louvain to
Leiden: guaranteeing well-connected communities", Scientific Reports 2019) maximising weighted
modularity (Newman, "Analysis of weighted networks", PRE 2004) on the **undirected tie-strength
graph**: one edge per tie (pair of people, either direction), weighted by the tie's decayed
strength (:mod:`ror_graph.strength`). igraph's ``community_leiden`` does the work, iterated
until the partition no longer changes on graphs of up to :data:`STABLE_MAX_TIES` ties, and for
3 iterations above that (Higgs, 450k ties: modularity 0.799 in ~7 s against 0.801 in ~100 s
when iterated to stability, on this 2-core machine under load); it draws its random numbers from a ``random.Random(seed)``
given to ``igraph.set_random_number_generator`` for the call only, so the same seed gives the
same partition. ``resolution`` (gamma) above 1 gives more, smaller communities.

Communities are numbered 1, 2, ... by size (largest first; equal sizes by their first member's
id), so the numbers are stable for a seed.

Roles (Guimera and Amaral, "Functional cartography of complex metabolic networks", Nature
2005), with strengths instead of degrees:

* ``within_z``: the person's strength inside their community as a z-score among its members;
* ``participation``: P = 1 - sum over communities c of (strength to c / strength)^2; 0 when
  every tie stays inside the community, higher the more evenly a person's ties spread;
* ``role``: ``hub`` when ``within_z >= 2.5`` (Guimera and Amaral's hub threshold) or the person
  has the largest inside strength of a community of at least 3 people; ``bridge`` when not a
  hub and ``participation > 0.62`` (Guimera and Amaral's boundary between peripheral and
  connector nodes: their ties spread over three or more communities, not mostly one);
  ``member`` otherwise.

The per-community summary compares the last ``window`` before ``as_of`` with the window before
it: ``events_recent``/``events_before`` count interactions between two members,
``reciprocity_recent``/``reciprocity_before`` are the share of members' directed relationships
active in the window (one gave the other attention) whose reverse was also active in it.
``activity_change`` = recent / before - 1; ``trend`` is ``quiet`` when neither window had an
internal interaction, ``too few`` when neither had :data:`MIN_TREND_EVENTS` (a change of 1 to
0 says nothing), ``new`` when only the last had, ``cooling`` at -25% or less, ``warming`` at
+25% or more, else ``steady``. ``modularity`` is the community's term of the
weighted modularity, W_c / W - gamma (S_c / 2W)^2 (W the total tie strength, W_c the strength
inside c, S_c the summed strength of c's members), so the terms add up to the partition's
modularity.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network, igraph_random
>>> pairs = [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")]
>>> raw = pl.DataFrame({"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs],
...                     "kind": ["message"] * 7, "ts": [i * 3600 for i in range(7)]})
>>> found = find_communities(Network.from_dataset(validate_events(raw, source="doc")))
>>> found.people.select("node_id", "community").sort("node_id").rows()
[('a', 1), ('b', 1), ('c', 1), ('x', 2), ('y', 2), ('z', 2)]
>>> round(found.modularity, 3)
0.357
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ror_graph.errors import OptionError
from ror_graph.network import Network, igraph_random
from ror_graph.timeutil import parse_duration

if TYPE_CHECKING:
    import igraph

__all__ = [
    "Communities",
    "DEFAULT_SEED",
    "DEFAULT_WINDOW",
    "HUB_MIN_Z",
    "MAX_RESOLUTION",
    "MIN_TREND_EVENTS",
    "STABLE_MAX_TIES",
    "BRIDGE_MIN_PARTICIPATION",
    "find_communities",
    "leiden_membership",
    "people_of",
    "tie_graph",
    "with_community",
]

DEFAULT_SEED = 7
DEFAULT_WINDOW = timedelta(days=30)
#: Largest Leiden resolution accepted (1 is plain modularity; far higher, people end up alone).
MAX_RESOLUTION = 1000.0
#: Guimera and Amaral's within-module z threshold for a hub.
HUB_MIN_Z = 2.5
#: Participation coefficient above which a non-hub is a bridge (a connector).
BRIDGE_MIN_PARTICIPATION = 0.62
#: Up to this many ties Leiden iterates until the partition is stable; above, 3 iterations.
STABLE_MAX_TIES = 200_000
#: Fewer internal interactions than this in both windows: no trend ("too few").
MIN_TREND_EVENTS = 10
#: Activity change that makes a community cooling (or, positive, warming).
TREND_CHANGE = 0.25
_MIN_WEIGHT = 1e-12  # Leiden needs positive weights; a tie of zero strength still links two people

PEOPLE_COLUMNS = (
    "node_id", "community", "community_size", "role", "strength", "internal_strength", "within_z", "participation",
)
SUMMARY_COLUMNS = (
    "community", "size", "hub", "modularity", "internal_strength", "external_strength", "events_recent",
    "events_before", "activity_change", "reciprocity_recent", "reciprocity_before", "reciprocity_change", "trend",
)


@dataclass(frozen=True)
class Communities:
    """A partition and what it says.

    ``people``: one row per person (columns ``PEOPLE_COLUMNS``), by community then inside
    strength; ``summary``: one row per community (``SUMMARY_COLUMNS``); ``membership``: the
    community of each vertex index; ``modularity``: weighted modularity at ``resolution``.
    """

    people: pl.DataFrame
    summary: pl.DataFrame
    membership: np.ndarray
    modularity: float
    resolution: float
    seed: int

    @property
    def count(self) -> int:
        return self.summary.height


def tie_graph(net: Network) -> igraph.Graph:
    """The undirected tie-strength graph: one edge per tie ``a < b`` with ``weight`` = the
    tie's strength (at least 1e-12, so a fully decayed tie still links its two people)."""
    import igraph as ig

    ties = net.ties
    edges = np.column_stack([ties["a"].to_numpy(), ties["b"].to_numpy()]).tolist()
    graph = ig.Graph(n=net.n, edges=edges, directed=False)
    graph.es["weight"] = np.maximum(ties["strength"].to_numpy(), _MIN_WEIGHT)
    return graph


def leiden_membership(graph: igraph.Graph, *, resolution: float = 1.0, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Leiden (modularity, ``weight`` edge attribute) on ``graph``, iterated until stable
    (3 iterations above :data:`STABLE_MAX_TIES` ties), with ``random.Random(seed)`` as igraph's random source; labels 0, 1, ... by size.
    ``resolution`` is in (0, :data:`MAX_RESOLUTION`]."""

    if not 0 < resolution <= MAX_RESOLUTION:
        raise OptionError(f"resolution={resolution} must be positive and at most {MAX_RESOLUTION:g}")
    with igraph_random(seed):
        part = graph.community_leiden(
            objective_function="modularity",
            weights="weight",
            node_weights=graph.strength(weights="weight"),  # modularity's null model: a vertex's strength
            resolution=resolution,
            n_iterations=-1 if graph.ecount() <= STABLE_MAX_TIES else 3,
        )
    raw = np.asarray(part.membership, dtype=np.int64)
    sizes = np.bincount(raw)
    first = np.full(sizes.size, raw.size, dtype=np.int64)
    np.minimum.at(first, raw, np.arange(raw.size))  # vertices are sorted by id: the first member's id
    order = np.lexsort((first, -sizes))
    relabel = np.empty_like(order)
    relabel[order] = np.arange(order.size)
    return relabel[raw]


def find_communities(
    net: Network,
    *,
    resolution: float = 1.0,
    seed: int = DEFAULT_SEED,
    window: str | timedelta = DEFAULT_WINDOW,
) -> Communities:
    """Leiden communities of ``net`` with roles and a per-community summary (see the module
    docstring); computed once per Network and parameter set."""
    span = parse_duration(window, name="window")
    return net.cached(("communities", float(resolution), int(seed), span), lambda: _find(net, resolution, seed, span))


def _find(net: Network, resolution: float, seed: int, window: timedelta) -> Communities:
    graph = tie_graph(net)
    membership = leiden_membership(graph, resolution=resolution, seed=seed)
    strength = np.asarray(graph.strength(weights="weight"), dtype=np.float64)  # a self-loop counts twice
    ties = net.ties.select("a", "b", pl.col("strength").clip(lower_bound=_MIN_WEIGHT).alias("w"))
    comm = pl.Series("c", membership)
    ties = ties.with_columns(
        ca=comm.gather(ties["a"].cast(pl.Int64)), cb=comm.gather(ties["b"].cast(pl.Int64))
    )
    people = _people(net, ties, membership, strength)
    total = float(ties["w"].sum())
    inside = ties.filter(pl.col("ca") == pl.col("cb")).group_by(pl.col("ca").alias("c")).agg(pl.col("w").sort().sum().alias("internal_strength"))
    sums = pl.DataFrame({"c": membership, "s": strength}).group_by("c").agg(pl.col("s").sort().sum(), pl.len().alias("size"))
    summary = sums.join(inside, on="c", how="left").with_columns(pl.col("internal_strength").fill_null(0.0))
    summary = summary.with_columns(
        (pl.col("internal_strength") / total - resolution * (pl.col("s") / (2 * total)) ** 2).alias("modularity"),
        (pl.col("s") - 2 * pl.col("internal_strength")).clip(lower_bound=0.0).alias("external_strength"),
    )
    hubs = people.sort(["internal_strength", "node_id"], descending=[True, False]).group_by("community", maintain_order=True).first()
    summary = (
        summary.with_columns((pl.col("c") + 1).alias("community"))
        .join(hubs.select("community", pl.col("node_id").alias("hub")), on="community", how="left")
        .join(_trends(net, membership, window), on="c", how="left")
        .sort("community")
    )
    summary = summary.with_columns(
        pl.col("events_recent").fill_null(0), pl.col("events_before").fill_null(0)
    ).with_columns(_trend().alias("trend"))
    return Communities(
        people=people.select(PEOPLE_COLUMNS),
        summary=summary.select(SUMMARY_COLUMNS),
        membership=membership + 1,
        modularity=float(summary["modularity"].sum()),
        resolution=float(resolution),
        seed=int(seed),
    )


def _people(net: Network, ties: pl.DataFrame, membership: np.ndarray, strength: np.ndarray) -> pl.DataFrame:
    """Per person: inside strength, within-community z, participation coefficient, role."""
    ends = pl.concat([
        ties.select(pl.col("a").alias("idx"), pl.col("cb").alias("to"), "w"),
        ties.select(pl.col("b").alias("idx"), pl.col("ca").alias("to"), "w"),
    ])
    # Every float sum adds its terms in sorted order: group_by and join hand rows over in an
    # order that varies from run to run, and the same table must come out every time.
    per = ends.group_by("idx", "to").agg(pl.col("w").sort().sum())
    base = net.nodes.with_columns(
        pl.Series("c", membership), pl.Series("strength", strength)
    )
    own = per.join(base.select("idx", "c"), on="idx").filter(pl.col("to") == pl.col("c")).group_by("idx").agg(
        pl.col("w").sort().sum().alias("internal_strength")
    )
    share = per.join(base.select("idx", "strength"), on="idx").group_by("idx").agg(
        (1 - ((pl.col("w") / pl.col("strength")) ** 2).sort().sum()).alias("participation")
    )
    people = base.join(own, on="idx", how="left").join(share, on="idx", how="left").with_columns(
        pl.col("internal_strength").fill_null(0.0), pl.col("participation").fill_null(0.0).clip(0.0, 1.0)
    )
    inside = pl.col("internal_strength")
    people = people.with_columns(
        (pl.col("c") + 1).alias("community"),
        pl.len().over("c").alias("community_size"),
        pl.when(inside.std(ddof=0).over("c") > 0)
        .then((inside - inside.mean().over("c")) / inside.std(ddof=0).over("c"))
        .otherwise(0.0)
        .alias("within_z"),
        (inside == inside.max().over("c")).alias("_top"),
    )
    first_top = (
        pl.col("_top")
        & (pl.col("community_size") >= 3)
        & (pl.col("node_id") == pl.col("node_id").filter(pl.col("_top")).min().over("c"))
    )
    hub = (pl.col("within_z") >= HUB_MIN_Z) | first_top
    role = (
        pl.when(hub).then(pl.lit("hub"))
        .when(pl.col("participation") > BRIDGE_MIN_PARTICIPATION).then(pl.lit("bridge"))
        .otherwise(pl.lit("member"))
    )
    people = people.with_columns(role.alias("role"), pl.col("community_size").cast(pl.Int64))
    return people.sort(["community", "internal_strength", "node_id"], descending=[False, True, False])


def _trends(net: Network, membership: np.ndarray, window: timedelta) -> pl.DataFrame:
    """Per community (0-based ``c``): internal events and reciprocity in the last two windows."""
    end = net.as_of
    comm = pl.Series("c", membership)
    ev = net.events.select("s", "d", "ts")
    ev = ev.with_columns(cs=comm.gather(ev["s"].cast(pl.Int64)), cd=comm.gather(ev["d"].cast(pl.Int64))).filter(
        (pl.col("cs") == pl.col("cd")) & (pl.col("s") != pl.col("d"))
    )
    as_of = pl.lit(end).dt.replace_time_zone("UTC").dt.cast_time_unit("us")
    recent = ev.filter(pl.col("ts") > as_of - pl.duration(microseconds=_us(window)))
    before = ev.filter(
        (pl.col("ts") <= as_of - pl.duration(microseconds=_us(window)))
        & (pl.col("ts") > as_of - pl.duration(microseconds=2 * _us(window)))
    )
    out = []
    for name, frame in (("recent", recent), ("before", before)):
        pairs = frame.select(pl.col("cs").alias("c"), "s", "d").unique()
        back = pairs.select(pl.col("d").alias("s"), pl.col("s").alias("d"), pl.lit(True).alias("r"))
        recip = pairs.join(back, on=["s", "d"], how="left").group_by("c").agg(
            pl.col("r").fill_null(False).mean().alias(f"reciprocity_{name}")
        )
        counts = frame.group_by(pl.col("cs").alias("c")).agg(pl.len().cast(pl.Int64).alias(f"events_{name}"))
        out.append(counts.join(recip, on="c", how="full", coalesce=True))
    both = out[0].join(out[1], on="c", how="full", coalesce=True)
    return both.with_columns(
        (pl.col("events_recent").fill_null(0) / pl.col("events_before") - 1).alias("activity_change"),
        (pl.col("reciprocity_recent") - pl.col("reciprocity_before")).alias("reciprocity_change"),
    )


def _trend() -> pl.Expr:
    recent, before = pl.col("events_recent"), pl.col("events_before")
    change = recent / before - 1
    return (
        pl.when((recent == 0) & (before == 0)).then(pl.lit("quiet"))
        .when((recent < MIN_TREND_EVENTS) & (before < MIN_TREND_EVENTS)).then(pl.lit("too few"))
        .when(before == 0).then(pl.lit("new"))
        .when(change <= -TREND_CHANGE).then(pl.lit("cooling"))
        .when(change >= TREND_CHANGE).then(pl.lit("warming"))
        .otherwise(pl.lit("steady"))
    )


def _us(span: timedelta) -> int:
    return int(span.total_seconds() * 1e6)


def with_community(frame: pl.DataFrame, net: Network, *, on: str = "node_id", found: Communities | None = None) -> pl.DataFrame:
    """``frame`` with a last column ``community`` (the community of the person in column
    ``on``; the other columns keep their order); default communities
    (:func:`find_communities`) unless ``found`` is given. People unknown to ``net`` get null."""
    found = found or find_communities(net)
    lookup = found.people.select(pl.col("node_id").alias(on), "community")
    if "community" in frame.columns:
        frame = frame.drop("community")
    return frame.join(lookup, on=on, how="left", maintain_order="left")


def people_of(found: Communities, net: Network, *, me: str | None = None) -> pl.DataFrame:
    """``found.people``; with ``me``, only the ego and the people they have a tie with, and
    ``same_as_me`` (in the ego's community)."""
    if me is None:
        return found.people
    ego = net.index_of(me)
    ties = net.ties.filter((pl.col("a") == ego) | (pl.col("b") == ego))
    contacts = pl.concat([ties["a"], ties["b"], pl.Series([ego], dtype=ties["a"].dtype)]).unique()
    ids = net.nodes.filter(pl.col("idx").is_in(contacts.implode()))["node_id"]
    mine = int(found.membership[ego])
    return (
        found.people.filter(pl.col("node_id").is_in(ids.implode()))
        .with_columns((pl.col("community") == mine).alias("same_as_me"))
        .sort(["same_as_me", "community", "internal_strength", "node_id"], descending=[True, False, True, False])
    )
