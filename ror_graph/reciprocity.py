"""Who gives back: reciprocity of the community, of each person, and of each relationship.

Definitions (on the static directed graph of relationships; self-loops are never kept):

* **edge reciprocity** r = L<-> / L, the share of directed edges whose reverse edge exists
  (``networkx.overall_reciprocity``; KONECT's "reciprocity"; SuiteSparse "pattern symmetry").
* **pair reciprocity** = mutual pairs / connected pairs = r / (2 - r): the "22% of pairs"
  figure of Kwak, Lee, Park and Moon, "What is Twitter, a social network or a news media?",
  WWW 2010.
* **rho** = (r - a) / (1 - a) with a = L / (n (n - 1)) the density: Garlaschelli and
  Loffredo, "Patterns of link reciprocity in directed networks", PRL 93, 268701 (2004).
  rho > 0 means more reciprocity than chance.
* **per person** 2 * mutual / (in + out) (``networkx.reciprocity`` for a node).
* **per relationship** give (strength a -> b) against get (b -> a), ``balance`` =
  (give - get) / (give + get) in [-1, 1], and responsiveness: the share of one side's events
  the other answered within the reply window, with the median latency.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> raw = pl.DataFrame({"src": ["a", "b", "a"], "dst": ["b", "a", "c"], "kind": ["reply"] * 3, "ts": [1, 2, 3]})
>>> s = reciprocity_summary(Network.from_dataset(validate_events(raw, source="doc")))
>>> round(s.edge_reciprocity, 3), round(s.pair_reciprocity, 3)
(0.667, 0.5)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from ror_graph.network import Network

__all__ = [
    "ReciprocitySummary",
    "reciprocity_summary",
    "mutual_mask",
    "person_reciprocity",
    "relationship_reciprocity",
]


@dataclass(frozen=True)
class ReciprocitySummary:
    """Graph-level reciprocity figures (definitions in the module docstring)."""

    nodes: int
    edges: int
    reciprocated_edges: int
    edge_reciprocity: float
    pair_reciprocity: float
    density: float
    rho: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def mutual_mask(net: Network) -> np.ndarray:
    """For each row of ``net.relationships``: does the reverse relationship exist?"""
    return net.directed_pairs["mutual"].to_numpy()  # same rows as net.edges and net.relationships


def reciprocity_summary(net: Network) -> ReciprocitySummary:
    """Edge and pair reciprocity, density and Garlaschelli-Loffredo rho."""
    edges = net.directed_pairs.height
    mutual = int(mutual_mask(net).sum())
    n = net.n
    r = mutual / edges if edges else 0.0
    a = edges / (n * (n - 1)) if n > 1 else 0.0
    rho = (r - a) / (1 - a) if a < 1 else float("nan")  # undefined on a complete graph
    return ReciprocitySummary(
        nodes=n,
        edges=edges,
        reciprocated_edges=mutual,
        edge_reciprocity=r,
        pair_reciprocity=r / (2 - r) if edges else 0.0,
        density=a,
        rho=rho,
    )


def person_reciprocity(net: Network) -> pl.DataFrame:
    """Per person: ``out_edges, in_edges, mutual, reciprocity`` (2 mutual / (in + out)),
    ``give`` / ``get`` (total strength out / in) and ``gives_back`` = get-side answers:
    the share of events sent to this person that they answered. Ranked by reciprocity."""
    rel = net.edges.with_columns(pl.Series("mutual", mutual_mask(net)))
    out = rel.group_by("s").agg(
        pl.len().alias("out_edges"),
        pl.col("mutual").sum().alias("mutual"),
        pl.col("strength").sum().alias("give"),
    )
    # answered_rate on (x -> p) is the share of x's events p answered: p's responsiveness.
    inc = rel.group_by("d").agg(
        pl.len().alias("in_edges"),
        pl.col("strength").sum().alias("get"),
        ((pl.col("answered_rate") * pl.col("n_events")).sum() / pl.col("n_events").sum()).alias("answers_rate"),
    )
    table = (
        net.nodes.join(out.rename({"s": "idx"}), on="idx", how="left")
        .join(inc.rename({"d": "idx"}), on="idx", how="left")
        .with_columns(pl.col("out_edges", "in_edges", "mutual").fill_null(0).cast(pl.Int64), pl.col("give", "get").fill_null(0.0))
        .with_columns(
            (2 * pl.col("mutual") / (pl.col("out_edges") + pl.col("in_edges"))).fill_nan(0.0).alias("reciprocity"),
        )
    )
    table = table.sort(["reciprocity", "mutual", "node_id"], descending=[True, True, False]).with_row_index("rank", offset=1)
    return table.select("rank", "node_id", "reciprocity", "mutual", "out_edges", "in_edges", "give", "get", "answers_rate")


def relationship_reciprocity(net: Network, *, me: str | None = None) -> pl.DataFrame:
    """Per unordered relationship (or per person related to ``me``): give/get balance and
    responsiveness in each direction.

    Columns: ``rank, a, b, give, get, balance, reciprocated, n_give, n_get, b_answers_rate,
    b_answer_latency_h, a_answers_rate, a_answer_latency_h``. "give" is a -> b. With ``me``,
    ``a`` is the ego and ``b`` the other person; without it a < b by id. Ranked by total
    strength (the relationships that matter most first).
    """
    rel = net.relationships
    if me is not None:
        ego = net.index_of(me)
        rel = rel.filter((pl.col("s") == ego) | (pl.col("d") == ego))
        side_a = pl.col("s") == ego
    else:
        side_a = pl.col("src") < pl.col("dst")
    oriented = rel.with_columns(
        pl.when(side_a).then(pl.col("src")).otherwise(pl.col("dst")).alias("a"),
        pl.when(side_a).then(pl.col("dst")).otherwise(pl.col("src")).alias("b"),
        side_a.alias("forward"),
    )
    fwd, bwd = pl.col("forward"), ~pl.col("forward")
    table = oriented.group_by("a", "b").agg(
        pl.col("strength").filter(fwd).sum().alias("give"),
        pl.col("strength").filter(bwd).sum().alias("get"),
        pl.col("n_events").filter(fwd).sum().cast(pl.Int64).alias("n_give"),
        pl.col("n_events").filter(bwd).sum().cast(pl.Int64).alias("n_get"),
        pl.col("answered_rate").filter(fwd).first().alias("b_answers_rate"),
        pl.col("answer_latency_h").filter(fwd).first().alias("b_answer_latency_h"),
        pl.col("answered_rate").filter(bwd).first().alias("a_answers_rate"),
        pl.col("answer_latency_h").filter(bwd).first().alias("a_answer_latency_h"),
    )
    total = pl.col("give") + pl.col("get")
    table = table.with_columns(
        pl.when(total > 0).then((pl.col("give") - pl.col("get")) / total).otherwise(0.0).alias("balance"),
        ((pl.col("n_give") > 0) & (pl.col("n_get") > 0)).alias("reciprocated"),
        total.alias("_total"),
    )
    table = table.sort(["_total", "a", "b"], descending=[True, False, False]).with_row_index("rank", offset=1)
    return table.select(
        "rank", "a", "b", "give", "get", "balance", "reciprocated", "n_give", "n_get",
        "b_answers_rate", "b_answer_latency_h", "a_answers_rate", "a_answer_latency_h",
    )
