"""What changed between two moments: who rose, who fell, which relationships faded or came
back, and who became a one-sided fan.

Both sides are the same events cut at two ``as_of`` times (see :func:`networks_at`), so a
difference is a change in the community, never in the method. One table, one row per change:

* ``rose`` / ``fell``: influence rank (personalised PageRank from the ego, else PageRank)
  improved / worsened. Ranked by the log ratio of the ranks, so 40 -> 4 outranks 4000 -> 400;
  only people in the top ``window`` (default: the larger of 25 and 5% of the people) on the
  better side are listed. People with no event before the earlier time rise from
  ``before`` = null.
* ``faded``: the tie was ``active`` or ``cooling`` and is now ``fading`` or ``dormant``
  (:mod:`ror_graph.fading`); ``revived``: the other way round. Bigger relationships first.
* ``new_fan`` (with an ego): someone now gives the ego attention and has never received any,
  and was not such a fan before; most events first. Without an ego, ``new_fans``: people who
  gained one-sided fans (others attending to them whom they never attend to), most gained
  first.
* ``community_cooling``: a community of the later network (Leiden,
  :func:`ror_graph.communities.find_communities`) whose members interacted with each other at
  least 25% less between the two moments than in as long a span before the earlier one
  (communities of at least 3 people with at least 10 such interactions before; fewer say
  nothing).
  ``node_id`` is the community's hub (the member with the most tie strength inside it),
  ``metric`` ``interactions_inside``; the detail names the community, its size and its
  reciprocity in both spans. Biggest drop first.

Columns: ``change, node_id, peer, metric, before, after, delta, detail``. ``peer`` is the
other end of a tie (the ego with ``me``), null for person-level changes; ``before``/``after``
are the metric at each time (null when the person or tie did not exist yet).

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> day = 86400
>>> raw = pl.DataFrame({"src": ["me", "ana"] * 15 + ["fan"] * 2, "dst": ["ana", "me"] * 15 + ["me"] * 2,
...                     "kind": ["message"] * 30 + ["like"] * 2,     # ana: every 2 days to day 58
...                     "ts": [i * 2 * day for i in range(30)] + [90 * day, 91 * day]})
>>> earlier, later = networks_at(validate_events(raw, source="doc"), since="-50d")   # day 41, day 91
>>> what_changed(earlier, later, me="me").select("change", "node_id").rows()
[('rose', 'fan'), ('faded', 'ana'), ('new_fan', 'fan'), ('community_cooling', 'me')]
"""

from __future__ import annotations

import math
from datetime import datetime

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.fading import FadeParams, fading_ties
from ror_graph.influence import pagerank
from ror_graph.model import Dataset
from ror_graph.network import Network
from ror_graph.timeutil import parse_as_of

__all__ = ["CHANGES", "DIFF_COLUMNS", "network_before", "networks_at", "what_changed"]

CHANGES = ("rose", "fell", "faded", "revived", "new_fan", "new_fans", "community_cooling")
DIFF_COLUMNS = ("change", "node_id", "peer", "metric", "before", "after", "delta", "detail")
_SCHEMA = {
    "change": pl.String, "node_id": pl.String, "peer": pl.String, "metric": pl.String,
    "before": pl.Float64, "after": pl.Float64, "delta": pl.Float64, "detail": pl.String,
}


def network_before(later: Network, since: str | datetime) -> Network:
    """``later``'s events cut at ``since``, with the same options (half-life, weights, ...).
    A relative ``since`` (``-90d``) counts back from ``later.as_of``."""
    cutoff = parse_as_of(since, reference=later.as_of, name="since")
    if cutoff >= later.as_of:
        raise OptionError(
            f"since={cutoff.isoformat()} must be before as_of={later.as_of.isoformat()}; e.g. since='-90d'"
        )
    return later.at(cutoff)


def networks_at(dataset: Dataset, *, since: str | datetime, as_of: str | datetime | None = None, **options) -> tuple[Network, Network]:
    """The network at ``since`` and at ``as_of`` (default: the last event), built with the same
    ``options`` (``half_life``, ``kind_weights``, ...). A relative ``since`` (``-90d``) counts
    back from ``as_of``."""
    later = Network.from_dataset(dataset, as_of=as_of, **options)
    return network_before(later, since), later


def _ranks(net: Network, me: str | None) -> pl.DataFrame:
    scores = pagerank(net, me=me if me is not None and _has(net, me) else None)
    table = net.nodes.select("node_id").with_columns(pl.Series("score", scores))
    if me is not None:
        table = table.filter(pl.col("node_id") != me)
    return table.sort(["score", "node_id"], descending=[True, False]).with_row_index("rank", offset=1).select("node_id", "rank")


