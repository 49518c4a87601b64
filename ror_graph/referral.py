"""Referral propagation: how far a share or a referral would travel, and whom to nurture so
it travels furthest.

**Direction.** Events point the way attention goes (``src`` gave attention to ``dst``).
Influence flows the other way: if B shares, replies to or mentions A (event ``src=B,
dst=A``), A's message reaches B's audience, so the propagation edge is **A -> B**. Every
table here is in the propagation direction: ``src`` is whose message travels, ``dst`` who
passes it on.

**Edge probabilities** (``prob=``), for propagation edge A -> B built from the relationship
B -> A (``n_*`` counts, decayed ``strength``):

* ``"strength"`` (or ``"strength:SCALE"``): ``p = min(0.9, 1 - exp(-strength / SCALE))``,
  SCALE = 25 by default. Each unit of recency-decayed, kind-weighted attention that B gives A
  is an independent small chance that B passes A's message on: one fresh reply (strength 3)
  gives p = 0.11, ten fresh replies p = 0.70; the cap says nobody forwards everything.
* ``"wc"``: weighted cascade, ``p = 1 / indegree(B)`` in the propagation graph (the number of
  people B gives attention to): B's attention is split among everyone B follows.
* ``"const:P"``: the same P in [0, 1] on every edge.
* ``"learned"``: the Bernoulli estimate of Goyal, Bonchi and Lakshmanan (WSDM 2010),
  ``p = A_{A->B} / A_A``, adapted to logs that only show who shared whom:
  ``A_{A->B}`` = B's share-like events (share, quote, referral) to A, and ``A_A``, the
  number of A's messages B could have passed on, is estimated as A's own events of any kind
  (each is a post A's audience sees) plus the most times any single person shared A (at least
  that many A posts exist). Rare edges are shrunk to the global rate ``p0`` with a Beta prior
  of 2 pseudo-observations: ``p = (shares + 2 p0) / (A_A + 2)``.

For the linear threshold model the weights into each node are scaled down to sum to at most
1 (``b = p / max(1, sum of p into the node)``; weighted cascade already sums to 1).

**Reach** always counts the seeds themselves: one person who shares reaches at least 1.

Example
-------
>>> from ror_graph.model import validate_events
>>> import polars as pl
>>> raw = pl.DataFrame({"src": ["b", "c"], "dst": ["a", "b"], "kind": ["share"] * 2, "ts": [0, 1]})
>>> net = Network.from_dataset(validate_events(raw, source="doc"))
>>> expected_reach(net, ["a"], prob="const:1", sims=100).mean   # a -> b -> c
3.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from ror_graph import propagation as prop
from ror_graph.errors import OptionError
from ror_graph.network import Network
from ror_graph.propagation import ReachEstimate

__all__ = [
    "ReachEstimate",
    "ProbSpec",
    "parse_prob",
    "edge_probabilities",
    "propagation_graph",
    "expected_reach",
    "referral_reach",
    "reach_estimates",
    "best_seeds",
    "ego_gain",
    "DEFAULT_STRENGTH_SCALE",
    "STRENGTH_CAP",
    "SHARE_KINDS",
]

DEFAULT_STRENGTH_SCALE = 25.0
STRENGTH_CAP = 0.9
#: Event kinds that mean "passed the other person's content on" (for ``prob="learned"``).
SHARE_KINDS = ("share", "quote", "referral")
_PRIOR_STRENGTH = 2.0


@dataclass(frozen=True)
class ProbSpec:
    """A parsed ``prob`` option: ``kind`` in strength, wc, const, learned and its parameter."""

    kind: str
    value: float | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value:g}"


def parse_prob(text: str | ProbSpec) -> ProbSpec:
    """``strength``, ``strength:SCALE``, ``wc``, ``const:P`` or ``learned``."""
    if isinstance(text, ProbSpec):
        return text
    raw = str(text).strip().lower()
    name, _, arg = raw.partition(":")
    if name in ("wc", "learned") and not arg:
        return ProbSpec(name)
    if name == "strength":
        if not arg:
            return ProbSpec("strength", DEFAULT_STRENGTH_SCALE)
        scale = _number(arg, text)
        if not scale > 0:
            raise OptionError(f"prob={text!r}: the strength scale must be > 0")
        return ProbSpec("strength", scale)
    if name == "const" and arg:
        p = _number(arg, text)
        if not 0.0 <= p <= 1.0:
            raise OptionError(f"prob={text!r}: probability must lie in [0, 1]")
        return ProbSpec("const", p)
    raise OptionError(f"unknown prob={text!r}; use strength, strength:SCALE, wc, const:P or learned")


def _number(arg: str, text: object) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise OptionError(f"prob={text!r}: {arg!r} is not a number") from None
    if not math.isfinite(value):
        raise OptionError(f"prob={text!r}: {arg!r} is not a finite number")
    return value


def edge_probabilities(net: Network, prob: str | ProbSpec = "strength") -> pl.DataFrame:
    """One row per propagation edge: ``src`` (whose message travels), ``dst`` (who passes it
    on), their indices ``s``, ``d``, and ``p`` in [0, 1] (see the module docstring)."""
    edges = _propagation_edges(net, parse_prob(prob)).sort("s", "d")
    return net.names(net.names(edges, "s", "src"), "d", "dst").select("src", "dst", "s", "d", "p")


def _propagation_edges(net: Network, spec: ProbSpec) -> pl.DataFrame:
    """``s, d, p`` of every propagation edge, in the relationships' order (by d, then s)."""
    rel = net.edges
    # attention B -> A becomes propagation A -> B
    edges = rel.select(
        pl.col("d").alias("s"), pl.col("s").alias("d"), "strength",
        *[pl.col(c) for c in rel.columns if c.startswith("n_")],
    )
    if spec.kind == "strength":
        p = (1.0 - (-pl.col("strength").clip(lower_bound=0.0) / spec.value).exp()).clip(upper_bound=STRENGTH_CAP)
    elif spec.kind == "const":
        p = pl.lit(spec.value, dtype=pl.Float64)
    elif spec.kind == "wc":
        p = 1.0 / pl.len().over("d").cast(pl.Float64)
    else:
        edges = _learned(edges, rel)
        p = pl.col("p")
    return edges.with_columns(p.alias("p")).select("s", "d", "p")


