"""Which relationships are fading: the probability that each tie stays silent, explained by
its own rhythm.

A tie is the pair of people, whatever the direction of each event.

* ``fade_risk``: P(no interaction either way in the next ``FadeParams.horizon_days``), for
  every tie (one-day bursts included), from a logistic model fitted at run time on the log's
  own history before ``as_of`` (:mod:`ror_graph.fade_model`: training examples at pseudo-origins
  before as_of, so nothing leaks; a shipped prior for logs shorter than one horizon).
* The rhythm, for the explanation and as evidence: active periods are days by default
  (``Network.resolution``), so a burst of messages is one visit. ``usual_gap_days`` (g) is the
  tie's median gap between active periods, shrunk toward the community's median gap when the
  tie has few gaps (geometric mean of the two, weighted by the tie's number of gaps and
  ``prior_gaps`` pseudo-gaps; a one-day tie gets the community's gap). ``overdue`` = silence / g.
  ``silence_risk`` = 1 - 0.5 ** max(0, overdue - 1) (:func:`silence_risk`); ``rate_drop`` =
  1 - recent rate / earlier rate, "recent" being the last ``recent_gaps`` usual gaps;
  ``rhythm_score`` = ``silence_weight`` * silence_risk + (1 - ``silence_weight``) * rate_drop,
  the previous fade score, kept as a back-test baseline (it ranks ties worse than plain
  recency: docs/backtest.md).

Status (:func:`status_expr`, the one ladder): the cut-offs ``status_cuts`` (0.25, 0.5, 0.9)
make bands, ``active`` below 0.25, ``cooling`` below 0.5, ``fading`` below 0.9, ``dormant`` from
0.9, applied to both ``fade_risk`` and ``rhythm_score``; the status is the higher of the two,
except that only the probability can say ``dormant`` (likely gone for good). The rhythm lifts
the status because the model under-predicts silence for ties far behind their own rhythm (a
long, regular relationship silent for many usual gaps; docs/backtest.md, "Status words": such
ties went silent more often than their probability said on every held-out dataset that has
them). A tie within its usual gap is scored like any other: held out, such ties also went silent
more often than their probability said.

``fading_ties`` ranks the relationships at risk first (status fading or dormant), the biggest
(``volume``: what the relationship has built) first, then the cooling ones, then the active
ones, each group by volume: the answer to "which valuable relationships are fading".

Bridges: a fading tie whose two ends share no neighbour while both have other ties is a
*local bridge* (Granovetter 1973; Easley and Kleinberg, "Networks, Crowds, and Markets", ch. 3):
losing it makes the shortest path between them at least 3 steps. ``cut_edge`` marks ties whose
loss disconnects the graph (:mod:`ror_graph._bridges`, graphs up to ``cut_edge_max_ties`` ties). Decay of
interaction follows Viswanath et al., WOSN 2009, and Burt, Social Networks 2000; persistence
of ties by weight, reciprocity and the endpoints' activity, Raeder et al., Social Networks 2011.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> rows = [("me", "ana", d) for d in range(0, 120, 7)]          # weekly until day 119 ...
>>> rows += [("me", f"p{i}", d) for i in range(30) for d in range(0, 400, 3 + i)]  # ... others go on
>>> raw = pl.DataFrame({"src": [r[0] for r in rows], "dst": [r[1] for r in rows],
...                     "kind": ["message"] * len(rows), "ts": [r[2] * 86400 for r in rows]})
>>> row = fading_ties(Network.from_dataset(validate_events(raw, source="doc")), me="me").row(0, named=True)
>>> row["b"], row["status"], round(row["silence_days"]), round(row["usual_gap_days"]), row["fade_risk"] > 0.9
('ana', 'dormant', 280, 7, True)
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from ror_graph.fade_model import DEFAULT_FEATURES, FadeModel, fade_probabilities
from ror_graph.network import Network
from ror_graph.timeutil import US_PER_DAY

__all__ = [
    "FadeParams", "tie_fade_scores", "tie_status", "fading_ties", "fade_model", "status_expr", "silence_risk",
    "silence_days", "median_gap_days", "days_text", "STATUSES", "AT_RISK_ON_RHYTHM", "holdout_calibration",
]

#: The status words, from the least to the most at risk.
STATUSES = ("active", "cooling", "fading", "dormant")
#: Said of a tie at risk (fading or dormant) that is still within its usual gap: its rhythm does
#: not explain the status, its probability (what ties with its features did) does.
AT_RISK_ON_RHYTHM = "but ties like it mostly go quiet"


@dataclass(frozen=True)
class FadeParams:
    """Knobs of the fade model and of the rhythm evidence (defaults chosen by the held-out
    back-test, docs/backtest.md; README "Scoring")."""

    horizon_days: float = 30.0  # fade_risk = P(silent over this many days)
    features: tuple[str, ...] = DEFAULT_FEATURES
    l2: float = 1e-4  # L2 penalty of the logistic fit (mean log-loss + l2 / 2 |w|^2)
    max_origins: int = 2  # pseudo-origins T - h, T - 2h, ... used for training
    max_train_rows: int = 100_000  # deterministic subsample above this
    prior_only: bool = False  # skip the fit, use the shipped prior
    status_cuts: tuple[float, float, float] = (0.25, 0.5, 0.9)
    prior_gaps: float = 1.0
    recent_gaps: float = 1.0
    silence_weight: float = 0.75
    bridge_min_risk: float = 0.5
    cut_edge_max_ties: int = 100_000_000  # cut_edge is null above this many ties


# -- the shared rules ---------------------------------------------------------------------------


def silence_days(as_of: datetime, ts: pl.Expr) -> pl.Expr:
    """Days from ``ts`` (a UTC datetime column) to ``as_of``."""
    return (int(as_of.timestamp() * 1e6) - ts.dt.epoch("us")) / US_PER_DAY


def silence_risk(silence: pl.Expr, usual_gap: pl.Expr) -> pl.Expr:
    """1 - 0.5 ** max(0, silence / usual_gap - 1): nothing within one usual gap, then each further
    usual gap of silence halves the odds of an ordinary pause (0.5 at 2 gaps, 0.75 at 3)."""
    return 1 - pl.lit(0.5) ** (silence / usual_gap - 1).clip(lower_bound=0.0)


def status_expr(risk: pl.Expr, rhythm: pl.Expr, cuts: tuple[float, float, float] = FadeParams.status_cuts) -> pl.Expr:
    """The status ladder: ``risk`` (the probability of silence) and ``rhythm`` (the rhythm
    score, how far the tie is behind its own rhythm) each get a band by the cut-offs
    (active < cuts[0] <= cooling < cuts[1] <= fading < cuts[2] <= dormant); the status is the
    higher of the two, but only the probability can say ``dormant``.

    >>> pl.select(status_expr(pl.lit(0.1), pl.lit(0.95))).item()
    'fading'
    """

    def level(x: pl.Expr) -> pl.Expr:
        return pl.when(x >= cuts[2]).then(3).when(x >= cuts[1]).then(2).when(x >= cuts[0]).then(1).otherwise(0)

    both = pl.max_horizontal(level(risk), pl.min_horizontal(level(rhythm.fill_null(0.0)), pl.lit(2)))
    return pl.lit(pl.Series(STATUSES)).get(both)


def median_gap_days(periods: pl.DataFrame, keys: list[str], resolution_days: float) -> pl.DataFrame:
    """Per ``keys``: ``usual_gap_days``, the median gap between consecutive distinct ``period``
    values (null with one period); ``periods`` sorted by keys and period."""
    same = pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in keys])
    gaps = periods.with_columns(pl.when(same).then(pl.col("period") - pl.col("period").shift(1)).alias("gap"))
    return gaps.group_by(keys).agg((pl.col("gap").median() * resolution_days).alias("usual_gap_days"))


def days_text(expr: pl.Expr) -> pl.Expr:
    """A day count for a sentence: '41' days, or '0.5' for less than ten."""
    return pl.when(expr >= 10).then(expr.round(0).cast(pl.Int64).cast(pl.String)).otherwise(expr.round(1).cast(pl.String))


# -- scoring ------------------------------------------------------------------------------------


def fade_model(net: Network, params: FadeParams = FadeParams()) -> FadeModel:
    """The fade model behind :func:`tie_fade_scores` (fitted once per Network and parameters)."""
    return _fitted(net, params)[0]


def _fitted(net: Network, params: FadeParams) -> tuple[FadeModel, pl.DataFrame]:
    """The model and ``p_silent`` of every tie, in the ties' order (the features are not kept)."""
    def fit() -> tuple[FadeModel, pl.DataFrame]:
        model, probs = fade_probabilities(
            net, params.horizon_days, features=params.features, l2=params.l2, max_origins=params.max_origins,
            max_rows=params.max_train_rows, prior_only=params.prior_only, keep_features=False,
        )
        return model, probs

    return net.cached(("fade_model", params), fit)


