"""Whom to nurture next: value, bond, reciprocity and fade risk in one explained priority.

Each component lies in [0, 1]:

* ``value``: how far the person's voice carries: the mean of the PageRank percentile
  (1 = the most influential person) and the referral-reach percentile (expected people
  reached if they share; see :mod:`referral`).
* ``bond``: what the relationship has built: the percentile of its undecayed, kind-weighted
  volume among the ego's ties (or, for the whole community, of the person's total volume).
  Intensity and the mix of kinds are tie-strength dimensions in Gilbert and Karahalios,
  CHI 2009.
* ``reciprocity``: do they give back. The mean of mutuality (1 - |balance| of give and get)
  and responsiveness (the share of your messages they answered within the reply window; when
  you never wrote to them, mutuality alone). Without an ego: per-person reciprocity
  (2 mutual / (in + out)) and their answer rate.
* ``fade_risk``: from :mod:`fading`: the tie's probability of staying silent over the
  horizon. Without an ego, a person's fade risk is the mean of two halves: the
  volume-weighted fade risk of their ties, and their own silence against their own rhythm
  (:func:`ror_graph.fading.silence_risk` with the median gap between the days they interacted
  with anyone), which catches whole-community slowdowns that tie-level fading misses.

``priority = worth * urgency`` where ``worth`` is the weighted mean of value, bond and
reciprocity (weights ``value``, ``bond``, ``reciprocity``) and ``urgency = floor + (1 - floor)
* fade_risk``: valuable relationships that are fading come first, valuable active ones stay
on the list below them (``floor``), and contacts with little worth sink. Raeder et al. (Social
Networks 2011) found that weight, reciprocity and age predict which ties persist, which is
why those appear in ``worth`` rather than being overruled by silence alone.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> week = 7 * 86400
>>> raw = pl.DataFrame({"src": ["me", "ana"] * 6 + ["me", "bo"],
...                     "dst": ["ana", "me"] * 6 + ["bo", "me"], "kind": ["message"] * 14,
...                     "ts": [i * week for i in range(12)] + [40 * week, 40 * week + 60]})
>>> nurture_next(Network.from_dataset(validate_events(raw, source="doc")), me="me")["node_id"].to_list()
['ana', 'bo']
"""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from ror_graph.errors import OptionError
from ror_graph.fading import AT_RISK_ON_RHYTHM, FadeParams, days_text, silence_days, silence_risk, status_expr, tie_fade_scores, tie_status
from ror_graph.influence import pagerank
from ror_graph.network import Network
from ror_graph.progress import return_freed_memory, staged, step
from ror_graph.reciprocity import mutual_mask

__all__ = ["NurtureWeights", "nurture_next"]


@dataclass(frozen=True)
class NurtureWeights:
    """Weights of ``worth`` (normalised to sum 1) and the urgency floor; the defaults were chosen by
    the nurture back-test (docs/backtest.md: "valuable and lost" on the real datasets, in-sample)."""

    value: float = 0.2
    bond: float = 0.6
    reciprocity: float = 0.2
    floor: float = 0.6

    @classmethod
    def parse(cls, text: str | None) -> NurtureWeights:
        """``value=0.5,bond=0.3,reciprocity=0.2,floor=0.1`` (any subset; finite numbers)."""
        if not text:
            return cls()
        values: dict[str, float] = {}
        for part in text.split(","):
            key, sep, raw = part.partition("=")
            key = key.strip()
            if not sep or key not in cls.__dataclass_fields__:
                raise OptionError(f"bad weight {part!r}; use value=, bond=, reciprocity=, floor= (e.g. value=0.5,bond=0.3)")
            try:
                values[key] = float(raw)
            except ValueError:
                raise OptionError(f"weight {key} must be a number, got {raw!r}") from None
            if not math.isfinite(values[key]):
                raise OptionError(f"weight {key} must be a finite number, got {raw!r}")
        weights = cls(**{**cls().__dict__, **values})
        if min(weights.value, weights.bond, weights.reciprocity) < 0 or weights.value + weights.bond + weights.reciprocity <= 0:
            raise OptionError("weights must be >= 0 and not all zero")
        if not 0 <= weights.floor <= 1:
            raise OptionError(f"floor must be in [0, 1], got {weights.floor}")
        return weights


def _percentile(expr: pl.Expr) -> pl.Expr:
    """Share of values strictly below this one, plus one, over the count: in (0, 1]. Ties get
    the lowest rank of their group, so a large tied mass at the bottom (everyone nobody
    listens to) stays at the bottom instead of sharing the top of its range."""
    return expr.rank(method="min") / expr.count()


