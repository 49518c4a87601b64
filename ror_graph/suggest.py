"""Who you should know: people the ego has no tie with yet, ranked by how likely a tie is to
form, each with the reason.

Candidates are the people two steps away on the undirected tie graph: no tie with the ego,
at least one shared contact. For a candidate y of the ego x, with w the tie strengths
(recency-decayed, kind-weighted; :mod:`ror_graph.strength`) and s_z = sum of z's tie strengths:

* ``common_neighbours``: shared contacts z (Liben-Nowell and Kleinberg, "The link-prediction
  problem for social networks", JASIST 2007);
* ``strong_common``: shared contacts whose ties to both are at least the network's median tie
  strength;
* ``adamic_adar``: sum over z of 1 / log(degree z) (Adamic and Adar, "Friends and neighbors on
  the Web", Social Networks 2003);
* ``adamic_adar_strength``: sum over z of (w_xz + w_zy) / log(1 + s_z), Adamic-Adar on strength
  (Lü and Zhou, "Link prediction in weighted networks: the role of weak ties", EPL 2010): a
  shared contact counts more when both ties to it are strong and when it is not a hub that
  everybody shares;
* ``same_community``: y is in the ego's Leiden community (:mod:`ror_graph.communities`).

``score`` = ``adamic_adar_strength`` x (1 + ``community_bonus`` x ``same_community``). The bonus
is the one tunable weight; :data:`DEFAULT_COMMUNITY_BONUS` was chosen leave-one-dataset-out on
the real datasets by ``benchmarks/backtest_suggest.py`` (results and the held-out figures:
``benchmarks/results/backtest_suggest.md``). The same script and ``ror backtest --task suggest``
score the ranking on the ties that actually formed after T (:func:`suggest_backtest_rows`),
next to the common-neighbours baseline.

Columns: ``rank, node_id, score, reason, common_neighbours, strong_common, adamic_adar_strength,
adamic_adar, same_community, community, via`` (``via``: up to three shared contacts, strongest
first, by the weaker of the two ties).

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> pairs = [("me", "ana"), ("me", "bo"), ("ana", "zoe"), ("bo", "zoe"), ("ana", "yan"), ("cy", "yan")]
>>> raw = pl.DataFrame({"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs],
...                     "kind": ["message"] * 6, "ts": [i * 3600 for i in range(6)]})
>>> suggest_ties(Network.from_dataset(validate_events(raw, source="doc")), me="me").select("node_id", "common_neighbours", "via").rows()
[('zoe', 2, 'bo, ana'), ('yan', 1, 'ana')]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import scipy.sparse as sp

from ror_graph.errors import OptionError
from ror_graph.network import Network

__all__ = [
    "DEFAULT_COMMUNITY_BONUS", "MAX_COMMUNITY_BONUS", "SIGNALS", "SUGGEST_COLUMNS", "candidate_scores", "labelled_pairs", "pair_metrics",
    "suggest_ties", "suggest_backtest_rows",
]

#: Chosen leave-one-dataset-out by benchmarks/backtest_suggest.py (see its results file).
DEFAULT_COMMUNITY_BONUS = 0.25
#: Largest bonus accepted: at x101 your community already decides the order (the back-test grid is 0 to 2).
MAX_COMMUNITY_BONUS = 100.0
SUGGEST_COLUMNS = (
    "rank", "node_id", "score", "reason", "common_neighbours", "strong_common", "adamic_adar_strength",
    "adamic_adar", "same_community", "community", "via",
)
#: Precision cut-offs of the back-test (suggestions are read from the top).
SUGGEST_KS = (5, 10)


def _matrices(net: Network) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Symmetric tie-strength matrix W (no self-loops) and its 0/1 pattern B."""
    ties = net.ties.filter(pl.col("a") != pl.col("b"))
    a, b = ties["a"].to_numpy().astype(np.int64), ties["b"].to_numpy().astype(np.int64)
    w = ties["strength"].to_numpy().astype(np.float64)
    w = np.maximum(w, 1e-12)
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    weights = sp.csr_matrix((np.concatenate([w, w]), (rows, cols)), shape=(net.n, net.n))
    pattern = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(net.n, net.n))
    return weights, pattern


def _coo(matrix: sp.spmatrix, name: str) -> pl.DataFrame:
    coo = sp.coo_matrix(matrix)
    return pl.DataFrame({"row": coo.row.astype(np.int64), "cand": coo.col.astype(np.int64), name: coo.data})


