"""Iterative graph algorithms over Spark DataFrames: PageRank, HITS, k-core, components.

Every algorithm is a loop of joins and aggregations over the edge table. The loop state is
materialised and cut from its lineage with ``localCheckpoint`` at every step (a step reads
the previous state more than once, so an uncut plan would grow exponentially; ``cache`` alone is
not enough, since the logical plan still doubles per step: tried, it exhausted a 1 GB driver
heap on the sample data within a few dozen steps), and the few
numbers a step needs (convergence, dangling mass, maxima) come back to the driver as one small
aggregate. Node ids are the people's ids. Every step costs at least one Spark job (about
0.2-1.5 s here, more under load), which is what makes Spark slower than the memory backend on
small graphs (benchmarks/results/spark.md).

* :func:`pagerank`: the power iteration of :func:`ror_graph.influence.pagerank`, step for
  step: x <- d (x M + (x . dangling) p) + (1 - d) p with M the strength-weighted,
  row-normalised adjacency, dangling mass sent to the personalisation vector p (uniform, or
  the ego), the same damping and the same L1 tolerance (Brin and Page 1998; personalised:
  Haveliwala, WWW 2002).
* :func:`hits`: Kleinberg's hubs and authorities (JACM 1999) by power iteration, strength
  weighted, each scaled to a maximum of 1 (igraph's ``scale=True``).
* :func:`coreness`: k-core numbers on total degree as the fixed point of the iterated
  h-index of the neighbours' values (Lü, Zhou, Zhang and Stanley, "The H-index of a network
  node and its relation to degree and coreness", Nature Communications 7, 10168, 2016;
  the distributed form of Montresor, De Pellegrini and Miorandi, IEEE TPDS 2013).
* :func:`weak_components`: large-star / small-star (Kiveris, Lattanzi, Mirrokni, Rastogi
  and Vassilvitskii, "Connected Components in MapReduce and Beyond", SoCC 2014):
  O(log^2 n) rounds of two group-bys each; each node ends pointing at its component's
  smallest id.
* :func:`strong_components`: trimming, forward max-colour propagation and backward
  reachability from each colour's root within the colour (Orzan, "On distributed
  verification and verified distribution", PhD thesis 2004; the "coloring" algorithm of
  Slota, Rajamanickam and Madduri, IPDPS 2014).

Example
-------
>>> scores = pagerank(nodes, edges, damping=0.85)      # doctest: +SKIP
>>> scores.columns                                      # doctest: +SKIP
['node_id', 'pagerank']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ror_graph.backends.spark.session import one_row
from ror_graph.errors import OptionError
from ror_graph.influence import DEFAULT_DAMPING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["coreness", "hits", "pagerank", "strong_components", "weak_components"]


def _shuffle_partitions(frame: DataFrame) -> int:
    """The session's ``spark.sql.shuffle.partitions`` (Spark's default, 200, when unset)."""
    return int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions") or 200)


def _cut(frame: DataFrame) -> DataFrame:
    """Materialise ``frame`` and drop its lineage (executor memory, no checkpoint folder)."""
    return frame.localCheckpoint(eager=True)


def pagerank(
    nodes: DataFrame,
    edges: DataFrame,
    *,
    damping: float = DEFAULT_DAMPING,
    me: str | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> DataFrame:
    """PageRank of every node (``node_id, pagerank``, summing to 1); personalised to ``me``.

    ``nodes`` has ``node_id``; ``edges`` has ``src, dst, w`` (one row per relationship, ``w``
    the strength). Each step is one Spark job: the edges, partitioned by ``src`` like the
    state by ``node_id``, join the state without a shuffle; one shuffle sums the flow into each
    ``dst``. The dangling mass and the L1 change come back to the driver as two numbers after
    each step, so the iteration stops at exactly the memory backend's step.
    """
    from pyspark.sql import functions as F

    if not 0 < damping < 1:
        raise OptionError(f"damping must be in (0, 1), got {damping}")
    parts = _shuffle_partitions(nodes)
    n = nodes.count()
    out_w = edges.groupBy("src").agg(F.sum("w").alias("out_w"))
    transition = _cut(
        edges.join(out_w, "src").filter(F.col("out_w") > 0)
        .select("src", "dst", (F.col("w") / F.col("out_w")).alias("tw")).repartition(parts, "src")
    )
    p = F.lit(1.0 / n) if me is None else F.when(F.col("node_id") == me, 1.0).otherwise(0.0)
    state = _cut(nodes.join(out_w.withColumnRenamed("src", "node_id"), "node_id", "left").select(
        "node_id",
        p.alias("p"),
        (F.coalesce(F.col("out_w"), F.lit(0.0)) <= 0).alias("dangling"),
    ).withColumn("x", F.col("p")).repartition(parts, "node_id"))
    dangling_mass = one_row(state.agg(F.sum(F.when(F.col("dangling"), F.col("x")).otherwise(0.0))))[0] or 0.0
    for _ in range(max_iter):
        flow = (
            transition.join(state.select(F.col("node_id").alias("src"), "x"), "src")
            .groupBy("dst").agg(F.sum(F.col("x") * F.col("tw")).alias("flow"))
            .withColumnRenamed("dst", "node_id")
        )
        new = state.join(flow, "node_id", "left").select(
            "node_id", "p", "dangling",
            (damping * (F.coalesce(F.col("flow"), F.lit(0.0)) + F.lit(dangling_mass) * F.col("p")) + (1 - damping) * F.col("p")).alias("x"),
            F.col("x").alias("previous"),
        )
        state = _cut(new.repartition(parts, "node_id"))
        totals = one_row(state.agg(
            F.sum(F.abs(F.col("x") - F.col("previous"))).alias("change"),
            F.sum(F.when(F.col("dangling"), F.col("x")).otherwise(0.0)).alias("dangling_mass"),
        ))
        state = state.drop("previous")
        dangling_mass = totals["dangling_mass"] or 0.0
        if totals["change"] < tol:
            break
    total = one_row(state.agg(F.sum("x")))[0]
    return state.select("node_id", (F.col("x") / F.lit(total)).alias("pagerank"))


def hits(nodes: DataFrame, edges: DataFrame, *, tol: float = 1e-10, max_iter: int = 1000) -> DataFrame:
    """Hub and authority scores (``node_id, hub, authority``), each scaled to a maximum of 1.

    One step: authority = A^T hub, hub = A authority (two shuffles), then both maxima and the
    L1 change of the scaled hubs come back to the driver; the scaling is applied in the next
    step (scaling does not change the direction the iteration converges to)."""
    from pyspark.sql import functions as F

    parts = _shuffle_partitions(nodes)
    edges = _cut(edges.select("src", "dst", "w").repartition(parts, "src"))
    state = _cut(nodes.select("node_id", F.lit(1.0).alias("hub"), F.lit(0.0).alias("authority")).repartition(parts, "node_id"))
    hub_max, auth_max = 1.0, 1.0
    for _ in range(max_iter):
        scaled = state.select(F.col("node_id").alias("src"), (F.col("hub") / F.lit(hub_max)).alias("h"))
        auth = edges.join(scaled, "src").groupBy("dst").agg(F.sum(F.col("w") * F.col("h")).alias("a"))
        hub = edges.join(auth, "dst").groupBy("src").agg(F.sum(F.col("w") * F.col("a")).alias("hub_new"))
        new = (
            state.join(auth.withColumnRenamed("dst", "node_id"), "node_id", "left")
            .join(hub.withColumnRenamed("src", "node_id"), "node_id", "left")
            .select("node_id", F.coalesce("hub_new", F.lit(0.0)).alias("hub"), F.coalesce("a", F.lit(0.0)).alias("authority"),
                    (F.col("hub") / F.lit(hub_max)).alias("previous"))
        )
        state = _cut(new.repartition(parts, "node_id"))
        maxima = one_row(state.agg(F.max("hub").alias("h"), F.max("authority").alias("a")))
        new_hub_max = maxima["h"] or 1.0
        change = one_row(state.agg(F.sum(F.abs(F.col("hub") / F.lit(new_hub_max) - F.col("previous")))))[0]
        hub_max, auth_max = new_hub_max, maxima["a"] or 1.0
        if change < tol:
            break
    return state.select("node_id", (F.col("hub") / F.lit(hub_max)).alias("hub"), (F.col("authority") / F.lit(auth_max)).alias("authority"))


def coreness(nodes: DataFrame, edges: DataFrame, *, max_iter: int = 10_000) -> DataFrame:
    """k-core number of every node on total degree (``node_id, core``), counting each
    relationship once at each end, as igraph's ``coreness(mode="all")`` does."""
    from pyspark.sql import functions as F

    ends = edges.select(F.col("src").alias("v"), F.col("dst").alias("u")).unionByName(
        edges.select(F.col("dst").alias("v"), F.col("src").alias("u")))
    ends = _cut(ends)
    state = _cut(ends.groupBy("v").agg(F.count(F.lit(1)).alias("h")).withColumnRenamed("v", "node_id"))
    for _ in range(max_iter):
        values = ends.join(state.select(F.col("node_id").alias("u"), F.col("h").alias("hu")), "u")
        ordered = values.groupBy("v").agg(F.sort_array(F.collect_list("hu"), asc=False).alias("vals"))
        h_index = F.size(F.filter(F.transform("vals", lambda x, i: x >= i + 1), lambda ok: ok))
        new = ordered.select(F.col("v").alias("node_id"), h_index.alias("h_new"))
        joined = _cut(state.join(new, "node_id").select("node_id", F.col("h_new").alias("h"), (F.col("h_new") != F.col("h")).alias("moved")))
        state = joined.select("node_id", "h")
        if joined.filter("moved").limit(1).count() == 0:
            break
    return nodes.join(state, "node_id", "left").select("node_id", F.coalesce("h", F.lit(0)).cast("long").alias("core"))