def nurture_next(
    net: Network,
    *,
    me: str | None = None,
    weights: NurtureWeights = NurtureWeights(),
    fade: FadeParams = FadeParams(),
    reach: pl.DataFrame | None = None,
    estimate_reach: bool = True,
    seed: int = 0,
) -> pl.DataFrame:
    """The ranked nurture-next list, for the ego ``me`` or for the whole community.

    Columns: ``rank, node_id, priority, fade_risk, reason, value, bond, reciprocity, worth,
    urgency, influence_top_share, status, n_events, n_give, n_get, last_interaction,
    silence_days, usual_gap_days, referral_reach``. ``referral_reach`` is the expected number
    of people reached if that person shares (independent cascade, strength probabilities;
    :func:`ror_graph.referral.referral_reach` at 30% relative error for reaches of at least
    max(50, n/50), which is enough to rank and keeps 10M-event logs under a minute). Pass a precomputed ``reach`` table
    (``node_id, referral_reach``), or ``estimate_reach=False`` to leave reach out.
    """
    # A worker thread finds each person's rhythm (from the events alone) while this thread
    # builds the relationships and ties, then estimates the referral reach beside the scoring
    # below (numba and polars release the GIL): the same answers as in sequence, in less wall
    # time on two or more cores. PageRank stays on this thread: beside the reach estimate on two
    # cores a third thread is no faster (both are memory-bound) and raises the peak.
    pool = ThreadPoolExecutor(1)
    rhythm_job = pool.submit(staged("each person's rhythm", _person_rhythm, net)) if me is None else None
    _ = net.edges  # built here, before the reach estimate reads them
    reach_job: Future[np.ndarray] | None = None
    if reach is None and estimate_reach:
        reach_job = pool.submit(staged("referral reach", _estimated_reach_by_index, net, seed))
    pool.shutdown(wait=False)
    step("fade risk of every tie")
    ties = tie_fade_scores(net, fade, bridges=False) if me is not None else tie_status(net, fade)
    step("each person's ties")
    table = _ego_rows(net, ties, me) if me is not None else _community_rows(net, ties)
    del ties
    step("PageRank")
    people = net.nodes.with_columns(pl.Series("pagerank", pagerank(net)))
    people = people.with_columns(
        _percentile(pl.col("pagerank")).alias("influence_pct"),
        (pl.col("pagerank").rank(method="max", descending=True) / pl.len()).alias("influence_top_share"),
    )
    value = pl.col("influence_pct")
    step("ranking")
    if rhythm_job is not None:
        table = _with_rhythm(net, table, rhythm_job.result())
    if reach_job is not None:  # in index order, like people
        people = people.with_columns(pl.Series("referral_reach", reach_job.result()))
    elif reach is not None:
        people = people.join(reach.select("node_id", "referral_reach"), on="node_id", how="left")
    del rhythm_job, reach_job, reach  # what they hold is in table and people now
    return_freed_memory()  # the reach estimate's and PageRank's temporaries, before the list is built
    with_reach = "referral_reach" in people.columns
    if with_reach:
        value = (value + _percentile(pl.col("referral_reach").fill_null(0.0))) / 2
    people = people.with_columns(value.alias("value"))
    if me is None:  # one row per person in index order, like people: side by side, no join
        table = table.hstack(people.drop("idx").get_columns())
    else:
        table = net.names(table.join(people.drop("node_id"), on="idx", how="left"), "idx", "node_id")
    del people
    table = table.with_columns(_percentile(pl.col("volume")).alias("bond"))
    total = weights.value + weights.bond + weights.reciprocity
    worth = (weights.value * pl.col("value") + weights.bond * pl.col("bond") + weights.reciprocity * pl.col("reciprocity")) / total
    table = table.with_columns(
        worth.alias("worth"),
        (weights.floor + (1 - weights.floor) * pl.col("fade_risk")).alias("urgency"),
    ).with_columns((pl.col("worth") * pl.col("urgency")).alias("priority"))
    columns = [
        "node_id", "priority", "fade_risk", "reason", "value", "bond", "reciprocity",
        "worth", "urgency", "influence_top_share", "status", "n_events", "n_give", "n_get",
        "last_interaction", "silence_days", "usual_gap_days",
    ]
    if with_reach:
        columns.append("referral_reach")
    # Sorted with only the columns it returns and those the reason is written from; the reason
    # text is written after the sort (node ids are unique, so the order is total).
    reason = _reason(ego=me is not None, with_reach=with_reach).alias("reason")
    kept = [c for c in table.columns if c in columns or c in reason.meta.root_names()]
    table = table.select(kept).sort(["priority", "node_id"], descending=[True, False])
    return table.with_columns(reason).select(columns).with_row_index("rank", offset=1)