def _learned(edges: pl.DataFrame, rel: pl.DataFrame) -> pl.DataFrame:
    share_cols = [f"n_{k}" for k in SHARE_KINDS if f"n_{k}" in rel.columns]
    if not share_cols:
        raise OptionError(
            "prob='learned' needs share, quote or referral events in the log; use strength, wc or const:P"
        )
    shares = pl.sum_horizontal([pl.col(c).cast(pl.Float64) for c in share_cols])
    own = rel.group_by("s").agg(pl.col("n_events").sum().cast(pl.Float64).alias("own")).rename({"s": "s_own"})
    edges = edges.with_columns(shares.alias("shares"))
    edges = edges.join(own, left_on="s", right_on="s_own", how="left").with_columns(
        (pl.col("own").fill_null(0.0) + pl.col("shares").max().over("s")).alias("actions")
    )
    total_actions = float(edges.group_by("s").agg(pl.col("actions").first())["actions"].sum())
    p0 = float(edges["shares"].sum()) / total_actions if total_actions else 0.0
    p0 = min(max(p0, 0.0), 1.0)
    return edges.with_columns(
        ((pl.col("shares") + _PRIOR_STRENGTH * p0) / (pl.col("actions") + _PRIOR_STRENGTH)).clip(0.0, 1.0).alias("p")
    )


def propagation_graph(net: Network, prob: str | ProbSpec = "strength", model: str = "ic") -> prop.PropagationGraph:
    """The :class:`~ror_graph.propagation.PropagationGraph` for ``model`` (LT weights scaled);
    one without edges (nothing can spread) is an :class:`OptionError`."""
    graph = _graph_of(net, prob, model)
    graph.require_edges()
    return graph


def _graph_of(net: Network, prob: str | ProbSpec, model: str) -> prop.PropagationGraph:
    _check_model(model)
    edges = _propagation_edges(net, parse_prob(prob))
    graph = prop.PropagationGraph.from_edges(net.n, edges["s"].to_numpy(), edges["d"].to_numpy(), edges["p"].to_numpy())
    return graph.lt_weights() if model == "lt" and graph.m else graph


