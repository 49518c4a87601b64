"""The Python API in one place: read a log, then ask the four questions.

Each function is a thin, documented entry point over the engine modules (the same code the
CLI runs) and returns a polars DataFrame with the columns of the matching ``ror`` command.
Import it as ``import ror_graph as rg``; see docs/api.md.

Example
-------
>>> import ror_graph as rg
>>> net = rg.Network.from_events(rg.example_events())
>>> rg.nurture_next(net, me="brand", reach=False).select("rank", "node_id").head(1)
shape: (1, 2)
┌──────┬─────────┐
│ rank ┆ node_id │
│ ---  ┆ ---     │
│ u32  ┆ str     │
╞══════╪═════════╡
│ 1    ┆ ana     │
└──────┴─────────┘
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.errors import OptionError
from ror_graph.strength import DEFAULT_HALF_LIFE

if TYPE_CHECKING:
    from ror_graph.network import Network
    from ror_graph.nurture import NurtureWeights

__all__ = [
    "read",
    "read_dataset",
    "example_events",
    "nurture_next",
    "fading",
    "influencers",
    "reciprocity",
    "referral_reach",
    "stats",
]

def _analyses(net: Network, me: str | None):
    from ror_graph.backends.memory import MemoryAnalyses

    return MemoryAnalyses(net, me=me)


def read_dataset(source: Any, loader: str | None = None, **options: Any):
    """Read input files (any loader) or a frame into a validated :class:`~ror_graph.model.Dataset`.

    Parameters
    ----------
    source : str, Path, list of them, polars.DataFrame or pandas.DataFrame
        Files or folders (format detected per file unless ``loader`` names it), or a frame
        with ``src, dst, kind, ts`` (and optionally ``weight, channel, event_id``).
    loader : str, optional
        Input format, e.g. ``"canonical"``, ``"x_archive"`` (``ror loaders`` lists them).
    **options
        Loader options, e.g. ``column_map={"src": "from", "ts": "time"}``, ``delimiter=";"``.

    Returns
    -------
    Dataset
        ``events``, ``actors``, ``notes`` (what was dropped and why), ``ego`` (an archive's owner).

    Example
    -------
    >>> ds = read_dataset(example_events())
    >>> ds.events.height, ds.sources
    (12, ('events frame',))
    """
    from ror_graph.model import validate_events

    if isinstance(source, pl.DataFrame) or type(source).__module__.split(".")[0] == "pandas":
        from ror_graph.model import as_polars

        frame = as_polars(source, source="events frame")
        column_map = options.pop("column_map", None) or {}
        if options or loader:
            raise OptionError(f"a frame is read as canonical events: loader= and {', '.join(options) or 'options'} do not apply")
        frame = frame.rename({file_col: canonical for canonical, file_col in column_map.items()})
        return validate_events(frame, source="events frame")
    from ror_graph.loaders import load_events

    paths = [source] if isinstance(source, (str, Path)) else list(source)
    return load_events(paths, loader=loader, **options)


def read(
    source: Any,
    loader: str | None = None,
    *,
    as_of: str | datetime | None = None,
    half_life: str | timedelta = DEFAULT_HALF_LIFE,
    kind_weights: Mapping[str, float] | None = None,
    **options: Any,
) -> Network:
    """Read an interaction log into a :class:`~ror_graph.network.Network`, ready for analysis.

    Parameters
    ----------
    source : str, Path, list of them, polars.DataFrame or pandas.DataFrame
        Input files or folders in any format ror-graph reads (CSV/Parquet events, social
        archives, mailboxes, SNAP files, ...), or a frame of canonical events.
    loader : str, optional
        Input format (default: detected per file).
    as_of : str or datetime, optional
        "Now": an ISO date/time or ``"-30d"`` (default: the last event). Later events are ignored.
    half_life : str or timedelta
        Half-life of tie strength, e.g. ``"30d"``.
    kind_weights : dict, optional
        Weight of one event of a kind, e.g. ``{"reply": 4, "like": 0.2}``.
    **options
        Loader options, e.g. ``column_map={"src": "from"}`` or ``delimiter=";"``.

    Returns
    -------
    Network
        Events up to ``as_of`` with the derived ``relationships``, ``ties`` and ``nodes`` tables.

    Example
    -------
    >>> net = read(example_events(), as_of="2024-03-01")
    >>> net.as_of.isoformat(), net.n                 # cy's and dee's events come later
    ('2024-03-01T00:00:00+00:00', 3)

    References
    ----------
    Tie strength from interaction data: Gilbert and Karahalios, "Predicting tie strength with
    social media", CHI 2009.
    """
    from ror_graph.network import Network

    dataset = read_dataset(source, loader, **options)
    return Network.from_dataset(dataset, as_of=as_of, half_life=half_life, kind_weights=kind_weights)


def example_events() -> pl.DataFrame:
    """A tiny interaction log for examples: a brand and four people over four months.

    Returns
    -------
    polars.DataFrame
        ``src, dst, kind, ts`` (ISO text): ana talked with the brand often and fell silent,
        bo and cy keep replying, dee only follows.

    Example
    -------
    >>> example_events().columns
    ['src', 'dst', 'kind', 'ts']
    """
    rows = [
        ("ana", "brand", "reply", "2024-01-02"),
        ("brand", "ana", "reply", "2024-01-03"),
        ("ana", "brand", "share", "2024-01-09"),
        ("brand", "ana", "message", "2024-01-16"),
        ("ana", "brand", "reply", "2024-01-23"),
        ("bo", "brand", "reply", "2024-02-01"),
        ("brand", "bo", "reply", "2024-02-20"),
        ("bo", "brand", "share", "2024-04-10"),
        ("cy", "brand", "reply", "2024-03-05"),
        ("brand", "cy", "reply", "2024-04-20"),
        ("cy", "bo", "mention", "2024-04-25"),
        ("dee", "brand", "follow", "2024-04-28"),
    ]
    return pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row")


def nurture_next(
    net: Network,
    *,
    me: str | None = None,
    weights: NurtureWeights | None = None,
    reach: bool = True,
    seed: int = 0,
) -> pl.DataFrame:
    """Whom to nurture next: value x bond x reciprocity, made urgent by fade risk, with a reason.

    Parameters
    ----------
    net : Network
        The graph (:func:`read`).
    me : str, optional
        The ego; default: every person across all their ties (the community view).
    weights : NurtureWeights, optional
        Priority weights (``value``, ``bond``, ``reciprocity``, ``floor``); see the README.
    reach : bool
        Estimate each person's referral reach and use it in value (the slowest part).
    seed : int
        Seed of the referral-reach estimate.

    Returns
    -------
    polars.DataFrame
        The columns of ``ror nurture``: ``rank, node_id, priority, fade_risk, reason, value,
        bond, reciprocity, ...``, best first.

    Example
    -------
    >>> net = read(example_events())
    >>> table = nurture_next(net, me="brand", reach=False)
    >>> table.columns[:4], table["node_id"][0]
    (['rank', 'node_id', 'priority', 'fade_risk'], 'ana')

    References
    ----------
    Persistence of ties: Raeder, Lizardo, Hachen, Chawla, "Predictors of short-term decay of
    cell phone contacts in a large scale communication network", Social Networks 2011.
    """
    return _analyses(net, me).nurture_next(weights=weights, reach=reach, seed=seed)


def fading(net: Network, *, me: str | None = None, **fade_options: Any) -> pl.DataFrame:
    """Which relationships are going cold, each against its own rhythm.

    Parameters
    ----------
    net : Network
        The graph.
    me : str, optional
        Only the ego's relationships (``a`` is the ego); default: every relationship.
    **fade_options
        Fields of :class:`ror_graph.fading.FadeParams`, e.g. ``horizon_days=60``.

    Returns
    -------
    polars.DataFrame
        The columns of ``ror fading``: ``rank, a, b, fade_risk, status, last_interaction,
        silence_days, usual_gap_days, ...``, most at risk first.

    Example
    -------
    >>> net = read(example_events())
    >>> fading(net, me="brand").select("rank", "a", "b").row(0)
    (1, 'brand', 'ana')

    References
    ----------
    Interaction decay: Viswanath, Mislove, Cha, Gummadi, "On the evolution of user interaction
    in Facebook", WOSN 2009.
    """
    return _analyses(net, me).fading(**fade_options)


def influencers(net: Network, *, me: str | None = None, seed: int = 0) -> pl.DataFrame:
    """Who is valuable: PageRank by tie strength (personalised from ``me``), in-degree, HITS,
    k-core and betweenness (sampled on large graphs).

    Parameters
    ----------
    net : Network
        The graph.
    me : str, optional
        Rank by personalised PageRank from the ego (the ego itself is left out).
    seed : int
        Seed of sampled betweenness.

    Returns
    -------
    polars.DataFrame
        The columns of ``ror influencers``: ``rank, node_id, influence, top_share, pagerank, ...``.

    Example
    -------
    >>> influencers(read(example_events()))["node_id"][0]
    'brand'

    References
    ----------
    Page, Brin, Motwani, Winograd, "The PageRank citation ranking", 1999; Kleinberg,
    "Authoritative sources in a hyperlinked environment", JACM 1999 (HITS).
    """
    return _analyses(net, me).influencers(seed=seed)


def reciprocity(net: Network, *, me: str | None = None, level: str = "relationship") -> pl.DataFrame:
    """Who gives back: give/get balance, answer rates and latencies per relationship, or per person.

    Parameters
    ----------
    net : Network
        The graph.
    me : str, optional
        Only the ego's relationships (or, with ``level="person"``, the ego's own row).
    level : {"relationship", "person"}
        One row per relationship or per person.

    Returns
    -------
    polars.DataFrame
        The columns of ``ror reciprocity`` (``--by relationship`` or ``--by person``).

    Example
    -------
    >>> table = reciprocity(read(example_events()), me="brand")
    >>> table.filter(table["b"] == "dee").select("n_give", "n_get", "reciprocated").row(0)
    (0, 1, False)

    References
    ----------
    Garlaschelli and Loffredo, "Patterns of link reciprocity in directed networks", PRL 2004.
    """
    return _analyses(net, me).reciprocity(level=level)


def referral_reach(
    net: Network,
    *,
    seeds: Sequence[str] | None = None,
    model: str = "ic",
    prob: str = "strength",
    epsilon: float = 0.1,
    sims: int = 10_000,
    seed: int = 0,
) -> pl.DataFrame:
    """How far a share or referral travels: everyone's expected reach, or that of ``seeds``.

    Parameters
    ----------
    net : Network
        The graph.
    seeds : list of str, optional
        Expected reach if these people share together (Monte Carlo; one row). Default: every
        person's own reach (reverse-reachable sets; one row per person).
    model : {"ic", "lt"}
        Independent cascade or linear threshold.
    prob : str
        Edge probabilities: ``strength[:SCALE]``, ``wc``, ``const:P`` or ``learned``
        (docs/referral.md).
    epsilon : float
        Relative error of the per-person estimate.
    sims : int
        Monte Carlo simulations for ``seeds``.
    seed : int
        Random seed; the same seed gives the same answer.

    Returns
    -------
    polars.DataFrame
        Per person: ``rank, node_id, referral_reach, stderr, ci_low, ci_high``; for ``seeds``:
        ``seeds, model, prob, expected_reach, stderr, ci_low, ci_high, sims``.

    Example
    -------
    >>> net = read(example_events())
    >>> referral_reach(net, seeds=["brand"], prob="const:1", sims=100)["expected_reach"][0]
    5.0

    References
    ----------
    Kempe, Kleinberg, Tardos, "Maximizing the spread of influence through a social network",
    KDD 2003; Tang, Shi, Xiao, "Influence maximization in near-linear time", SIGMOD 2015.
    """
    from ror_graph import referral as ref

    if seeds is None:
        return ref.referral_reach(net, model=model, prob=prob, epsilon=epsilon, seed=seed)
    if isinstance(seeds, str):
        seeds = [seeds]
    estimate = ref.expected_reach(net, list(seeds), model=model, prob=prob, sims=sims, seed=seed)
    return estimate.to_frame(seeds=",".join(seeds), model=model, prob=prob)


def stats(net: Network) -> pl.DataFrame:
    """The community at a glance: size, time span, reciprocity, components, kinds.

    Parameters
    ----------
    net : Network
        The graph.

    Returns
    -------
    polars.DataFrame
        One row, one typed column per figure (``events, nodes, relationships, ties,
        first_event, ..., kinds``); :data:`ror_graph.backends.base.STATS_COLUMNS` says what
        each means.

    Example
    -------
    >>> stats(read(example_events())).select("events", "nodes", "weak_components").row(0)
    (12, 5, 1)

    References
    ----------
    Garlaschelli and Loffredo, PRL 2004 (``rho``).
    """
    return _analyses(net, None).stats()
