"""The fade model and the fading table on Spark: the memory engine's features, fit and ladder.

The features of :mod:`ror_graph.fade_model` (every definition is there) are built with
group-bys: events go to per-pair time buckets ``bucket = (as_of - ts) // step`` (events,
events from ``a``, first and last time, the fixed-point decayed sum, active days that ended in
the bucket), and the features at an origin T_k = as_of - k * step are sums and maxima over
the buckets ``>= k``. The training rows at the pseudo-origins k = 1 .. K, subsampled with the
same deterministic hash (:func:`ror_graph.fade_model.subsample_hash`, vertex index = rank of
the sorted ``node_id``, as ``Network.nodes.idx``), are the only rows collected to the driver;
they are fitted by the same function (:func:`ror_graph.fade_model.fit_logistic`, the same
standardisation and the same prior fallback), and the fitted :class:`FadeModel` is applied to
every tie as a Spark column expression. The rhythm evidence and the status ladder translate
:func:`ror_graph.fading.tie_fade_scores` and :func:`ror_graph.fading.status_expr` with the
constants imported from there.

``cut_edge`` (the tie's loss disconnects the network) needs one depth-first search over all
ties: the ties come to the driver as two integer columns (16 bytes a tie) and the memory
engine's search (:func:`ror_graph._bridges.bridge_edges`) marks them; like the memory backend,
it is null above ``FadeParams.cut_edge_max_ties`` ties.

Model: logistic regression on recency/frequency features fitted at pseudo-origins (Raeder,
Lizardo, Hachen and Chawla, Social Networks 33, 2011; Fader, Hardie and Lee, Marketing
Science 24, 2005): see :mod:`ror_graph.fade_model`.

Example
-------
>>> model, ties = fade_probabilities(graph, 30.0)        # doctest: +SKIP
>>> model.source, ties.columns[-1]                         # doctest: +SKIP
('fitted', 'p_silent')
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ror_graph.backends.spark.session import one_row
from ror_graph.fade_model import (_PRIME, FEATURES, FadeModel, learning_gap_unit_us, learning_window_start, model_from_rows,
                                  warn_of_learning_gap)
from ror_graph.fading import AT_RISK_ON_RHYTHM, STATUSES, FadeParams
from ror_graph.timeutil import US_PER_DAY

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from ror_graph.backends.spark.tables import SparkGraph

__all__ = [
    "vertex_index", "subsample_hash", "pair_buckets", "node_buckets", "features_at", "training_rows",
    "fade_probabilities", "status_column", "score_ties", "with_cut_edges", "fading_table", "days_text",
]


def _cut(frame: DataFrame) -> DataFrame:
    """Materialise ``frame`` and drop its lineage: the later plans (nurture joins a dozen of
    these tables) stay small; a whole lineage per table exhausted a 1 GB driver heap."""
    return frame.localCheckpoint(eager=True)


def vertex_index(nodes: DataFrame) -> DataFrame:
    """``node_id, idx``: the rank of ``node_id`` in sorted order from 0 (``Network.nodes.idx``;
    Spark and polars both order strings by their UTF-8 bytes). One global window."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    return nodes.select("node_id", (F.row_number().over(Window.orderBy("node_id")) - 1).cast("long").alias("idx"))


def subsample_hash(a: Column, b: Column, k: Column) -> Column:
    """:func:`ror_graph.fade_model.subsample_hash` in Spark SQL (BIGINT arithmetic, every
    intermediate below 2^62; the test checks it against the polars version value for value)."""
    from pyspark.sql import functions as F

    h1 = F.pmod(a.cast("long") * 1_000_003 + b.cast("long"), F.lit(_PRIME))
    h2 = F.pmod(h1 * 48_271 + k.cast("long") * 69_621 + 12_345, F.lit(_PRIME))
    return F.pmod(h2 * 48_271, F.lit(_PRIME))


def _floor_div(x: Column, divisor: int) -> Column:
    """floor(x / divisor) exactly in BIGINT (divisor > 0), also for negative x."""
    from pyspark.sql import functions as F

    return ((x - F.pmod(x, F.lit(divisor))) / divisor).cast("long")