def tie_fade_scores(net: Network, params: FadeParams = FadeParams(), *, bridges: bool = True) -> pl.DataFrame:
    """Every tie (``net.ties`` columns, by index) with ``fade_risk``, ``status`` and the rhythm
    evidence, and with ``bridges`` also ``embeddedness``, ``bridge`` and ``cut_edge``
    (computed once per Network and parameter set)."""
    scored = net.cached(("tie_scores", params), lambda: _score_ties(net, params))
    if not bridges:
        return scored
    return net.cached(("tie_fade_scores", params), lambda: _flag_bridges(net, scored, params))


def tie_status(net: Network, params: FadeParams = FadeParams()) -> pl.DataFrame:
    """``net.ties`` with each tie's ``fade_risk`` and ``status`` only: the figures of
    :func:`tie_fade_scores` that the community nurture list needs, without building and holding
    the rhythm evidence of every tie (about 0.5 GB at 5M ties). Taken from :func:`tie_fade_scores`
    when that is cached; not cached itself (the two columns take ~0.14 GB at 5.7M ties, and
    the fitted model, the slow part, is cached).

    >>> from ror_graph.api import example_events, read
    >>> tie_status(read(example_events())).columns[-2:]
    ['fade_risk', 'status']
    """
    scored = net.cached_result(("tie_scores", params))
    if scored is None:
        scored = _scored(net, params).select("fade_risk", "status").collect()
    return net.ties.with_columns(scored["fade_risk"], scored["status"])