def _check_model(model: str) -> None:
    if model not in ("ic", "lt"):
        raise OptionError(f"unknown model={model!r}; use ic or lt")


def _indices(net: Network, ids: Sequence[str] | str) -> np.ndarray:
    if isinstance(ids, str):
        ids = [s for s in (x.strip() for x in ids.split(",")) if s]
    if not ids:
        raise OptionError("give at least one seed id")
    out = [net.index_of(i) for i in ids]
    if len(set(out)) != len(out):
        raise OptionError("a seed id is given more than once")
    return np.asarray(out, dtype=np.int64)


def expected_reach(
    net: Network,
    seeds: Sequence[str] | str,
    *,
    model: str = "ic",
    prob: str | ProbSpec = "strength",
    sims: int | None = 10_000,
    precision: float | None = None,
    seed: int = 0,
) -> ReachEstimate:
    """Expected number of people reached (seeds included) if ``seeds`` share, by Monte Carlo:
    a fixed number of ``sims``, or a target relative 95% CI half-width ``precision``
    (batches of ``sims``, default 1000, until reached). Same ``seed``, same answer."""
    graph = propagation_graph(net, prob, model)
    return prop.monte_carlo(graph, _indices(net, seeds), model=model, sims=sims, precision=precision, seed=seed)  # type: ignore[arg-type]


def referral_reach(
    net: Network,
    *,
    model: str = "ic",
    prob: str | ProbSpec = "strength",
    epsilon: float = 0.1,
    min_reach: float | None = None,
    rr_sets: int | None = None,
    seed: int = 0,
) -> pl.DataFrame:
    """Every person's expected reach if they alone share (``referral_reach``, themselves
    included), estimated for all people at once from reverse-reachable sets.

    Estimator: ``1 + n * (share of RR sets that contain the person other than as root)``,
    unbiased. Unless ``rr_sets`` is given, enough RR sets are drawn that anyone whose reach is
    at least ``min_reach`` (default ``max(10, n / 1000)``) is within relative error
    ``epsilon`` with 95% probability; smaller reaches are noisier (see ``stderr``).

    Columns: ``rank, node_id, referral_reach, stderr, ci_low, ci_high`` (rank 1 = largest
    reach; ties by node_id).
    """
    reach, se = reach_estimates(net, model=model, prob=prob, epsilon=epsilon, min_reach=min_reach, rr_sets=rr_sets, seed=seed)
    out = net.nodes.select("node_id").with_columns(
        pl.Series("referral_reach", reach),
        pl.Series("stderr", se),
    ).with_columns(
        (pl.col("referral_reach") - prop._Z95 * pl.col("stderr")).clip(lower_bound=1.0).alias("ci_low"),
        (pl.col("referral_reach") + prop._Z95 * pl.col("stderr")).alias("ci_high"),
    )
    return _ranked(out, "referral_reach")


