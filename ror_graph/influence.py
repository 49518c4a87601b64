"""Who is valuable: reach and influence in the attention graph.

An edge src -> dst means src gave attention to dst, so rank flows to the people others
attend to. Scores:

* ``pagerank``: PageRank weighted by tie strength (Brin and Page 1998), computed by power
  iteration on a scipy CSR matrix; it equals ``networkx.pagerank`` with the same damping,
  weights and dangling-node rule (dangling mass goes to the personalisation vector).
* ``personal_pagerank``: PageRank restarting at the ego (``me``): influence as seen from the
  ego's neighbourhood (Haveliwala, "Topic-sensitive PageRank", WWW 2002).
* ``in_degree`` / ``out_degree``: distinct people giving / receiving attention.
* ``hub`` / ``authority``: HITS (Kleinberg, JACM 1999), igraph, strength-weighted.
* ``core``: k-core number on total degree (Seidman 1983), igraph; equals networkx's.
* ``betweenness``: directed, unweighted; exact up to ``exact_betweenness_max`` nodes, else
  estimated from a fixed-seed sample of sources scaled by n / k (Brandes and Pich 2007).

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network, igraph_random
>>> raw = pl.DataFrame({"src": ["a", "b", "c"], "dst": ["hub"] * 3, "kind": ["like"] * 3, "ts": [1, 2, 3]})
>>> top = influencers(Network.from_dataset(validate_events(raw, source="doc")))
>>> top.select("rank", "node_id").row(0)
(1, 'hub')
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from ror_graph.errors import OptionError
from ror_graph.network import Network, igraph_random
from ror_graph.progress import reporter

__all__ = ["pagerank", "influencers", "DEFAULT_DAMPING"]

DEFAULT_DAMPING = 0.85


def pagerank(
    net: Network,
    *,
    damping: float = DEFAULT_DAMPING,
    me: str | None = None,
    weight: str | None = "strength",
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> np.ndarray:
    """PageRank scores indexed like ``net.nodes`` (they sum to 1); personalised to ``me`` if given.

    Power iteration x <- d * (x M + (x . dangling) p) + (1 - d) p, with M the row-normalised
    weighted adjacency and p uniform (or the ego's indicator), until the L1 change is below
    ``tol``.
    """
    key = ("pagerank", damping, me, weight, tol, max_iter)
    return net.cached(key, lambda: _power_iteration(net, damping, me, weight, tol, max_iter)).copy()


def _power_iteration(net: Network, damping: float, me: str | None, weight: str | None, tol: float, max_iter: int) -> np.ndarray:
    """The power iteration behind :func:`pagerank` (uncached)."""
    if not 0 < damping < 1:
        raise OptionError(f"damping must be in (0, 1), got {damping}")
    from ror_graph._pairscan import grouped_by

    n = net.n
    matrix = net.adjacency(weight)
    out_weight = np.asarray(matrix.sum(axis=1)).ravel()
    dangling = out_weight <= 0
    scale = np.divide(1.0, out_weight, out=np.zeros(n), where=~dangling)
    # The transpose of the row-normalised matrix (row d: the people d listens to, by s).
    sources = np.repeat(np.arange(n, dtype=np.int32), np.diff(matrix.indptr))
    indptr, indices, data = grouped_by(matrix.indices, sources, scale[sources] * matrix.data, max(n, 1))
    del matrix, sources
    if me is None:
        p = np.full(n, 1.0 / n)
    else:
        p = np.zeros(n)
        p[net.index_of(me)] = 1.0
    teleport = (1 - damping) * p
    dangling_at = np.flatnonzero(dangling)
    x, new = p.copy(), np.empty(n)
    report = reporter()  # the progress bar: how far the change has fallen towards tol
    with _RowBlocks(indptr, indices, data, n) as transition_t:
        for _ in range(max_iter):
            # x <- damping * (T x + dangling mass * p) + (1 - damping) p, into the other buffer
            total_change = transition_t.step(x, new, p, teleport, float(x[dangling_at].sum()), damping)
            x, new = new, x
            if total_change < tol:
                break
            report(min(max(math.log(total_change) / math.log(tol), 0.0), 1.0) if total_change > 0 else 1.0, 1.0)
    return x / x.sum()


class _RowBlocks:
    """An n x n CSR matrix whose power-iteration step runs on every numba thread, one block of
    rows (of about equal entries) each: scipy's product for the block, then
    :func:`ror_graph._powerstep.update` (both release the GIL). Each row's sum is the same as
    scipy's on the whole matrix, bit for bit. Small matrices stay in one block."""

    MIN_ENTRIES_PER_BLOCK = 1 << 19

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n: int) -> None:
        import scipy.sparse as sp

        from ror_graph.propagation import _threads

        count = max(1, min(_threads(), int(indptr[-1]) // self.MIN_ENTRIES_PER_BLOCK))
        bounds = np.searchsorted(indptr, np.linspace(0, indptr[-1], count + 1), side="left")
        bounds[0], bounds[-1] = 0, n
        self.rows = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
        self.blocks = [
            sp.csr_matrix((data[indptr[lo]:indptr[hi]], indices[indptr[lo]:indptr[hi]], indptr[lo:hi + 1] - indptr[lo]),
                          shape=(hi - lo, n))
            for lo, hi in self.rows
        ]  # fmt: skip
        self.pool = ThreadPoolExecutor(len(self.blocks)) if len(self.blocks) > 1 else None

    def step(self, x: np.ndarray, new: np.ndarray, p: np.ndarray, teleport: np.ndarray, dangling_mass: float,
             damping: float) -> float:
        """One power-iteration step from ``x`` into ``new`` (every row): ``(T x + dangling_mass
        * p) * damping + teleport``; returns its L1 change from ``x``."""
        from ror_graph._powerstep import update

        def rows(block, lo: int, hi: int) -> float:
            new[lo:hi] = block @ x
            return update(new, x, p, teleport, dangling_mass, damping, lo, hi)

        if self.pool is None:
            return float(sum(rows(block, lo, hi) for block, (lo, hi) in zip(self.blocks, self.rows)))
        parts = [self.pool.submit(rows, block, lo, hi) for block, (lo, hi) in zip(self.blocks, self.rows)]
        return float(sum(part.result() for part in parts))

    def __enter__(self) -> _RowBlocks:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _percentile_from_top(values: pl.Expr) -> pl.Expr:
    """Share of people ranked at or above this one, in (0, 1]: 0.02 means top 2%."""
    return values.rank(method="max", descending=True) / values.count()


def influencers(
    net: Network,
    *,
    me: str | None = None,
    damping: float = DEFAULT_DAMPING,
    exact_betweenness_max: int = 5000,
    betweenness_samples: int = 500,
    seed: int = 0,
) -> pl.DataFrame:
    """Influence scores for everyone, ranked by ``influence``.

    ``influence`` is ``personal_pagerank`` when ``me`` is given (the ego itself is dropped
    from the ranking), else ``pagerank``. Columns: ``rank, node_id, influence, top_share,
    pagerank, [personal_pagerank], in_degree, out_degree, in_strength, hub, authority, core,
    betweenness``; ``top_share`` is the person's rank as a share of everyone (0.02 = top 2%).
    """
    graph = net.igraph()
    strength_w = graph.es["strength"]
    with warnings.catch_warnings(), igraph_random(seed):  # ARPACK's start vector is random
        # igraph warns when many hub/authority scores are 0 (nobody points at them); expected.
        warnings.simplefilter("ignore", RuntimeWarning)
        hub = np.asarray(graph.hub_score(weights=strength_w, scale=True))
        authority = np.asarray(graph.authority_score(weights=strength_w, scale=True))
    table = net.nodes.with_columns(
        pl.Series("pagerank", pagerank(net, damping=damping)),
        pl.Series("in_degree", np.asarray(graph.indegree(), dtype=np.int64)),
        pl.Series("out_degree", np.asarray(graph.outdegree(), dtype=np.int64)),
        pl.Series("in_strength", np.asarray(graph.strength(mode="in", weights=strength_w))),
        pl.Series("hub", hub),
        pl.Series("authority", authority),
        pl.Series("core", np.asarray(graph.coreness(mode="all"), dtype=np.int64)),
        pl.Series("betweenness", _betweenness(graph, exact_betweenness_max, betweenness_samples, seed)),
    )
    score = "pagerank"
    if me is not None:
        table = table.with_columns(pl.Series("personal_pagerank", pagerank(net, damping=damping, me=me)))
        table = table.filter(pl.col("node_id") != me)
        score = "personal_pagerank"
    table = table.with_columns(pl.col(score).alias("influence")).with_columns(
        _percentile_from_top(pl.col("influence")).alias("top_share")
    )
    table = table.sort(["influence", "node_id"], descending=[True, False]).with_row_index("rank", offset=1)
    first = ["rank", "node_id", "influence", "top_share", "pagerank"]
    return table.select(*first, pl.exclude(*first, "idx"))


def _betweenness(graph, exact_max: int, samples: int, seed: int) -> np.ndarray:
    n = graph.vcount()
    if n <= exact_max:
        return np.asarray(graph.betweenness(directed=True), dtype=np.float64)
    rng = np.random.default_rng(seed)
    sources = np.sort(rng.choice(n, size=min(samples, n), replace=False)).tolist()
    partial = np.asarray(graph.betweenness(directed=True, sources=sources), dtype=np.float64)
    return partial * (n / len(sources))