def estimated_reach(net: Network, *, seed: int = 0) -> pl.DataFrame:
    """The referral reach :func:`nurture_next` uses (``node_id, referral_reach``, in index
    order): :func:`ror_graph.referral.referral_reach` at 30% relative error for reaches of at
    least max(50, n/50)."""
    return net.nodes.select("node_id").with_columns(pl.Series("referral_reach", _estimated_reach_by_index(net, seed)))


def _estimated_reach_by_index(net: Network, seed: int) -> np.ndarray:
    from ror_graph.referral import reach_estimates

    # With every strength decayed to nothing (a far as_of) nobody passes anything on: reach 1.
    return reach_estimates(net, epsilon=0.3, min_reach=max(50.0, net.n / 50), seed=seed, allow_no_edges=True)[0]


def _ego_rows(net: Network, ties: pl.DataFrame, me: str) -> pl.DataFrame:
    """One row per person with a tie to the ego: the tie's figures seen from the ego."""
    ego = net.index_of(me)
    mine = ties.filter((pl.col("a") == ego) | (pl.col("b") == ego))
    ego_is_a = pl.col("a") == ego
    mine = mine.select(
        pl.when(ego_is_a).then(pl.col("b")).otherwise(pl.col("a")).alias("idx"),
        pl.when(ego_is_a).then(pl.col("n_ab")).otherwise(pl.col("n_ba")).cast(pl.Int64).alias("n_give"),
        pl.when(ego_is_a).then(pl.col("n_ba")).otherwise(pl.col("n_ab")).cast(pl.Int64).alias("n_get"),
        pl.col("n_events").cast(pl.Int64),
        "volume", "fade_risk", "status", "silence_days", "usual_gap_days", "overdue", "rate_drop",
        pl.col("last_ts").alias("last_interaction"),
    )
    answered = net.edges.filter(pl.col("s") == ego).select(
        pl.col("d").alias("idx"), pl.col("answered_rate").alias("responsiveness")
    )
    mine = mine.join(answered, on="idx", how="left")
    balance = (pl.col("n_give") - pl.col("n_get")).abs() / (pl.col("n_give") + pl.col("n_get"))
    mutuality = 1 - balance
    return mine.with_columns(
        pl.when(pl.col("responsiveness").is_not_null())
        .then((mutuality + pl.col("responsiveness")) / 2)
        .otherwise(mutuality)
        .alias("reciprocity")
    )


