"""Do the rankings predict? Score with the data up to ``as_of`` (T), then check what actually
happened in (T, T + horizon].

Every score is computed on ``Network.from_dataset(dataset, as_of=T)``, which drops every event
after T, so nothing from the future leaks into a score; the future events are read only to
build the outcomes. Several origins (``as_of`` dates) give a rolling-origin evaluation:
:func:`summarize` reports the mean and the spread over them.

Tasks, targets and signals (``role`` says which signal is the engine's and which are the
baselines computed in the same run):

* ``fading`` / ``silent`` (issue #10's protocol). Population: every pair with at least
  ``min_events`` (3) interactions at or before T, one-day bursts and long-silent pairs
  included. ``silent_active``: the *active* ties (interactions on at least 2 days, the last
  within ``active_window`` before T, default 3 x horizon). Neither population depends on
  :class:`FadeParams`. Positive: no interaction either way in (T, T + horizon]. Model signal:
  ``fade_risk`` = P(silent over the horizon) from :func:`ror_graph.fading.tie_fade_scores`
  with ``horizon_days`` set to the back-test's horizon (the model is fitted on the log before
  T). Baselines (:func:`fading_population`): ``recency`` = days since the last interaction;
  ``cadence`` = flagged once silent longer than N days, N = ``cadence`` or the community's
  median gap between active days at T; ``few_events`` = minus the number of interactions;
  ``rhythm_score`` = the previous fade score (lateness against the tie's own rhythm).
  Metrics: ROC AUC, precision at 10/50/100, the Brier score of ``fade_risk`` and its
  reliability by decile (``rel_pred_NN`` / ``rel_obs_NN``: mean predicted and observed
  silence in the NN-th tenth of the ties sorted by fade_risk).
* ``value`` / ``tie_volume``: every tie at T; outcome = number of events on the tie in the
  horizon. ``value`` / ``gives_back``: every directed relationship src -> dst at T; positive
  when dst gives src attention in the horizon (reciprocation). Signals: ``strength``
  (recency-decayed, kind-weighted; model); ``count`` = events on the tie before T; ``recency``
  = minus the days since the tie's last interaction. ``value`` / ``attention``: every person
  at T; outcome = events they receive in the horizon. Signals: ``pagerank`` (model),
  ``count`` = events received before T, ``recency``. Metrics: Spearman correlation and
  precision at k (the share of the predicted top k that are positive, or, for counts, among
  the actual top k).
* ``referral`` / ``shares`` (only when the log has share-like events: share, quote,
  referral): every person at T; outcome = times their content was shared in the horizon.
  Signals: ``referral_reach`` (:func:`ror_graph.referral.referral_reach`, independent
  cascade on tie strength; model), ``pagerank`` (model), ``count`` = shares received
  before T, ``recency`` of the last share received.

* ``nurture`` (the nurture-next list of :func:`ror_graph.nurture.nurture_next`, computed on
  the network cut at T with the given :class:`NurtureWeights`). Population: the candidates
  active at T, i.e. with an interaction within ``active_window`` before T (one-off contacts
  included): the contacts of an ego (target prefix ``ego_``) or every person (``community_``).
  Targets: ``*_valuable_lost``: *valuable* before T (undecayed kind-weighted volume in the
  top quartile of the candidates) and *lost*: no interaction in (T, T + horizon] (with the
  ego; for a person, with anyone). ``*_mutual_lost``: the same with min(events given, events
  received) in the top quartile (both sides invested). "Top quartile" is decided whatever the
  order among equal values (a group of equals straddling the cut is left out). Signals:
  ``priority`` (model); ``worth`` and ``fade_risk`` (its components; role ``component``);
  baselines ``recency`` (days since the last interaction), ``volume`` (the undecayed volume)
  and ``volume_x_recency`` (product of their percentiles). Precision at 10/20/50
  (``nurture_ks``) and AUC. The target is built from volume and silence, so ``volume`` and
  ``volume_x_recency`` have half the definition by construction; the influence part of
  ``worth`` (PageRank, referral reach) is not rewarded by it at all (docs/backtest.md). Without
  ``me``, the community list and the lists of the ``nurture_egos`` people with the most
  contacts at T are scored (the real datasets have no natural ego); rows carry the ``ego``.
  ``*_worth_lost`` removes that circularity: the population is the candidates whose ``worth``
  (the engine's own value of the relationship, fixed at T) is in the top quartile, the outcome
  is "lost" (silent in the horizon), and the signals are ``priority``, ``fade_risk``,
  ``recency``, ``volume`` and ``volume_x_recency``; besides AUC and precision, ``vp@k`` is the
  value-weighted precision at k (:func:`value_precision_at_k`, weights = worth).

Ties in a score are handled without favour: AUC uses mid-ranks, precision at k is the
expected precision when tied items are ordered at random. A metric that cannot be computed
(one class only, fewer than k items, a constant column) is null.

With ``me``, the fading and tie populations keep the ego's ties, the person populations
the ego's contacts, and the nurture task scores that ego's list only.

Example
-------
>>> roc_auc([0.9, 0.8, 0.4, 0.4, 0.1], [1, 0, 1, 0, 0])
0.75
>>> precision_at_k([3, 2, 2, 1], [1, 1, 0, 0], 2)
0.75
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from ror_graph import strength
from ror_graph.errors import OptionError
from ror_graph.fade_model import reliability
from ror_graph.fading import FadeParams, tie_fade_scores
from ror_graph.influence import pagerank
from ror_graph.model import Dataset
from ror_graph.network import Network
from ror_graph.nurture import NurtureWeights, nurture_next
from ror_graph.timeutil import US_PER_DAY, format_duration, parse_as_of, parse_duration

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_KS",
    "SHARE_KINDS",
    "backtest",
    "summarize",
    "roc_auc",
    "precision_at_k",
    "spearman",
    "brier",
    "reliability",
    "value_precision_at_k",
    "fading_population",
]

DEFAULT_HORIZON = timedelta(days=30)
DEFAULT_KS = (10, 50, 100)
TASKS = ("fading", "value", "referral", "nurture", "suggest")
#: Precision cut-offs of the nurture task (a nurture list is read from the top).
NURTURE_KS = (10, 20, 50)
#: Without ``me``, the nurture task also plays the ego for this many highest-degree people.
NURTURE_EGOS = 5
#: Event kinds that pass someone's content on (the referral task needs them).
SHARE_KINDS = ("share", "quote", "referral")

_RESULT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "task": pl.String,
    "target": pl.String,
    "signal": pl.String,
    "role": pl.String,
    "metric": pl.String,
    "as_of": pl.Datetime("us", "UTC"),
    "value": pl.Float64,
    "n": pl.Int64,
    "positives": pl.Int64,
    "ego": pl.String,
}


# -- metrics ---------------------------------------------------------------------------------


def roc_auc(scores: Sequence[float] | np.ndarray, labels: Sequence[int] | np.ndarray) -> float | None:
    """ROC AUC (Mann-Whitney U / (P N)), ties counted one half; None with one class only."""
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    pos = int(y.sum())
    neg = y.size - pos
    if pos == 0 or neg == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def precision_at_k(
    scores: Sequence[float] | np.ndarray, relevant: Sequence[int] | np.ndarray, k: int
) -> float | None:
    """Share of relevant items among the top ``k`` by score; items tied at the cut count by
    their expected share (random order among ties). None when there are fewer than k items."""
    s = np.asarray(scores, dtype=np.float64)
    r = np.asarray(relevant, dtype=bool)
    if k <= 0 or s.size < k:
        return None
    kth = np.sort(s)[::-1][k - 1]
    above = s > kth
    at = s == kth
    taken_above = int(above.sum())
    hits = float(r[above].sum()) + (k - taken_above) * float(r[at].sum()) / float(at.sum())
    return hits / k


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float | None:
    """Spearman rank correlation (scipy); None when either side is constant or too short."""
    from scipy.stats import spearmanr

    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return None
    value = float(spearmanr(a, b).statistic)
    return None if np.isnan(value) else value


def _top_k_relevant(outcome: np.ndarray, k: int) -> np.ndarray:
    """Items among the actual top ``k`` by a count (all items tied at the cut, and only > 0)."""
    if outcome.size == 0:
        return np.zeros(0, dtype=bool)
    kth = np.sort(outcome)[::-1][min(k, outcome.size) - 1]
    return (outcome >= kth) & (outcome > 0)


# -- the back-test ---------------------------------------------------------------------------


def backtest(
    dataset: Dataset,
    as_of: Sequence[str | datetime] | str | datetime,
    *,
    horizon: str | timedelta = DEFAULT_HORIZON,
    me: str | None = None,
    active_window: str | timedelta | None = None,
    cadence: str | timedelta | None = None,
    half_life: str | timedelta = strength.DEFAULT_HALF_LIFE,
    kind_weights: Mapping[str, float] | None = None,
    fade: FadeParams = FadeParams(),
    tasks: Sequence[str] = TASKS,
    ks: Sequence[int] = DEFAULT_KS,
    rr_sets: int | None = None,
    seed: int = 0,
    weights: NurtureWeights = NurtureWeights(),
    nurture_egos: int = NURTURE_EGOS,
    nurture_ks: Sequence[int] = NURTURE_KS,
    min_events: int = 3,
) -> pl.DataFrame:
    """Score at each origin T in ``as_of`` with data up to T; evaluate on (T, T + ``horizon``].

    Returns one row per origin, task, target, signal and metric (and ego, for the nurture
    task): ``task, target, signal, role, metric, as_of, value, n, positives, ego`` (``n`` the
    population, ``positives`` the items with a positive outcome). See the module docstring for
    the definitions.
    """
    origins = [as_of] if isinstance(as_of, (str, datetime)) else list(as_of)
    if not origins:
        raise OptionError("give at least one origin (as_of=)")
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        raise OptionError(f"unknown back-test task(s) {', '.join(unknown)}; use {', '.join(TASKS)}")
    span = parse_duration(horizon, name="horizon")
    window = parse_duration(active_window, name="active_window") if active_window is not None else 3 * span
    fixed = parse_duration(cadence, name="cadence") if cadence is not None else None
    last = dataset.last_ts
    if last is None:
        raise OptionError("there are no events to back-test")
    frames = []
    for raw in origins:
        t = parse_as_of(raw, reference=last)
        if t + span > last:
            raise OptionError(
                f"as_of={t.isoformat()} plus horizon={format_duration(span.total_seconds() / 86400)!r} ends after "
                f"the last event ({last.isoformat()}): the outcome would be cut short; use an earlier as_of="
            )
        net = Network.from_dataset(dataset, as_of=t, half_life=half_life, kind_weights=kind_weights)
        ego = net.index_of(me) if me is not None else None
        future = dataset.events.filter((pl.col("ts") > t) & (pl.col("ts") <= t + span))
        rows: list[dict] = []
        if "fading" in tasks:
            rows += _fading(net, future, ego, span, window, fixed, fade, ks, min_events)
        if "value" in tasks:
            rows += _value(net, future, ego, ks)
        if "referral" in tasks:
            rows += _referral(net, future, ego, ks, rr_sets, seed)
        if "nurture" in tasks:
            rows += _nurture(net, future, me, span, window, fade, weights, nurture_egos, nurture_ks, seed)
        if "suggest" in tasks:
            from ror_graph.suggest import suggest_backtest_rows  # new ties: see that function

            rows += suggest_backtest_rows(net, future, ego, seed=seed)
        frame = pl.DataFrame(rows, schema={k: v for k, v in _RESULT_SCHEMA.items() if k != "as_of"})
        frames.append(frame.with_columns(pl.lit(t, dtype=pl.Datetime("us", "UTC")).alias("as_of")))
    return pl.concat(frames).select(list(_RESULT_SCHEMA))


def _rows(
    task: str, target: str, signals: dict[str, tuple[str, np.ndarray]], outcome: np.ndarray, *,
    binary: bool, ks: Sequence[int], ego: str | None = None,
) -> list[dict]:
    """Metrics of every signal against one outcome."""
    n = int(outcome.size)
    positives = int((outcome > 0).sum())
    out = []
    for name, (role, score) in signals.items():
        def add(metric: str, value: float | None, name: str = name, role: str = role) -> None:
            out.append({"task": task, "target": target, "signal": name, "role": role, "metric": metric,
                        "value": value, "n": n, "positives": positives, "ego": ego})

        if binary:
            add("auc", roc_auc(score, outcome > 0))
        else:
            add("spearman", spearman(score, outcome))
        for k in ks:
            relevant = (outcome > 0) if binary else _top_k_relevant(outcome, k)
            add(f"p@{k}", precision_at_k(score, relevant, k))
    return out


def _pair_ids(net: Network, frame: pl.DataFrame) -> pl.DataFrame:
    return net.names(net.names(frame, "a", "a_id"), "b", "b_id")


def _future_pairs(future: pl.DataFrame) -> pl.DataFrame:
    """Events per unordered pair (ids a_id < b_id) in the horizon."""
    return future.group_by(
        pl.min_horizontal("src", "dst").alias("a_id"), pl.max_horizontal("src", "dst").alias("b_id")
    ).agg(pl.len().cast(pl.Int64).alias("future_events"))


def _fading(
    net: Network, future: pl.DataFrame, ego: int | None, horizon: timedelta, window: timedelta, fixed: timedelta | None,
    fade: FadeParams, ks: Sequence[int], min_events: int,
) -> list[dict]:
    """The fading task on two populations: ``silent`` (every pair with at least ``min_events``
    interactions before T) and ``silent_active`` (established and active within ``window``)."""
    scored = fading_population(net, future, horizon, fade=fade, fixed=fixed)
    if ego is not None:
        scored = scored.filter((pl.col("a") == ego) | (pl.col("b") == ego))
    rows: list[dict] = []
    populations = {
        "silent": pl.col("n_events") >= min_events,
        "silent_active": (pl.col("active_periods") >= 2) & (pl.col("silence_days") <= window.total_seconds() / 86400),
    }
    for target, keep in populations.items():
        part = scored.filter(keep)
        silent = part["silent"].to_numpy().astype(np.int64)
        signals = {name: (role, part[name].to_numpy().astype(np.float64)) for name, role in FADING_SIGNALS.items()}
        rows += _rows("fading", target, signals, silent, binary=True, ks=ks)
        risk = signals["fade_risk"][1]
        rows.append(_metric_row("fading", target, "fade_risk", "model", "brier", brier(risk, silent), silent))
        table = reliability(risk, silent)
        for i, (pred, obs) in enumerate(zip(table["predicted"], table["observed"]), start=1):
            rows.append(_metric_row("fading", target, "fade_risk", "model", f"rel_pred_{i:02d}", pred, silent))
            rows.append(_metric_row("fading", target, "fade_risk", "model", f"rel_obs_{i:02d}", obs, silent))
    return rows


#: Signals of the fading task and their role; higher = more likely silent.
FADING_SIGNALS = {
    "fade_risk": "model",
    "recency": "baseline",
    "cadence": "baseline",
    "few_events": "baseline",
    "rhythm_score": "baseline",
}


def fading_population(
    net: Network, future: pl.DataFrame, horizon: timedelta, *, fade: FadeParams = FadeParams(),
    fixed: timedelta | None = None,
) -> pl.DataFrame:
    """Every tie at T with its fading signals and outcome: ``a, b, n_events, active_periods,
    silence_days, fade_risk`` (P(silent over the horizon), from the model fitted on the log
    before T), ``recency`` (days since the last interaction), ``cadence`` (1 once silent longer
    than ``fixed`` or the community's median gap), ``few_events`` (minus the number of events),
    ``rhythm_score`` (the previous fade score: lateness against the tie's own rhythm) and
    ``silent`` (no interaction either way in (T, T + horizon])."""
    scored = tie_fade_scores(net, replace(fade, horizon_days=horizon.total_seconds() / 86400))
    if fixed is not None:
        threshold = fixed.total_seconds() / 86400
    else:
        gaps = scored["own_gap_days"].drop_nulls()
        threshold = float(gaps.median()) if gaps.len() else 30.0  # type: ignore[arg-type]
    scored = _pair_ids(net, scored).join(_future_pairs(future), on=["a_id", "b_id"], how="left")
    return scored.select(
        "a", "b", "a_id", "b_id", "n_events", "active_periods", "silence_days", "overdue", "volume", "fade_risk",
        pl.col("silence_days").alias("recency"),
        (pl.col("silence_days") > threshold).cast(pl.Float64).alias("cadence"),
        (-pl.col("n_events").cast(pl.Float64)).alias("few_events"),
        "rhythm_score",
        (pl.col("future_events").fill_null(0) == 0).alias("silent"),
    )


def _metric_row(task: str, target: str, signal: str, role: str, metric: str, value: float | None,
                outcome: np.ndarray, ego: str | None = None) -> dict:
    return {"task": task, "target": target, "signal": signal, "role": role, "metric": metric, "value": value,
            "n": int(outcome.size), "positives": int((outcome > 0).sum()), "ego": ego}


def brier(probability: Sequence[float] | np.ndarray, outcome: Sequence[int] | np.ndarray) -> float | None:
    """Mean squared difference between the predicted probability and the 0/1 outcome."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    return float(np.mean((p - y) ** 2)) if p.size else None


def _value(net: Network, future: pl.DataFrame, ego: int | None, ks: Sequence[int]) -> list[dict]:
    as_of_us = int(net.as_of.timestamp() * 1e6)
    age = (as_of_us - pl.col("last_ts").dt.epoch("us")) / US_PER_DAY
    rows: list[dict] = []
    # Ties: future volume.
    ties = net.ties
    if ego is not None:
        ties = ties.filter((pl.col("a") == ego) | (pl.col("b") == ego))
    ties = _pair_ids(net, ties).join(_future_pairs(future), on=["a_id", "b_id"], how="left")
    ties = ties.with_columns(age.alias("age_days"))
    signals = {
        "strength": ("model", ties["strength"].to_numpy()),
        "count": ("baseline", ties["n_events"].to_numpy().astype(np.float64)),
        "recency": ("baseline", -ties["age_days"].to_numpy()),
    }
    rows += _rows("value", "tie_volume", signals, ties["future_events"].fill_null(0).to_numpy(), binary=False, ks=ks)
    # Directed relationships: does the other side give back in the horizon?
    rel = net.relationships
    if ego is not None:
        rel = rel.filter((pl.col("s") == ego) | (pl.col("d") == ego))
    pair = net.ties.select(
        "a", "b", pl.col("strength").alias("tie_strength"), pl.col("n_events").alias("tie_events"), "last_ts"
    )
    rel = rel.drop("last_ts").with_columns(
        pl.min_horizontal("s", "d").alias("a"), pl.max_horizontal("s", "d").alias("b")
    ).join(pair, on=["a", "b"], how="left")
    back = future.group_by(pl.col("dst").alias("src"), pl.col("src").alias("dst")).agg(
        pl.len().cast(pl.Int64).alias("gave_back")
    )
    rel = rel.join(back, on=["src", "dst"], how="left").with_columns(age.alias("age_days"))
    signals = {
        "strength": ("model", rel["tie_strength"].to_numpy()),
        "count": ("baseline", rel["tie_events"].to_numpy().astype(np.float64)),
        "recency": ("baseline", -rel["age_days"].to_numpy()),
    }
    rows += _rows("value", "gives_back", signals, rel["gave_back"].fill_null(0).to_numpy(), binary=True, ks=ks)
    # People: attention received in the horizon.
    people = _with_pagerank(net, _people(net, ego))
    received = net.events.group_by(pl.col("d").alias("idx")).agg(
        pl.len().cast(pl.Int64).alias("received"), pl.col("ts").max().alias("last_ts")
    )
    got = future.group_by(pl.col("dst").alias("node_id")).agg(pl.len().cast(pl.Int64).alias("future"))
    people = people.join(received, on="idx", how="left").join(got, on="node_id", how="left").with_columns(
        age.fill_null(float("inf")).alias("age_days")
    )
    signals = {
        "pagerank": ("model", people["pagerank"].to_numpy()),
        "count": ("baseline", people["received"].fill_null(0).to_numpy().astype(np.float64)),
        "recency": ("baseline", -people["age_days"].to_numpy()),
    }
    rows += _rows("value", "attention", signals, people["future"].fill_null(0).to_numpy(), binary=False, ks=ks)
    return rows


def _people(net: Network, ego: int | None) -> pl.DataFrame:
    """Everyone at T, or the ego's contacts."""
    if ego is None:
        return net.nodes
    ties = net.ties.filter((pl.col("a") == ego) | (pl.col("b") == ego))
    contacts = pl.concat([ties["a"], ties["b"]]).unique()
    return net.nodes.filter(pl.col("idx").is_in(contacts.implode()) & (pl.col("idx") != ego))


def _with_pagerank(net: Network, people: pl.DataFrame) -> pl.DataFrame:
    scores = pagerank(net)
    return people.with_columns(pl.Series("pagerank", scores[people["idx"].to_numpy().astype(np.int64)]))


def _referral(
    net: Network, future: pl.DataFrame, ego: int | None, ks: Sequence[int], rr_sets: int | None, seed: int
) -> list[dict]:
    share = pl.col("kind").cast(pl.String).is_in(list(SHARE_KINDS))
    past = net.events.filter(share)
    coming = future.filter(share)
    if past.height == 0 or coming.height == 0:
        return []
    from ror_graph.referral import referral_reach

    reach = referral_reach(net, rr_sets=rr_sets, seed=seed).select("node_id", "referral_reach")
    people = _with_pagerank(net, _people(net, ego))
    shared = past.group_by(pl.col("d").alias("idx")).agg(
        pl.len().cast(pl.Int64).alias("shared"), pl.col("ts").max().alias("last_ts")
    )
    got = coming.group_by(pl.col("dst").alias("node_id")).agg(pl.len().cast(pl.Int64).alias("future"))
    as_of_us = int(net.as_of.timestamp() * 1e6)
    people = (
        people.join(reach, on="node_id", how="left")
        .join(shared, on="idx", how="left")
        .join(got, on="node_id", how="left")
        .with_columns(((as_of_us - pl.col("last_ts").dt.epoch("us")) / US_PER_DAY).fill_null(float("inf")).alias("age_days"))
    )
    signals = {
        "referral_reach": ("model", people["referral_reach"].fill_null(1.0).to_numpy()),
        "pagerank": ("model", people["pagerank"].to_numpy()),
        "count": ("baseline", people["shared"].fill_null(0).to_numpy().astype(np.float64)),
        "recency": ("baseline", -people["age_days"].to_numpy()),
    }
    return _rows("referral", "shares", signals, people["future"].fill_null(0).to_numpy(), binary=False, ks=ks)


def _top_quartile(x: np.ndarray) -> np.ndarray:
    """The items in the top quartile whatever the order among equal values: at most n / 4 items
    are at or above each of them (a group of equals straddling the cut is left out), and > 0."""
    from scipy.stats import rankdata

    if x.size == 0:
        return np.zeros(0, dtype=bool)
    at_or_above = rankdata(-x, method="max")
    return (at_or_above <= x.size / 4) & (x > 0)


def _pct(x: np.ndarray) -> np.ndarray:
    """Share of values at or below each value, in (0, 1] (as ``nurture._percentile``)."""
    from scipy.stats import rankdata

    return rankdata(x, method="max") / max(x.size, 1) if x.size else x.astype(np.float64)


def top_degree_egos(net: Network, n: int) -> list[str]:
    """The ``n`` people with the most distinct contacts at T (ties by id)."""
    ends = pl.concat([net.ties.select(pl.col("a").alias("idx")), net.ties.select(pl.col("b").alias("idx"))])
    degree = net.names(ends.group_by("idx").agg(pl.len().alias("degree")), "idx", "node_id")
    return degree.sort(["degree", "node_id"], descending=[True, False]).head(n)["node_id"].to_list()


def nurture_candidates(
    net: Network,
    future: pl.DataFrame,
    me: str | None,
    horizon: timedelta,
    window: timedelta,
    *,
    fade: FadeParams = FadeParams(),
    weights: NurtureWeights = NurtureWeights(),
    reach: pl.DataFrame | None = None,
    scored: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The nurture-next list at T (``nurture_next`` on the network cut at T), restricted to the
    candidates active within ``window`` before T, with the outcome of each in the horizon.

    One row per candidate (the ego's contacts with ``me``, else every person): ``node_id,
    priority, worth, value, bond, reciprocity, fade_risk, p_silent, volume, mutual_volume,
    silence_days, valuable, mutual, silent``. ``volume`` is the undecayed kind-weighted volume
    (of the tie, or of all the person's ties); ``mutual_volume`` = min(events given, events
    received); ``valuable`` / ``mutual`` = in the top quartile of these among the candidates
    (data before T); ``silent`` = no interaction in (T, T + horizon] (with the ego, or with
    anyone). ``p_silent`` is the tie's (or the volume-weighted mean over the person's ties; 0 for
    one-off ties) over the back-test's horizon. ``scored`` (``tie_fade_scores`` at that horizon)
    and ``reach`` may be passed to share them between egos.
    """
    fade = replace(fade, horizon_days=horizon.total_seconds() / 86400)
    if scored is None:
        scored = tie_fade_scores(net, fade)
    table = nurture_next(net, me=me, weights=weights, fade=fade, reach=reach, estimate_reach=reach is not None)
    table = table.select(
        "node_id", "priority", "worth", "value", "bond", "reciprocity", "fade_risk", "silence_days", "n_give", "n_get"
    )
    ties = scored.select("a", "b", "volume", pl.col("fade_risk").alias("p_silent"))
    if me is not None:
        ego = net.index_of(me)
        mine = ties.filter((pl.col("a") == ego) | (pl.col("b") == ego)).select(
            pl.when(pl.col("a") == ego).then(pl.col("b")).otherwise(pl.col("a")).alias("idx"), "volume", "p_silent"
        )
        mine = net.names(mine, "idx", "node_id").drop("idx")
        touched = future.filter((pl.col("src") == me) | (pl.col("dst") == me)).select(
            pl.when(pl.col("src") == me).then(pl.col("dst")).otherwise(pl.col("src")).alias("node_id")
        )
    else:
        both = pl.concat([ties.select(pl.col("a").alias("idx"), "volume", "p_silent"),
                          ties.select(pl.col("b").alias("idx"), "volume", "p_silent")])
        mine = both.group_by("idx").agg(
            (pl.col("p_silent") * pl.col("volume")).sum().truediv(pl.col("volume").sum()).fill_nan(0.0).alias("p_silent"),
            pl.col("volume").sum(),
        )
        mine = net.names(mine, "idx", "node_id").drop("idx")
        touched = pl.concat([future.select(pl.col("src").alias("node_id")), future.select(pl.col("dst").alias("node_id"))])
    touched = touched.unique().with_columns(pl.lit(True).alias("_touched"))
    cand = (
        table.join(mine, on="node_id", how="left")
        .filter(pl.col("silence_days") <= window.total_seconds() / 86400)
        .join(touched, on="node_id", how="left")
        .with_columns(
            (~pl.col("_touched").fill_null(False)).alias("silent"),
            pl.min_horizontal("n_give", "n_get").cast(pl.Float64).alias("mutual_volume"),
        )
        .drop("_touched")
    )
    return cand.with_columns(
        pl.Series("valuable", _top_quartile(cand["volume"].to_numpy())),
        pl.Series("mutual", _top_quartile(cand["mutual_volume"].to_numpy())),
    ).select(
        "node_id", "priority", "worth", "value", "bond", "reciprocity", "fade_risk", "p_silent", "volume",
        "mutual_volume", "silence_days", "valuable", "mutual", "silent",
    )


def nurture_signals(cand: pl.DataFrame) -> dict[str, tuple[str, np.ndarray]]:
    """The nurture task's signals on a :func:`nurture_candidates` frame."""
    silence = cand["silence_days"].to_numpy().astype(np.float64)
    volume = cand["volume"].to_numpy().astype(np.float64)
    return {
        "priority": ("model", cand["priority"].to_numpy()),
        "worth": ("component", cand["worth"].to_numpy()),
        "fade_risk": ("component", cand["fade_risk"].to_numpy()),
        "recency": ("baseline", silence),
        "volume": ("baseline", volume),
        "volume_x_recency": ("baseline", _pct(volume) * _pct(silence)),
    }


def _nurture(
    net: Network, future: pl.DataFrame, me: str | None, horizon: timedelta, window: timedelta, fade: FadeParams,
    weights: NurtureWeights, n_egos: int, ks: Sequence[int], seed: int,
) -> list[dict]:
    from ror_graph.referral import referral_reach

    # As nurture_next estimates it by default; shared by the community and every ego.
    reach = referral_reach(net, epsilon=0.3, min_reach=max(50.0, net.n / 50), seed=seed)
    scored = tie_fade_scores(net, replace(fade, horizon_days=horizon.total_seconds() / 86400))
    runs: list[tuple[str, str | None]] = []
    if me is None:
        runs.append(("community", None))
        runs += [("ego", e) for e in top_degree_egos(net, n_egos)]
    else:
        runs.append(("ego", me))
    rows: list[dict] = []
    for mode, ego in runs:
        cand = nurture_candidates(net, future, ego, horizon, window, fade=fade, weights=weights, reach=reach, scored=scored)
        signals = nurture_signals(cand)
        silent = cand["silent"].to_numpy()
        for name, flag in (("valuable_lost", "valuable"), ("mutual_lost", "mutual")):
            outcome = (cand[flag].to_numpy() & silent).astype(np.int64)
            rows += _rows("nurture", f"{mode}_{name}", signals, outcome, binary=True, ks=ks, ego=ego)
        # Without circularity: the valuable are fixed before T by the engine's own worth; among
        # them, which are lost in the horizon?
        worth = cand["worth"].to_numpy().astype(np.float64)
        keep = _top_quartile(worth)
        target = f"{mode}_worth_lost"
        kept = {name: (role, score[keep]) for name, (role, score) in signals.items() if name != "worth"}
        lost = silent[keep].astype(np.int64)
        rows += _rows("nurture", target, kept, lost, binary=True, ks=ks, ego=ego)
        for name, (role, score) in kept.items():
            for k in ks:
                rows.append(_metric_row("nurture", target, name, role, f"vp@{k}",
                                        value_precision_at_k(score, lost, worth[keep], k), lost, ego))
    return rows


def value_precision_at_k(
    scores: Sequence[float] | np.ndarray, positive: Sequence[int] | np.ndarray, value: Sequence[float] | np.ndarray, k: int
) -> float | None:
    """Value-weighted precision at k: the value of the positives among the top ``k`` by score over
    the value of the ``k`` most valuable positives (1 = the best possible top k). Items tied at
    the cut count by their expected share, as in :func:`precision_at_k`. None when there are
    fewer than k items or no positive value."""
    s = np.asarray(scores, dtype=np.float64)
    gain = np.asarray(value, dtype=np.float64) * np.asarray(positive, dtype=bool)
    if k <= 0 or s.size < k:
        return None
    best = float(np.sort(gain)[::-1][:k].sum())
    if best <= 0:
        return None
    kth = np.sort(s)[::-1][k - 1]
    above, at = s > kth, s == kth
    got = float(gain[above].sum()) + (k - int(above.sum())) * float(gain[at].sum()) / float(at.sum())
    return got / best


# -- summary ---------------------------------------------------------------------------------


def summarize(results: pl.DataFrame) -> pl.DataFrame:
    """Mean and spread over the origins, per task, target, signal and metric.

    Columns: ``task, target, metric, signal, role, mean, std, min, max, origins, n, positives,
    margin``; ``origins`` counts the origins where the metric could be computed, ``n`` and
    ``positives`` are means over origins, ``margin`` (model rows) is the model's mean minus
    the best baseline's mean on the same task, target and metric.
    """
    keys = ["task", "target", "metric", "signal", "role"]
    summary = results.group_by(keys, maintain_order=True).agg(
        pl.col("value").mean().alias("mean"),
        pl.col("value").std().alias("std"),
        pl.col("value").min().alias("min"),
        pl.col("value").max().alias("max"),
        pl.col("value").count().cast(pl.Int64).alias("origins"),
        pl.col("n").mean().alias("n"),
        pl.col("positives").mean().alias("positives"),
    )
    best = (
        summary.filter(pl.col("role") == "baseline")
        .group_by("task", "target", "metric")
        .agg(pl.col("mean").max().alias("_best"))
    )
    summary = summary.join(best, on=["task", "target", "metric"], how="left", maintain_order="left")
    return summary.with_columns(
        pl.when(pl.col("role") == "model").then(pl.col("mean") - pl.col("_best")).alias("margin")
    ).drop("_best")
