"""Where and as whom to connect, and the backend's fixed numbers.

Example
-------
>>> settings = Neo4jSettings.resolve(uri="bolt://127.0.0.1:7687", password="secret", env={})
>>> settings                                     # the password is never shown
Neo4jSettings(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j')
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["MIN_VERSION", "DEFAULT_URI", "DEFAULT_BATCH", "DEFAULT_WRITERS", "SCHEMA", "Neo4jSettings"]

#: Oldest Neo4j the backend accepts: relationship uniqueness constraints (5.7), COUNT {} and
#: COLLECT {} subqueries (5.3 / 5.6).
MIN_VERSION: tuple[int, ...] = (5, 7)
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_BATCH = 1_000  # rows per UNWIND transaction: fastest on the benchmark (docs/neo4j.md)
DEFAULT_WRITERS = 2  # concurrent relationship writers, on node-disjoint partitions (docs/neo4j.md)
# The index first: it populates in the background while the constraints (which wait for their
# own index) populate, which matters after a bulk import, when the graph is already there.
SCHEMA = ("schema_interacts_strength", "schema_person_id", "schema_interaction_key", "schema_load_key")


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect; the password never appears in ``repr`` or messages."""

    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"

    @classmethod
    def resolve(
        cls,
        *,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Neo4jSettings:
        """Flags first, then ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``,
        ``NEO4J_DATABASE``, then the defaults (bolt://127.0.0.1:7687, neo4j, neo4j)."""
        env = os.environ if env is None else env
        return cls(
            uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
            user=user or env.get("NEO4J_USERNAME") or env.get("NEO4J_USER") or "neo4j",
            password=password if password is not None else env.get("NEO4J_PASSWORD", ""),
            database=database or env.get("NEO4J_DATABASE") or "neo4j",
        )


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])