def pair_buckets(graph: SparkGraph, step_us: int) -> DataFrame:
    """Per tie ``a < b`` and bucket j = (as_of - ts) // step: ``n, n_ab, first, last, dec, days``
    (as :func:`ror_graph.fade_model._pair_buckets`; ``dec`` the decayed sum in units of 2^-40,
    ``days`` the active days that ended in bucket j, the day of as_of in bucket 0)."""
    from pyspark.sql import functions as F

    as_of = graph.as_of_us
    ev = graph.events.select(
        F.least("src", "dst").alias("a"), F.greatest("src", "dst").alias("b"),
        (F.col("src") < F.col("dst")).alias("fwd"), F.col("ts_us").alias("t"),
    ).withColumn("bucket", _floor_div(F.lit(as_of) - F.col("t"), step_us))
    decay = F.bround(F.pow(F.lit(2.0), F.lit(40.0) - (F.lit(as_of) - F.col("t")).cast("double") / float(step_us)), 0)
    pb = ev.groupBy("a", "b", "bucket").agg(
        F.count(F.lit(1)).cast("long").alias("n"),
        F.count(F.when(F.col("fwd"), 1)).cast("long").alias("n_ab"),
        F.min("t").alias("first"),
        F.max("t").alias("last"),
        F.sum(decay.cast("long")).alias("dec"),
    )
    end = F.lit(as_of) - (F.col("period") + 1) * graph.res_us
    days = graph.active_periods.select("a", "b", F.greatest(_floor_div(end, step_us), F.lit(0)).alias("bucket")) \
        .groupBy("a", "b", "bucket").agg(F.count(F.lit(1)).cast("long").alias("days"))
    out = pb.join(days, ["a", "b", "bucket"], "full")
    return _cut(out.select("a", "b", "bucket", *[F.coalesce(c, F.lit(0)).cast("long").alias(c) for c in ("n", "n_ab", "dec", "days")],
                           "first", "last"))


def node_buckets(pb: DataFrame) -> DataFrame:
    """Per person and bucket: ``last``, the last event with anyone."""
    from pyspark.sql import functions as F

    events = pb.filter(F.col("n") > 0)
    ends = events.select(F.col("a").alias("node"), "bucket", "last").unionByName(events.select(F.col("b").alias("node"), "bucket", "last"))
    return _cut(ends.groupBy("node", "bucket").agg(F.max("last").alias("last")))


def features_at(pb: DataFrame, nodes: DataFrame, k: int, step_us: int, as_of_us: int) -> DataFrame:
    """Every feature of :data:`ror_graph.fade_model.FEATURES` at T_k = as_of - k * step for the
    ties with an event at or before T_k (``a, b, k`` and the features); ``pb`` may be pre-filtered."""
    from pyspark.sql import functions as F

    t_k = F.lit(as_of_us - k * step_us)
    pre = pb.filter(F.col("bucket") >= k).groupBy("a", "b").agg(
        F.sum("n").alias("n"), F.sum("n_ab").alias("n_ab"), F.min("first").alias("first"), F.max("last").alias("last"),
        F.sum("dec").alias("dec"), F.sum("days").alias("days"),
    )
    seen = nodes.filter(F.col("bucket") >= k).groupBy("node").agg(F.max("last").alias("seen"))
    pre = pre.join(seen.select(F.col("node").alias("a"), F.col("seen").alias("seen_a")), "a", "left") \
        .join(seen.select(F.col("node").alias("b"), F.col("seen").alias("seen_b")), "b", "left")
    unit = float(step_us)

    def log_units(x: Column) -> Column:
        return F.log(1 + x.cast("double") / unit)

    silence = t_k - F.col("last")
    end_a, end_b = t_k - F.col("seen_a"), t_k - F.col("seen_b")
    missed = F.log(1 + silence.cast("double") * F.col("days") / (t_k - F.col("first")).cast("double"))
    return pre.select(
        "a", "b", F.lit(k).cast("long").alias("k"),
        F.log1p(F.col("days").cast("double")).alias("log_active_days"),
        log_units(silence).alias("log_silence"),
        F.log(1 + F.col("dec").cast("double") * 2.0 ** (k - 40)).alias("log_decayed"),
        log_units(F.greatest(end_a, end_b)).alias("log_end_silence_max"),
        log_units(F.least(end_a, end_b)).alias("log_end_silence_min"),
        log_units(t_k - F.col("first")).alias("log_age"),
        log_units((F.col("last") - F.col("first")) / F.greatest(F.col("days") - 1, F.lit(1))).alias("log_mean_gap"),
        (F.abs(F.col("n_ab") * 2 - F.col("n")) / F.col("n")).alias("balance"),
        F.log(F.col("n").cast("double")).alias("log_events"),
        F.least(silence.cast("double") / unit, F.lit(12.0)).alias("silence_units"),
        F.when(F.col("first") < t_k, missed).otherwise(F.lit(0.0)).alias("log_missed"),
    )


