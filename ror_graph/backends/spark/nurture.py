"""Whom to nurture next, on Spark: :func:`ror_graph.nurture.nurture_next` with DataFrames.

The same components and ranking (``priority = worth * urgency``, worth the weighted mean of
value, bond and reciprocity with :class:`ror_graph.nurture.NurtureWeights`, urgency = floor +
(1 - floor) * fade_risk; see :mod:`ror_graph.nurture` for the definitions and the papers):
PageRank from :mod:`.graph`, the tie fade scores from :mod:`.fade`, percentiles and ranks by
global windows, the reason line by string functions. Referral reach is the truncated,
non-backtracking expected reach of :func:`referral_reach` (an approximation of the memory
backend's reverse-reachable-set estimate; its measured error is in
benchmarks/results/spark_referral.md).

Example
-------
>>> table = nurture_table(analyses, me="brand", weights=NurtureWeights(), fade=FadeParams(), reach=True)  # doctest: +SKIP
>>> table.columns[:3]                                                                                        # doctest: +SKIP
['rank', 'node_id', 'priority']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ror_graph.backends.spark.session import one_row
from ror_graph.backends.spark.fade import days_text, score_ties, silence_days, silence_risk, status_column
from ror_graph.fading import AT_RISK_ON_RHYTHM, FadeParams
from ror_graph.referral import DEFAULT_STRENGTH_SCALE, STRENGTH_CAP

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from ror_graph.backends.spark.analyses import SparkAnalyses
    from ror_graph.backends.spark.tables import SparkGraph
    from ror_graph.nurture import NurtureWeights

__all__ = ["nurture_table", "referral_reach", "person_rhythm", "NURTURE_COLUMNS", "REACH_HOPS"]

#: The columns of ``ror nurture`` without ``referral_reach`` (:func:`ror_graph.nurture.nurture_next`).
NURTURE_COLUMNS = [
    "rank", "node_id", "priority", "fade_risk", "reason", "value", "bond", "reciprocity", "worth", "urgency",
    "influence_top_share", "status", "n_events", "n_give", "n_get", "last_interaction", "silence_days", "usual_gap_days",
]
#: Hops of the truncated expected reach (measured against the memory backend: benchmarks/results/spark_referral.md).
REACH_HOPS = 3


def _percentile(name: str) -> Column:
    """:func:`ror_graph.nurture._percentile`: rank(method="min") / count, by one global window."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    return F.rank().over(Window.orderBy(F.col(name).asc())) / F.count(F.lit(1)).over(Window.partitionBy())


