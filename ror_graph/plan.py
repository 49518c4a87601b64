"""The outreach plan: for each person on the nurture-next list, what to do and by when.

Built on :func:`ror_graph.nurture.nurture_next` (who, in priority order, and why) and the
tie's own rhythm (:mod:`ror_graph.fading`). One ``action`` per person, the first rule that
applies:

1. ``thank_fan``: they gave you at least ``fan_min_events`` interactions and you never gave
   anything back.
2. ``reply``: their last interaction is a conversation kind (reply, mention, message, comment,
   email, sms, call, rating, invite) that came after your last one to them, within
   ``reply_horizon`` usual gaps (at least ``reply_min_days``, at most ``reply_max_days``).
3. ``reconnect_bridge``: the tie is fading or dormant and is a bridge: the two share no
   contact while both have others (:mod:`ror_graph.fading`; this includes every tie whose
   loss disconnects two groups, but not a tie to someone who has no other tie).
4. ``reach_out``: the tie is cooling, fading or dormant (silent past its rhythm).
5. ``ask_referral``: a strong advocate: active, both sides give, ``bond`` and
   ``reciprocity`` at least ``advocate_min``.
6. ``keep_in_touch``: everyone else.

``due_date`` (a date, UTC) comes from the relationship's own rhythm and is never before
``as_of``: a reply is due one of your usual answer latencies to them after their message (a
day when you never answered them); every other action is due one usual gap after the last
interaction (the tie's gap; for ties seen on one day only, the median gap of the ego's ties).
Overdue items are therefore due on the ``as_of`` date.

Columns (stable names, for CRMs and spreadsheets): ``rank, contact_id, action, suggestion,
reason, due_date, priority, status, fade_risk, last_interaction_date, last_from_them_date,
last_from_you_date, usual_gap_days, silence_days, interactions_from_you,
interactions_to_you``.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> day = 86400
>>> raw = pl.DataFrame({"src": ["me", "ana"] * 5 + ["fan"] * 3 + ["bo"],
...                     "dst": ["ana", "me"] * 5 + ["me"] * 3 + ["me"],
...                     "kind": ["message"] * 10 + ["like"] * 3 + ["mention"],
...                     "ts": [i * 3 * day for i in range(10)] + [day, 40 * day, 80 * day, 89 * day]})
>>> plan = outreach_plan(Network.from_dataset(validate_events(raw, source="doc")), me="me")
>>> sorted(plan.select("contact_id", "action").rows())
[('ana', 'reach_out'), ('bo', 'reply'), ('fan', 'thank_fan')]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.fading import FadeParams, fading_ties
from ror_graph.fading import days_text as _days
from ror_graph.network import Network
from ror_graph.nurture import NurtureWeights, nurture_next

__all__ = ["ACTIONS", "PLAN_COLUMNS", "PlanRules", "outreach_plan"]

#: Action codes, in the order the rules are tried.
ACTIONS = ("thank_fan", "reply", "reconnect_bridge", "reach_out", "ask_referral", "keep_in_touch")
PLAN_COLUMNS = (
    "rank", "contact_id", "action", "suggestion", "reason", "due_date", "priority", "status", "fade_risk",
    "last_interaction_date", "last_from_them_date", "last_from_you_date", "usual_gap_days", "silence_days",
    "interactions_from_you", "interactions_to_you",
)
#: Kinds that expect an answer (a like or a follow does not).
CONVERSATION_KINDS = ("reply", "mention", "message", "comment", "email", "sms", "call", "rating", "invite")
_ADVOCACY_KINDS = ("share", "quote", "referral", "mention", "rating")


@dataclass(frozen=True)
class PlanRules:
    """Thresholds of the action rules (see the module docstring)."""

    fan_min_events: int = 3
    reply_horizon: float = 2.0
    reply_min_days: float = 7.0
    reply_max_days: float = 30.0
    advocate_min: float = 0.6


def outreach_plan(
    net: Network,
    *,
    me: str | None,
    weights: NurtureWeights = NurtureWeights(),
    fade: FadeParams = FadeParams(),
    rules: PlanRules = PlanRules(),
) -> pl.DataFrame:
    """The outreach plan of ``me``, in nurture-next priority order (columns in
    :data:`PLAN_COLUMNS`)."""
    if me is None:
        raise OptionError("an outreach plan is for one ego: give me= (the brand or person whose plan it is)")
    ego = net.index_of(me)
    people = nurture_next(net, me=me, weights=weights, fade=fade)
    ties = fading_ties(net, me=me, params=fade).select(
        pl.col("b").alias("node_id"), "bridge"
    )
    ev = net.events
    incoming = (
        ev.filter(pl.col("d") == ego)
        .group_by("s")
        .agg(
            pl.col("ts").max().alias("last_in_ts"),
            pl.col("kind").sort_by("ts").last().cast(pl.String).alias("last_in_kind"),
            pl.col("kind").cast(pl.String).is_in(_ADVOCACY_KINDS).sum().alias("advocacy"),
        )
    )
    outgoing = ev.filter(pl.col("s") == ego).group_by("d").agg(pl.col("ts").max().alias("last_out_ts"))
    latency = net.relationships.filter(pl.col("d") == ego).select(
        pl.col("s"), pl.col("answer_latency_h").alias("my_latency_h")
    )
    direction = (
        net.nodes.join(incoming.rename({"s": "idx"}), on="idx", how="left")
        .join(outgoing.rename({"d": "idx"}), on="idx", how="left")
        .join(latency.rename({"s": "idx"}), on="idx", how="left")
        .drop("idx")
    )
    table = people.join(ties, on="node_id", how="left").join(direction, on="node_id", how="left")

    known_gaps = table["usual_gap_days"].drop_nulls()
    fallback_gap = float(known_gaps.median()) if known_gaps.len() else 7.0  # type: ignore[arg-type]
    gap_days = pl.col("usual_gap_days").fill_null(fallback_gap)
    as_of = pl.lit(net.as_of).dt.replace_time_zone("UTC").dt.cast_time_unit("us")
    since_theirs = (as_of - pl.col("last_in_ts")).dt.total_seconds() / 86400
    reply_window = (rules.reply_horizon * gap_days).clip(rules.reply_min_days, rules.reply_max_days)
    they_wrote_last = pl.col("last_in_ts").is_not_null() & (
        pl.col("last_out_ts").is_null() | (pl.col("last_in_ts") > pl.col("last_out_ts"))
    )
    fading = pl.col("status").is_in(["fading", "dormant"])
    action = (
        pl.when((pl.col("n_give") == 0) & (pl.col("n_get") >= rules.fan_min_events)).then(pl.lit("thank_fan"))
        .when(they_wrote_last & pl.col("last_in_kind").is_in(CONVERSATION_KINDS) & (since_theirs <= reply_window))
        .then(pl.lit("reply"))
        .when(fading & pl.col("bridge").fill_null(False)).then(pl.lit("reconnect_bridge"))
        .when(fading | (pl.col("status") == "cooling")).then(pl.lit("reach_out"))
        .when(
            (pl.col("status") == "active") & (pl.col("n_give") > 0) & (pl.col("n_get") > 0)
            & (pl.col("bond") >= rules.advocate_min) & (pl.col("reciprocity") >= rules.advocate_min)
        )
        .then(pl.lit("ask_referral"))
        .otherwise(pl.lit("keep_in_touch"))
    )
    table = table.with_columns(action.alias("action"))
    rhythm_due = pl.col("last_interaction") + pl.duration(seconds=gap_days * 86400)
    reply_due = pl.col("last_in_ts") + pl.duration(seconds=pl.col("my_latency_h").fill_null(24.0) * 3600)
    due = pl.when(pl.col("action") == "reply").then(reply_due).otherwise(rhythm_due)
    table = table.with_columns(
        pl.max_horizontal(due, as_of).dt.date().alias("due_date"),
        _suggestion().alias("suggestion"),
    )
    table = table.drop("rank").sort(["priority", "node_id"], descending=[True, False]).with_row_index("rank", offset=1)
    return table.select(
        "rank",
        pl.col("node_id").alias("contact_id"),
        "action",
        "suggestion",
        "reason",
        "due_date",
        "priority",
        "status",
        "fade_risk",
        pl.col("last_interaction").dt.date().alias("last_interaction_date"),
        pl.col("last_in_ts").dt.date().alias("last_from_them_date"),
        pl.col("last_out_ts").dt.date().alias("last_from_you_date"),
        "usual_gap_days",
        "silence_days",
        pl.col("n_give").alias("interactions_from_you"),
        pl.col("n_get").alias("interactions_to_you"),
    )


def _suggestion() -> pl.Expr:
    """One sentence per action, with the facts behind it."""
    silent = pl.concat_str(
        pl.lit("silent "), _days(pl.col("silence_days")), pl.lit(" days against a usual "),
        _days(pl.col("usual_gap_days").fill_null(0.0)),
    )
    return (
        pl.when(pl.col("action") == "thank_fan")
        .then(pl.concat_str(pl.lit("Thank them: "), pl.col("n_get").cast(pl.String), pl.lit(" interactions to you, none back yet")))
        .when(pl.col("action") == "reply")
        .then(pl.concat_str(pl.lit("Reply to their "), pl.col("last_in_kind"), pl.lit(" of "),
                            pl.col("last_in_ts").dt.strftime("%Y-%m-%d")))
        .when(pl.col("action") == "reconnect_bridge")
        .then(pl.concat_str(pl.lit("Reconnect: a bridge to people you share no contact with; "), silent))
        .when(pl.col("action") == "reach_out")
        .then(pl.concat_str(pl.lit("Reach out after the silence: "), silent))
        .when(pl.col("action") == "ask_referral")
        .then(pl.concat_str(
            pl.lit("Ask for a referral or a share: a strong, reciprocal relationship on its rhythm"),
            pl.when(pl.col("advocacy") > 0).then(
                pl.concat_str(pl.lit(" (already shared, mentioned, rated or referred you "), pl.col("advocacy").cast(pl.String), pl.lit(" times)"))
            ).otherwise(pl.lit("")),
        ))
        .otherwise(pl.lit("Keep in touch on the usual rhythm"))
    )
