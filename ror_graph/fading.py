"""Which relationships are fading: each tie against its own rhythm.

A tie is the pair of people, whatever the direction of each event. Its rhythm is the gap
between consecutive *active periods* (days by default, so a burst of messages is one visit).

* ``usual_gap_days`` (g): the tie's median gap, shrunk toward the community's median gap when
  the tie has few gaps (geometric mean of the two, weighted by the tie's number of gaps and
  ``prior_gaps`` pseudo-gaps), so two lucky interactions do not set a rhythm alone.
* ``silence_risk`` = 1 - 0.5 ** max(0, silence / usual_gap - 1): nothing while the silence is
  within one usual gap, then each further usual gap of silence halves the odds that this is an
  ordinary pause (0.5 at twice the usual gap, 0.75 at three times, 0.94 at five).
* ``rate_drop`` = 1 - recent rate / earlier rate, clipped to [0, 1], where "recent" is the last
  ``recent_gaps`` usual gaps before ``as_of`` and "earlier" is the tie's life before that.
* ``fade_risk`` = ``silence_weight`` * silence_risk + (1 - ``silence_weight``) * rate_drop: how
  far the tie has fallen behind *its own rhythm* (the status score; see ``fade_score``).

The stopping model (``p_alive``, ``p_silent``). The tie is either *alive*, with active periods
arriving as a Poisson process at rate 1 / (``mean_wait_gaps`` * g), or it has *stopped*. As in
the beta-geometric model of customer-base analysis (BG/NBD: Fader, Hardie and Lee, "Counting
your customers the easy way", Marketing Science 2005, after Schmittlein, Morrison and Colombo's
Pareto/NBD, Management Science 1987), a tie may stop right after any active period, with a
probability drawn from Beta(``death_prior_a``, ``death_prior_b``); a tie that has come back
n = active_periods - 1 times is therefore less likely to have stopped. After a silence s, Bayes
gives (the BG/NBD formula with the rate known)::

    P(alive)  = 1 / (1 + a / (b + n - 1) * exp(s / (mean_wait_gaps * g)))
    p_silent  = 1 - P(alive) * (1 - exp(-H / (mean_wait_gaps * g)))

``p_silent`` is the probability of no interaction in the next H = ``horizon_days``: the
model's answer to "will this tie be silent?", which the back-test (docs/backtest.md) scores
against days-since-last-interaction and a fixed cadence. ``mean_wait_gaps`` is an alive tie's
mean wait in usual gaps: a median gap understates the mean of long-tailed pauses (a Poisson
process would give 1 / ln 2 = 1.44). With ``fade_score="stopped"``, ``fade_risk`` is
1 - P(alive) instead of the rhythm score: it predicts silence better on the real datasets but
ranks short-lived ties (2-5 active days, whose stopping is likely) above long relationships
that stalled, so it is not the default (docs/backtest.md).

Ties active in fewer than ``min_active_periods`` periods have no rhythm to fall behind: they
are reported with status ``one-off`` and ``fade_risk`` 0, never as fading (``p_alive`` and
``p_silent`` null).

Status: ``active`` (< 0.25), ``cooling`` (< 0.5), ``fading`` (< 0.9), ``dormant`` (>= 0.9).

Bridges: a fading tie whose two ends share no neighbour while both have other ties is a
*local bridge* (Granovetter 1973; Easley and Kleinberg, "Networks, Crowds, and Markets", ch. 3):
losing it makes the shortest path between them at least 3 steps. ``cut_edge`` marks ties whose
loss disconnects the graph (igraph, graphs up to ``cut_edge_max_ties`` ties). Decay of
interaction follows Viswanath et al., WOSN 2009, and Burt, Social Networks 2000; persistence
of ties by weight and reciprocity, Raeder et al., Social Networks 2011.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> days = [0, 7, 14, 21, 28, 35]                  # weekly, then silence
>>> raw = pl.DataFrame({"src": ["me"] * 6 + ["x"], "dst": ["ana"] * 6 + ["y"],
...                     "kind": ["message"] * 7, "ts": [d * 86400 for d in days] + [160 * 86400]})
>>> row = fading_ties(Network.from_dataset(validate_events(raw, source="doc")), me="me").row(0, named=True)
>>> row["b"], row["status"], round(row["silence_days"]), round(row["usual_gap_days"]), round(row["p_silent"], 2)
('ana', 'dormant', 125, 7, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import polars as pl

from ror_graph.network import Network

__all__ = ["FadeParams", "tie_fade_scores", "fading_ties"]


@dataclass(frozen=True)
class FadeParams:
    """Knobs of the fade score (defaults documented in the README's "Scoring" section)."""

    min_active_periods: int = 2
    prior_gaps: float = 1.0
    recent_gaps: float = 1.0  # calibrated by docs/backtest.md (was 3.0)
    silence_weight: float = 0.75
    #: The stopping model (p_alive, p_silent); calibrated by docs/backtest.md.
    mean_wait_gaps: float = 2.0  # an alive tie's mean wait between active periods, in usual gaps
    death_prior_a: float = 1.0  # Beta(a, b) prior on the chance of stopping after an active period
    death_prior_b: float = 1.0  # Beta(1, 1): a uniform prior
    horizon_days: float = 30.0  # H of p_silent
    fade_score: str = "rhythm"  # fade_risk: "rhythm" (behind its own rhythm) or "stopped" (1 - p_alive)
    bridge_min_risk: float = 0.25
    cut_edge_max_ties: int = 2_000_000


def tie_fade_scores(net: Network, params: FadeParams = FadeParams()) -> pl.DataFrame:
    """Every tie (``net.ties`` columns, by index) with its fade evidence and ``fade_risk``
    (computed once per Network and parameter set)."""
    return net.cached(("tie_fade_scores", params), lambda: _score_ties(net, params))


def _score_ties(net: Network, params: FadeParams) -> pl.DataFrame:
    ties = net.ties
    res_days = net.resolution.total_seconds() / 86400
    as_of_us = int(net.as_of.timestamp() * 1e6)
    established = pl.col("active_periods") >= params.min_active_periods
    rhythmic = ties.filter(pl.col("active_periods") >= 2)["usual_gap_days"]
    prior_gap = float(rhythmic.median()) if rhythmic.len() else 7.0
    prior_gap = max(prior_gap, res_days)
    n_gaps = (pl.col("active_periods") - 1).cast(pl.Float64)
    own = pl.col("usual_gap_days").fill_null(prior_gap).clip(lower_bound=res_days).log()
    shrunk = ((n_gaps * own + params.prior_gaps * math.log(prior_gap)) / (n_gaps + params.prior_gaps)).exp()
    scored = ties.with_columns(
        pl.col("usual_gap_days").alias("own_gap_days"),
        pl.when(established).then(shrunk).alias("usual_gap_days"),
        ((as_of_us - pl.col("last_ts").dt.epoch("us")) / 86_400e6).alias("silence_days"),
    )
    # Recent activity: active periods inside the last `recent_gaps` usual gaps.
    window = (params.recent_gaps * pl.col("usual_gap_days")).clip(lower_bound=res_days)
    scored = scored.with_columns(window.alias("recent_window_days"))
    res_us = net.resolution.total_seconds() * 1e6
    cut = scored.select(
        "a", "b", ((as_of_us - pl.col("recent_window_days") * 86_400e6) / res_us).alias("cut_period")
    )
    recent = (
        net.active_periods.join(cut, on=["a", "b"])
        .filter((pl.col("period") + 1).cast(pl.Float64) > pl.col("cut_period"))
        .group_by("a", "b")
        .agg(pl.len().cast(pl.UInt32).alias("recent_periods"))
    )
    scored = scored.join(recent, on=["a", "b"], how="left").with_columns(pl.col("recent_periods").fill_null(0))
    earlier_span = (
        (as_of_us - pl.col("recent_window_days") * 86_400e6 - pl.col("first_ts").dt.epoch("us")) / 86_400e6
    )
    earlier_rate = pl.when(earlier_span > 0).then(
        (pl.col("active_periods") - pl.col("recent_periods")).cast(pl.Float64) / earlier_span
    )
    recent_rate = pl.col("recent_periods").cast(pl.Float64) / pl.col("recent_window_days")
    rate_drop = pl.when(earlier_rate > 0).then((1 - recent_rate / earlier_rate).clip(0.0, 1.0)).otherwise(0.0)
    overdue = pl.col("silence_days") / pl.col("usual_gap_days")
    silence_risk = 1 - pl.lit(0.5) ** (overdue - 1).clip(lower_bound=0.0)
    # The stopping model: log odds that the tie has stopped = log(a / (b + n - 1)) + s / mean wait.
    wait = params.mean_wait_gaps * pl.col("usual_gap_days")
    repeats = (pl.col("active_periods") - 1).cast(pl.Float64)
    prior_log_odds = math.log(params.death_prior_a) - (params.death_prior_b + repeats - 1).clip(lower_bound=1e-9).log()
    log_odds = prior_log_odds + pl.col("silence_days") / wait
    p_alive = 1 / (1 + log_odds.exp())
    scored = scored.with_columns(
        overdue.alias("overdue"),
        silence_risk.fill_null(0.0).alias("silence_risk"),
        rate_drop.fill_null(0.0).alias("rate_drop"),
        (recent_rate * 30).alias("recent_per_30d"),
        (earlier_rate * 30).alias("earlier_per_30d"),
        pl.when(established).then(p_alive).alias("p_alive"),
        pl.when(established).then(1 / (1 + (-log_odds).exp())).alias("_stopped"),  # 1 - p_alive, exact near 0
        pl.when(established).then(1 - p_alive * (1 - (-params.horizon_days / wait).exp())).alias("p_silent"),
    )
    if params.fade_score == "rhythm":
        w = params.silence_weight
        score = w * pl.col("silence_risk") + (1 - w) * pl.col("rate_drop")
    elif params.fade_score == "stopped":
        score = pl.col("_stopped")
    else:
        raise ValueError(f"FadeParams.fade_score must be 'rhythm' or 'stopped', not {params.fade_score!r}")
    risk = pl.when(established).then(score).otherwise(0.0)
    scored = scored.with_columns(risk.alias("fade_risk")).drop("_stopped").with_columns(
        pl.when(~established)
        .then(pl.lit("one-off"))
        .when(pl.col("fade_risk") < 0.25)
        .then(pl.lit("active"))
        .when(pl.col("fade_risk") < 0.5)
        .then(pl.lit("cooling"))
        .when(pl.col("fade_risk") < 0.9)
        .then(pl.lit("fading"))
        .otherwise(pl.lit("dormant"))
        .alias("status")
    )
    return _flag_bridges(net, scored, params)


def _flag_bridges(net: Network, scored: pl.DataFrame, params: FadeParams) -> pl.DataFrame:
    """``embeddedness`` (shared neighbours) and ``bridge`` for ties at risk; ``cut_edge`` for all."""
    import scipy.sparse as sp

    a = scored["a"].to_numpy().astype(np.int64)
    b = scored["b"].to_numpy().astype(np.int64)
    n = net.n
    adj = sp.csr_matrix((np.ones(a.size * 2, dtype=np.float32), (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    degree = np.diff(adj.indptr)
    candidates = np.flatnonzero(
        (scored["fade_risk"].to_numpy() >= params.bridge_min_risk) & (scored["status"].to_numpy() != "one-off")
    )
    embedded = np.full(a.size, -1, dtype=np.int64)
    if candidates.size:
        adj.sort_indices()
        embedded[candidates] = common_neighbour_counts(adj.indptr, adj.indices, a[candidates], b[candidates])
    is_bridge = (embedded == 0) & (degree[a] > 1) & (degree[b] > 1)
    cut = np.zeros(a.size, dtype=bool)
    cut_known = a.size <= params.cut_edge_max_ties
    if cut_known and a.size:
        import igraph as ig

        graph = ig.Graph(n=n, edges=list(zip(a.tolist(), b.tolist())), directed=False)  # fastest input form
        cut[np.asarray(graph.bridges(), dtype=np.int64)] = True
    return scored.with_columns(
        pl.Series("embeddedness", embedded).replace(-1, None),
        pl.Series("bridge", is_bridge),
        pl.Series("cut_edge", cut) if cut_known else pl.lit(None, dtype=pl.Boolean).alias("cut_edge"),
    )


@numba.njit(cache=True)
def common_neighbour_counts(indptr: np.ndarray, indices: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For each pair (u[i], v[i]): how many neighbours they share, from a CSR adjacency with
    sorted indices. Walks the shorter neighbour list and binary-searches the longer one."""
    out = np.zeros(u.size, dtype=np.int64)
    for i in range(u.size):
        x, y = u[i], v[i]
        if indptr[x + 1] - indptr[x] > indptr[y + 1] - indptr[y]:
            x, y = y, x
        long_list = indices[indptr[y] : indptr[y + 1]]
        count = 0
        for k in range(indptr[x], indptr[x + 1]):
            pos = np.searchsorted(long_list, indices[k])
            if pos < long_list.size and long_list[pos] == indices[k]:
                count += 1
        out[i] = count
    return out


def fading_ties(net: Network, *, me: str | None = None, params: FadeParams = FadeParams()) -> pl.DataFrame:
    """Ranked fading relationships (of ``me``, or between any two people).

    Columns: ``rank, a, b, fade_risk, status, last_interaction, silence_days, usual_gap_days,
    overdue, recent_per_30d, earlier_per_30d, rate_drop, silence_risk, n_events, n_ab, n_ba,
    strength, volume, first_interaction, embeddedness, bridge, cut_edge, evidence, p_alive,
    p_silent`` (``p_silent`` over ``params.horizon_days``). With
    ``me``, ``a`` is the ego and ``b`` the other person (n_ab = events from the ego).
    Ranked by ``fade_risk`` (to two decimals), then ``volume`` (bigger relationships first),
    then ids.
    """
    scored = tie_fade_scores(net, params)
    if me is not None:
        ego = net.index_of(me)
        scored = scored.filter((pl.col("a") == ego) | (pl.col("b") == ego))
        flip = pl.col("b") == ego
        scored = scored.with_columns(
            pl.when(flip).then(pl.col("b")).otherwise(pl.col("a")).alias("a"),
            pl.when(flip).then(pl.col("a")).otherwise(pl.col("b")).alias("b"),
            pl.when(flip).then(pl.col("n_ba")).otherwise(pl.col("n_ab")).alias("n_ab"),
            pl.when(flip).then(pl.col("n_ab")).otherwise(pl.col("n_ba")).alias("n_ba"),
        )
    scored = net.names(net.names(scored, "a", "a_id"), "b", "b_id")
    scored = scored.with_columns(_evidence().alias("evidence"))
    # Risks within 0.01 of each other rank by volume: the bigger relationship first.
    scored = scored.with_columns(pl.col("fade_risk").round(2).alias("_risk_band"))
    scored = scored.sort(["_risk_band", "volume", "a_id", "b_id"], descending=[True, True, False, False])
    return scored.with_row_index("rank", offset=1).select(
        "rank",
        pl.col("a_id").alias("a"),
        pl.col("b_id").alias("b"),
        "fade_risk",
        "status",
        pl.col("last_ts").alias("last_interaction"),
        "silence_days",
        "usual_gap_days",
        "overdue",
        "recent_per_30d",
        "earlier_per_30d",
        "rate_drop",
        "silence_risk",
        "n_events",
        "n_ab",
        "n_ba",
        "strength",
        "volume",
        pl.col("first_ts").alias("first_interaction"),
        "embeddedness",
        "bridge",
        "cut_edge",
        "evidence",
        "p_alive",
        "p_silent",
    )


def _days(expr: pl.Expr) -> pl.Expr:
    """A day count for a sentence: '41' days, or '0.5' for less than ten."""
    return pl.when(expr >= 10).then(expr.round(0).cast(pl.Int64).cast(pl.String)).otherwise(expr.round(1).cast(pl.String))


def _evidence() -> pl.Expr:
    """One line of evidence per tie: silence against rhythm, rate change, bridge."""
    silence = pl.concat_str(
        pl.lit("silent "), _days(pl.col("silence_days")), pl.lit(" days against a usual "), _days(pl.col("usual_gap_days"))
    )
    drop = pl.concat_str(pl.lit("activity down "), (pl.col("rate_drop") * 100).round(0).cast(pl.Int64).cast(pl.String), pl.lit("%"))
    one_off = pl.concat_str(pl.lit("one-off: "), pl.col("n_events").cast(pl.String), pl.lit(" interaction(s) on a single day"))
    parts = pl.concat_list(
        pl.when(pl.col("status") == "one-off").then(one_off),
        pl.when((pl.col("status") != "one-off") & (pl.col("overdue") > 1)).then(silence),
        pl.when((pl.col("status") != "one-off") & (pl.col("overdue") <= 1) & (pl.col("rate_drop") >= 0.3)).then(drop),
        pl.when(pl.col("cut_edge").fill_null(False)).then(pl.lit("its loss disconnects the network"))
        .when(pl.col("bridge")).then(pl.lit("a bridge: no shared contacts")),
        pl.when((pl.col("status") == "active") & (pl.col("overdue") <= 1)).then(pl.lit("on its usual rhythm")),
    )
    return parts.list.drop_nulls().list.join(", ")
