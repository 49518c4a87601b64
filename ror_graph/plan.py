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
   Rules 3 and 4 need a tie active on at least 2 days: a single contact has no rhythm to fall
   behind.
5. ``ask_referral``: a strong advocate: active, both sides give, ``bond`` and
   ``reciprocity`` at least ``advocate_min``.
6. ``keep_in_touch``: everyone else.

``due_date`` (a date, UTC) comes from the relationship's own rhythm and is never before
``as_of``: a reply is due one of your usual answer latencies to them after their message (a
day when you never answered them); every other action is due one usual gap after the last
interaction (the tie's gap; for ties seen on one day only, the ideal gap of their tier, else
the median gap of the ego's ties). Overdue items are therefore due on the ``as_of`` date.

Cadence tiers (``cadence``, e.g. :func:`parse_cadence` of ``"inner=14d,close=30d,wider=90d"``):
each relationship gets a tier from its value, like Dunbar's layers of 5, 15, 50, 150 (Dunbar,
"The social brain", 1998; Zhou, Sornette, Hill and Dunbar, Proc. R. Soc. B 2005): by ``worth``
(:func:`ror_graph.nurture.nurture_next`), the 5 most valuable relationships are in the first
tier, the next 10 in the second, the next 35 in the third, and so on (:data:`LAYER_SIZES`);
the rest have no tier. A user's own tiers (:func:`read_tiers`, a CSV of ``contact_id,tier``)
take precedence. Each tier has an ideal gap and a maximum gap (``inner=7d/14d``; one duration
is the maximum, the ideal is half of it): the due date is the earlier of the relationship's
own rhythm and its tier's maximum gap after the last interaction, and ``due_reason`` says
which.

Columns (stable names, for CRMs and spreadsheets): ``rank, contact_id, action, suggestion,
reason, due_date, priority, status, fade_risk, last_interaction_date, last_from_them_date,
last_from_you_date, usual_gap_days, silence_days, interactions_from_you,
interactions_to_you, tier, due_reason``.

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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.fading import FadeParams, fading_ties
from ror_graph.fading import days_text as _days
from ror_graph.network import Network
from ror_graph.nurture import NurtureWeights, nurture_next

__all__ = ["ACTIONS", "LAYER_SIZES", "PLAN_COLUMNS", "PlanRules", "Tier", "outreach_plan", "parse_cadence", "read_tiers"]

#: Action codes, in the order the rules are tried.
ACTIONS = ("thank_fan", "reply", "reconnect_bridge", "reach_out", "ask_referral", "keep_in_touch")
PLAN_COLUMNS = (
    "rank", "contact_id", "action", "suggestion", "reason", "due_date", "priority", "status", "fade_risk",
    "last_interaction_date", "last_from_them_date", "last_from_you_date", "usual_gap_days", "silence_days",
    "interactions_from_you", "interactions_to_you", "tier", "due_reason",
)
#: How many people each tier holds, innermost first (Dunbar's layers 5, 15, 50, 150, ...).
LAYER_SIZES = (5, 10, 35, 100, 350, 1000)
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


@dataclass(frozen=True)
class Tier:
    """A cadence tier: its name, its ideal and maximum gap between contacts, in days."""

    name: str
    ideal_days: float
    max_days: float


_CADENCE_PART = re.compile(r"^\s*([A-Za-z][\w-]*)\s*=\s*([^/]+?)\s*(?:/\s*(.+?)\s*)?$")


def parse_cadence(text: str) -> tuple[Tier, ...]:
    """Tiers from ``"inner=14d,close=30d,wider=90d"`` (innermost first; one duration is the
    maximum gap, the ideal is half of it) or ``"inner=7d/14d,..."`` (ideal/maximum).

    >>> parse_cadence("inner=7d/14d,close=30d")
    (Tier(name='inner', ideal_days=7.0, max_days=14.0), Tier(name='close', ideal_days=15.0, max_days=30.0))
    """
    from ror_graph.timeutil import parse_duration

    tiers: list[Tier] = []
    for part in text.split(","):
        match = _CADENCE_PART.match(part)
        if not match:
            raise OptionError(f"cadence {part.strip()!r} is not NAME=MAX or NAME=IDEAL/MAX, e.g. inner=14d or inner=7d/14d")
        name, first, second = match.groups()
        days = [parse_duration(x, name=f"cadence {name}").total_seconds() / 86400 for x in (first, second) if x]
        ideal, most = (days[0] / 2, days[0]) if len(days) == 1 else (days[0], days[1])
        if ideal > most:
            raise OptionError(f"cadence {name}: the ideal gap {first} is longer than the maximum {second}")
        if name in {t.name for t in tiers}:
            raise OptionError(f"cadence tier {name!r} is given twice")
        tiers.append(Tier(name, ideal, most))
    if len(tiers) > len(LAYER_SIZES):
        raise OptionError(f"at most {len(LAYER_SIZES)} cadence tiers")
    return tuple(tiers)