def _has(net: Network, node_id: str) -> bool:
    return net.nodes.filter(pl.col("node_id") == node_id).height > 0


def _influence(earlier: Network, later: Network, me: str | None, window: int, top: int) -> list[pl.DataFrame]:
    before = _ranks(earlier, me).rename({"rank": "before"})
    after = _ranks(later, me).rename({"rank": "after"})
    both = after.join(before, on="node_id", how="left").with_columns(
        pl.col("before").cast(pl.Float64), pl.col("after").cast(pl.Float64)
    )
    absent = float(earlier.n + 1)
    ratio = (pl.col("before").fill_null(absent) / pl.col("after")).log()
    both = both.with_columns(ratio.alias("_score"), (pl.col("after") - pl.col("before")).alias("delta"))
    since = earlier.as_of.strftime("%Y-%m-%d")
    rank_text = pl.concat_str(
        pl.lit("influence rank "),
        pl.col("before").cast(pl.Int64).cast(pl.String).fill_null(f"none (no events before {since})"),
        pl.lit(" -> "),
        pl.col("after").cast(pl.Int64).cast(pl.String),
    )
    rose = both.filter((pl.col("_score") > 0) & (pl.col("after") <= window)).sort(["_score", "node_id"], descending=[True, False])
    fell = both.filter((pl.col("_score") < 0) & (pl.col("before") <= window)).sort(["_score", "node_id"], descending=[False, False])
    out = []
    for name, frame in (("rose", rose), ("fell", fell)):
        out.append(frame.head(top).select(
            pl.lit(name).alias("change"), "node_id", pl.lit(None, pl.String).alias("peer"),
            pl.lit("influence_rank").alias("metric"), "before", "after", "delta", rank_text.alias("detail"),
        ))
    return out


def _ties(earlier: Network, later: Network, me: str | None, fade: FadeParams, top: int) -> list[pl.DataFrame]:
    cols = ["a", "b", "fade_risk", "status", "volume", "evidence"]
    mine = me if me is not None and _has(earlier, me) else None
    if me is not None and mine is None:
        return []
    before = fading_ties(earlier, me=mine, params=fade).select(cols)
    after = fading_ties(later, me=me, params=fade).select(cols)
    joined = after.join(before, on=["a", "b"], how="inner", suffix="_before")
    warm, cold = ["active", "cooling"], ["fading", "dormant"]
    faded = joined.filter(pl.col("status_before").is_in(warm) & pl.col("status").is_in(cold))
    revived = joined.filter(pl.col("status_before").is_in(cold) & (pl.col("status") == "active"))
    node, peer = (pl.col("b"), pl.col("a")) if me is not None else (pl.col("a"), pl.col("b"))
    out = []
    for name, frame in (("faded", faded), ("revived", revived)):
        frame = frame.sort(["volume", "a", "b"], descending=[True, False, False]).head(top)
        out.append(frame.select(
            pl.lit(name).alias("change"), node.alias("node_id"), peer.alias("peer"), pl.lit("fade_risk").alias("metric"),
            pl.col("fade_risk_before").alias("before"), pl.col("fade_risk").alias("after"),
            (pl.col("fade_risk") - pl.col("fade_risk_before")).alias("delta"),
            pl.concat_str(pl.col("status_before"), pl.lit(" -> "), pl.col("status"), pl.lit(": "), pl.col("evidence")).alias("detail"),
        ))
    return out


def _ego_fans(net: Network, me: str) -> pl.DataFrame:
    if not _has(net, me):
        return pl.DataFrame(schema={"node_id": pl.String, "to_me": pl.Int64, "first": pl.Datetime("us", "UTC")})
    ego = net.index_of(me)
    ev = net.events
    to_me = ev.filter(pl.col("d") == ego).group_by("s").agg(pl.len().cast(pl.Int64).alias("to_me"), pl.col("ts").min().alias("first"))
    from_me = ev.filter(pl.col("s") == ego).select(pl.col("d").alias("s")).unique()
    fans = to_me.join(from_me, on="s", how="anti")
    return net.names(fans, "s", "node_id").select("node_id", "to_me", "first")


