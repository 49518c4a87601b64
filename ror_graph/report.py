"""The HTML report: every analysis in one self-contained file that people can open and share.

One HTML file, UTF-8, with the PNG figures inlined as base64 ``data:`` URIs: no network, no
scripts, no external fonts or stylesheets. Sections (each with an ``id`` and a short "how to
read this"):

* ``glance``: the community at a glance: people, relationships, interactions per week by
  kind, the degree distribution, reciprocity and its trend (:func:`reciprocity_trend`).
* ``nurture``: the nurture-next list with reasons (:func:`ror_graph.nurture.nurture_next`).
* ``fading``: fading relationships, each with a timeline of its interactions against its
  usual rhythm (:func:`ror_graph.fading.fading_ties`).
* ``calibration``: the reliability plot of fade risk, the model fitted one horizon back
  against what happened since (:func:`ror_graph.fading.holdout_calibration`).
* ``influencers``: top influencers (:func:`ror_graph.influence.influencers`).
* ``one-sided``: one-sided fans (they give, nobody gives back) and one-sided follows
  (:func:`one_sided`).
* ``referral``: referral-reach estimates (:func:`ror_graph.referral.referral_reach`) when that
  module is available; otherwise the section says why it is missing.
* ``communities``: Leiden communities, a map of them and how their activity and reciprocity
  changed (:func:`ror_graph.communities.find_communities`).

Nothing reads the wall clock: the report is dated by ``as_of``, so the same data and options
give the same bytes.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network, igraph_random
>>> raw = pl.DataFrame({"src": ["a", "b", "a", "c"], "dst": ["b", "a", "c", "a"],
...                     "kind": ["message"] * 4, "ts": [0, 86400, 3 * 86400, 9 * 86400]})
>>> page = build_report(Network.from_dataset(validate_events(raw, source="doc")), me="a", referral=False)
>>> page.startswith("<!DOCTYPE html>") and 'id="fading"' in page and "https://" not in page
True
"""

from __future__ import annotations

import base64
import html
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from pathlib import Path

import numpy as np
import polars as pl

from ror_graph import plots
from ror_graph.errors import OptionError, RorGraphError
from ror_graph.network import Network, igraph_random
from ror_graph.output import atomic_write

__all__ = [
    "SECTIONS",
    "build_report",
    "write_report",
    "reciprocity_trend",
    "weekly_interactions",
    "one_sided",
    "tie_events",
]

#: Section ids in the order they appear.
SECTIONS = ("glance", "nurture", "fading", "calibration", "influencers", "one-sided", "referral", "communities")

Progress = Callable[[str], None]


# -- data for the figures ---------------------------------------------------------------------


def weekly_interactions(net: Network) -> pl.DataFrame:
    """Events per ISO week (``week``, the Monday, a date) and ``kind``. The week of ``as_of``
    is left out unless it is complete (or the only week), so the last point is not a dip."""
    weekly = (
        net.events.select(pl.col("ts").dt.truncate("1w").dt.date().alias("week"), pl.col("kind").cast(pl.String))
        .group_by("week", "kind")
        .agg(pl.len().alias("events"))
        .sort("week", "kind")
    )
    last_week = weekly["week"].max()
    complete = net.as_of.date() >= last_week + timedelta(days=6) if last_week is not None else True  # type: ignore[operator]
    if not complete and weekly["week"].n_unique() > 1:
        weekly = weekly.filter(pl.col("week") < last_week)
    return weekly


