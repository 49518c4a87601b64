"""The Neo4j graph: one class with the load, read-back and score-writing seams, and the two
entry points :func:`connect` and :func:`network_from_neo4j`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ror_graph.backends.neo4j.load import Loader
from ror_graph.backends.neo4j.scores import ScoreWriter
from ror_graph.backends.neo4j.settings import Neo4jSettings
from ror_graph.strength import DEFAULT_HALF_LIFE

if TYPE_CHECKING:
    from ror_graph.network import Network

__all__ = ["Neo4jGraph", "connect", "network_from_neo4j"]


class Neo4jGraph(Loader, ScoreWriter):
    """An open connection to one database of a Neo4j server; use as a context manager.

    Connecting checks the server, the credentials, the database and the version, and raises
    a one-line :class:`~ror_graph.errors.BackendError` for each problem. Loads
    (:class:`~ror_graph.backends.neo4j.load.Loader`), reads
    (:class:`~ror_graph.backends.neo4j.read.Reader`) and score writes
    (:class:`~ror_graph.backends.neo4j.scores.ScoreWriter`) live in their own modules.
    """


def connect(settings: Neo4jSettings | None = None, **overrides: Any) -> Neo4jGraph:
    """Open a checked connection (settings from flags/``overrides`` and the environment)."""
    return Neo4jGraph(settings or Neo4jSettings.resolve(**overrides))


def network_from_neo4j(
    settings: Neo4jSettings,
    *,
    as_of: str | datetime | None = None,
    half_life: str | timedelta = DEFAULT_HALF_LIFE,
    kind_weights: Mapping[str, float] | None = None,
) -> Network:
    """Read the stored graph and build the same :class:`Network` the memory backend builds."""
    with Neo4jGraph(settings) as graph:
        return graph.network(as_of=as_of, half_life=half_life, kind_weights=kind_weights)