def _fans(earlier: Network, later: Network, me: str | None, top: int) -> list[pl.DataFrame]:
    if me is not None:
        now = _ego_fans(later, me)
        then = _ego_fans(earlier, me).select("node_id", pl.col("to_me").alias("to_me_before"))
        new = now.join(then, on="node_id", how="anti").sort(["to_me", "node_id"], descending=[True, False]).head(top)
        return [new.select(
            pl.lit("new_fan").alias("change"), "node_id", pl.lit(me).alias("peer"), pl.lit("events_to_you").alias("metric"),
            pl.lit(0.0).alias("before"), pl.col("to_me").cast(pl.Float64).alias("after"), pl.col("to_me").cast(pl.Float64).alias("delta"),
            pl.concat_str(pl.col("to_me").cast(pl.String), pl.lit(" interaction(s) to you since "),
                          pl.col("first").dt.strftime("%Y-%m-%d"), pl.lit(", none back")).alias("detail"),
        )]
    from ror_graph.reciprocity import mutual_mask

    def counts(net: Network) -> pl.DataFrame:
        rel = net.relationships.with_columns(pl.Series("mutual", mutual_mask(net))).filter(~pl.col("mutual"))
        return rel.group_by("dst").agg(pl.len().cast(pl.Float64).alias("fans")).rename({"dst": "node_id"})

    both = counts(later).join(counts(earlier).rename({"fans": "fans_before"}), on="node_id", how="left").with_columns(
        pl.col("fans_before").fill_null(0.0)
    ).with_columns((pl.col("fans") - pl.col("fans_before")).alias("delta")).filter(pl.col("delta") > 0)
    both = both.sort(["delta", "node_id"], descending=[True, False]).head(top)
    return [both.select(
        pl.lit("new_fans").alias("change"), "node_id", pl.lit(None, pl.String).alias("peer"),
        pl.lit("one_sided_fans").alias("metric"), pl.col("fans_before").alias("before"), pl.col("fans").alias("after"), "delta",
        pl.concat_str(pl.lit("+"), pl.col("delta").cast(pl.Int64).cast(pl.String), pl.lit(" people attending to them who get nothing back")).alias("detail"),
    )]


def _cooling_communities(earlier: Network, later: Network, top: int) -> list[pl.DataFrame]:
    from ror_graph.communities import find_communities

    found = find_communities(later, window=later.as_of - earlier.as_of)
    cooling = found.summary.filter(
        (pl.col("trend") == "cooling") & (pl.col("size") >= 3) & (pl.col("events_before") >= 10)
    ).with_columns(
        (pl.col("events_recent") - pl.col("events_before")).cast(pl.Float64).alias("delta")
    ).sort(["delta", "community"]).head(top)

    def pct(col: str) -> pl.Expr:
        return (pl.col(col) * 100).round(0).cast(pl.Int64).cast(pl.String).fill_null("-") + pl.lit("%")

    return [cooling.select(
        pl.lit("community_cooling").alias("change"), pl.col("hub").alias("node_id"), pl.lit(None, pl.String).alias("peer"),
        pl.lit("interactions_inside").alias("metric"), pl.col("events_before").cast(pl.Float64).alias("before"),
        pl.col("events_recent").cast(pl.Float64).alias("after"), "delta",
        pl.concat_str(
            pl.lit("community "), pl.col("community").cast(pl.String), pl.lit(" ("), pl.col("size").cast(pl.String),
            pl.lit(" people, hub "), pl.col("hub"), pl.lit("): interactions inside "), pl.col("events_before").cast(pl.String),
            pl.lit(" -> "), pl.col("events_recent").cast(pl.String), pl.lit(", reciprocity "), pct("reciprocity_before"),
            pl.lit(" -> "), pct("reciprocity_recent"),
        ).alias("detail"),
    )]


def what_changed(
    earlier: Network,
    later: Network,
    *,
    me: str | None = None,
    top: int = 20,
    window: int | None = None,
    fade: FadeParams = FadeParams(),
) -> pl.DataFrame:
    """The changes from ``earlier`` to ``later`` (see the module docstring), at most ``top``
    rows per kind of change, in the order of :data:`CHANGES`."""
    if earlier.as_of >= later.as_of:
        raise OptionError("the earlier network must be cut before the later one")
    if me is not None:
        later.index_of(me)
    if top < 1:
        raise OptionError(f"top={top} must be at least 1")
    window = window or max(25, math.ceil(0.05 * later.n))
    parts = _influence(earlier, later, me, window, top) + _ties(earlier, later, me, fade, top) + _fans(earlier, later, me, top)
    parts += _cooling_communities(earlier, later, top)
    parts = [p.select([pl.col(c).cast(t) for c, t in _SCHEMA.items()]) for p in parts]
    return pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=_SCHEMA)