def reach_estimates(
    net: Network,
    *,
    model: str = "ic",
    prob: str | ProbSpec = "strength",
    epsilon: float = 0.1,
    min_reach: float | None = None,
    rr_sets: int | None = None,
    seed: int = 0,
    allow_no_edges: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The estimates of :func:`referral_reach` and their standard errors, unranked: two arrays
    in index order (like ``net.nodes``). Without a single edge of positive probability (e.g.
    every tie's strength decayed to nothing by as_of) nothing can spread: an
    :class:`OptionError`, or with ``allow_no_edges`` every reach exactly 1."""
    graph = _graph_of(net, prob, model)
    n = graph.n
    if graph.m == 0 and allow_no_edges:
        return np.ones(n), np.zeros(n)
    graph.require_edges()
    if rr_sets is None:
        rr_sets = prop.rr_count_for(n, epsilon=epsilon, min_reach=min_reach if min_reach is not None else max(10.0, n / 1000))
    elif rr_sets < 1:
        raise OptionError(f"rr_sets={rr_sets} must be at least 1")
    return prop.single_node_reach(graph, model=model, count=int(rr_sets), seed=seed)  # type: ignore[arg-type]


def _ranked(frame: pl.DataFrame, score: str) -> pl.DataFrame:
    frame = frame.sort([score, "node_id"], descending=[True, False])
    return frame.select(pl.arange(1, frame.height + 1, dtype=pl.UInt32, eager=True).alias("rank"), pl.all())


def best_seeds(
    net: Network,
    k: int = 10,
    *,
    model: str = "ic",
    prob: str | ProbSpec = "strength",
    epsilon: float = 0.1,
    sims: int = 1000,
    seed: int = 0,
) -> pl.DataFrame:
    """The ``k`` people whose sharing together reaches the most, by IMM (Tang, Shi and Xiao,
    SIGMOD 2015): expected reach >= (1 - 1/e - epsilon) of the best possible, with
    probability 1 - 1/n.

    Columns, in the order chosen: ``rank, node_id, marginal_gain`` (expected extra people
    reached by adding this person to those above, from the RR sets), ``cumulative_reach``,
    and the Monte Carlo re-check over ``sims`` simulations (0 to skip):
    ``marginal_gain_mc, marginal_gain_mc_stderr, cumulative_reach_mc``.
    """
    graph = propagation_graph(net, prob, model)
    if not (1 <= k <= net.n):
        raise OptionError(f"k={k} must lie in 1..{net.n}")
    sel = prop.imm(graph, int(k), model=model, epsilon=epsilon, seed=seed)  # type: ignore[arg-type]
    ids = net.nodes["node_id"].gather(sel.seeds)
    out = pl.DataFrame({
        "rank": pl.arange(1, len(sel.seeds) + 1, dtype=pl.UInt32, eager=True),
        "node_id": ids,
        "marginal_gain": sel.gain,
        "cumulative_reach": np.cumsum(sel.gain),
    })
    if sims:
        gains = prop.prefix_gains(graph, sel.seeds, sims=int(sims), model=model, seed=seed + 1).astype(np.float64)  # type: ignore[arg-type]
        mean = gains.mean(axis=0)
        se = gains.std(axis=0, ddof=1) / math.sqrt(sims) if sims > 1 else np.zeros_like(mean)
        out = out.with_columns(
            pl.Series("marginal_gain_mc", mean),
            pl.Series("marginal_gain_mc_stderr", se),
            pl.Series("cumulative_reach_mc", np.cumsum(mean)),
        )
    return out


def ego_gain(
    net: Network,
    me: str,
    *,
    prob: str | ProbSpec = "strength",
    boost: float = 2.0,
    precision: float = 0.02,
    seed: int = 0,
) -> pl.DataFrame:
    """Per person who passes the ego's messages on (who gave ``me`` attention): how much the
    ego's expected reach grows if that relationship is nurtured. IC model only.

    Nurturing raises the edge's probability to ``p' = 1 - (1 - p) ** boost``: as if the person
    had ``boost`` independent chances to pass the message on. For ``prob="strength"`` this is
    exactly the probability of the tie at ``boost`` times its current strength (capped at
    0.9); the default ``boost=2`` doubles the tie. The gain comes from one batch of RR sets
    for all neighbours at once (see :func:`ror_graph.propagation.ego_gain_ic`).

    Columns: ``rank, node_id, p, p_nurtured, reach_gain, reach_gain_stderr, ego_reach``
    (the ego's current expected reach), ranked by ``reach_gain`` then ``node_id``.
    """
    if not boost >= 1.0:
        raise OptionError(f"boost={boost} must be >= 1")
    if not (0.0 < precision < 1.0):
        raise OptionError(f"precision={precision} must lie in (0, 1)")
    spec = parse_prob(prob)
    ego = net.index_of(me)
    graph = propagation_graph(net, spec, "ic")
    a, b = graph.indptr[ego], graph.indptr[ego + 1]
    p = graph.prob[a:b]
    p2 = 1.0 - (1.0 - p) ** boost
    if spec.kind == "strength":
        p2 = np.minimum(p2, STRENGTH_CAP)
    p2 = np.maximum(p, p2)
    est, nbrs, gain, se = prop.ego_gain_ic(graph, ego, p2, precision=precision, seed=seed)
    out = pl.DataFrame({
        "node_id": net.nodes["node_id"].gather(nbrs),
        "p": p,
        "p_nurtured": p2,
        "reach_gain": gain,
        "reach_gain_stderr": se,
    }).with_columns(pl.lit(est.mean, dtype=pl.Float64).alias("ego_reach"))
    return _ranked(out, "reach_gain")