def _step_days(graph: SparkGraph, horizon_days: float) -> float:
    """h when the log before as_of spans at least 2h, else h/2 (``fade_model._step_days``)."""
    span_days = (graph.as_of - graph.first_ts).total_seconds() / 86400
    return horizon_days if span_days >= 2 * horizon_days else horizon_days / 2


def _step_us(days: float) -> int:
    return max(1, int(round(days * US_PER_DAY)))


def training_rows(graph: SparkGraph, horizon_days: float, *, max_origins: int = 2, max_rows: int = 100_000,
                  buckets: tuple[DataFrame, DataFrame] | None = None) -> tuple[pl.DataFrame, float, dict[str, Any]]:
    """:func:`ror_graph.fade_model.training_rows` on Spark: the same rows (``a, b`` as ids,
    the features, ``silent``, ``k``), in the same order, collected to the driver."""
    from pyspark.sql import functions as F

    from ror_graph.backends.spark.tables import epoch_us

    as_of_us, first_us = graph.as_of_us, epoch_us(graph.first_ts)
    step_days = _step_days(graph, horizon_days)
    step_us = _step_us(step_days)
    n_origins = min(max_origins, int((as_of_us - first_us) // step_us) - 1)
    info: dict[str, Any] = {"step_days": step_days, "origins": max(n_origins, 0),
                            "log_span_days": round((as_of_us - first_us) / US_PER_DAY, 2)}
    if n_origins < 1:
        return pl.DataFrame(), step_days, info
    pb, nodes = buckets if buckets is not None else _buckets(graph, step_us)
    oldest = pb.groupBy("a", "b").agg(F.max("bucket").alias("oldest"))
    available = int(one_row(oldest.agg(F.sum(F.greatest(F.least("oldest", F.lit(n_origins)), F.lit(0)))))[0] or 0)
    rate = min(1.0, max_rows / max(available, 1))
    cut = int(round(rate * 1_000_000))
    source = pb
    if rate < 1:
        index = vertex_index(graph.nodes)
        source = pb.join(index.select(F.col("node_id").alias("a"), F.col("idx").alias("ia")), "a") \
            .join(index.select(F.col("node_id").alias("b"), F.col("idx").alias("ib")), "b")
    frames = []
    for k in range(1, n_origins + 1):
        rows = source
        if rate < 1:
            rows = source.filter(F.pmod(subsample_hash(F.col("ia"), F.col("ib"), F.lit(k)), F.lit(1_000_000)) < cut)
        feats = features_at(rows, nodes, k, step_us, as_of_us)
        talked = pb.filter((F.col("bucket") == k - 1) & (F.col("n") > 0)).select("a", "b").distinct() \
            .withColumn("talked", F.lit(True))
        feats = feats.join(talked, ["a", "b"], "left").withColumn("silent", F.col("talked").isNull()).drop("talked")
        frames.append(feats)
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    from ror_graph.backends.spark.analyses import to_polars

    collected = to_polars(union.select("a", "b", *FEATURES, "silent", "k"))
    collected = collected.sort("k", "a", "b")  # the memory order: vertex indices follow the sorted ids
    info.update(available_rows=available, rows=collected.height, sample_rate=round(rate, 6),
                silent_share=round(float(collected["silent"].mean()), 4) if collected.height else None)  # type: ignore[arg-type]
    return collected, step_days, info


def _warn_of_learning_gap(graph: SparkGraph, info: dict[str, Any], horizon_days: float) -> None:
    """:func:`ror_graph.fade_model.warn_of_learning_gap` on the distinct event times (to a
    hundredth of the horizon) from the learning window's start, collected to the driver: at
    most a few hundred rows."""
    from pyspark.sql import functions as F

    from ror_graph.backends.spark.tables import epoch_us

    as_of_us = graph.as_of_us
    start_us = learning_window_start(as_of_us, info)
    if start_us is None:
        return
    unit = learning_gap_unit_us(horizon_days)
    t = F.col("ts_us")
    before = one_row(graph.events.filter(t <= start_us).agg(F.max(t)))[0]
    inside = graph.events.filter((t > start_us) & (t <= as_of_us)).select((F.floor(t / unit) * unit).cast("long").alias("t"))
    times = [before] if before is not None else []
    times += [row["t"] for row in inside.distinct().collect()]
    warn_of_learning_gap(np.sort(np.array(times, dtype=np.int64)), as_of_us=as_of_us, start_us=start_us,
                         horizon_days=horizon_days, first_us=epoch_us(graph.first_ts), n_events=graph.n_events)


def _buckets(graph: SparkGraph, step_us: int) -> tuple[DataFrame, DataFrame]:
    pb = pair_buckets(graph, step_us)
    return pb, node_buckets(pb)


def predict_column(model: FadeModel) -> Column:
    """P(silent over ``model.horizon_days``) as a Spark column: :meth:`FadeModel.predict_expr`."""
    from pyspark.sql import functions as F

    z = F.lit(model.intercept)
    for name, mean, scale, coef in zip(model.feature_names, model.means, model.scales, model.coefficients):
        z = z + coef * (F.col(name) - mean) / scale
    return 1 / (1 + F.exp(-z))


def fade_probabilities(graph: SparkGraph, horizon_days: float, *, features: tuple[str, ...], l2: float = 1e-4,
                       max_origins: int = 2, max_rows: int = 100_000, prior_only: bool = False) -> tuple[FadeModel, DataFrame]:
    """:func:`ror_graph.fade_model.fade_probabilities` on Spark: ``(model, ties)``, ``ties`` a
    Spark DataFrame ``a, b``, the features and ``p_silent`` (cached per graph and options)."""
    key = f"fade:{horizon_days}:{features}:{l2}:{max_origins}:{max_rows}:{prior_only}"
    return graph.cached(key, lambda: _fade_probabilities(graph, horizon_days, features, l2, max_origins, max_rows, prior_only))


def _fade_probabilities(graph: SparkGraph, horizon_days: float, features: tuple[str, ...], l2: float, max_origins: int,
                        max_rows: int, prior_only: bool) -> tuple[FadeModel, DataFrame]:
    started = time.perf_counter()
    step_days = _step_days(graph, horizon_days)
    step_us = _step_us(step_days)
    buckets = _buckets(graph, step_us)
    rows: pl.DataFrame | None = None
    info: dict[str, Any] = {}
    if not prior_only:
        rows, step_days, info = training_rows(graph, horizon_days, max_origins=max_origins, max_rows=max_rows, buckets=buckets)
        _warn_of_learning_gap(graph, info, horizon_days)
    model = model_from_rows(rows, info, features=features, l2=l2, step_days=step_days, horizon_days=horizon_days,
                            started=started)
    if model.source == "prior":
        if step_days != horizon_days:
            step_us = _step_us(horizon_days)
            buckets = _buckets(graph, step_us)
    feats = features_at(buckets[0], buckets[1], 0, step_us, graph.as_of_us)
    ties = _cut(feats.withColumn("p_silent", predict_column(model)))
    return model, ties


# -- the rhythm evidence and the status ladder ---------------------------------------------------


def status_column(risk: Column, rhythm: Column, cuts: tuple[float, float, float] = FadeParams.status_cuts) -> Column:
    """:func:`ror_graph.fading.status_expr` in Spark SQL (the same ladder and cut-offs)."""
    from pyspark.sql import functions as F

    def level(x: Column) -> Column:
        return F.when(x >= cuts[2], 3).when(x >= cuts[1], 2).when(x >= cuts[0], 1).otherwise(0)

    both = F.greatest(level(risk), F.least(level(F.coalesce(rhythm, F.lit(0.0))), F.lit(2)))
    return F.element_at(F.array(*[F.lit(s) for s in STATUSES]), both + 1)


def silence_risk(silence: Column, usual_gap: Column) -> Column:
    """:func:`ror_graph.fading.silence_risk`: 1 - 0.5 ** max(0, silence / usual_gap - 1)."""
    from pyspark.sql import functions as F

    return 1 - F.pow(F.lit(0.5), F.greatest(silence / usual_gap - 1, F.lit(0.0)))


def silence_days(as_of_us: int, ts: Column) -> Column:
    """:func:`ror_graph.fading.silence_days`: days from ``ts`` (a timestamp) to as_of."""
    from pyspark.sql import functions as F

    return (F.lit(as_of_us) - F.unix_micros(ts)) / US_PER_DAY


def days_text(x: Column) -> Column:
    """:func:`ror_graph.fading.days_text` (polars rounds half to even: ``bround``)."""
    from pyspark.sql import functions as F

    return F.when(x >= 10, F.bround(x, 0).cast("long").cast("string")).otherwise(F.bround(x, 1).cast("string"))


def score_ties(graph: SparkGraph, params: FadeParams) -> DataFrame:
    """:func:`ror_graph.fading.tie_fade_scores` on Spark: every tie (``graph.ties`` columns)
    with the rhythm evidence, ``fade_risk``, ``status``, ``embeddedness`` and ``bridge``
    (``cut_edge`` is added by :func:`fading_table`, the one caller that shows it). Cached per
    graph and parameters."""
    return graph.cached(f"score_ties:{params}", lambda: _score_ties(graph, params))


def _score_ties(graph: SparkGraph, params: FadeParams) -> DataFrame:
    from pyspark.sql import functions as F

    ties = graph.ties
    res_days = graph.resolution.total_seconds() / 86400
    as_of_us = graph.as_of_us
    median = one_row(ties.filter(F.col("active_periods") >= 2).agg(F.median("usual_gap_days")))[0]
    prior_gap = max(float(median) if median is not None else 7.0, res_days)
    n_gaps = (F.col("active_periods") - 1).cast("double")
    own = F.log(F.greatest(F.coalesce(F.col("usual_gap_days"), F.lit(prior_gap)), F.lit(res_days)))
    shrunk = F.exp((n_gaps * own + params.prior_gaps * math.log(prior_gap)) / (n_gaps + params.prior_gaps))
    if params.prior_gaps <= 0:
        shrunk = F.when(n_gaps > 0, F.exp(own)).otherwise(F.lit(prior_gap))
    scored = ties.withColumn("own_gap_days", F.col("usual_gap_days")).withColumn("usual_gap_days", shrunk) \
        .withColumn("silence_days", silence_days(as_of_us, F.col("last_ts")))
    scored = scored.withColumn("recent_window_days", F.greatest(params.recent_gaps * F.col("usual_gap_days"), F.lit(res_days)))
    res_us = graph.resolution.total_seconds() * 1e6
    cut = scored.select("a", "b", ((F.lit(as_of_us) - F.col("recent_window_days") * US_PER_DAY) / res_us).alias("cut_period"))
    recent = graph.active_periods.join(cut, ["a", "b"]).filter((F.col("period") + 1).cast("double") > F.col("cut_period")) \
        .groupBy("a", "b").agg(F.count(F.lit(1)).cast("long").alias("recent_periods"))
    scored = scored.join(recent, ["a", "b"], "left").withColumn("recent_periods", F.coalesce("recent_periods", F.lit(0)))
    earlier_span = (F.lit(as_of_us) - F.col("recent_window_days") * US_PER_DAY - F.unix_micros("first_ts")) / US_PER_DAY
    earlier_rate = F.when(earlier_span > 0, (F.col("active_periods") - F.col("recent_periods")).cast("double") / earlier_span)
    recent_rate = F.col("recent_periods").cast("double") / F.col("recent_window_days")
    rate_drop = F.when(earlier_rate > 0, F.least(F.greatest(1 - recent_rate / earlier_rate, F.lit(0.0)), F.lit(1.0))).otherwise(0.0)
    w = params.silence_weight
    scored = scored.select(
        "*",
        (F.col("silence_days") / F.col("usual_gap_days")).alias("overdue"),
        silence_risk(F.col("silence_days"), F.col("usual_gap_days")).alias("silence_risk"),
        F.coalesce(rate_drop, F.lit(0.0)).alias("rate_drop"),
        (recent_rate * 30).alias("recent_per_30d"),
        (earlier_rate * 30).alias("earlier_per_30d"),
    ).withColumn("rhythm_score", w * F.col("silence_risk") + (1 - w) * F.col("rate_drop"))
    _, probs = fade_probabilities(graph, params.horizon_days, features=params.features, l2=params.l2,
                                  max_origins=params.max_origins, max_rows=params.max_train_rows, prior_only=params.prior_only)
    scored = scored.join(probs.select("a", "b", F.col("p_silent").alias("fade_risk")), ["a", "b"], "left")
    scored = scored.withColumn("status", status_column(F.col("fade_risk"), F.col("rhythm_score"), params.status_cuts))
    return _cut(_flag_bridges(_cut(scored), params))  # the bridges read `scored` three times


def _flag_bridges(scored: DataFrame, params: FadeParams) -> DataFrame:
    """``embeddedness`` (shared neighbours, for ties at risk) and ``bridge`` (a local bridge:
    no shared neighbour, both ends with other ties; Granovetter 1973)."""
    from pyspark.sql import functions as F

    adj = scored.select(F.col("a").alias("x"), F.col("b").alias("y")).unionByName(scored.select(F.col("b").alias("x"), F.col("a").alias("y")))
    degree = adj.groupBy("x").agg(F.count(F.lit(1)).alias("deg"))
    at_risk = (F.col("fade_risk") >= params.bridge_min_risk) | F.col("status").isin("fading", "dormant")
    candidates = scored.filter(at_risk).select("a", "b")
    # Each neighbour w of a (w != b) that is also a neighbour of b: one shared contact.
    via_a = candidates.join(adj.withColumnRenamed("x", "a").withColumnRenamed("y", "w"), "a")
    shared = via_a.join(adj.withColumnRenamed("x", "b").withColumnRenamed("y", "w"), ["b", "w"], "left_semi")
    counts = shared.groupBy("a", "b").agg(F.count(F.lit(1)).cast("long").alias("_shared"))
    embedded = candidates.join(counts, ["a", "b"], "left").select("a", "b", F.coalesce("_shared", F.lit(0)).alias("embeddedness"))
    out = scored.join(embedded, ["a", "b"], "left") \
        .join(degree.select(F.col("x").alias("a"), F.col("deg").alias("_deg_a")), "a", "left") \
        .join(degree.select(F.col("x").alias("b"), F.col("deg").alias("_deg_b")), "b", "left")
    bridge = F.coalesce(F.col("embeddedness") == 0, F.lit(False)) & (F.col("_deg_a") > 1) & (F.col("_deg_b") > 1)
    return out.withColumn("bridge", bridge).drop("_deg_a", "_deg_b")


def with_cut_edges(graph: SparkGraph, scored: DataFrame, params: FadeParams) -> DataFrame:
    """``scored`` (ties by ``a, b``) with ``cut_edge``: whether the tie's loss disconnects its
    two people (:func:`_cut_edges`, cached per graph); null above ``params.cut_edge_max_ties``
    ties, as in memory."""
    from pyspark.sql import functions as F

    cut = graph.cached(f"cut_edges:{params.cut_edge_max_ties}", lambda: _cut_edges(graph, score_ties(graph, params), params))
    if cut is None:
        return scored.withColumn("cut_edge", F.lit(None).cast("boolean"))
    return scored.join(cut, ["a", "b"], "left").withColumn("cut_edge", F.coalesce(F.col("cut_edge"), F.lit(False)))


def _cut_edges(graph: SparkGraph, scored: DataFrame, params: FadeParams) -> DataFrame | None:
    """``a, b, cut_edge`` (true) for the ties whose loss disconnects their two people: the ties
    come to the driver as vertex indices and :func:`ror_graph._bridges.bridge_edges` (Tarjan's
    depth-first search, as in memory) marks them. None above ``params.cut_edge_max_ties`` ties."""
    import numpy as np
    import pyarrow as pa
    from pyspark.sql import functions as F

    from ror_graph._bridges import bridge_edges

    if scored.count() > params.cut_edge_max_ties:
        return None
    index = vertex_index(graph.nodes)
    pairs = _cut(scored.select("a", "b")
                 .join(index.select(F.col("node_id").alias("a"), F.col("idx").alias("ia")), "a")
                 .join(index.select(F.col("node_id").alias("b"), F.col("idx").alias("ib")), "b"))
    ends = pairs.select("ia", "ib").toArrow()
    ia = ends.column("ia").to_numpy().astype(np.int64)
    ib = ends.column("ib").to_numpy().astype(np.int64)
    n = int(max(ia.max(initial=-1), ib.max(initial=-1))) + 1
    cut = bridge_edges(ia, ib, n)
    marked = graph.spark.createDataFrame(pa.table({"ia": ia[cut], "ib": ib[cut]})).withColumn("cut_edge", F.lit(True))
    return _cut(pairs.join(marked, ["ia", "ib"]).select("a", "b", "cut_edge"))


def _evidence() -> Column:
    """:func:`ror_graph.fading._evidence` in Spark SQL (null parts are skipped)."""
    from pyspark.sql import functions as F

    one_day = F.col("active_periods") == 1
    silence = F.concat(F.lit("silent "), days_text(F.col("silence_days")), F.lit(" days against a usual "), days_text(F.col("usual_gap_days")))
    single = F.concat(F.lit("a single day of contact ("), F.col("n_events").cast("string"), F.lit(" interaction(s)), "),
                      days_text(F.col("silence_days")), F.lit(" days ago"))
    drop = F.concat(F.lit("activity down "), F.bround(F.col("rate_drop") * 100, 0).cast("long").cast("string"), F.lit("%"))
    on_rhythm = F.col("overdue") <= 1
    return F.concat_ws(
        ", ",
        F.when(one_day, single),
        F.when(~one_day & (F.col("overdue") > 1), silence),
        F.when(~one_day & on_rhythm & (F.col("rate_drop") >= 0.3), drop),
        F.when(F.coalesce(F.col("cut_edge"), F.lit(False)), F.lit("its loss disconnects the network"))
        .when(F.col("bridge"), F.lit("a bridge: no shared contacts")),
        F.when(~one_day & on_rhythm, F.when(F.col("status").isin("fading", "dormant"), F.lit(f"on its usual rhythm, {AT_RISK_ON_RHYTHM}"))
               .otherwise(F.lit("on its usual rhythm"))),
    )


#: The columns of ``ror fading`` (:func:`ror_graph.fading.fading_ties`).
FADING_COLUMNS = [
    "rank", "a", "b", "fade_risk", "status", "last_interaction", "silence_days", "usual_gap_days", "overdue", "active_days",
    "recent_per_30d", "earlier_per_30d", "rate_drop", "silence_risk", "rhythm_score", "n_events", "n_ab", "n_ba", "strength",
    "volume", "first_interaction", "embeddedness", "bridge", "cut_edge", "evidence",
]


def fading_table(graph: SparkGraph, *, me: str | None, params: FadeParams) -> DataFrame:
    """:func:`ror_graph.fading.fading_ties` on Spark: the same columns and ranking (status group,
    then volume, fade_risk, ids; one global window for ``rank``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    scored = with_cut_edges(graph, score_ties(graph, params), params)
    if me is not None:
        scored = scored.filter((F.col("a") == me) | (F.col("b") == me))
        flip = F.col("b") == me
        scored = scored.select(
            "*",
            F.when(flip, F.col("b")).otherwise(F.col("a")).alias("_a"), F.when(flip, F.col("a")).otherwise(F.col("b")).alias("_b"),
            F.when(flip, F.col("n_ba")).otherwise(F.col("n_ab")).alias("_n_ab"), F.when(flip, F.col("n_ab")).otherwise(F.col("n_ba")).alias("_n_ba"),
        ).drop("a", "b", "n_ab", "n_ba").withColumnsRenamed({"_a": "a", "_b": "b", "_n_ab": "n_ab", "_n_ba": "n_ba"})
    group = F.when(F.col("status").isin("dormant", "fading"), 2).when(F.col("status") == "cooling", 1).otherwise(0)
    order = [group.desc(), F.col("volume").desc(), F.col("fade_risk").desc(), F.col("a").asc(), F.col("b").asc()]
    scored = scored.withColumn("evidence", _evidence()).withColumn("rank", F.row_number().over(Window.orderBy(*order)))
    renamed = {"last_ts": "last_interaction", "active_periods": "active_days", "first_ts": "first_interaction"}
    return scored.withColumnsRenamed(renamed).select(*FADING_COLUMNS)
