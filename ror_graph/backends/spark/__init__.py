"""The Spark backend: the same analyses as the memory backend, computed with Spark DataFrames.

For logs that outgrow one machine: paths and globs go to Spark's readers, every table is
built with group-bys, joins and window functions, PageRank, HITS, k-core and components are
iterations over DataFrames (:mod:`.graph`), and the results come back as polars DataFrames
with the memory backend's columns (or are written by Spark as partitioned Parquet).

* :mod:`.session`: the SparkSession (``local[*]`` by default, loopback-bound when local);
* :mod:`.read`: canonical tables and SNAP edge lists, validated like the memory loaders;
* :mod:`.tables`: events, relationships, ties, active periods;
* :mod:`.graph`: PageRank, HITS, k-core, weak and strong components;
* :mod:`.fade`: the fade model's features, fit and application, the fading table;
* :mod:`.nurture`: the nurture ranking and the approximate referral reach;
* :mod:`.analyses`: stats, influencers, reciprocity, fading, nurture.

Example
-------
>>> from ror_graph.backends import GraphRequest, get_backend
>>> analyses = get_backend("spark", master="local[2]").open(GraphRequest(sources=("sample_data/events.csv",)))  # doctest: +SKIP
>>> analyses.stats()["nodes"][0]                                                                                  # doctest: +SKIP
206
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ror_graph.backends.base import Backend, GraphRequest

if TYPE_CHECKING:
    from ror_graph.backends.spark.analyses import SparkAnalyses

__all__ = ["SparkBackend"]


class SparkBackend(Backend):
    """Apache Spark (pyspark) on ``master`` with extra Spark settings ``conf``.

    Parameters
    ----------
    master : str, optional
        ``local[*]`` (default, or ``$SPARK_MASTER``), ``spark://host:7077``, ``yarn``, ...
    conf : dict, optional
        Spark settings, e.g. ``{"spark.executor.memory": "8g"}``.
    """

    name = "spark"

    def __init__(self, *, master: str | None = None, conf: Mapping[str, str] | None = None) -> None:
        self.master = master
        self.conf = dict(conf or {})

    def open(self, request: GraphRequest) -> SparkAnalyses:
        from ror_graph.backends.spark.analyses import SparkAnalyses
        from ror_graph.backends.spark.read import read_events
        from ror_graph.backends.spark.session import spark_session
        from ror_graph.backends.spark.tables import SparkGraph

        spark = spark_session(self.master, self.conf)
        raw, notes = read_events(spark, request)
        graph = SparkGraph.build(spark, raw, as_of=request.as_of, half_life=request.half_life,
                                 kind_weights=dict(request.kind_weights), source=", ".join(request.sources))
        return SparkAnalyses(graph, me=request.me, notes=(*notes, *graph.notes))
