"""The analyses of one graph on Spark, with the memory backend's tables and columns.

Each method builds a Spark DataFrame with the definitions of the memory engine
(:mod:`ror_graph.stats`, :mod:`ror_graph.influence`, :mod:`ror_graph.reciprocity`,
:mod:`ror_graph.fading`, :mod:`ror_graph.nurture`), ranks it with the same tie-breakers and
returns it as a polars DataFrame. After :meth:`SparkAnalyses.direct_output`, results go to
a folder (or ``.parquet`` path) written by Spark as partitioned Parquet files instead of being
collected, and only the first 20 rows come back.

Differences from the memory backend, each documented where it happens:

* ``betweenness`` is null: exact or sampled betweenness needs one shortest-path search per
  source, which the memory backend runs in igraph; on Spark it is not computed.
* ``cut_edge`` in fading is found on the driver: the ties come back as two integer columns
  and the memory engine's depth-first search marks them (null above ``cut_edge_max_ties``, as
  in memory); ``embeddedness`` and ``bridge`` are joins of the candidate ties' neighbourhoods.
* ``referral_reach`` in nurture is a truncated expected reach
  (:func:`ror_graph.backends.spark.nurture.referral_reach`), an approximation of the memory
  backend's reverse-reachable-set estimate (error measured in benchmarks/results/spark_referral.md);
  with ``reach=False`` the nurture table equals the memory backend's.
* ranks and percentiles use one global window (all rows of the result in one partition),
  fine for tens of millions of people; the heavy work (events, pairs, iterations) is
  distributed.

Example
-------
>>> analyses = SparkBackend(master="local[2]").open(GraphRequest(sources=("sample_data/events.csv",), me="brand"))  # doctest: +SKIP
>>> analyses.influencers().columns[:5]                                                                               # doctest: +SKIP
['rank', 'node_id', 'influence', 'top_share', 'pagerank']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.backends.base import Analyses
from ror_graph.backends.spark import graph as algo
from ror_graph.backends.spark.session import one_row
from ror_graph.errors import BackendError, OptionError
from ror_graph.influence import DEFAULT_DAMPING

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from ror_graph.backends.spark.tables import SparkGraph
    from ror_graph.network import Network
    from ror_graph.nurture import NurtureWeights

__all__ = ["SparkAnalyses", "to_polars"]


def to_polars(frame: DataFrame) -> pl.DataFrame:
    """Collect a Spark DataFrame into polars through Arrow."""
    return pl.from_arrow(frame.toArrow())  # type: ignore[return-value]


def _percentile_from_top(score: str) -> Column:
    """Share of rows ranked at or above this one (``rank(method="max", descending=True) / n``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    at_or_above = Window.orderBy(F.col(score).desc()).rangeBetween(Window.unboundedPreceding, Window.currentRow)
    return F.count(F.lit(1)).over(at_or_above) / F.count(F.lit(1)).over(Window.partitionBy())


def _percentile_low(score: str) -> Column:
    """(values strictly below + 1) / n: polars ``rank(method="min") / count``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    return F.rank().over(Window.orderBy(F.col(score).asc())) / F.count(F.lit(1)).over(Window.partitionBy())


def _ranked(frame: DataFrame, order: list[Column]) -> DataFrame:
    """Add ``rank`` (1..n) in ``order``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    return frame.withColumn("rank", F.row_number().over(Window.orderBy(*order)))


class SparkAnalyses(Analyses):
    """The analyses of a :class:`~ror_graph.backends.spark.tables.SparkGraph`."""

    def __init__(self, graph: SparkGraph, *, me: str | None = None, notes: tuple[str, ...] = ()) -> None:
        self.graph, self.me, self.notes = graph, me, notes
        self.spark_frame: DataFrame | None = None
        self.write_to: str | None = None
        self.written_rows = 0
        if me is not None:
            self._check_ego(me)

    def _check_ego(self, me: str) -> None:
        """The memory backend's error for an unknown ego (with close ids as a hint)."""
        from pyspark.sql import functions as F

        nodes = self.graph.nodes
        if nodes.filter(F.col("node_id") == me).limit(1).count():
            return
        near = [r[0] for r in nodes.filter(F.lower("node_id").contains(me.lower())).orderBy("node_id").limit(3).collect()]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise OptionError(f"unknown id {me!r}: nobody with that id has an event up to as_of={self.graph.as_of.isoformat()}{hint}")

    def direct_output(self, path: str | None) -> bool:
        """Have Spark write the next result to ``path`` when it names a folder or ends in
        ``.parquet`` (partitioned Parquet files, nothing collected); True when it will."""
        import os

        if not path or path == "-":
            return False
        suffix = os.path.splitext(path.rstrip("/"))[1].lower()
        if suffix == ".parquet" or suffix == "" or os.path.isdir(path):
            self.write_to = path
            return True
        return False

    def _result(self, frame: DataFrame, order: list[str], schema: dict[str, type[pl.DataType] | pl.DataType] | None = None) -> pl.DataFrame:
        self.spark_frame = frame
        if self.write_to is not None:
            frame.write.mode("overwrite").parquet(self.write_to)
            written = frame.sparkSession.read.parquet(self.write_to)
            self.written_rows = written.count()
            return to_polars(written.orderBy(*order).limit(20))
        out = to_polars(frame).sort(order)
        if schema:
            out = out.with_columns(*[pl.col(c).cast(t) for c, t in schema.items() if c in out.columns])
        return out

    # -- stats -----------------------------------------------------------------------------

    def stats(self) -> pl.DataFrame:
        from pyspark.sql import functions as F

        g = self.graph
        n = g.n
        edges = g.relationships.count()
        mutual = g.mutual().filter("mutual").count()
        r = mutual / edges if edges else 0.0
        a = edges / (n * (n - 1)) if n > 1 else 0.0
        components = algo.weak_components(g.nodes, g.relationships.select("src", "dst"))
        sizes = components.groupBy("component").count()
        weak = one_row(sizes.agg(F.count(F.lit(1)).alias("k"), F.max("count").alias("largest")))
        strong = algo.strong_components(g.nodes, g.relationships.select("src", "dst"))
        kinds = g.events.groupBy("kind").count().collect()
        kinds_text = ", ".join(f"{k} {c}" for k, c in sorted(((r["kind"], r["count"]) for r in kinds), key=lambda kc: -kc[1]))
        row = {
            "events": g.n_events,
            "nodes": n,
            "relationships": edges,
            "ties": g.ties.count(),
            "first_event": g.first_ts,
            "last_event": g.last_ts,
            "as_of": g.as_of,
            "span_days": (g.last_ts - g.first_ts).total_seconds() / 86400,
            "edge_reciprocity": r,
            "pair_reciprocity": r / (2 - r) if edges else 0.0,
            "rho": (r - a) / (1 - a) if a < 1 else float("nan"),
            "density": a,
            "weak_components": int(weak["k"]),
            "largest_component": int(weak["largest"]),
            "strong_components": int(strong),
            "kinds": kinds_text,
        }
        return pl.DataFrame([row])

    def reciprocity_summary(self) -> dict[str, float | int]:
        g = self.graph
        n = g.n
        edges = g.relationships.count()
        mutual = g.mutual().filter("mutual").count()
        r = mutual / edges if edges else 0.0
        a = edges / (n * (n - 1)) if n > 1 else 0.0
        return {
            "nodes": n, "edges": edges, "reciprocated_edges": mutual, "edge_reciprocity": r,
            "pair_reciprocity": r / (2 - r) if edges else 0.0, "density": a,
            "rho": (r - a) / (1 - a) if a < 1 else float("nan"),
        }

    # -- influence -------------------------------------------------------------------------

    def pagerank(self, *, me: str | None = None, damping: float = DEFAULT_DAMPING) -> DataFrame:
        """``node_id, pagerank`` (cached per ego)."""
        g = self.graph
        return g.cached(f"pagerank:{me}:{damping}", lambda: algo.pagerank(g.nodes, g.strength_edges(), damping=damping, me=me))

    def influencers(self, *, seed: int = 0) -> pl.DataFrame:
        from pyspark.sql import functions as F

        g = self.graph
        rel = g.relationships
        indeg = rel.groupBy(F.col("dst").alias("node_id")).agg(F.count(F.lit(1)).alias("in_degree"), F.sum("strength").alias("in_strength"))
        outdeg = rel.groupBy(F.col("src").alias("node_id")).agg(F.count(F.lit(1)).alias("out_degree"))
        table = (
            g.nodes.join(self.pagerank(), "node_id")
            .join(indeg, "node_id", "left").join(outdeg, "node_id", "left")
            .join(algo.hits(g.nodes, g.strength_edges()), "node_id", "left")
            .join(algo.coreness(g.nodes, rel.select("src", "dst")), "node_id", "left")
            .select(
                "node_id", "pagerank",
                F.coalesce("in_degree", F.lit(0)).cast("long").alias("in_degree"),
                F.coalesce("out_degree", F.lit(0)).cast("long").alias("out_degree"),
                F.coalesce("in_strength", F.lit(0.0)).alias("in_strength"),
                "hub", "authority", "core",
                F.lit(None).cast("double").alias("betweenness"),
            )
        )
        score = "pagerank"
        if self.me is not None:
            personal = self.pagerank(me=self.me).withColumnRenamed("pagerank", "personal_pagerank")
            table = table.join(personal, "node_id").filter(F.col("node_id") != self.me)
            score = "personal_pagerank"
        table = table.withColumn("influence", F.col(score)).withColumn("top_share", _percentile_from_top("influence"))
        table = _ranked(table, [F.col("influence").desc(), F.col("node_id").asc()])
        first = ["rank", "node_id", "influence", "top_share", "pagerank"]
        rest = [c for c in table.columns if c not in first]
        return self._result(table.select(*first, *rest), ["rank"], {"rank": pl.UInt32})

    # -- reciprocity -----------------------------------------------------------------------

    def reciprocity(self, *, level: str = "relationship") -> pl.DataFrame:
        if level == "person":
            table = self._person_reciprocity()
            if self.me is not None:
                from pyspark.sql import functions as F

                table = table.filter(F.col("node_id") == self.me)
            return self._result(table, ["rank"], {"rank": pl.UInt32})
        if level != "relationship":
            raise OptionError(f"level={level!r}: use 'relationship' or 'person'")
        return self._result(self._relationship_reciprocity(), ["rank"], {"rank": pl.UInt32})

    def _person_reciprocity(self) -> DataFrame:
        """:func:`ror_graph.reciprocity.person_reciprocity` on Spark."""
        from pyspark.sql import functions as F

        g = self.graph
        rel = g.relationships.join(g.mutual(), ["src", "dst"])
        out = rel.groupBy(F.col("src").alias("node_id")).agg(
            F.count(F.lit(1)).alias("out_edges"), F.sum(F.col("mutual").cast("long")).alias("mutual"), F.sum("strength").alias("give"))
        inc = rel.groupBy(F.col("dst").alias("node_id")).agg(
            F.count(F.lit(1)).alias("in_edges"), F.sum("strength").alias("get"),
            (F.sum(F.col("answered_rate") * F.col("n_events")) / F.sum("n_events")).alias("answers_rate"))
        table = g.nodes.join(out, "node_id", "left").join(inc, "node_id", "left").select(
            "node_id",
            *[F.coalesce(c, F.lit(0)).cast("long").alias(c) for c in ("out_edges", "in_edges", "mutual")],
            F.coalesce("give", F.lit(0.0)).alias("give"), F.coalesce("get", F.lit(0.0)).alias("get"), "answers_rate",
        ).withColumn("reciprocity", F.coalesce(2 * F.col("mutual") / (F.col("out_edges") + F.col("in_edges")), F.lit(0.0)))
        table = _ranked(table, [F.col("reciprocity").desc(), F.col("mutual").desc(), F.col("node_id").asc()])
        return table.select("rank", "node_id", "reciprocity", "mutual", "out_edges", "in_edges", "give", "get", "answers_rate")

    def _relationship_reciprocity(self) -> DataFrame:
        """:func:`ror_graph.reciprocity.relationship_reciprocity` on Spark."""
        from pyspark.sql import functions as F

        rel = self.graph.relationships
        if self.me is not None:
            rel = rel.filter((F.col("src") == self.me) | (F.col("dst") == self.me))
            side_a = F.col("src") == self.me
        else:
            side_a = F.col("src") < F.col("dst")
        oriented = rel.select(
            F.when(side_a, F.col("src")).otherwise(F.col("dst")).alias("a"),
            F.when(side_a, F.col("dst")).otherwise(F.col("src")).alias("b"),
            side_a.alias("forward"), "strength", "n_events", "answered_rate", "answer_latency_h",
        )
        fwd, bwd = F.col("forward"), ~F.col("forward")
        table = oriented.groupBy("a", "b").agg(
            F.coalesce(F.sum(F.when(fwd, F.col("strength"))), F.lit(0.0)).alias("give"),
            F.coalesce(F.sum(F.when(bwd, F.col("strength"))), F.lit(0.0)).alias("get"),
            F.coalesce(F.sum(F.when(fwd, F.col("n_events"))), F.lit(0)).cast("long").alias("n_give"),
            F.coalesce(F.sum(F.when(bwd, F.col("n_events"))), F.lit(0)).cast("long").alias("n_get"),
            F.first(F.when(fwd, F.col("answered_rate")), ignorenulls=True).alias("b_answers_rate"),
            F.first(F.when(fwd, F.col("answer_latency_h")), ignorenulls=True).alias("b_answer_latency_h"),
            F.first(F.when(bwd, F.col("answered_rate")), ignorenulls=True).alias("a_answers_rate"),
            F.first(F.when(bwd, F.col("answer_latency_h")), ignorenulls=True).alias("a_answer_latency_h"),
        )
        total = F.col("give") + F.col("get")
        table = table.withColumn("balance", F.when(total > 0, (F.col("give") - F.col("get")) / total).otherwise(0.0)).withColumn(
            "reciprocated", (F.col("n_give") > 0) & (F.col("n_get") > 0)).withColumn("_total", total)
        table = _ranked(table, [F.col("_total").desc(), F.col("a").asc(), F.col("b").asc()])
        return table.select(
            "rank", "a", "b", "give", "get", "balance", "reciprocated", "n_give", "n_get",
            "b_answers_rate", "b_answer_latency_h", "a_answers_rate", "a_answer_latency_h",
        )

    # -- fading and nurture ------------------------------------------------------------------

    def fading(self, **fade_options: Any) -> pl.DataFrame:
        from ror_graph.backends.memory import fade_params
        from ror_graph.backends.spark.fade import fading_table

        table = fading_table(self.graph, me=self.me, params=fade_params(**fade_options))
        return self._result(table, ["rank"], {"rank": pl.UInt32})

    def nurture_next(self, *, weights: NurtureWeights | None = None, reach: bool = True, seed: int = 0,
                     **fade_options: Any) -> pl.DataFrame:
        """As the memory backend; ``referral_reach`` is the truncated expected reach of
        :func:`ror_graph.backends.spark.nurture.referral_reach` (``seed`` is not used: it is
        deterministic)."""
        from ror_graph.backends.memory import fade_params
        from ror_graph.backends.spark.nurture import nurture_table
        from ror_graph.nurture import NurtureWeights

        table = nurture_table(self, me=self.me, weights=weights or NurtureWeights(), fade=fade_params(**fade_options), reach=reach)
        return self._result(table, ["rank"], {"rank": pl.UInt32})

    def network(self) -> Network:
        raise BackendError(
            "the in-memory network is not available on the spark backend (report, plan, export, diff and referral "
            "run on the memory backend); stats, influencers, reciprocity, fading and nurture run on Spark"
        )