def reciprocity_trend(net: Network, *, period: str | None = None) -> pl.DataFrame:
    """Edge reciprocity per period, and of the cumulative graph at each period's end.

    ``period`` is a polars duration (``1w``, ``1mo``); by default weeks when the data spans
    up to 26 weeks, else months. ``period_reciprocity`` is the share of directed relationships
    active in the period (src gave dst attention in it) whose reverse was also active in it;
    ``cumulative_reciprocity`` is :func:`ror_graph.reciprocity.reciprocity_summary`'s edge
    reciprocity for the events up to the period's end. A last period shorter than half a
    period is left out (too few days to compare).

    Columns: ``period_start, period_end, relationships_active, reciprocated_active,
    period_reciprocity, relationships_total, cumulative_reciprocity``.
    """
    ev = net.events
    first, last = ev["ts"].min(), net.as_of
    span_days = (last - cast(datetime, first)).total_seconds() / 86400
    period = period or ("1w" if span_days <= 26 * 7 else "1mo")
    active = ev.select(pl.col("ts").dt.truncate(period).alias("period_start"), "s", "d").unique()
    reverse = active.select("period_start", pl.col("d").alias("s"), pl.col("s").alias("d"), pl.lit(True).alias("mutual"))
    per = (
        active.join(reverse, on=["period_start", "s", "d"], how="left")
        .group_by("period_start")
        .agg(pl.len().alias("relationships_active"), pl.col("mutual").fill_null(False).sum().alias("reciprocated_active"))
        .sort("period_start")
    )
    starts = per["period_start"].to_list()
    ends = starts[1:] + [last]
    if len(starts) > 1 and (ends[-1] - starts[-1]) < (starts[-1] - starts[-2]) / 2:
        per, starts, ends = per.head(-1), starts[:-1], ends[:-1]
    rel = net.edges.select("s", "d", pl.col("first_ts").dt.epoch("us").alias("f"))
    both = rel.join(rel.select(pl.col("d").alias("s"), pl.col("s").alias("d"), pl.col("f").alias("fr")), on=["s", "d"], how="left")
    firsts = np.sort(both["f"].to_numpy())
    mutual_since = np.sort(both.select(pl.max_horizontal("f", "fr").filter(pl.col("fr").is_not_null()))[:, 0].to_numpy())
    end_us = np.array([int(e.timestamp() * 1e6) for e in ends], dtype=np.int64)
    total = np.searchsorted(firsts, end_us, side="right")
    mutual = np.searchsorted(mutual_since, end_us, side="right")
    return per.with_columns(
        pl.Series("period_end", ends, dtype=per["period_start"].dtype),
        (pl.col("reciprocated_active") / pl.col("relationships_active")).alias("period_reciprocity"),
        pl.Series("relationships_total", total.astype(np.int64)),
        pl.Series("cumulative_reciprocity", np.divide(mutual, total, out=np.zeros(len(total)), where=total > 0)),
    ).select(
        "period_start", "period_end", "relationships_active", "reciprocated_active", "period_reciprocity",
        "relationships_total", "cumulative_reciprocity",
    )