def _community_rows(net: Network, ties: pl.DataFrame) -> pl.DataFrame:
    """One row per person: their ties' figures aggregated (fade risk weighted by volume), by
    sums over both ends of every tie and every relationship (:mod:`ror_graph._personsums`); the
    person's own rhythm and last interaction come after, from :func:`_with_rhythm`."""
    from ror_graph._personsums import edge_sums, tie_sums

    n = net.n
    fading = ties["status"].is_in(["fading", "dormant"]).to_numpy()
    volume_sum, risk_sum, n_give, n_get, n_events, n_ties, n_fading = tie_sums(
        ties["a"].to_numpy(), ties["b"].to_numpy(), ties["volume"].to_numpy(), ties["fade_risk"].to_numpy(),
        ties["n_ab"].to_numpy(), ties["n_ba"].to_numpy(), fading, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted_risk = risk_sum / volume_sum
    weighted_risk[np.isnan(weighted_risk)] = 0.0
    rel = net.edges
    out_edges, mutual, in_edges, in_events, answered = edge_sums(
        rel["s"].to_numpy(), rel["d"].to_numpy(), rel["n_events"].to_numpy(), rel["answered_rate"].to_numpy(),
        mutual_mask(net), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        responsiveness = answered / in_events
    per_person = pl.DataFrame({
        "idx": net.nodes["idx"],
        "ties_fade_risk": weighted_risk,
        "volume": volume_sum,
        "n_give": n_give,
        "n_get": n_get,
        "n_events": n_events,
        "n_ties": n_ties,
        "n_fading": n_fading,
        "out_edges": out_edges,
        "mutual": mutual,
        "in_edges": in_edges,
        "responsiveness": pl.Series(responsiveness).fill_nan(None),
    })
    person_recip = 2 * pl.col("mutual") / (pl.col("out_edges") + pl.col("in_edges"))
    return per_person.with_columns(
        pl.when(pl.col("responsiveness").is_not_null())
        .then((person_recip + pl.col("responsiveness")) / 2)
        .otherwise(person_recip)
        .alias("reciprocity")
    )


def _with_rhythm(net: Network, rows: pl.DataFrame, rhythm: pl.DataFrame) -> pl.DataFrame:
    """:func:`_community_rows` with each person's ``usual_gap_days`` (``rhythm``, from
    :func:`_person_rhythm`), ``silence_days``, ``fade_risk`` (the mean of their ties' and their
    own silence risk) and ``status``."""
    own_risk = silence_risk(pl.col("silence_days"), pl.col("usual_gap_days"))
    return (
        rows.hstack(rhythm.drop("idx").get_columns())  # both one row per person, in index order
        .with_columns(silence_days(net.as_of, pl.col("last_interaction")).alias("silence_days"))
        .with_columns(((pl.col("ties_fade_risk") + own_risk) / 2).alias("fade_risk"))
        .with_columns(
            status_expr(pl.col("fade_risk"), own_risk).alias("status"),
        )
    )


def _person_rhythm(net: Network) -> pl.DataFrame:
    """Per person, from the events alone: ``usual_gap_days``, the median gap between the
    periods (days) in which they interacted with anyone (people active in one period get the
    community's median), and ``last_interaction``, their last event with anyone."""
    from ror_graph._fadescan import last_seen
    from ror_graph._pairscan import person_gaps

    res_us = int(net.resolution.total_seconds() * 1e6)
    res_days = net.resolution.total_seconds() / 86400
    ev = net.events
    s, d, ts = ev["s"].to_numpy(), ev["d"].to_numpy(), ev["ts"].dt.epoch("us").to_numpy()
    gaps = person_gaps(s, d, ts, net.n, res_us)
    last_us = last_seen(s, d, ts, int(net.as_of.timestamp() * 1e6), net.n)
    out = net.nodes.select(
        "idx",
        (pl.Series(gaps).fill_nan(None) * res_days).alias("usual_gap_days"),
        pl.Series("last_interaction", last_us).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").cast(ev.schema["ts"]),
    )
    prior = out["usual_gap_days"].median()
    return out.with_columns(pl.col("usual_gap_days").fill_null(prior if prior is not None else 7.0).clip(lower_bound=res_days))


def _pct_text(share: pl.Expr) -> pl.Expr:
    """0.0213 -> '2%', 0.004 -> '0.4%'."""
    pct = share * 100
    return pl.when(pct.round(1) >= 1).then(pct.ceil().cast(pl.Int64).cast(pl.String)).otherwise(pct.round(1).cast(pl.String))


def _reason(*, ego: bool, with_reach: bool) -> pl.Expr:
    """The one-line reason: influence, giving back, rhythm (and reach when known)."""
    influence = pl.concat_str(pl.lit("top "), _pct_text(pl.col("influence_top_share")), pl.lit("% influence"))
    reach = pl.concat_str(pl.lit("a share reaches ~"), pl.col("referral_reach").round(0).cast(pl.Int64).cast(pl.String), pl.lit(" people"))
    if ego:
        answers = pl.concat_str(pl.lit("answers you "), (pl.col("responsiveness") * 100).round(0).cast(pl.Int64).cast(pl.String), pl.lit("% of the time"))
        giving: pl.Expr = (
            pl.when((pl.col("n_give") == 0) & (pl.col("n_get") > 0))
            .then(pl.concat_str(pl.lit("gave you "), pl.col("n_get").cast(pl.String), pl.lit(" interactions, you never answered")))
            .when((pl.col("n_get") == 0) & (pl.col("n_give") > 0))
            .then(pl.concat_str(pl.lit("never gave back to your "), pl.col("n_give").cast(pl.String), pl.lit(" interactions")))
            .when(pl.col("responsiveness").is_not_null())
            .then(answers)
        )
    else:
        giving = pl.concat_str(
            pl.lit("reciprocates "),
            pl.col("mutual").cast(pl.String),
            pl.lit(" of "),
            (pl.col("out_edges") + pl.col("in_edges") - pl.col("mutual")).cast(pl.String),
            pl.lit(" ties"),
        )
    on_rhythm: pl.Expr = pl.lit("in touch on the usual rhythm")
    if ego:  # the tie's status; without an ego the status is the person's
        on_rhythm = pl.when(pl.col("status").is_in(["fading", "dormant"])).then(
            pl.lit(f"in touch on the usual rhythm, {AT_RISK_ON_RHYTHM}")).otherwise(on_rhythm)
    rhythm = (
        pl.when(pl.col("silence_days") > pl.col("usual_gap_days"))
        .then(pl.concat_str(pl.lit("silent "), days_text(pl.col("silence_days")), pl.lit(" days against a usual "), days_text(pl.col("usual_gap_days"))))
        .otherwise(on_rhythm)
    )
    parts = [influence]
    if with_reach:
        parts.append(pl.when(pl.col("referral_reach") >= 2).then(reach))
    parts += [giving, rhythm]
    if not ego:
        parts.append(
            pl.when(pl.col("n_fading") > 0).then(
                pl.concat_str(pl.col("n_fading").cast(pl.String), pl.lit(" of "), pl.col("n_ties").cast(pl.String), pl.lit(" ties fading"))
            )
        )
    return pl.concat_str(parts, separator=", ", ignore_nulls=True)
