"""The in-memory backend (the default): read the input with the loaders, build a
:class:`~ror_graph.network.Network`, and answer with the library functions. The Neo4j backend
reads its stored graph back into the same Network and answers with the same code.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> raw = pl.DataFrame({"src": ["a", "b", "a"], "dst": ["b", "a", "c"], "kind": ["reply"] * 3, "ts": [1, 2, 3]})
>>> analyses = MemoryAnalyses(Network.from_dataset(validate_events(raw, source="doc")), me="a")
>>> analyses.stats().select("events", "nodes", "relationships").row(0)
(3, 3, 3)
>>> sorted(analyses.influencers()["node_id"])       # the ego is left out
['b', 'c']
"""

from __future__ import annotations

import threading

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.backends.base import Analyses, Backend, GraphRequest
from ror_graph.errors import OptionError
from ror_graph.progress import step

if TYPE_CHECKING:
    from ror_graph.fading import FadeParams
    from ror_graph.model import Dataset
    from ror_graph.network import Network
    from ror_graph.nurture import NurtureWeights

__all__ = ["MemoryBackend", "MemoryAnalyses", "Neo4jBackend", "read_dataset", "fade_params"]


def read_dataset(request: GraphRequest) -> Dataset:
    """Read ``request.sources`` with the loader registry (format detected unless named)."""
    from ror_graph.loaders import load_events

    if not request.sources:
        raise OptionError("no input files given (sources= is empty)")
    options: dict[str, Any] = dict(request.loader_options)
    if request.column_map:
        options["column_map"] = dict(request.column_map)
    return load_events(list(request.sources), loader=request.loader, **options)


def fade_params(**fade_options: Any) -> FadeParams:
    """``FadeParams`` from keyword options; an unknown name is an :class:`OptionError` listing the known ones."""
    from ror_graph.fading import FadeParams

    known = {f.name for f in fields(FadeParams)}
    unknown = sorted(set(fade_options) - known)
    if unknown:
        raise OptionError(f"unknown fade option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return FadeParams(**fade_options)


class MemoryAnalyses(Analyses):
    """The analyses of an in-memory :class:`~ror_graph.network.Network`.

    Parameters
    ----------
    net : Network
        The graph.
    me : str, optional
        The ego; an unknown id raises :class:`~ror_graph.errors.OptionError` at once.
    notes : tuple of str
        Remarks made while reading the input.
    """

    def __init__(self, net: Network, *, me: str | None = None, notes: tuple[str, ...] = ()) -> None:
        if me is not None:
            net.index_of(me)  # fail early, with a hint, on an unknown ego
        self.net, self.me, self.notes = net, me, notes

    def stats(self) -> pl.DataFrame:
        from ror_graph.stats import network_stats

        row = network_stats(self.net).as_dict()
        kinds = self.net.events["kind"].value_counts(sort=True).rows()
        row["kinds"] = ", ".join(f"{kind} {count}" for kind, count in kinds)  # plain numbers: machines read it
        return pl.DataFrame([row])

    def influencers(self, *, seed: int = 0) -> pl.DataFrame:
        from ror_graph.influence import influencers

        return influencers(self.net, me=self.me, seed=seed)

    def reciprocity(self, *, level: str = "relationship") -> pl.DataFrame:
        from ror_graph import reciprocity as rec

        if level == "person":
            table = rec.person_reciprocity(self.net)
            return table if self.me is None else table.filter(pl.col("node_id") == self.me)
        if level != "relationship":
            raise OptionError(f"level={level!r}: use 'relationship' or 'person'")
        return rec.relationship_reciprocity(self.net, me=self.me)

    def fading(self, **fade_options: Any) -> pl.DataFrame:
        from ror_graph.fading import fading_ties

        return fading_ties(self.net, me=self.me, params=fade_params(**fade_options))

    def nurture_next(self, *, weights: NurtureWeights | None = None, reach: bool = True, seed: int = 0,
                     **fade_options: Any) -> pl.DataFrame:
        from ror_graph.nurture import NurtureWeights, nurture_next

        return nurture_next(self.net, me=self.me, weights=weights or NurtureWeights(), estimate_reach=reach, seed=seed,
                            fade=fade_params(**fade_options))

    def network(self) -> Network:
        return self.net

    def reciprocity_summary(self) -> dict[str, float | int]:
        from ror_graph.reciprocity import reciprocity_summary

        return reciprocity_summary(self.net).as_dict()


class MemoryBackend(Backend):
    """Read the input files into memory (polars, scipy, igraph); takes no settings."""

    name = "memory"

    def open(self, request: GraphRequest) -> MemoryAnalyses:
        from ror_graph.network import Network

        warm = threading.Thread(target=_load_compiled_kernels, daemon=True)
        warm.start()  # beside the read, which releases the GIL
        step("reading the input")
        dataset = read_dataset(request)
        warm.join()
        net = Network.from_dataset(dataset, as_of=request.as_of, half_life=request.half_life, kind_weights=dict(request.kind_weights))
        return MemoryAnalyses(net, me=request.me or dataset.ego, notes=dataset.notes)


def _load_compiled_kernels() -> None:
    """Import numba and load one compiled kernel from its cache: the first such load in a
    process sets numba up (about 0.7 s with the import), the later ones take milliseconds."""
    import numpy as np

    from ror_graph._pairscan import counting_order

    counting_order(np.zeros(1, np.uint32), 1)


class Neo4jBackend(Backend):
    """The graph ``ror neo4j load`` stored in a Neo4j server, read back into memory.

    Parameters
    ----------
    uri, user, password, database : str, optional
        The connection (default: ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``,
        ``NEO4J_DATABASE``, else bolt://127.0.0.1:7687, neo4j, neo4j).
    """

    name = "neo4j"
    reads_sources = False

    def __init__(self, *, uri: str | None = None, user: str | None = None, password: str | None = None,
                 database: str | None = None) -> None:
        self.uri, self.user, self.password, self.database = uri, user, password, database

    def open(self, request: GraphRequest) -> MemoryAnalyses:
        from ror_graph.backends.neo4j import Neo4jSettings, network_from_neo4j

        if request.sources:
            raise OptionError("the neo4j backend reads the graph stored in Neo4j, not sources=: "
                              "store input files with `ror neo4j load`")
        settings = Neo4jSettings.resolve(uri=self.uri, user=self.user, password=self.password, database=self.database)
        net = network_from_neo4j(settings, as_of=request.as_of,
                                 half_life=request.half_life, kind_weights=dict(request.kind_weights))
        return MemoryAnalyses(net, me=request.me or net.loaded.ego)