def weak_components(nodes: DataFrame, edges: DataFrame, *, max_rounds: int = 200) -> DataFrame:
    """The weakly connected component of every node (``node_id, component``: the smallest id
    in it), by large-star / small-star (Kiveris et al., SoCC 2014)."""
    from pyspark.sql import functions as F

    pairs = edges.select(F.least("src", "dst").alias("u"), F.greatest("src", "dst").alias("v")).filter(
        F.col("u") != F.col("v")).distinct()
    current = _cut(pairs)
    for _ in range(max_rounds):
        # Large-star: every neighbour larger than u links to the minimum of u's closed neighbourhood.
        both = current.unionByName(current.select(F.col("v").alias("u"), F.col("u").alias("v")))
        minimum = both.groupBy("u").agg(F.min("v").alias("m")).select("u", F.least("u", "m").alias("m"))
        large = both.join(minimum, "u").filter(F.col("v") > F.col("u")).select(F.col("v").alias("u"), F.col("m").alias("v"))
        large = large.filter(F.col("u") != F.col("v")).distinct()
        # Small-star: u and its neighbours not larger than u link to the minimum of that set.
        oriented = large.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
        small_min = oriented.groupBy("u").agg(F.min("v").alias("m"))
        small = oriented.join(small_min, "u").select(F.col("v").alias("u"), "m").unionByName(
            small_min.select("u", "m")).filter(F.col("u") != F.col("m")).select(F.col("u").alias("u"), F.col("m").alias("v")).distinct()
        small = _cut(small.select(F.greatest("u", "v").alias("v"), F.least("u", "v").alias("u")).select("u", "v"))
        # Converged when every node points at one parent that points nowhere (stars).
        parents = small.groupBy("v").agg(F.count(F.lit(1)).alias("k"))
        not_star = parents.filter(F.col("k") > 1).limit(1).count() + small.join(
            small.select(F.col("v").alias("u")).distinct(), "u", "left_semi").limit(1).count()
        current = small
        if not_star == 0:
            break
    labels = current.select(F.col("v").alias("node_id"), F.col("u").alias("component"))
    return nodes.join(labels, "node_id", "left").select("node_id", F.coalesce("component", "node_id").alias("component"))