def _score_ties(net: Network, params: FadeParams) -> pl.DataFrame:
    return _scored(net, params).collect()


def _scored(net: Network, params: FadeParams) -> pl.LazyFrame:
    """The ties with their fade risk, status and rhythm evidence, as a query: a caller that
    selects some columns computes only what those need."""
    from ror_graph._fadescan import recent_periods

    _, probs = _fitted(net, params)  # one row per tie, in the ties' (a, b) order; fitted before the columns below
    ties = net.ties
    res_days = net.resolution.total_seconds() / 86400
    as_of_us = int(net.as_of.timestamp() * 1e6)
    rhythmic = ties.filter(pl.col("active_periods") >= 2)["usual_gap_days"]
    prior_gap = float(rhythmic.median()) if rhythmic.len() else 7.0  # type: ignore[arg-type]
    prior_gap = max(prior_gap, res_days)
    n_gaps = (pl.col("active_periods") - 1).cast(pl.Float64)
    own = pl.col("usual_gap_days").fill_null(prior_gap).clip(lower_bound=res_days).log()
    shrunk = ((n_gaps * own + params.prior_gaps * math.log(prior_gap)) / (n_gaps + params.prior_gaps)).exp()
    if params.prior_gaps <= 0:
        shrunk = pl.when(n_gaps > 0).then(own.exp()).otherwise(prior_gap)
    # Recent activity: active periods inside the last `recent_gaps` usual gaps.
    window = (params.recent_gaps * shrunk).clip(lower_bound=res_days)
    window_days = ties.select(window.alias("recent_window_days")).to_series()
    res_us = net.resolution.total_seconds() * 1e6
    cut_period = ((as_of_us - window_days.to_numpy() * US_PER_DAY) / res_us)
    recent = recent_periods(net.tie_periods, ties["active_periods"].to_numpy(), cut_period)
    del cut_period
    scored = ties.lazy().with_columns(
        pl.col("usual_gap_days").alias("own_gap_days"),
        shrunk.alias("usual_gap_days"),
        silence_days(net.as_of, pl.col("last_ts")).alias("silence_days"),
        window_days,
        pl.Series("recent_periods", recent),
    )
    earlier_span = (as_of_us - pl.col("recent_window_days") * US_PER_DAY - pl.col("first_ts").dt.epoch("us")) / US_PER_DAY
    earlier_rate = pl.when(earlier_span > 0).then(
        (pl.col("active_periods") - pl.col("recent_periods")).cast(pl.Float64) / earlier_span
    )
    recent_rate = pl.col("recent_periods").cast(pl.Float64) / pl.col("recent_window_days")
    rate_drop = pl.when(earlier_rate > 0).then((1 - recent_rate / earlier_rate).clip(0.0, 1.0)).otherwise(0.0)
    w = params.silence_weight
    scored = scored.with_columns(
        (pl.col("silence_days") / pl.col("usual_gap_days")).alias("overdue"),
        silence_risk(pl.col("silence_days"), pl.col("usual_gap_days")).alias("silence_risk"),
        rate_drop.fill_null(0.0).alias("rate_drop"),
        (recent_rate * 30).alias("recent_per_30d"),
        (earlier_rate * 30).alias("earlier_per_30d"),
    ).with_columns((w * pl.col("silence_risk") + (1 - w) * pl.col("rate_drop")).alias("rhythm_score"))
    return scored.with_columns(probs["p_silent"].alias("fade_risk")).with_columns(
        status_expr(pl.col("fade_risk"), pl.col("rhythm_score"), params.status_cuts).alias("status")
    )


