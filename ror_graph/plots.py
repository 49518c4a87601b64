"""Figures for the HTML report, drawn with matplotlib's object API (never pyplot's global
state), so figures can be made from threads and tests without a display.

Every function returns a :class:`matplotlib.figure.Figure`; :func:`png_bytes` renders one to
PNG with the Agg canvas. The data each figure needs is computed by the caller (see
:mod:`ror_graph.report`), so each function here only draws.

Example
-------
>>> import polars as pl
>>> fig = ranked_bars(pl.DataFrame({"node_id": ["ana", "bo"], "influence": [0.3, 0.1]}),
...                   label="node_id", value="influence", title="Top influencers")
>>> png_bytes(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import polars as pl
from matplotlib.dates import date2num
from matplotlib.figure import Figure

__all__ = [
    "png_bytes",
    "degree_distribution",
    "interactions_per_week",
    "reciprocity_over_time",
    "tie_timeline",
    "ranked_bars",
    "reliability_diagram",
    "short_label",
]

_BLUE, _ORANGE, _GREY, _RED = "#2b6cb0", "#dd6b20", "#a0aec0", "#c53030"


def short_label(text: object, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for labels in figures (a very long
    id would take matplotlib minutes to lay out)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def png_bytes(fig: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (Agg canvas; nothing touches a display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _style(ax) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, axis="y", color="#e2e8f0", linewidth=0.8)
    ax.set_axisbelow(True)


def degree_distribution(in_degree: np.ndarray, out_degree: np.ndarray) -> Figure:
    """Complementary cumulative distribution of in- and out-degree on log-log axes."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for values, label, colour in ((in_degree, "in-degree (people attending to them)", _BLUE),
                                  (out_degree, "out-degree (people they attend to)", _ORANGE)):
        values = np.sort(np.asarray(values)[np.asarray(values) > 0])
        if values.size == 0:
            continue
        unique, first = np.unique(values, return_index=True)
        share = 1 - first / values.size  # P(degree >= k)
        ax.plot(unique, share, marker="o", markersize=3, linewidth=1.2, color=colour, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("degree k (distinct people)")
    ax.set_ylabel("share of people with degree >= k")
    ax.set_title("Degree distribution")
    ax.legend(frameon=False, fontsize=8)
    _style(ax)
    return fig


def interactions_per_week(weekly: pl.DataFrame, *, max_kinds: int = 7) -> Figure:
    """Stacked area of events per week by kind. ``weekly``: ``week`` (date), ``kind``, ``events``."""
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    if weekly.height:
        totals = weekly.group_by("kind").agg(pl.col("events").sum()).sort(["events", "kind"], descending=[True, False])
        kinds = totals["kind"].head(max_kinds).to_list()
        folded = weekly.with_columns(
            pl.when(pl.col("kind").is_in(kinds)).then(pl.col("kind")).otherwise(pl.lit("other")).alias("kind")
        )
        wide = folded.pivot(on="kind", index="week", values="events", aggregate_function="sum").sort("week").fill_null(0)
        order = [k for k in kinds + ["other"] if k in wide.columns]
        ax.stackplot(wide["week"].to_list(), *[wide[k].to_numpy() for k in order], labels=order, alpha=0.85)
        ax.legend(frameon=False, fontsize=8, ncols=min(len(order), 4), loc="upper left")
    ax.set_ylabel("events per week")
    ax.set_title("Interactions per week, by kind")
    _style(ax)
    fig.autofmt_xdate()
    return fig


def reciprocity_over_time(trend: pl.DataFrame) -> Figure:
    """Edge reciprocity per period and cumulative. ``trend``: ``period_start``,
    ``period_reciprocity``, ``cumulative_reciprocity``, ``relationships_active``."""
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.add_subplot()
    if trend.height:
        x = trend["period_start"].to_list()
        ax.plot(x, trend["period_reciprocity"].to_numpy(), marker="o", markersize=3, color=_BLUE,
                label="within the period (relationships active in it)")
        ax.plot(x, trend["cumulative_reciprocity"].to_numpy(), linestyle="--", color=_ORANGE,
                label="cumulative (every relationship so far)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("edge reciprocity")
    ax.set_title("Reciprocity over time: share of attention that is returned")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _style(ax)
    fig.autofmt_xdate()
    return fig


def tie_timeline(
    events: pl.DataFrame,
    *,
    me: str,
    other: str,
    as_of: datetime,
    usual_gap_days: float,
    window_days: float | None = None,
) -> Figure:
    """One tie's interactions against its usual rhythm.

    ``events``: the tie's events (``ts``, ``from_me`` bool). Marks above the line are theirs,
    below are ``me``'s; the shaded span starts one usual gap after the last interaction: from
    there on the tie is overdue. The dotted ticks are the contacts its rhythm would have had
    (drawn when there are at most 40).
    """
    fig = Figure(figsize=(7.5, 1.7), layout="constrained")
    ax = fig.add_subplot()
    # Times as matplotlib date numbers (days), so the rhythm's arithmetic is on plain floats.
    now = float(date2num(as_of))
    stamps = np.asarray(date2num(events["ts"].to_list()) if events.height else [], dtype=float)
    last, first = (float(stamps.max()), float(stamps.min())) if stamps.size else (now, now)
    silence = now - last
    span = window_days or max(90.0, 2.5 * silence, 12 * usual_gap_days)
    start = max(first - 1.0, now - span)
    mine = events["from_me"].to_numpy().astype(bool) if events.height else np.zeros(0, bool)
    for flag, y, colour in ((False, 1, _BLUE), (True, -1, _ORANGE)):
        ts = stamps[(mine == flag) & (stamps >= start)]
        if ts.size:
            ax.vlines(ts, 0, y * 0.8, color=colour, linewidth=1, alpha=0.8)
    gap = max(usual_gap_days, 1e-3)
    due = last + gap
    if due < now:
        ax.axvspan(due, now, color=_RED, alpha=0.10)
        ax.text((due + now) / 2, 0.55, "overdue", color=_RED, fontsize=8, ha="center", va="center")
        missed = int((now - due) / gap) + 1
        if missed <= 40:  # the contacts the usual rhythm would have had
            ax.vlines([due + i * gap for i in range(missed)], -0.3, 0.3, color=_RED, linewidth=0.8, linestyles="dotted")
    ax.axvline(now, color="#2d3748", linewidth=1)
    ax.axhline(0, color=_GREY, linewidth=0.6)
    ax.xaxis_date()
    ax.set_xlim(start, now + span * 0.02)
    ax.set_ylim(-1.1, 1.1)
    ax.set_yticks([0.45, -0.45], [short_label(other, 14), short_label(me, 14)], fontsize=7)
    for tick, colour in zip(ax.get_yticklabels(), (_BLUE, _ORANGE)):
        tick.set_color(colour)
    ax.tick_params(axis="y", length=0)
    ax.set_title(f"{short_label(me)} and {short_label(other)}: silent {silence:.0f} days, "
                 f"usual gap {usual_gap_days:.1f} days",
                 fontsize=9, loc="left")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=7)
    return fig


def ranked_bars(frame: pl.DataFrame, *, label: str, value: str, title: str, xlabel: str | None = None) -> Figure:
    """Horizontal bars, the first row on top."""
    height = 0.9 + 0.24 * max(frame.height, 1)
    fig = Figure(figsize=(6.4, height), layout="constrained")
    ax = fig.add_subplot()
    labels = [short_label(v) for v in frame[label].to_list()][::-1]
    values = frame[value].cast(pl.Float64).fill_null(0.0).to_numpy()[::-1]
    ax.barh(range(len(values)), values, color=_BLUE)
    ax.set_yticks(range(len(values)), labels, fontsize=8)
    ax.set_xlabel(xlabel or value)
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, axis="x", color="#e2e8f0", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig


def reliability_diagram(table: pl.DataFrame, *, horizon_days: float) -> Figure:
    """Predicted against observed silence by decile of ``fade_risk`` (``predicted``,
    ``observed``, ``n`` columns of :func:`ror_graph.fade_model.reliability`); on the diagonal,
    "0.8" means 80%."""
    fig = Figure(figsize=(4.2, 4.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=_GREY, linewidth=1, linestyle="--", label="perfect calibration")
    ax.plot(table["predicted"].to_numpy(), table["observed"].to_numpy(), marker="o", color=_BLUE,
            label="deciles of fade_risk")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"predicted P(silent {horizon_days:g} days)")
    ax.set_ylabel("observed share silent")
    ax.set_title("Calibration on the last horizon", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    _style(ax)
    return fig