def strong_components(nodes: DataFrame, edges: DataFrame, *, max_rounds: int = 100_000) -> int:
    """The number of strongly connected components (trimming + colouring, see the module
    docstring). Every outer round removes at least one component per colour."""
    from pyspark.sql import functions as F

    alive = _cut(nodes.select("node_id"))
    arcs = _cut(edges.select("src", "dst").filter(F.col("src") != F.col("dst")).distinct())
    found = 0
    for _ in range(max_rounds):
        # Trim: a node without an in-arc or an out-arc among the living is a component alone.
        while True:
            has_in = arcs.select(F.col("dst").alias("node_id")).distinct()
            has_out = arcs.select(F.col("src").alias("node_id")).distinct()
            keep = _cut(alive.join(has_in, "node_id", "left_semi").join(has_out, "node_id", "left_semi"))
            removed = alive.count() - keep.count()
            found += removed
            alive = keep
            if removed == 0:
                break
            arcs = _cut(arcs.join(alive.withColumnRenamed("node_id", "src"), "src", "left_semi")
                        .join(alive.withColumnRenamed("node_id", "dst"), "dst", "left_semi"))
        if alive.limit(1).count() == 0:
            break
        # Colour: the largest id that reaches each node.
        colour = alive.select("node_id", F.col("node_id").alias("c"))
        while True:
            pushed = arcs.join(colour.select(F.col("node_id").alias("src"), "c"), "src").groupBy("dst").agg(F.max("c").alias("pc"))
            new = _cut(colour.join(pushed.withColumnRenamed("dst", "node_id"), "node_id", "left").select(
                "node_id", F.greatest("c", F.coalesce("pc", "c")).alias("c"), (F.coalesce("pc", "c") > F.col("c")).alias("up")))
            colour = new.select("node_id", "c")
            if new.filter("up").limit(1).count() == 0:
                break
        colour = _cut(colour)
        # Backward from each root (colour == id) inside its colour: that is the root's component.
        same = (arcs.join(colour.select(F.col("node_id").alias("src"), F.col("c").alias("cs")), "src")
                .join(colour.select(F.col("node_id").alias("dst"), F.col("c").alias("cd")), "dst")
                .filter(F.col("cs") == F.col("cd")).select("src", "dst"))
        same = _cut(same)
        reached = _cut(colour.filter(F.col("c") == F.col("node_id")).select("node_id"))
        found += reached.count()
        frontier = reached
        while True:
            step = same.join(frontier.withColumnRenamed("node_id", "dst"), "dst", "left_semi").select(F.col("src").alias("node_id")).distinct()
            step = _cut(step.join(reached, "node_id", "left_anti"))
            if step.limit(1).count() == 0:
                break
            reached = _cut(reached.unionByName(step))
            frontier = step
        alive = _cut(alive.join(reached, "node_id", "left_anti"))
        arcs = _cut(arcs.join(alive.withColumnRenamed("node_id", "src"), "src", "left_semi")
                    .join(alive.withColumnRenamed("node_id", "dst"), "dst", "left_semi"))
    return found
