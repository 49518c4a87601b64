"""Tie strength: how much attention one person gave another, weighted by kind and decayed
with age.

Each event contributes ``kind_weight[kind] * value * 0.5 ** (age / half_life)`` where ``age``
is ``as_of - ts``. ``value`` is 1, except for ratings, where a +10 counts fully and a rating
of 0 or below not at all (``clip(weight, 0, 10) / 10``): a distrust rating is attention, but
not the kind that builds a relationship. Intensity, recency and the mix of kinds are three of
the tie-strength dimensions of Gilbert and Karahalios, "Predicting tie strength with social
media", CHI 2009; exponential decay of interaction follows Burt, "Decay functions", Social
Networks 2000.

Example
-------
>>> DEFAULT_KIND_WEIGHTS["reply"] > DEFAULT_KIND_WEIGHTS["like"]
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.model import KINDS

__all__ = ["DEFAULT_KIND_WEIGHTS", "MAX_KIND_WEIGHT", "DEFAULT_HALF_LIFE", "kind_weights", "intensity", "decay"]

#: Default weight of one event of each kind. Conversation and referrals count most,
#: passive signals (likes, follows) least. Override with ``--kind-weight reply=4``.
DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "referral": 5.0,
    "call": 4.0,
    "reply": 3.0,
    "message": 3.0,
    "email": 2.0,
    "sms": 2.0,
    "comment": 2.0,
    "share": 2.5,
    "quote": 2.5,
    "rating": 2.0,
    "mention": 1.5,
    "connect": 1.0,
    "invite": 1.0,
    "follow": 1.0,
    "visit": 1.0,
    "interaction": 1.0,
    "like": 0.5,
    "reaction": 0.5,
}

#: Largest kind weight accepted: weights are relative per-event weights (the defaults are 0.5 to 5),
#: and a huge one only overflows the scores built on them.
MAX_KIND_WEIGHT = 1000.0

#: Default half-life of a tie's strength.
DEFAULT_HALF_LIFE = timedelta(days=60)


def kind_weights(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The default weights with ``overrides`` applied; unknown kinds, or weights outside
    [0, :data:`MAX_KIND_WEIGHT`] (NaN, inf), are an error."""
    weights = dict(DEFAULT_KIND_WEIGHTS)
    for kind, value in (overrides or {}).items():
        if kind not in KINDS:
            raise OptionError(f"unknown kind {kind!r} in kind weights; known kinds: {', '.join(KINDS)}")
        if not 0 <= value <= MAX_KIND_WEIGHT:
            raise OptionError(f"kind weight for {kind!r} must be between 0 and {MAX_KIND_WEIGHT:g}, got {value}")
        weights[kind] = float(value)
    return weights


def intensity(weights: Mapping[str, float]) -> pl.Expr:
    """Per-event intensity before decay: kind weight times the event's value (the ``kind``
    column must be the canonical Enum)."""
    # A lookup table gathered by the Enum's physical code (18x faster than mapping strings).
    table = pl.Series([float(weights.get(kind, 1.0)) for kind in KINDS], dtype=pl.Float64)
    kind_weight = pl.lit(table).gather(pl.col("kind").to_physical())
    value = pl.when(pl.col("kind") == "rating").then(pl.col("weight").clip(0, 10) / 10).otherwise(1.0)
    return kind_weight * value


def decay(as_of: datetime, half_life: timedelta) -> pl.Expr:
    """``0.5 ** (age / half_life)`` for each event; events after ``as_of`` never reach here."""
    age_s = (pl.lit(as_of, dtype=pl.Datetime("us", "UTC")) - pl.col("ts")).dt.total_microseconds() / 1e6
    return pl.lit(0.5) ** (age_s / half_life.total_seconds())
