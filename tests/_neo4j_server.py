"""The project's own Neo4j server and the rule for a named test database (shared by
tests/conftest.py and the Neo4j test files; a plain module, so that no test imports a conftest)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_server_module():
    spec = importlib.util.spec_from_file_location("ror_neo4j_server", ROOT / "neo4j_server" / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TEST_NEO4J_URI = "ROR_TEST_NEO4J_URI"
TEST_NEO4J_WIPE = "ROR_TEST_NEO4J_WIPE"


def count_nodes(settings: dict) -> int:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(settings["uri"], auth=(settings["user"], settings["password"])) as driver:
        return driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=settings["database"]).records[0]["n"]


def refusal_of_named_database(settings: dict, nodes: int, env=os.environ) -> str | None:
    """The one-line reason to refuse a named test database holding ``nodes`` nodes (None: use it)."""
    if nodes == 0 or env.get(TEST_NEO4J_WIPE) == "1":
        return None
    return (f"the test database {settings['database']!r} at {settings['uri']} ({TEST_NEO4J_URI}) holds {nodes:,} "
            f"nodes the tests did not create; use an empty database, or set {TEST_NEO4J_WIPE}=1 to let the tests "
            "delete everything in it")
