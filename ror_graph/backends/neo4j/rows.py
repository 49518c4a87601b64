"""The rows a load or a score write sends, built in polars from a Network (no server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ror_graph.network import Network

__all__ = ["people_frame", "relationship_frame", "interaction_frame", "person_scores", "relationship_scores",
           "ego_nurture_rows"]



def people_frame(net: Network) -> pl.DataFrame:
    """``id, props`` per person of ``net`` (attributes from the dataset's actors table)."""
    actors = net.loaded.actors
    people = net.nodes.select(pl.col("node_id").alias("id"))
    attrs = [c for c, t in actors.schema.items() if c != "id" and (t.is_numeric() or t == pl.String or t == pl.Boolean)]
    if actors.height and attrs:
        people = people.join(actors.select("id", *attrs), on="id", how="left", maintain_order="left")
        return people.select("id", pl.struct(attrs).alias("props"))
    return people.with_columns(pl.struct(pl.lit(None, dtype=pl.String).alias("name")).alias("props"))


def relationship_frame(net: Network, *, interactions: bool = True) -> pl.DataFrame:
    """``src, dst, first_s, first_ns, last_s, last_ns, props`` per directed relationship:
    aggregates, tie figures, active days (epoch days) and, with ``interactions``, the
    interactions as parallel lists.

    Only integers, floats and strings (and lists of them) are sent: the first and last times
    travel as epoch seconds + nanoseconds and become datetimes in Cypher, because turning
    Python datetime / date objects into Bolt values costs more client time than the rest of
    the row (see docs/neo4j.md, Performance)."""
    rel = net.relationships
    per = net.events.group_by("s", "d", maintain_order=True).agg(
        pl.col("ts").dt.epoch("us").alias("event_us"),
        pl.col("kind").cast(pl.String).alias("event_kinds"),
        pl.col("weight").alias("event_weights"),
        net.event_strength()[0].sum().alias("volume"),
        pl.col("ts").dt.date().cast(pl.Int32).cast(pl.Int64).unique().sort().alias("active_days"),
    )
    ties = net.ties.select("a", "b", pl.col("strength").alias("tie_strength"), pl.col("volume").alias("tie_volume"))
    rel = (
        rel.join(per, on=["s", "d"], how="left")
        .with_columns(pl.min_horizontal("s", "d").alias("a"), pl.max_horizontal("s", "d").alias("b"))
        .join(ties, on=["a", "b"], how="left")
        .with_columns(
            pl.col("active_days").list.len().cast(pl.Int64).alias("n_active_days"),
            # One kind / one weight for every interaction of the relationship: a 1-element list.
            *[
                pl.when(pl.col(c).list.n_unique() == 1).then(pl.col(c).list.head(1)).otherwise(pl.col(c)).alias(c)
                for c in ("event_kinds", "event_weights")
            ],
        )
    )
    counts = ["n_events", *[f"n_{k}" for k in net.kinds_present]]
    props = [
        *[pl.col(c).cast(pl.Int64) for c in counts],
        "weight_sum", "strength", "tie_strength", "volume", "tie_volume",
        "answered_rate", "answer_latency_h", "n_active_days", "active_days",
        *(["event_us", "event_kinds", "event_weights"] if interactions else []),
    ]
    return rel.select("src", "dst", *_epoch_parts("first_ts", "first"), *_epoch_parts("last_ts", "last"), pl.struct(props).alias("props"))


def _epoch_parts(column: str, prefix: str) -> list[pl.Expr]:
    """A datetime column as ``<prefix>_s`` (epoch seconds, floored) and ``<prefix>_ns``
    (0..999,999,999), what Cypher's ``datetime({epochSeconds, nanosecond, timezone: 'UTC'})``
    takes; exact to the microsecond, also before 1970."""
    us = pl.col(column).dt.epoch("us")
    return [(us // 1_000_000).alias(f"{prefix}_s"), ((us % 1_000_000) * 1_000).alias(f"{prefix}_ns")]


def interaction_frame(net: Network) -> pl.DataFrame:
    """One row per interaction with a stable ``key``: ``id:<event_id>`` when the event has
    one, else src|dst|kind|time(us)|weight|occurrence (the n-th identical event). The time is
    sent as ``ts_s`` / ``ts_ns`` (see :func:`_epoch_parts`) and stored as a datetime."""
    ev = net.dataset.events.select("src", "dst", pl.col("kind").cast(pl.String), "ts", "weight", "channel", "event_id")
    occurrence = pl.int_range(pl.len()).over(["src", "dst", "kind", "ts", "weight"])
    generated = pl.concat_str(
        pl.lit("ev:"), "src", pl.lit("|"), "dst", pl.lit("|"), "kind", pl.lit("|"),
        pl.col("ts").dt.epoch("us").cast(pl.String), pl.lit("|"), pl.col("weight").cast(pl.String),
        pl.lit("|"), occurrence.cast(pl.String),
    )
    key = pl.when(pl.col("event_id").is_not_null()).then(pl.concat_str(pl.lit("id:"), "event_id")).otherwise(generated)
    return ev.with_columns(key.alias("key")).select("src", "dst", "key", "kind", *_epoch_parts("ts", "ts"), "weight", "channel")


def person_scores(net: Network) -> pl.DataFrame:
    """``id, scores`` per person: influence (global PageRank), reciprocity and the community
    nurture-next priority with its reason."""
    from ror_graph.influence import influencers
    from ror_graph.nurture import nurture_next
    from ror_graph.reciprocity import person_reciprocity

    inf = influencers(net).select(
        "node_id", "influence", pl.col("rank").cast(pl.Int64).alias("influence_rank"),
        pl.col("top_share").alias("influence_top_share"), "pagerank", "in_degree", "out_degree",
        "in_strength", "hub", "authority", "core", "betweenness",
    )
    rec = person_reciprocity(net).select("node_id", "reciprocity", "mutual", "give", "get", "answers_rate")
    nur = nurture_next(net).select(
        "node_id", "priority", pl.col("rank").cast(pl.Int64).alias("priority_rank"), "fade_risk", "status",
        "reason", "value", "bond", pl.col("reciprocity").alias("nurture_reciprocity"),
    )
    table = inf.join(rec, on="node_id", how="left").join(nur, on="node_id", how="left")
    return table.select(pl.col("node_id").alias("id"), pl.struct(pl.exclude("node_id")).alias("scores"))


def relationship_scores(net: Network) -> pl.DataFrame:
    """``src, dst, scores`` per directed relationship: strength at ``net.as_of``, the tie's
    fade risk, status, rhythm and evidence, and the give/get balance seen from src."""
    from ror_graph.fading import fading_ties
    from ror_graph.reciprocity import relationship_reciprocity

    lo = pl.when(pl.col("src") < pl.col("dst")).then(pl.col("src")).otherwise(pl.col("dst"))
    hi = pl.when(pl.col("src") < pl.col("dst")).then(pl.col("dst")).otherwise(pl.col("src"))
    fade = fading_ties(net).select(
        pl.col("a").alias("lo"), pl.col("b").alias("hi"), "fade_risk", pl.col("status").alias("fade_status"),
        "silence_days", "usual_gap_days", "overdue", pl.col("strength").alias("tie_strength"),
        pl.col("volume").alias("tie_volume"), pl.col("evidence").alias("fade_evidence"),
    )
    recip = relationship_reciprocity(net).select(pl.col("a").alias("lo"), pl.col("b").alias("hi"), "balance", "reciprocated")
    rel = net.relationships.select("src", "dst", "strength").with_columns(lo.alias("lo"), hi.alias("hi"))
    rel = rel.join(fade, on=["lo", "hi"], how="left").join(recip, on=["lo", "hi"], how="left")
    rel = rel.with_columns(
        pl.when(pl.col("src") == pl.col("lo")).then(pl.col("balance")).otherwise(-pl.col("balance")).alias("balance"),
    )
    return rel.select("src", "dst", pl.struct(pl.exclude("src", "dst", "lo", "hi")).alias("scores"))


def ego_nurture_rows(net: Network, me: str) -> pl.DataFrame:
    """``id, props`` per person on the ego's nurture-next list."""
    from ror_graph.nurture import nurture_next

    table = nurture_next(net, me=me).with_columns(pl.col("rank").cast(pl.Int64), pl.lit(net.as_of).alias("as_of"))
    return table.select(pl.col("node_id").alias("id"), pl.struct(pl.exclude("node_id")).alias("props"))