def read_tiers(path: str | Path, tiers: Sequence[Tier]) -> dict[str, str]:
    """``contact_id -> tier`` from a CSV with columns ``contact_id`` (or ``node_id``) and
    ``tier``; a tier not in ``tiers``, or a contact listed twice, is an error naming the file, line and field."""
    from ror_graph.errors import InputError

    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot read the tiers CSV ({str(exc).splitlines()[0]})") from None
    who = "node_id" if "node_id" in frame.columns and "contact_id" not in frame.columns else "contact_id"
    missing = [c for c in (who, "tier") if c not in frame.columns]
    if missing:
        raise InputError(f"{path}, line 1: no column {missing[0]!r} (the tiers CSV needs contact_id and tier)")
    names = [t.name for t in tiers]
    bad = frame.with_row_index("row").filter(~pl.col("tier").str.strip_chars().is_in(names) | pl.col(who).is_null())
    if bad.height:
        row = bad.row(0, named=True)
        field = who if row[who] is None else "tier"
        value = row[field]
        hint = f"use one of {', '.join(names)} (from --cadence)" if field == "tier" else "give an id"
        raise InputError(f"{path}, line {row['row'] + 2}, field {field}: {value!r} is not a tier; {hint}")
    repeated = frame.with_row_index("row").filter(~pl.col(who).is_first_distinct())
    if repeated.height:
        row = repeated.row(0, named=True)
        first = frame[who].to_list().index(row[who]) + 2
        raise InputError(f"{path}, line {row['row'] + 2}, field {who}: {row[who]!r} is already on line {first}; give each contact one tier")
    return dict(frame.select(pl.col(who), pl.col("tier").str.strip_chars()).iter_rows())


