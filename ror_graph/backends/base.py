"""The backend interface: one way to ask any backend (memory, Neo4j, Spark) for the analyses.

A :class:`Backend` opens a :class:`GraphRequest` (where the graph is, how to read it, ``as_of``,
``half_life``, kind weights, the ego) and returns an :class:`Analyses`: one object per opened
graph whose methods return polars DataFrames with exactly the memory backend's columns. The
CLI and the Python API ask :func:`ror_graph.backends.get_backend` for a backend once and never
branch on which one it is (the graph-data-science client's ``GraphBackend`` is the model).

Example
-------
>>> from ror_graph.backends import get_backend
>>> request = GraphRequest(sources=("sample_data/events.csv",), me="brand")
>>> analyses = get_backend("memory").open(request)        # doctest: +SKIP
>>> analyses.nurture_next().columns[:3]                   # doctest: +SKIP
['rank', 'node_id', 'priority']
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from ror_graph.strength import DEFAULT_HALF_LIFE

if TYPE_CHECKING:
    import polars as pl

    from ror_graph.network import Network
    from ror_graph.nurture import NurtureWeights

__all__ = ["Backend", "GraphRequest", "Analyses", "STATS_COLUMNS"]

#: The columns of :meth:`Analyses.stats` (one row), with what each figure means. Integers are
#: Int64, fractions Float64, times Datetime(us, UTC), ``kinds`` a String ("reply 12, like 3").
STATS_COLUMNS: dict[str, str] = {
    "events": "interactions up to as_of",
    "nodes": "people with at least one interaction",
    "relationships": "distinct directed pairs (src gave attention to dst)",
    "ties": "distinct unordered pairs",
    "first_event": "time of the first interaction",
    "last_event": "time of the last interaction up to as_of",
    "as_of": "'now' of the analysis",
    "span_days": "days from the first to the last interaction",
    "edge_reciprocity": "share of directed relationships whose reverse exists",
    "pair_reciprocity": "share of connected pairs that are mutual",
    "rho": "Garlaschelli-Loffredo: (r - density) / (1 - density)",
    "density": "relationships / (nodes * (nodes - 1))",
    "weak_components": "weakly connected components",
    "largest_component": "people in the largest weak component",
    "strong_components": "strongly connected components",
    "kinds": "interactions by kind, most first: 'like 6079, reply 3740'",
}


@dataclass(frozen=True)
class GraphRequest:
    """What to analyse: the input, how to read it, and the parameters of the tie model.

    Parameters
    ----------
    sources : tuple of str
        Input files or folders (empty for a backend that holds the graph itself, e.g. Neo4j).
    loader : str, optional
        Input format (default: detected per file); see ``ror loaders``.
    loader_options : dict
        Options of the loader (``delimiter``, ``kind``, ...).
    column_map : dict
        Canonical column -> column in the file, e.g. ``{"src": "from"}``.
    as_of : str or datetime, optional
        "Now" of the analysis: ISO date/time or ``-30d`` (default: the last event).
    half_life : str or timedelta
        Half-life of tie strength, e.g. ``"60d"``.
    kind_weights : dict
        Weight of one event of a kind, e.g. ``{"reply": 4.0}``.
    me : str, optional
        The ego whose relationships are analysed (default: the input's owner, if it has one).
    """

    sources: tuple[str, ...] = ()
    loader: str | None = None
    loader_options: Mapping[str, Any] = field(default_factory=dict)
    column_map: Mapping[str, str] = field(default_factory=dict)
    as_of: str | datetime | None = None
    half_life: str | timedelta = DEFAULT_HALF_LIFE
    kind_weights: Mapping[str, float] = field(default_factory=dict)
    me: str | None = None


class Analyses(abc.ABC):
    """The analyses of one opened graph; every method returns a polars DataFrame.

    ``me`` is the ego (from the request, else the input's owner, else None); ``notes`` are
    one-line remarks made while reading the input (dropped self-loops, duplicates).
    """

    me: str | None = None
    notes: tuple[str, ...] = ()

    @abc.abstractmethod
    def stats(self) -> pl.DataFrame:
        """One row, one typed column per figure of :data:`STATS_COLUMNS`."""

    @abc.abstractmethod
    def influencers(self, *, seed: int = 0) -> pl.DataFrame:
        """As :func:`ror_graph.influence.influencers` (personalised from ``me``)."""

    @abc.abstractmethod
    def reciprocity(self, *, level: str = "relationship") -> pl.DataFrame:
        """Per relationship (:func:`ror_graph.reciprocity.relationship_reciprocity`) or per
        person (:func:`ror_graph.reciprocity.person_reciprocity`, only ``me`` when given)."""

    @abc.abstractmethod
    def fading(self, **fade_options: Any) -> pl.DataFrame:
        """As :func:`ror_graph.fading.fading_ties`; options are fields of ``FadeParams``."""

    @abc.abstractmethod
    def nurture_next(self, *, weights: NurtureWeights | None = None, reach: bool = True, seed: int = 0,
                     **fade_options: Any) -> pl.DataFrame:
        """As :func:`ror_graph.nurture.nurture_next` (``reach=False`` leaves referral reach out;
        ``fade_options`` are fields of ``FadeParams``, e.g. ``horizon_days``)."""

    @abc.abstractmethod
    def network(self) -> Network:
        """The in-memory :class:`~ror_graph.network.Network` (for report, plan, export, diff,
        referral); a backend that has none raises :class:`~ror_graph.errors.BackendError`."""

    def reciprocity_summary(self) -> dict[str, float | int]:
        """Graph-level reciprocity: ``edges``, ``reciprocated_edges``, ``edge_reciprocity``,
        ``pair_reciprocity``, ``rho`` (from :meth:`stats` unless a backend knows better)."""
        row = self.stats().row(0, named=True)
        edges = int(row["relationships"])
        return {
            "edges": edges,
            "reciprocated_edges": round(row["edge_reciprocity"] * edges),
            "edge_reciprocity": row["edge_reciprocity"],
            "pair_reciprocity": row["pair_reciprocity"],
            "rho": row["rho"],
        }


class Backend(abc.ABC):
    """Where the graph lives and how it is computed; :meth:`open` reads a graph for analysis."""

    name: ClassVar[str]
    #: Whether :attr:`GraphRequest.sources` must name input files (False: the backend holds the graph).
    reads_sources: ClassVar[bool] = True

    @abc.abstractmethod
    def open(self, request: GraphRequest) -> Analyses:
        """Read the input and build what the analyses need."""