def holdout_calibration(net: Network, params: FadeParams = FadeParams()) -> tuple[pl.DataFrame, dict[str, object]]:
    """Is "0.8" 80%? The model fitted with the data up to as_of - h, its predictions for the
    ties then, and what happened in the last horizon (as_of - h, as_of]: all known at as_of.

    Returns the reliability table (:func:`ror_graph.fade_model.reliability`: ``bin, n,
    predicted, observed`` by decile) and ``{"brier", "auc", "ties", "horizon_days",
    "origin"}``; an empty table when the log is shorter than one horizon (the calibration
    plots of customer-base analysis, e.g. the *lifetimes* library, compare a calibration period
    with a holdout period the same way).
    """
    from datetime import timedelta

    from ror_graph.fade_model import reliability

    horizon = timedelta(days=params.horizon_days)
    origin = net.as_of - horizon
    empty = reliability([], [])
    if net.events["ts"].min() >= origin:  # type: ignore[operator]
        return empty, {}
    earlier = net.at(origin)
    model, probs = fade_probabilities(earlier, params.horizon_days, features=params.features, l2=params.l2,
                                      max_origins=params.max_origins, max_rows=params.max_train_rows,
                                      prior_only=params.prior_only)
    ids = earlier.nodes
    probs = probs.join(ids.select(pl.col("idx").cast(pl.Int64).alias("a"), pl.col("node_id").alias("a_id")), on="a") \
        .join(ids.select(pl.col("idx").cast(pl.Int64).alias("b"), pl.col("node_id").alias("b_id")), on="b")
    # indices follow the ids' order, so the smaller index is the smaller id
    later = net.events.filter(pl.col("ts") > origin).select(
        pl.min_horizontal("s", "d").alias("lo"), pl.max_horizontal("s", "d").alias("hi")).unique()
    later = net.names(net.names(later, "lo", "a_id"), "hi", "b_id").select("a_id", "b_id")
    later = later.with_columns(pl.lit(False).alias("silent"))
    probs = probs.join(later, on=["a_id", "b_id"], how="left").with_columns(pl.col("silent").fill_null(True))
    p = probs["p_silent"].to_numpy()
    y = probs["silent"].to_numpy()
    from ror_graph.backtest import brier, roc_auc

    summary: dict[str, object] = {"brier": brier(p, y), "auc": roc_auc(p, y), "ties": float(p.size),
               "horizon_days": model.horizon_days, "origin": origin.isoformat(), "source": model.source}
    return reliability(p, y), summary