def referral_reach(graph: SparkGraph, *, hops: int = REACH_HOPS) -> DataFrame:
    """``node_id, referral_reach``: each person's expected reach if they alone share
    (themselves included), truncated at ``hops`` steps, independent cascade with the strength
    probabilities of :func:`ror_graph.referral.edge_probabilities` (``p = min(STRENGTH_CAP,
    1 - exp(-strength / DEFAULT_STRENGTH_SCALE))`` on the propagation edge A -> B of the
    relationship B -> A).

    An approximation, by message passing on the edges (the non-backtracking expansion of
    Karrer, Newman and Zdeborova, "Percolation on sparse networks", PRL 113, 2014): with
    m_{v->u} the expected people reached through u when v's message arrives at u,
    ``m^0 = 1``, ``m^h_{v->u} = 1 + sum_{u->w, w != v} p_uw m^{h-1}_{u->w}``, and
    ``reach(v) = 1 + sum_u p_vu m^{hops-1}_{v->u}``, capped at n. It counts a person once per
    non-backtracking path, so it overestimates where paths overlap (dense, high-probability
    parts) and misses what lies more than ``hops`` steps away; each hop is one join and one
    aggregation over the relationships.

    Example
    -------
    >>> referral_reach(graph).columns        # doctest: +SKIP
    ['node_id', 'referral_reach']
    """
    from pyspark.sql import functions as F

    p = F.least(1 - F.exp(-F.greatest(F.col("strength"), F.lit(0.0)) / DEFAULT_STRENGTH_SCALE), F.lit(STRENGTH_CAP))
    edges = graph.relationships.select(F.col("dst").alias("v"), F.col("src").alias("u"), p.alias("p"))
    reverse = edges.select(F.col("u").alias("v"), F.col("v").alias("u"), F.col("p").alias("p_back"))
    edges = edges.join(reverse, ["v", "u"], "left").withColumn("p_back", F.coalesce("p_back", F.lit(0.0)))
    state = edges.withColumn("m", F.lit(1.0)).localCheckpoint(eager=True)
    for _ in range(hops - 1):
        out = state.groupBy(F.col("v").alias("u")).agg(F.sum(F.col("p") * F.col("m")).alias("out"))
        back = state.select(F.col("u").alias("v"), F.col("v").alias("u"), F.col("m").alias("m_back"))
        state = (
            state.select("v", "u", "p", "p_back").join(out, "u", "left").join(back, ["v", "u"], "left")
            .select("v", "u", "p", "p_back",
                    (1 + F.coalesce("out", F.lit(0.0)) - F.col("p_back") * F.coalesce("m_back", F.lit(0.0))).alias("m"))
            .localCheckpoint(eager=True)
        )
    n = graph.n
    sent = state.groupBy(F.col("v").alias("node_id")).agg(F.sum(F.col("p") * F.col("m")).alias("_sent"))
    return graph.nodes.join(sent, "node_id", "left").select(
        "node_id", F.least(1 + F.coalesce("_sent", F.lit(0.0)), F.lit(float(n))).alias("referral_reach"))