def one_sided(net: Network, *, me: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One-sided fans and one-sided follows.

    With ``me``: fans are people who gave the ego attention it never returned
    (``node_id, events_to_you, strength``), follows are people the ego gave attention who
    never returned it (``node_id, events_from_you, strength``). Without an ego, per person:
    fans = ``one_sided_fans`` (people attending to them whom they never attend to) and follows =
    ``one_sided_follows`` (people they attend to who never attend back), with the events
    behind them. Each table is ranked, largest first.
    """
    from ror_graph.reciprocity import mutual_mask, relationship_reciprocity

    if me is not None:
        rel = relationship_reciprocity(net, me=me)
        fans = rel.filter((pl.col("n_give") == 0) & (pl.col("n_get") > 0)).select(
            pl.col("b").alias("node_id"), pl.col("n_get").alias("events_to_you"), pl.col("get").alias("strength")
        )
        follows = rel.filter((pl.col("n_get") == 0) & (pl.col("n_give") > 0)).select(
            pl.col("b").alias("node_id"), pl.col("n_give").alias("events_from_you"), pl.col("give").alias("strength")
        )
        fans = fans.sort(["events_to_you", "strength", "node_id"], descending=[True, True, False])
        follows = follows.sort(["events_from_you", "strength", "node_id"], descending=[True, True, False])
    else:
        rel = net.relationships.with_columns(pl.Series("mutual", mutual_mask(net))).filter(~pl.col("mutual"))
        fans = rel.group_by("dst").agg(
            pl.len().alias("one_sided_fans"), pl.col("n_events").sum().cast(pl.Int64).alias("events_received")
        ).rename({"dst": "node_id"}).sort(["one_sided_fans", "events_received", "node_id"], descending=[True, True, False])
        follows = rel.group_by("src").agg(
            pl.len().alias("one_sided_follows"), pl.col("n_events").sum().cast(pl.Int64).alias("events_given")
        ).rename({"src": "node_id"}).sort(["one_sided_follows", "events_given", "node_id"], descending=[True, True, False])
    return fans.with_row_index("rank", offset=1), follows.with_row_index("rank", offset=1)


def tie_events(net: Network, a: str, b: str) -> pl.DataFrame:
    """Every event between ``a`` and ``b`` either way: ``ts, kind, from_me`` (from ``a``)."""
    ia, ib = net.index_of(a), net.index_of(b)
    pair = ((pl.col("s") == ia) & (pl.col("d") == ib)) | ((pl.col("s") == ib) & (pl.col("d") == ia))
    return net.events.filter(pair).select("ts", "kind", (pl.col("s") == ia).alias("from_me"))


# -- HTML pieces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    id: str
    title: str
    howto: str
    body: str


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and abs(value) < 0.001:
            return f"{value:.2e}"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _table(frame: pl.DataFrame, columns: Sequence[str], *, headers: dict[str, str] | None = None, cls: str = "") -> str:
    headers = headers or {}
    cols = [c for c in columns if c in frame.columns]
    numeric = {c for c in cols if frame.schema[c].is_numeric()}
    head = "".join(f'<th{" class=num" if c in numeric else ""}>{_esc(headers.get(c, c))}</th>' for c in cols)
    rows = []
    for row in frame.select(cols).iter_rows():
        cells = "".join(
            f'<td{" class=num" if c in numeric else ""}>{_esc(_cell(v))}</td>' for c, v in zip(cols, row)
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(cols)}" class="empty">nothing to show</td></tr>'
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(fig, alt: str, caption: str = "", cls: str = "") -> str:
    data = base64.b64encode(plots.png_bytes(fig)).decode("ascii")
    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="{cls}"><img alt="{_esc(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def _cards(items: Sequence[tuple[str, str]]) -> str:
    cards = "".join(f'<div class="card"><div class="v">{_esc(v)}</div><div class="k">{_esc(k)}</div></div>' for k, v in items)
    return f'<div class="cards">{cards}</div>'


def _note(text: str) -> str:
    return f'<p class="note">{_esc(text)}</p>'


# -- sections ---------------------------------------------------------------------------------


def _trend_sentence(trend: pl.DataFrame) -> str:
    values = trend["period_reciprocity"].to_numpy()
    if values.size < 4:
        return "Too few periods to tell a trend."
    k = min(3, values.size // 2)
    recent, before = float(values[-k:].mean()), float(values[-2 * k : -k].mean())
    delta = recent - before
    word = "steady" if abs(delta) < 0.02 else ("rising" if delta > 0 else "falling")
    return (
        f"Reciprocity is {word}: {recent:.0%} of active relationships were returned in the last {k} periods, "
        f"against {before:.0%} in the {k} before."
    )


def _glance(net: Network) -> _Section:
    from ror_graph.stats import network_stats

    s = network_stats(net)
    cards = _cards([
        ("people", f"{s.nodes:,}"),
        ("relationships (directed)", f"{s.relationships:,}"),
        ("ties (pairs)", f"{s.ties:,}"),
        ("interactions", f"{s.events:,}"),
        ("days covered", f"{s.span_days:,.0f}"),
        ("edge reciprocity", f"{s.edge_reciprocity:.1%}"),
        ("pair reciprocity", f"{s.pair_reciprocity:.1%}"),
        ("rho (vs chance)", f"{s.rho:.3f}"),
    ])
    influence_degrees = net.igraph()
    trend = reciprocity_trend(net)
    body = (
        cards
        + f"<p>From {_esc(_cell(s.first_event))} to {_esc(_cell(s.last_event))}; kinds: {_esc(s.kinds)}. "
        + f"{s.weak_components:,} connected group(s), the largest with {s.largest_component:,} people.</p>"
        + f'<p class="trend">{_esc(_trend_sentence(trend))}</p>'
        + _figure(plots.interactions_per_week(weekly_interactions(net)), "interactions per week by kind")
        + _figure(plots.reciprocity_over_time(trend), "reciprocity over time")
        + _figure(
            plots.degree_distribution(np.asarray(influence_degrees.indegree()), np.asarray(influence_degrees.outdegree())),
            "degree distribution",
        )
    )
    howto = (
        "Edge reciprocity is the share of directed relationships (someone gave someone attention) that are returned; "
        "pair reciprocity the share of connected pairs where both sides give. rho above 0 means more give-and-take "
        "than chance (Garlaschelli and Loffredo 2004). The reciprocity plot shows, per period, the share of attention "
        "returned within that period (solid) and for all relationships so far (dashed). In the degree plot, a straight "
        "falling line on log axes means a few people attract most of the attention."
    )
    return _Section("glance", "The community at a glance", howto, body)


def _nurture(net: Network, me: str | None, top: int) -> _Section:
    from ror_graph.nurture import nurture_next

    table = nurture_next(net, me=me).head(top)
    body = _figure(
        plots.ranked_bars(table, label="node_id", value="priority", title="Nurture next: priority"),
        "nurture-next priority bars",
    ) + _table(table, ["rank", "node_id", "priority", "status", "fade_risk", "value", "bond", "reciprocity", "reason"])
    who = f"{me}'s relationships" if me else "the community (no --me given: each person across all their ties)"
    howto = (
        f"Whom to nurture first, for {who}. priority = worth x urgency: worth mixes value (influence), bond "
        "(what the relationship has built) and reciprocity (do they give back); urgency grows with fade risk, so "
        "valuable relationships that are going quiet come first. Each component is in [0, 1]; the reason says why."
    )
    return _Section("nurture", "Nurture next", howto, body)


def _fading(net: Network, me: str | None, top: int, timelines: int) -> _Section:
    from ror_graph.fading import fading_ties

    ties = fading_ties(net, me=me).filter(pl.col("status").is_in(["fading", "dormant"]))
    shown = ties.head(top)
    parts = [_note(f"{ties.height:,} relationship(s) are fading or dormant; the first {shown.height} are listed.")]
    parts.append(_table(shown, ["rank", "a", "b", "fade_risk", "status", "last_interaction", "silence_days",
                                "usual_gap_days", "n_events", "bridge", "evidence"]))
    figs = []
    for row in shown.head(timelines).iter_rows(named=True):
        events = tie_events(net, row["a"], row["b"])
        fig = plots.tie_timeline(events, me=row["a"], other=row["b"], as_of=net.as_of, usual_gap_days=float(row["usual_gap_days"]))
        figs.append(_figure(fig, f"timeline of {row['a']} and {row['b']}", cls="timeline"))
    if figs:
        parts.append("<h3>Timelines</h3>" + "".join(figs))
    howto = (
        "fade_risk is the probability that the relationship stays silent over the next 30 days, from a model fitted "
        "on this log's own history (docs/backtest.md). The evidence judges each relationship against its own rhythm: "
        "its usual gap is the typical time between days on which the two interacted. "
        "In a timeline, marks above the line come from the other person, below from the first; the red span starts "
        "one usual gap after the last interaction, and its dotted ticks are the contacts the usual rhythm would have "
        "had. A bridge has no shared contacts: losing it is hardest to repair."
    )
    return _Section("fading", "Fading relationships", howto, "".join(parts))


def _calibration(net: Network) -> _Section:
    """The reliability plot: the model fitted one horizon before as_of against what happened since."""
    from ror_graph.fading import FadeParams, holdout_calibration

    params = FadeParams()
    table, summary = holdout_calibration(net, params)
    howto = (
        "Does a fade_risk of 0.8 mean 80%? The fade model was fitted again with the data up to one horizon before "
        "the report's date, its predictions for every relationship then were sorted into ten equal groups, and each "
        "group's mean prediction is plotted against the share of its relationships that really stayed silent since."
    )
    if table.height == 0:
        return _Section("calibration", "Calibration of fade risk", howto,
                        _note("The log is shorter than one horizon: no calibration check yet."))
    note = _note(
        f"Fitted with the data up to {str(summary['origin'])[:10]} ({summary['source']} model), then compared with the "
        f"last {params.horizon_days:g} days: {int(float(summary['ties'])):,} relationships, Brier score "  # type: ignore[arg-type]
        f"{float(summary['brier']):.3f}, AUC {float(summary['auc'] or float('nan')):.3f}. "  # type: ignore[arg-type]
        "Points on the diagonal mean a predicted 0.8 came true 80% of the time."
    )
    fig = plots.reliability_diagram(table, horizon_days=float(summary["horizon_days"]))  # type: ignore[arg-type]
    return _Section("calibration", "Calibration of fade risk", howto,
                    note + _figure(fig, "calibration of fade_risk on the last horizon"))


def _influencers(net: Network, me: str | None, top: int) -> _Section:
    from ror_graph.influence import influencers

    table = influencers(net, me=me).head(top)
    body = _figure(
        plots.ranked_bars(table, label="node_id", value="influence", title="Top influencers"), "influence bars"
    ) + _table(table, ["rank", "node_id", "influence", "top_share", "in_degree", "out_degree", "core", "betweenness"])
    seen = f"personalised PageRank from {me}: influence as seen from your neighbourhood" if me else "PageRank over everyone"
    howto = (
        f"Influence is {seen}, weighted by tie strength. top_share is the person's rank as a share of everyone "
        "(0.02 = top 2%). in_degree counts the distinct people attending to them, core is the k-core (how deep in "
        "the dense centre they sit), betweenness how often they lie on shortest paths between others."
    )
    return _Section("influencers", "Top influencers", howto, body)


def _one_sided(net: Network, me: str | None, top: int) -> _Section:
    fans, follows = one_sided(net, me=me)
    if me is not None:
        parts = [
            f"<h3>One-sided fans: they give, {_esc(me)} never gave back ({fans.height:,})</h3>",
            _table(fans.head(top), ["rank", "node_id", "events_to_you", "strength"], headers={"events_to_you": f"events to {me}"}),
            f"<h3>One-sided follows: {_esc(me)} gives, they never gave back ({follows.height:,})</h3>",
            _table(follows.head(top), ["rank", "node_id", "events_from_you", "strength"], headers={"events_from_you": f"events from {me}"}),
        ]
        howto = (
            "Fans are people who gave attention that was never returned: thanking them is the cheapest way to turn "
            "attention into a relationship. Follows are people you give attention to who never answered: worth a "
            "second look at what you expect from them. strength is the recency-decayed, kind-weighted attention."
        )
    else:
        parts = [
            "<h3>Who receives the most one-sided attention</h3>",
            _table(fans.head(top), ["rank", "node_id", "one_sided_fans", "events_received"]),
            "<h3>Who gives the most one-sided attention</h3>",
            _table(follows.head(top), ["rank", "node_id", "one_sided_follows", "events_given"]),
        ]
        howto = (
            "one_sided_fans counts the people who attend to someone without that person ever attending back; "
            "one_sided_follows the people someone attends to who never attend back. Give --me to see your own fans."
        )
    return _Section("one-sided", "One-sided fans and follows", howto, "".join(parts))


def _referral_function() -> Callable[..., pl.DataFrame] | None:
    """:func:`ror_graph.referral.referral_reach`, or None when this install lacks it."""
    try:
        from ror_graph.referral import referral_reach
    except ImportError:
        return None
    return referral_reach


def _referral(net: Network, top: int, enabled: bool) -> _Section:
    howto = (
        "Expected number of people a share by this person would reach (themselves included), from an independent "
        "cascade whose edge probabilities grow with tie strength; ci_low and ci_high are a 95% interval."
    )
    title = "Referral reach"
    if not enabled:
        return _Section("referral", title, howto, _note("Skipped (--no-reach)."))
    referral_reach = _referral_function()
    if referral_reach is None:
        return _Section("referral", title, howto, _note("Referral-reach estimates are not available in this version of ror-graph."))
    try:
        table = referral_reach(net, seed=0).sort("rank").head(top)
    except RorGraphError as exc:
        return _Section("referral", title, howto, _note(f"Referral reach could not be estimated: {exc}"))
    body = _figure(
        plots.ranked_bars(table, label="node_id", value="referral_reach", title="Expected reach of a share", xlabel="people reached"),
        "referral reach bars",
    ) + _table(table, ["rank", "node_id", "referral_reach", "ci_low", "ci_high"])
    return _Section("referral", title, howto, body)


# -- communities (issue 15) -----------------------------------------------------------------


def _community_figure(net: Network, found, top: int):
    """Left: a map of the ``top`` largest communities (bubble area = people, colour = trend,
    line width = tie strength between them). Right: interactions inside each community in the
    last window against the window before, with the reciprocity of each window."""

    import igraph as ig
    from matplotlib.figure import Figure

    summary = found.summary.head(top)
    k = summary.height
    member = found.membership - 1
    ties = net.ties.select("a", "b", "strength")
    ca, cb = member[ties["a"].to_numpy()], member[ties["b"].to_numpy()]
    keep = (ca != cb) & (ca < k) & (cb < k)
    between = pl.DataFrame({"x": np.minimum(ca, cb)[keep], "y": np.maximum(ca, cb)[keep], "w": ties["strength"].to_numpy()[keep]})
    # Links of zero strength (e.g. only distrust ratings between two communities) are not drawn:
    # the layout needs positive weights.
    between = between.group_by("x", "y").agg(pl.col("w").sum()).filter(pl.col("w") > 0).sort("x", "y")
    graph = ig.Graph(n=k, edges=list(zip(between["x"].to_list(), between["y"].to_list())))
    with igraph_random(7):
        pos = np.asarray(graph.layout_fruchterman_reingold(weights=between["w"].to_list() or None).coords) if k > 1 else np.zeros((k, 2))
    colour = {"cooling": "#3182ce", "warming": "#dd6b20", "steady": "#a0aec0", "new": "#38a169", "too few": "#edf2f7",
              "quiet": "#ffffff"}
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    wmax = float(cast(float, between["w"].max()) or 1.0) if between.height else 1.0
    for x, y, w in between.iter_rows():
        left.plot(pos[[x, y], 0], pos[[x, y], 1], color="#cbd5e0", linewidth=0.5 + 5 * w / wmax, zorder=1)
    sizes = summary["size"].to_numpy().astype(float)
    left.scatter(pos[:, 0], pos[:, 1], s=2000 * sizes / sizes.max(), c=[colour[t] for t in summary["trend"]],
                 edgecolors="#2d3748", linewidths=0.6, zorder=2)
    for i, row in enumerate(summary.iter_rows(named=True)):
        left.annotate(f"{row['community']}: {plots.short_label(row['hub'])}", pos[i], ha="center", va="center", fontsize=8, zorder=3)
    for name, c in colour.items():
        left.scatter([], [], c=c, label=name, edgecolors="#2d3748", linewidths=0.6)
    left.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=7, frameon=False, ncol=6)
    left.margins(0.22)
    left.set_xticks([])
    left.set_yticks([])
    left.set_title("Communities (area = people, colour = trend)", fontsize=10)
    for side in ("top", "right", "bottom", "left"):
        left.spines[side].set_visible(False)
    ys = np.arange(k)
    right.barh(ys + 0.2, summary["events_before"].to_numpy(), height=0.4, color="#ffffff", edgecolor="#718096",
               linewidth=0.6, label="window before")
    right.barh(ys - 0.2, summary["events_recent"].to_numpy(), height=0.4,
               color=[colour[t] for t in summary["trend"]], label="last window")
    for i, row in enumerate(summary.iter_rows(named=True)):
        recip = [row["reciprocity_before"], row["reciprocity_recent"]]
        text = " -> ".join("-" if r is None else f"{r:.0%}" for r in recip)
        right.annotate(f"reciprocity {text}", (max(row["events_recent"], row["events_before"]), i),
                       xytext=(4, 0), textcoords="offset points", va="center", fontsize=7, color="#4a5568")
    right.set_yticks(ys, [f"{c}: {plots.short_label(h)}" for c, h in zip(summary["community"], summary["hub"])], fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("interactions inside the community")
    right.legend(fontsize=7, frameon=False, loc="lower right")
    right.margins(x=0.35)
    right.spines["top"].set_visible(False)
    right.spines["right"].set_visible(False)
    return fig


def _communities(net: Network, me: str | None, top: int) -> _Section:
    from ror_graph.communities import DEFAULT_WINDOW, find_communities, people_of

    found = find_communities(net)
    summary = found.summary
    cooling = summary.filter(pl.col("trend") == "cooling")
    parts = [
        _cards([("communities", f"{found.count:,}"), ("modularity", f"{found.modularity:.3f}"),
                ("cooling", f"{cooling.height:,}"), ("largest", f"{int(summary['size'][0]):,} people")]),
        _figure(_community_figure(net, found, min(top, 12)), "map of communities and their activity"),
        _table(summary.head(top), ["community", "size", "hub", "modularity", "internal_strength", "events_before",
                                   "events_recent", "activity_change", "reciprocity_before", "reciprocity_recent", "trend"]),
    ]
    if me is not None:
        mine = people_of(found, net, me=me)
        ego_comm = int(found.membership[net.index_of(me)])
        parts.append(f"<h3>{_esc(me)}'s contacts by community (theirs is {ego_comm})</h3>")
        parts.append(_table(mine.filter(pl.col("node_id") != me).head(top),
                            ["node_id", "community", "role", "internal_strength", "participation", "same_as_me"]))
    days = DEFAULT_WINDOW.days
    howto = (
        "Groups of people who interact more with each other than with the rest (Leiden, maximising modularity on tie "
        "strength; seed 7). Each community is named by its number and its hub, the member with the most tie strength "
        f"inside it. Trends compare the last {days} days with the {days} days before: cooling means at least 25% fewer "
        "interactions inside the community (too few: under 10 in both windows); reciprocity is the share of members' active relationships that were "
        "returned in the same window. A bridge spreads their ties over several communities: losing them splits groups."
    )
    return _Section("communities", "Communities", howto, "".join(parts))


# -- the page ---------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1a202c;margin:0;background:#f7fafc}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;padding-top:8px;border-top:2px solid #e2e8f0}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#4a5568;margin:0 0 12px}
nav a{margin-right:14px;color:#2b6cb0;text-decoration:none}
.howto{background:#ebf8ff;border-left:4px solid #3182ce;padding:8px 12px;margin:8px 0 14px;color:#2a4365}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:120px}
.card .v{font-size:20px;font-weight:600}.card .k{color:#4a5568;font-size:12px}
table{border-collapse:collapse;width:auto;max-width:100%;margin:8px 0 14px;font-size:12.5px}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f7fafc;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.empty{color:#718096;font-style:italic}
figure{margin:10px 0}figure img{max-width:100%;height:auto;display:block}
figure.timeline{margin:2px 0}.note{color:#4a5568;font-style:italic}.trend{font-weight:600}
footer{margin-top:40px;color:#718096;font-size:12px}
"""


def _page(sections: Sequence[_Section], *, title: str, meta: str) -> str:
    nav = "".join(f'<a href="#{s.id}">{_esc(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.id}"><h2>{_esc(s.title)}</h2>'
        f'<div class="howto"><strong>How to read this.</strong> {_esc(s.howto)}</div>{s.body}</section>'
        for s in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f'<body><main><h1>{_esc(title)}</h1><p class="meta">{meta}</p><nav>{nav}</nav>{body}'
        "<footer>Made by ror-graph. Scores and their definitions: see the README and "
        "<code>ror COMMAND --help</code>.</footer></main></body></html>\n"
    )


def build_report(
    net: Network,
    *,
    me: str | None = None,
    top: int = 15,
    timelines: int = 6,
    referral: bool = True,
    progress: Progress | None = None,
) -> str:
    """The report as one HTML string (see the module docstring for its sections).

    ``top`` rows per table, ``timelines`` fading-tie timelines; ``referral=False`` skips the
    referral-reach estimates (Monte Carlo; the slowest section on big graphs). ``progress``
    is called with the name of each step before it starts.
    """
    if top < 1:
        raise OptionError(f"top={top} must be at least 1 for a report")
    if me is not None:
        net.index_of(me)
    step = progress or (lambda _text: None)
    builders: list[tuple[str, Callable[[], _Section]]] = [
        ("community at a glance", lambda: _glance(net)),
        ("nurture-next list", lambda: _nurture(net, me, top)),
        ("fading relationships", lambda: _fading(net, me, top, timelines)),
        ("calibration of fade risk", lambda: _calibration(net)),
        ("influencers", lambda: _influencers(net, me, top)),
        ("one-sided fans and follows", lambda: _one_sided(net, me, top)),
        ("referral reach", lambda: _referral(net, top, referral)),
        ("communities", lambda: _communities(net, me, top)),
    ]
    sections = []
    for name, build in builders:
        step(name)
        sections.append(build())
    sources = ", ".join(Path(s).name for s in net.loaded.sources) or "events"
    who = f"for <strong>{_esc(me)}</strong>, " if me else "for the whole community, "
    meta = f"{who}as of {_esc(net.as_of.strftime('%Y-%m-%d %H:%M UTC'))}; data: {_esc(sources)}; half-life {_esc(_days(net.half_life))}"
    title = f"Relationship report: {me}" if me else "Relationship report"
    return _page(sections, title=title, meta=meta)


def _days(value: timedelta) -> str:
    days = value.total_seconds() / 86400
    return f"{days:g} days"


def write_report(page: str, path: str | None) -> None:
    """Write the HTML to ``path`` atomically (temporary file, then rename); None or ``-`` =
    stdout."""
    data = page.encode("utf-8")
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    atomic_write(path, lambda out: out.write(data))