def candidate_scores(net: Network, egos: Sequence[int] | np.ndarray, *, community_bonus: float = DEFAULT_COMMUNITY_BONUS) -> pl.DataFrame:
    """Every (ego, candidate) pair two steps apart with no tie, for the vertex indices ``egos``:
    ``ego, cand, common_neighbours, strong_common, adamic_adar, adamic_adar_strength,
    same_community, score`` (sparse matrix products over all egos at once)."""
    from ror_graph.communities import find_communities

    egos = np.asarray(egos, dtype=np.int64)
    weights, pattern = _matrices(net)
    degree = np.asarray(pattern.sum(axis=1)).ravel()
    strength = np.asarray(weights.sum(axis=1)).ravel()
    inv_log_deg = np.divide(1.0, np.log(degree), out=np.zeros_like(degree), where=degree > 1)
    inv_log_strength = np.divide(1.0, np.log1p(strength), out=np.zeros_like(strength), where=strength > 0)
    w_e, b_e = weights[egos], pattern[egos]
    median = float(np.median(weights.data)) if weights.nnz else 0.0
    strong = (weights >= median).astype(np.float64).tocsr() if weights.nnz else pattern
    frame = _coo(b_e @ pattern, "common_neighbours")
    for name, matrix in (
        ("adamic_adar", b_e @ sp.diags(inv_log_deg) @ pattern),
        ("adamic_adar_strength", w_e @ sp.diags(inv_log_strength) @ pattern + b_e @ sp.diags(inv_log_strength) @ weights),
        ("strong_common", strong[egos] @ strong),
    ):
        frame = frame.join(_coo(matrix, name), on=["row", "cand"], how="left")
    frame = frame.with_columns(
        pl.Series("egos", egos).gather(frame["row"]).alias("ego"),
        pl.col("common_neighbours").cast(pl.Int64),
        pl.col("strong_common").fill_null(0.0).cast(pl.Int64),
        pl.col("adamic_adar").fill_null(0.0),
        pl.col("adamic_adar_strength").fill_null(0.0),
    ).drop("row")
    nz = pattern.nonzero()
    tied = pl.DataFrame({"ego": nz[0].astype(np.int64), "cand": nz[1].astype(np.int64)})
    frame = frame.filter(pl.col("ego") != pl.col("cand")).join(tied, on=["ego", "cand"], how="anti")
    membership = pl.Series(find_communities(net).membership)
    frame = frame.with_columns(
        (membership.gather(frame["ego"]) == membership.gather(frame["cand"])).alias("same_community")
    )
    bonus = 1.0 + community_bonus * pl.col("same_community").cast(pl.Float64)
    return frame.with_columns((pl.col("adamic_adar_strength") * bonus).alias("score")).sort("ego", "cand")


def suggest_ties(net: Network, *, me: str, top: int | None = 20, community_bonus: float = DEFAULT_COMMUNITY_BONUS) -> pl.DataFrame:
    """The ego's suggestions, best first (columns :data:`SUGGEST_COLUMNS`; see the module
    docstring); ``top=None`` keeps every candidate; ``community_bonus`` is in [0, :data:`MAX_COMMUNITY_BONUS`]."""
    from ror_graph.communities import find_communities

    if top is not None and top < 1:
        raise OptionError(f"top must be at least 1, got {top}")
    if not 0 <= community_bonus <= MAX_COMMUNITY_BONUS:
        raise OptionError(f"community_bonus={community_bonus} must be between 0 and {MAX_COMMUNITY_BONUS:g}")
    ego = net.index_of(me)
    table = candidate_scores(net, [ego], community_bonus=community_bonus).rename({"cand": "idx"})
    table = net.names(table, "idx", "node_id").sort(["score", "node_id"], descending=[True, False])
    if top is not None:
        table = table.head(top)
    found = find_communities(net)
    table = table.with_columns(pl.Series("community", found.membership[table["idx"].to_numpy()], dtype=pl.Int64))
    table = table.join(_via(net, ego, table["idx"]), on="idx", how="left").with_row_index("rank", offset=1)
    reason = pl.concat_str(
        pl.col("common_neighbours").cast(pl.String), pl.lit(" shared contact(s)"),
        pl.when(pl.col("strong_common") > 0)
        .then(pl.concat_str(pl.lit(", "), pl.col("strong_common").cast(pl.String), pl.lit(" close to both of you")))
        .otherwise(pl.lit("")),
        pl.lit("; through "), pl.col("via"),
        pl.when(pl.col("same_community")).then(pl.concat_str(pl.lit("; your community ("), pl.col("community").cast(pl.String), pl.lit(")")))
        .otherwise(pl.concat_str(pl.lit("; community "), pl.col("community").cast(pl.String), pl.lit(", not yours"))),
    )
    return table.with_columns(reason.alias("reason"), pl.col("rank").cast(pl.Int64)).select(SUGGEST_COLUMNS)


def _via(net: Network, ego: int, candidates: pl.Series) -> pl.DataFrame:
    """Per candidate index: up to three shared contacts, by the weaker of the two ties."""
    ties = net.ties.filter(pl.col("a") != pl.col("b")).select("a", "b", "strength")
    both = pl.concat([ties, ties.select(pl.col("b").alias("a"), pl.col("a").alias("b"), "strength")])
    mine = both.filter(pl.col("a") == ego).select(pl.col("b").alias("z"), pl.col("strength").alias("w_ego"))
    theirs = both.filter(pl.col("a").is_in(candidates.cast(pl.UInt32).implode())).select(
        pl.col("a").alias("idx"), pl.col("b").alias("z"), pl.col("strength").alias("w_them")
    )
    shared = theirs.join(mine, on="z").with_columns(pl.min_horizontal("w_ego", "w_them").alias("w"))
    shared = net.names(shared, "z", "z_id").sort(["idx", "w", "z_id"], descending=[False, True, False])
    return shared.group_by("idx", maintain_order=True).agg(pl.col("z_id").head(3).str.join(", ").alias("via")).with_columns(
        pl.col("idx").cast(pl.Int64)
    )