def outreach_plan(
    net: Network,
    *,
    me: str | None,
    weights: NurtureWeights = NurtureWeights(),
    fade: FadeParams = FadeParams(),
    rules: PlanRules = PlanRules(),
    cadence: Sequence[Tier] | None = None,
    tiers_of: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The outreach plan of ``me``, in nurture-next priority order (columns in
    :data:`PLAN_COLUMNS`); ``cadence`` tiers and a user's ``tiers_of`` (contact -> tier name)
    as in the module docstring."""
    if me is None:
        raise OptionError("an outreach plan is for one ego: give me= (the brand or person whose plan it is)")
    ego = net.index_of(me)
    people = nurture_next(net, me=me, weights=weights, fade=fade)
    ties = fading_ties(net, me=me, params=fade).select(
        pl.col("b").alias("node_id"), "bridge", "active_days"
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
    latency = net.edges.filter(pl.col("d") == ego).select(
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
    table = _with_tiers(table, tuple(cadence or ()), dict(tiers_of or {}))
    gap_days = pl.col("usual_gap_days").fill_null(pl.col("tier_ideal_days")).fill_null(fallback_gap)
    as_of = pl.lit(net.as_of).dt.replace_time_zone("UTC").dt.cast_time_unit("us")
    since_theirs = (as_of - pl.col("last_in_ts")).dt.total_seconds() / 86400
    reply_window = (rules.reply_horizon * gap_days).clip(rules.reply_min_days, rules.reply_max_days)
    they_wrote_last = pl.col("last_in_ts").is_not_null() & (
        pl.col("last_out_ts").is_null() | (pl.col("last_in_ts") > pl.col("last_out_ts"))
    )
    established = pl.col("active_days").fill_null(0) >= 2
    fading = pl.col("status").is_in(["fading", "dormant"]) & established
    action = (
        pl.when((pl.col("n_give") == 0) & (pl.col("n_get") >= rules.fan_min_events)).then(pl.lit("thank_fan"))
        .when(they_wrote_last & pl.col("last_in_kind").is_in(CONVERSATION_KINDS) & (since_theirs <= reply_window))
        .then(pl.lit("reply"))
        .when(fading & pl.col("bridge").fill_null(False)).then(pl.lit("reconnect_bridge"))
        .when(fading | ((pl.col("status") == "cooling") & established)).then(pl.lit("reach_out"))
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
    own_due = pl.when(pl.col("action") == "reply").then(reply_due).otherwise(rhythm_due)
    tier_due = pl.col("last_interaction") + pl.duration(seconds=pl.col("tier_max_days") * 86400)
    by_tier = tier_due.is_not_null() & (tier_due < own_due)
    due = pl.when(by_tier).then(tier_due).otherwise(own_due)
    table = table.with_columns(
        pl.max_horizontal(due, as_of).dt.date().alias("due_date"),
        _suggestion().alias("suggestion"),
        _due_reason(by_tier, gap_days, (due < as_of)).alias("due_reason"),
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
        "tier",
        "due_reason",
    )


def _with_tiers(table: pl.DataFrame, cadence: tuple[Tier, ...], tiers_of: dict[str, str]) -> pl.DataFrame:
    """``tier``, ``tier_ideal_days``, ``tier_max_days``: the user's tier, else by worth rank."""
    names = [t.name for t in cadence]
    unknown = sorted(set(tiers_of.values()) - set(names))
    if unknown:
        raise OptionError(f"tier {unknown[0]!r} is not in cadence= ({', '.join(names) or 'none given'})")
    bounds = [sum(LAYER_SIZES[: i + 1]) for i in range(len(cadence))]
    ranked = table.select("node_id", "worth").sort(["worth", "node_id"], descending=[True, False], nulls_last=True)
    position = pl.int_range(1, pl.len() + 1)
    by_value = pl.lit(None, pl.String)
    for name, bound in reversed(list(zip(names, bounds))):
        by_value = pl.when(position <= bound).then(pl.lit(name)).otherwise(by_value)
    ranked = ranked.select("node_id", by_value.alias("tier_by_value"))
    given = pl.DataFrame({"node_id": list(tiers_of), "tier_given": list(tiers_of.values())},
                         schema={"node_id": pl.String, "tier_given": pl.String})
    spec = pl.DataFrame({"tier": names, "tier_ideal_days": [t.ideal_days for t in cadence],
                         "tier_max_days": [t.max_days for t in cadence]},
                        schema={"tier": pl.String, "tier_ideal_days": pl.Float64, "tier_max_days": pl.Float64})
    return (
        table.join(ranked, on="node_id", how="left")
        .join(given, on="node_id", how="left")
        .with_columns(pl.coalesce("tier_given", "tier_by_value").alias("tier"))
        .join(spec, on="tier", how="left")
        .drop("tier_given", "tier_by_value")
    )


def _due_reason(by_tier: pl.Expr, gap_days: pl.Expr, overdue: pl.Expr) -> pl.Expr:
    """Which rule set the due date: the tier's maximum gap, a reply, or the own rhythm."""
    gap_source = (
        pl.when(pl.col("usual_gap_days").is_not_null()).then(pl.lit("its own rhythm"))
        .when(pl.col("tier_ideal_days").is_not_null()).then(pl.concat_str(pl.col("tier"), pl.lit(" tier's ideal")))
        .otherwise(pl.lit("your usual rhythm"))
    )
    text = (
        pl.when(by_tier)
        .then(pl.concat_str(pl.col("tier"), pl.lit(" tier: at most "), _days(pl.col("tier_max_days")),
                            pl.lit(" days between contacts (the rhythm alone would wait "), _days(gap_days), pl.lit(")")))
        .when(pl.col("action") == "reply")
        .then(pl.lit("a reply, due one of your usual answer times after their message"))
        .otherwise(pl.concat_str(gap_source, pl.lit(": every "), _days(gap_days), pl.lit(" days")))
    )
    return pl.when(overdue).then(pl.concat_str(pl.lit("overdue; "), text)).otherwise(text)


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