def person_rhythm(graph: SparkGraph) -> DataFrame:
    """:func:`ror_graph.nurture._person_rhythm`: per person ``usual_gap_days``, the median gap
    between the days they interacted with anyone (one day only: the community's median)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    res_us = graph.res_us
    res_days = graph.resolution.total_seconds() / 86400
    period = ((F.col("ts_us") - F.pmod(F.col("ts_us"), F.lit(res_us))) / res_us).cast("long")
    ends = graph.events.select(F.col("src").alias("node_id"), period.alias("period")) \
        .unionByName(graph.events.select(F.col("dst").alias("node_id"), period.alias("period"))).distinct()
    gap = F.col("period") - F.lag("period").over(Window.partitionBy("node_id").orderBy("period"))
    out = ends.withColumn("gap", gap).groupBy("node_id").agg((F.median("gap") * res_days).alias("usual_gap_days"))
    out = out.localCheckpoint(eager=True)
    prior = one_row(out.agg(F.median("usual_gap_days")))[0]
    prior = float(prior) if prior is not None else 7.0
    return out.select("node_id", F.greatest(F.coalesce("usual_gap_days", F.lit(prior)), F.lit(res_days)).alias("usual_gap_days"))


def _ego_rows(graph: SparkGraph, ties: DataFrame, me: str) -> DataFrame:
    """:func:`ror_graph.nurture._ego_rows`: one row per person with a tie to the ego."""
    from pyspark.sql import functions as F

    ego_is_a = F.col("a") == me
    mine = ties.filter(ego_is_a | (F.col("b") == me)).select(
        F.when(ego_is_a, F.col("b")).otherwise(F.col("a")).alias("node_id"),
        F.when(ego_is_a, F.col("n_ab")).otherwise(F.col("n_ba")).cast("long").alias("n_give"),
        F.when(ego_is_a, F.col("n_ba")).otherwise(F.col("n_ab")).cast("long").alias("n_get"),
        F.col("n_events").cast("long"), "volume", "fade_risk", "status", "silence_days", "usual_gap_days", "overdue", "rate_drop",
        F.col("last_ts").alias("last_interaction"),
    )
    answered = graph.relationships.filter(F.col("src") == me).select(F.col("dst").alias("node_id"), F.col("answered_rate").alias("responsiveness"))
    mine = mine.join(answered, "node_id", "left")
    mutuality = 1 - F.abs(F.col("n_give") - F.col("n_get")) / (F.col("n_give") + F.col("n_get"))
    reciprocity = F.when(F.col("responsiveness").isNotNull(), (mutuality + F.col("responsiveness")) / 2).otherwise(mutuality)
    return mine.withColumn("reciprocity", reciprocity)


def _community_rows(graph: SparkGraph, ties: DataFrame) -> DataFrame:
    """:func:`ror_graph.nurture._community_rows`: one row per person, their ties aggregated."""
    from pyspark.sql import functions as F

    keep = ["volume", "fade_risk", "status", "last_ts", "n_events"]
    both = ties.select(F.col("a").alias("node_id"), F.col("n_ab").alias("n_give"), F.col("n_ba").alias("n_get"), *keep).unionByName(
        ties.select(F.col("b").alias("node_id"), F.col("n_ba").alias("n_give"), F.col("n_ab").alias("n_get"), *keep))
    weighted_risk = F.sum(F.col("fade_risk") * F.col("volume")) / F.sum("volume")
    per_person = both.groupBy("node_id").agg(
        F.coalesce(F.nanvl(weighted_risk, F.lit(None)), F.lit(0.0)).alias("ties_fade_risk"),
        F.sum("volume").alias("volume"),
        F.sum("n_give").cast("long").alias("n_give"),
        F.sum("n_get").cast("long").alias("n_get"),
        F.sum("n_events").cast("long").alias("n_events"),
        F.count(F.lit(1)).cast("long").alias("n_ties"),
        F.count(F.when(F.col("status").isin("fading", "dormant"), 1)).cast("long").alias("n_fading"),
        F.max("last_ts").alias("last_interaction"),
    )
    own_risk = silence_risk(F.col("silence_days"), F.col("usual_gap_days"))
    per_person = (
        per_person.join(person_rhythm(graph), "node_id", "left")
        .withColumn("silence_days", silence_days(graph.as_of_us, F.col("last_interaction")))
        .withColumn("fade_risk", (F.col("ties_fade_risk") + own_risk) / 2)
        .withColumn("status", status_column(F.col("fade_risk"), own_risk))
    )
    rel = graph.relationships.join(graph.mutual(), ["src", "dst"])
    out = rel.groupBy(F.col("src").alias("node_id")).agg(
        F.count(F.lit(1)).cast("long").alias("out_edges"), F.sum(F.col("mutual").cast("long")).alias("mutual"))
    inc = rel.groupBy(F.col("dst").alias("node_id")).agg(
        F.count(F.lit(1)).cast("long").alias("in_edges"),
        (F.sum(F.col("answered_rate") * F.col("n_events")) / F.sum("n_events")).alias("responsiveness"))
    per_person = per_person.join(out, "node_id", "left").join(inc, "node_id", "left") \
        .fillna(0, subset=["out_edges", "in_edges", "mutual"])
    person_recip = 2 * F.col("mutual") / (F.col("out_edges") + F.col("in_edges"))
    reciprocity = F.when(F.col("responsiveness").isNotNull(), (person_recip + F.col("responsiveness")) / 2).otherwise(person_recip)
    return per_person.withColumn("reciprocity", reciprocity)


def _pct_text(share: Column) -> Column:
    """:func:`ror_graph.nurture._pct_text`: 0.0213 -> '3', 0.004 -> '0.4' (a percentage)."""
    from pyspark.sql import functions as F

    pct = share * 100
    return F.when(F.bround(pct, 1) >= 1, F.ceil(pct).cast("long").cast("string")).otherwise(F.bround(pct, 1).cast("string"))


def _reason(*, ego: bool, with_reach: bool) -> Column:
    """:func:`ror_graph.nurture._reason`: influence, reach, giving back, rhythm (null parts skipped)."""
    from pyspark.sql import functions as F

    def text(x: Column) -> Column:
        return x.cast("string")

    influence = F.concat(F.lit("top "), _pct_text(F.col("influence_top_share")), F.lit("% influence"))
    reach = F.concat(F.lit("a share reaches ~"), text(F.bround("referral_reach", 0).cast("long")), F.lit(" people"))
    if ego:
        answers = F.concat(F.lit("answers you "), text(F.bround(F.col("responsiveness") * 100, 0).cast("long")), F.lit("% of the time"))
        giving = (
            F.when((F.col("n_give") == 0) & (F.col("n_get") > 0),
                   F.concat(F.lit("gave you "), text(F.col("n_get")), F.lit(" interactions, you never answered")))
            .when((F.col("n_get") == 0) & (F.col("n_give") > 0),
                  F.concat(F.lit("never gave back to your "), text(F.col("n_give")), F.lit(" interactions")))
            .when(F.col("responsiveness").isNotNull(), answers)
        )
    else:
        giving = F.concat(F.lit("reciprocates "), text(F.col("mutual")), F.lit(" of "),
                          text(F.col("out_edges") + F.col("in_edges") - F.col("mutual")), F.lit(" ties"))
    on_rhythm = F.lit("in touch on the usual rhythm")
    if ego:  # the tie's status; without an ego the status is the person's
        on_rhythm = F.when(F.col("status").isin("fading", "dormant"), F.lit(f"in touch on the usual rhythm, {AT_RISK_ON_RHYTHM}")
                           ).otherwise(on_rhythm)
    rhythm = F.when(
        F.col("silence_days") > F.col("usual_gap_days"),
        F.concat(F.lit("silent "), days_text(F.col("silence_days")), F.lit(" days against a usual "), days_text(F.col("usual_gap_days"))),
    ).otherwise(on_rhythm)
    parts = [influence]
    if with_reach:
        parts.append(F.when(F.col("referral_reach") >= 2, reach))
    parts += [giving, rhythm]
    if not ego:
        parts.append(F.when(F.col("n_fading") > 0, F.concat(text(F.col("n_fading")), F.lit(" of "), text(F.col("n_ties")), F.lit(" ties fading"))))
    return F.concat_ws(", ", *parts)


def nurture_table(analyses: SparkAnalyses, *, me: str | None, weights: NurtureWeights, fade: FadeParams = FadeParams(),
                  reach: bool = True) -> DataFrame:
    """:func:`ror_graph.nurture.nurture_next` on Spark (the same columns; ``referral_reach``
    from :func:`referral_reach` when ``reach``): ranked by priority, then node_id."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ror_graph.backends.spark.analyses import _percentile_from_top

    graph = analyses.graph
    people = analyses.pagerank().select(
        "node_id", "pagerank",
        _percentile("pagerank").alias("influence_pct"),
        _percentile_from_top("pagerank").alias("influence_top_share"),
    )
    value = F.col("influence_pct")
    if reach:
        people = people.join(referral_reach(graph), "node_id", "left").withColumn("_reach", F.coalesce("referral_reach", F.lit(0.0)))
        people = people.withColumn("_reach_pct", _percentile("_reach"))
        value = (value + F.col("_reach_pct")) / 2
    people = people.withColumn("value", value).localCheckpoint(eager=True)
    ties = score_ties(graph, fade)
    table = _ego_rows(graph, ties, me) if me is not None else _community_rows(graph, ties)
    table = table.join(people, "node_id", "left").withColumn("bond", _percentile("volume"))
    total = weights.value + weights.bond + weights.reciprocity
    worth = (weights.value * F.col("value") + weights.bond * F.col("bond") + weights.reciprocity * F.col("reciprocity")) / total
    table = table.withColumn("worth", worth).withColumn("urgency", weights.floor + (1 - weights.floor) * F.col("fade_risk")) \
        .withColumn("priority", F.col("worth") * F.col("urgency"))
    table = table.withColumn("reason", _reason(ego=me is not None, with_reach=reach))
    table = table.withColumn("rank", F.row_number().over(Window.orderBy(F.col("priority").desc(), F.col("node_id").asc())))
    return table.select(*NURTURE_COLUMNS, *(["referral_reach"] if reach else []))
