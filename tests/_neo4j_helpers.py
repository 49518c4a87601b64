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
    return [tuple(r.values()) for r in people], [tuple(r.values()) for r in rels]
