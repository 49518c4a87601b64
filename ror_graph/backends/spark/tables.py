"""The tables of :class:`ror_graph.network.Network`, built with Spark DataFrames.

The same definitions as the memory backend (see :mod:`ror_graph.network` for what each
column means), with node ids instead of indices (``a < b`` by id is ``a < b`` by index,
since the memory backend numbers people in id order):

* ``events``: ``src, dst, kind, ts, weight, ts_us, intensity, contribution`` up to ``as_of``;
  ``intensity`` and ``contribution`` use the kind weights and half-life of
  :mod:`ror_graph.strength` (``kind_weights()``, ratings clipped to [0, 10] / 10 as in
  :func:`ror_graph.strength.intensity`, decay ``0.5 ** (age / half_life)``).
* ``relationships`` (group-by per directed pair; answers by a window over each pair's events
  in time order: the first event the other way at or after each event),
* ``active_periods`` and ``ties`` (group-by per unordered pair; gaps by ``lag`` over each
  tie's periods; medians are exact: Spark's ``median`` interpolates like polars').

Example
-------
>>> graph = SparkGraph.build(spark, events, as_of=None, half_life="60d", kind_weights={})  # doctest: +SKIP
>>> graph.relationships.columns[:4]                                                        # doctest: +SKIP
['src', 'dst', 'n_events', 'n_reply']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ror_graph import strength
from ror_graph.backends.spark.session import one_row
from ror_graph.errors import OptionError
from ror_graph.model import KINDS
from ror_graph.network import DEFAULT_REPLY_WINDOW, DEFAULT_RESOLUTION
from ror_graph.timeutil import parse_as_of, parse_duration

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkGraph", "epoch_us", "from_epoch_us"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exactly."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_epoch_us(micros: int) -> datetime:
    """The UTC time ``micros`` microseconds after the Unix epoch."""
    return _EPOCH + timedelta(microseconds=int(micros))


def _persist(frame: DataFrame) -> DataFrame:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK)


@dataclass(eq=False)
class SparkGraph:
    """Events up to ``as_of`` on Spark and the derived tables (built on first use, cached)."""

    spark: SparkSession
    events: DataFrame
    as_of: datetime
    half_life: timedelta
    kind_weights: dict[str, float]
    n_events: int
    first_ts: datetime
    last_ts: datetime
    kinds_present: list[str]
    notes: tuple[str, ...] = ()
    reply_window: timedelta = DEFAULT_REPLY_WINDOW
    resolution: timedelta = DEFAULT_RESOLUTION
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        spark: SparkSession,
        raw: DataFrame,
        *,
        as_of: str | datetime | None,
        half_life: str | timedelta,
        kind_weights: dict[str, float],
        source: str = "input",
    ) -> SparkGraph:
        """Drop repeated event ids (keeping the first), cut at ``as_of``, weight and decay."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        half = parse_duration(half_life, name="half_life")
        weights = strength.kind_weights(kind_weights)
        first_of_id = F.min("_row").over(Window.partitionBy("event_id"))
        has_ids = raw.filter(F.col("event_id").isNotNull()).limit(1).count() > 0
        notes: list[str] = []
        if has_ids:
            deduped = raw.withColumn("_first", first_of_id).filter(F.col("event_id").isNull() | (F.col("_row") == F.col("_first"))).drop("_first")
        else:
            deduped = raw
        deduped = _persist(deduped.drop("_row", "event_id"))
        micros = F.unix_micros("ts")
        summary = one_row(deduped.agg(F.count(F.lit(1)).alias("n"), F.max(micros).alias("last"), F.min(micros).alias("first")))
        if has_ids:
            before = raw.count()
            if before > summary["n"]:
                notes.append(f"{source}: kept {before - summary['n']:,} repeated event_id(s) once")
        if summary["n"] == 0:
            raise OptionError("there are no events to analyse")
        last = from_epoch_us(summary["last"])
        cutoff = parse_as_of(as_of, reference=last)
        cutoff_us = epoch_us(cutoff)
        kept = deduped.filter(F.unix_micros("ts") <= F.lit(cutoff_us))
        table = F.create_map(*[x for kind in KINDS for x in (F.lit(kind), F.lit(float(weights.get(kind, 1.0))))])
        value = F.when(F.col("kind") == "rating", F.least(F.greatest(F.col("weight"), F.lit(0.0)), F.lit(10.0)) / 10).otherwise(1.0)
        ts_us = F.unix_micros("ts")
        events = kept.select("src", "dst", "kind", "ts", "weight", ts_us.alias("ts_us")).withColumn(
            "intensity", table[F.col("kind")] * value
        ).withColumn(
            "contribution",
            F.col("intensity") * F.pow(F.lit(0.5), ((F.lit(cutoff_us) - F.col("ts_us")) / 1e6) / half.total_seconds()),
        )
        events = _persist(events)
        facts = one_row(events.agg(F.count(F.lit(1)).alias("n"), F.min("ts_us").alias("first"), F.max("ts_us").alias("last"),
                                   F.collect_set("kind").alias("kinds")))
        deduped.unpersist()
        if facts["n"] == 0:
            first = from_epoch_us(summary["first"])
            raise OptionError(f"no events on or before as_of={cutoff.isoformat()} (the data starts {first.isoformat()})")
        return cls(
            spark=spark,
            events=events,
            as_of=cutoff,
            half_life=half,
            kind_weights=weights,
            n_events=int(facts["n"]),
            first_ts=from_epoch_us(facts["first"]),
            last_ts=from_epoch_us(facts["last"]),
            kinds_present=[k for k in KINDS if k in set(facts["kinds"])],
            notes=tuple(notes),
        )

    def cached(self, key: str, compute) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def as_of_us(self) -> int:
        return epoch_us(self.as_of)

    @property
    def res_us(self) -> int:
        return int(self.resolution.total_seconds() * 1e6)

    # -- tables -----------------------------------------------------------------------------

    @property
    def nodes(self) -> DataFrame:
        """``node_id`` of everyone with an event up to ``as_of``."""
        from pyspark.sql import functions as F

        def compute():
            ids = self.events.select(F.col("src").alias("node_id")).unionByName(self.events.select(F.col("dst").alias("node_id")))
            return _persist(ids.distinct())

        return self.cached("nodes", compute)

    @property
    def n(self) -> int:
        return self.cached("n", lambda: self.nodes.count())

    def _pairs(self) -> DataFrame:
        from pyspark.sql import functions as F

        return self.events.withColumn("a", F.least("src", "dst")).withColumn("b", F.greatest("src", "dst")).withColumn(
            "fwd", F.col("src") == F.col("a"))

    @property
    def relationships(self) -> DataFrame:
        """Directed relationships: ``src, dst, n_events, n_<kind>..., weight_sum, first_ts,
        last_ts, strength, answered_rate, answer_latency_h``."""
        from pyspark.sql import functions as F

        def compute():
            per_kind = [F.count(F.when(F.col("kind") == k, 1)).cast("long").alias(f"n_{k}") for k in self.kinds_present]
            rel = self._answered().groupBy("src", "dst").agg(
                F.count(F.lit(1)).cast("long").alias("n_events"),
                *per_kind,
                F.sum("weight").alias("weight_sum"),
                F.min("ts").alias("first_ts"),
                F.max("ts").alias("last_ts"),
                F.sum("contribution").alias("strength"),
                F.avg(F.col("answered").cast("double")).alias("answered_rate"),
                (F.median(F.when(F.col("answered"), F.col("latency"))) / 3.6e9).alias("answer_latency_h"),
            )
            return _persist(rel)

        return self.cached("relationships", compute)

    def _answered(self) -> DataFrame:
        """Each event with ``latency`` (us) until the first event the other way at or after
        it, and ``answered`` (within the reply window)."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        pair = Window.partitionBy("a", "b").rowsBetween(Window.unboundedPreceding, Window.currentRow)
        # Latest first; at equal times the answering direction sorts first so it counts.
        for_fwd = pair.orderBy(F.col("ts_us").desc(), F.col("fwd").asc())
        for_bwd = pair.orderBy(F.col("ts_us").desc(), F.col("fwd").desc())
        ev = self._pairs().select("src", "dst", "weight", "ts", "ts_us", "contribution", "kind", "a", "b", "fwd")
        ev = ev.withColumn("_ans_fwd", F.min(F.when(~F.col("fwd"), F.col("ts_us"))).over(for_fwd)).withColumn(
            "_ans_bwd", F.min(F.when(F.col("fwd"), F.col("ts_us"))).over(for_bwd))
        answer = F.when(F.col("fwd"), F.col("_ans_fwd")).otherwise(F.col("_ans_bwd"))
        window_us = int(self.reply_window.total_seconds() * 1e6)
        latency = answer - F.col("ts_us")
        return ev.withColumn("latency", latency).withColumn(
            "answered", F.col("latency").isNotNull() & (F.col("latency") <= window_us))

    @property
    def active_periods(self) -> DataFrame:
        """Distinct ``a, b, period`` (periods are ``resolution`` long, floor of time / length)."""
        from pyspark.sql import functions as F

        def compute():
            res = self.res_us
            period = ((F.col("ts_us") - F.pmod(F.col("ts_us"), F.lit(res))) / res).cast("long")
            return _persist(self._pairs().select("a", "b", period.alias("period")).distinct())

        return self.cached("active_periods", compute)

    @property
    def ties(self) -> DataFrame:
        """Undirected ties ``a < b``: ``n_events, n_ab, n_ba, strength_ab, strength_ba, volume,
        first_ts, last_ts, n_kinds, active_periods, usual_gap_days, strength``."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        def compute():
            fwd = F.col("fwd")
            ties = self._pairs().groupBy("a", "b").agg(
                F.count(F.lit(1)).cast("long").alias("n_events"),
                F.count(F.when(fwd, 1)).cast("long").alias("n_ab"),
                F.count(F.when(~fwd, 1)).cast("long").alias("n_ba"),
                F.coalesce(F.sum(F.when(fwd, F.col("contribution"))), F.lit(0.0)).alias("strength_ab"),
                F.coalesce(F.sum(F.when(~fwd, F.col("contribution"))), F.lit(0.0)).alias("strength_ba"),
                F.sum("intensity").alias("volume"),
                F.min("ts").alias("first_ts"),
                F.max("ts").alias("last_ts"),
                F.countDistinct("kind").cast("long").alias("n_kinds"),
            )
            res_days = self.resolution.total_seconds() / 86400
            gap = F.col("period") - F.lag("period").over(Window.partitionBy("a", "b").orderBy("period"))
            gaps = self.active_periods.withColumn("gap", gap).groupBy("a", "b").agg(
                F.count(F.lit(1)).cast("long").alias("active_periods"),
                (F.median("gap") * res_days).alias("usual_gap_days"),
            )
            out = ties.join(gaps, ["a", "b"], "left").withColumn("strength", F.col("strength_ab") + F.col("strength_ba"))
            return _persist(out)

        return self.cached("ties", compute)

    def strength_edges(self) -> DataFrame:
        """``src, dst, w`` (relationship strength): the input of PageRank and HITS."""
        from pyspark.sql import functions as F

        return self.relationships.select("src", "dst", F.col("strength").alias("w"))

    def mutual(self) -> DataFrame:
        """``src, dst, mutual`` for every relationship: does the reverse relationship exist?"""
        from pyspark.sql import functions as F

        def compute():
            rel = self.relationships.select("src", "dst")
            reverse = rel.select(F.col("dst").alias("src"), F.col("src").alias("dst"), F.lit(True).alias("mutual"))
            return _persist(rel.join(reverse, ["src", "dst"], "left").select("src", "dst", F.coalesce("mutual", F.lit(False)).alias("mutual")))

        return self.cached("mutual", compute)