def labelled_pairs(
    net: Network, future: pl.DataFrame, ego: int | None, *, max_egos: int = 2000, seed: int = 0,
    community_bonus: float = DEFAULT_COMMUNITY_BONUS,
) -> pl.DataFrame:
    """:func:`candidate_scores` for the back-test's egos (``ego``, else every person with a tie,
    or ``max_egos`` of them drawn with ``seed``) with ``formed``: the pair interacted, either
    way, in ``future`` (the events of the horizon)."""
    if ego is not None:
        egos = np.array([ego], dtype=np.int64)
    else:
        degree = np.asarray(_matrices(net)[1].sum(axis=1)).ravel()
        egos = np.flatnonzero(degree > 0)
        if egos.size > max_egos:
            egos = np.sort(np.random.default_rng(seed).choice(egos, size=max_egos, replace=False))
    pairs = candidate_scores(net, egos, community_bonus=community_bonus)
    ids = net.nodes.select(pl.col("node_id"), pl.col("idx").cast(pl.Int64))
    formed = (
        future.select("src", "dst")
        .join(ids.rename({"node_id": "src", "idx": "s"}), on="src")
        .join(ids.rename({"node_id": "dst", "idx": "d"}), on="dst")
        .select(pl.min_horizontal("s", "d").alias("x"), pl.max_horizontal("s", "d").alias("y"))
        .unique()
        .with_columns(pl.lit(True).alias("formed"))
    )
    return (
        pairs.with_columns(pl.min_horizontal("ego", "cand").alias("x"), pl.max_horizontal("ego", "cand").alias("y"))
        .join(formed, on=["x", "y"], how="left")
        .with_columns(pl.col("formed").fill_null(False))
        .drop("x", "y")
    )


#: The back-test's signals: name -> (role, column of :func:`labelled_pairs`).
SIGNALS = {
    "suggest": ("model", "score"),
    "adamic_adar_strength": ("component", "adamic_adar_strength"),
    "same_community": ("component", "same_community"),
    "common_neighbours": ("baseline", "common_neighbours"),
    "adamic_adar": ("baseline", "adamic_adar"),
}


def pair_metrics(pairs: pl.DataFrame, signals: dict[str, tuple[str, str]] = SIGNALS, ks: Sequence[int] = SUGGEST_KS) -> list[dict]:
    """Rows of the ``suggest`` task (``task, target, signal, role, metric, value, n,
    positives, ego``) for labelled ``pairs``: ``auc`` over all pairs; ``p@k`` = the share of an
    ego's top k that formed, averaged over the egos with at least k candidates and at least
    one new tie among them."""
    from ror_graph.backtest import precision_at_k, roc_auc

    label = pairs["formed"].to_numpy()
    n, positives = int(label.size), int(label.sum())
    keep = pairs.group_by("ego").agg(pl.len().alias("m"), pl.col("formed").any().alias("any"))
    rows = []
    for name, (role, column) in signals.items():
        def add(metric: str, value: float | None, name: str = name, role: str = role) -> None:
            rows.append({"task": "suggest", "target": "new_tie", "signal": name, "role": role, "metric": metric,
                         "value": value, "n": n, "positives": positives, "ego": None})

        score = pairs[column].cast(pl.Float64).to_numpy()
        add("auc", roc_auc(score, label) if n else None)
        per_ego = pairs.select("ego", pl.Series("s", score), "formed").join(keep, on="ego")
        for k in ks:
            groups = per_ego.filter((pl.col("m") >= k) & pl.col("any")).group_by("ego").agg(pl.col("s"), pl.col("formed"))
            values = [precision_at_k(np.asarray(sc), np.asarray(f), k) for sc, f in groups.select("s", "formed").iter_rows()]
            known = [v for v in values if v is not None]
            add(f"p@{k}", float(np.mean(known)) if known else None)
    return rows


def suggest_backtest_rows(
    net: Network, future: pl.DataFrame, ego: int | None, *, max_egos: int = 2000, seed: int = 0,
    community_bonus: float = DEFAULT_COMMUNITY_BONUS,
) -> list[dict]:
    """The ``suggest`` task of :func:`ror_graph.backtest.backtest` at one origin.

    Population: every (ego, candidate) pair two steps apart with no tie at T
    (:func:`labelled_pairs`). Positive: the pair interacts, either way, in the horizon: a new
    tie formed. Signals: ``suggest`` (the score; model), ``adamic_adar_strength`` and
    ``same_community`` (its components), baselines ``common_neighbours`` and
    ``adamic_adar``. Metrics: :func:`pair_metrics`.
    """
    pairs = labelled_pairs(net, future, ego, max_egos=max_egos, seed=seed, community_bonus=community_bonus)
    return pair_metrics(pairs)
