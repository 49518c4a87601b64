"""Helpers shared by the Neo4j test files (not a test module)."""

from __future__ import annotations

from typing import Any

from ror_graph.backends.neo4j import Neo4jGraph, Neo4jSettings


def settings_of(server: dict[str, Any], **changes: Any) -> Neo4jSettings:
    base = dict(uri=server["uri"], user=server["user"], password=server["password"], database=server["database"])
    base.update(changes)
    return Neo4jSettings(**base)


def graph_of(server: dict[str, Any]) -> Neo4jGraph:
    return Neo4jGraph(settings_of(server))


def snapshot(graph: Neo4jGraph) -> tuple[list, list]:
    """Every person and relationship with all properties, in a fixed order."""
    db = graph.settings.database
    people = graph._driver.execute_query(
        "MATCH (p:Person) RETURN p.id AS id, properties(p) AS props ORDER BY id", database_=db
    ).records
    rels = graph._driver.execute_query(
        "MATCH (a:Person)-[r]->(b:Person) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS props "
        "ORDER BY a, t, b, r.key",
        database_=db,
    ).records
    return [_unmarked(r.values()) for r in people], [_unmarked(r.values()) for r in rels]


def _unmarked(values: list) -> tuple:
    """A record's values with the load id (``ror_load``, new on every load) left out of its
    property map."""
    return tuple({k: v for k, v in x.items() if k != "ror_load"} if isinstance(x, dict) else x for x in values)


def cli_env(server: dict[str, Any]) -> dict[str, str]:
    """The NEO4J_* variables for a CLI run against ``server``."""
    return {"NEO4J_URI": server["uri"], "NEO4J_USERNAME": server["user"], "NEO4J_PASSWORD": server["password"],
            "NEO4J_DATABASE": server["database"]}