def _flag_bridges(net: Network, scored: pl.DataFrame, params: FadeParams) -> pl.DataFrame:
    """``embeddedness`` (shared neighbours) and ``bridge`` for ties at risk; ``cut_edge`` for all
    (:mod:`ror_graph._bridges`)."""
    from ror_graph._bridges import bridge_edges, edge_triangles

    a = scored["a"].to_numpy().astype(np.int64)
    b = scored["b"].to_numpy().astype(np.int64)
    n = net.n
    degree = np.bincount(np.r_[a, b], minlength=n)
    at_risk = scored["status"].is_in(["fading", "dormant"]).to_numpy()
    candidate = (scored["fade_risk"].to_numpy() >= params.bridge_min_risk) | at_risk
    cut_known = a.size <= params.cut_edge_max_ties
    with ThreadPoolExecutor(2) as pool:  # both passes release the GIL
        cut_job = pool.submit(bridge_edges, a, b, n) if cut_known else None
        embedded = np.where(candidate, edge_triangles(a, b, n), -1)
        cut = cut_job.result() if cut_job is not None else np.zeros(a.size, dtype=bool)
    is_bridge = (embedded == 0) & (degree[a] > 1) & (degree[b] > 1)
    return scored.with_columns(
        pl.Series("embeddedness", embedded).replace(-1, None),
        pl.Series("bridge", is_bridge),
        pl.Series("cut_edge", cut) if cut_known else pl.lit(None, dtype=pl.Boolean).alias("cut_edge"),
    )


def fading_ties(net: Network, *, me: str | None = None, params: FadeParams = FadeParams()) -> pl.DataFrame:
    """Ranked fading relationships (of ``me``, or between any two people).

    Columns: ``rank, a, b, fade_risk, status, last_interaction, silence_days, usual_gap_days,
    overdue, active_days, recent_per_30d, earlier_per_30d, rate_drop, silence_risk,
    rhythm_score, n_events, n_ab, n_ba, strength, volume, first_interaction, embeddedness,
    bridge, cut_edge, evidence`` (``fade_risk`` = P(silent over the model's horizon, see
    :func:`fade_model`)). With ``me``, ``a`` is the ego and ``b`` the other person
    (n_ab = events from the ego).
    Ranked by status group (fading and dormant, then cooling, then active), then ``volume``
    (bigger relationships first), then ``fade_risk``, then ids.
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
    group = pl.col("status").replace_strict({"dormant": 2, "fading": 2, "cooling": 1, "active": 0}, return_dtype=pl.Int8)
    scored = scored.with_columns(group.alias("_group"))
    scored = scored.sort(["_group", "volume", "fade_risk", "a_id", "b_id"], descending=[True, True, True, False, False])
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
        pl.col("active_periods").alias("active_days"),
        "recent_per_30d",
        "earlier_per_30d",
        "rate_drop",
        "silence_risk",
        "rhythm_score",
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
    )


def _evidence() -> pl.Expr:
    """One line of evidence per tie: silence against rhythm (or a single day of contact), rate
    change, bridge; a tie at risk within its usual gap says so (:data:`AT_RISK_ON_RHYTHM`)."""
    one_day = pl.col("active_periods") == 1
    silence = pl.concat_str(
        pl.lit("silent "), days_text(pl.col("silence_days")), pl.lit(" days against a usual "), days_text(pl.col("usual_gap_days"))
    )
    single = pl.concat_str(
        pl.lit("a single day of contact ("), pl.col("n_events").cast(pl.String), pl.lit(" interaction(s)), "),
        days_text(pl.col("silence_days")), pl.lit(" days ago"),
    )
    drop = pl.concat_str(pl.lit("activity down "), (pl.col("rate_drop") * 100).round(0).cast(pl.Int64).cast(pl.String), pl.lit("%"))
    parts = pl.concat_list(
        pl.when(one_day).then(single),
        pl.when(~one_day & (pl.col("overdue") > 1)).then(silence),
        pl.when(~one_day & (pl.col("overdue") <= 1) & (pl.col("rate_drop") >= 0.3)).then(drop),
        pl.when(pl.col("cut_edge").fill_null(False)).then(pl.lit("its loss disconnects the network"))
        .when(pl.col("bridge")).then(pl.lit("a bridge: no shared contacts")),
        pl.when(~one_day & (pl.col("overdue") <= 1)).then(
            pl.when(pl.col("status").is_in(["fading", "dormant"]))
            .then(pl.lit(f"on its usual rhythm, {AT_RISK_ON_RHYTHM}"))
            .otherwise(pl.lit("on its usual rhythm"))
        ),
    )
    return parts.list.drop_nulls().list.join(", ")
