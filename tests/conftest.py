"""Shared fixtures: the real datasets in ../shared/data and a real Neo4j server.

Neo4j: if NEO4J_URI is set, tests use that server; otherwise one server is started for the
whole session from neo4j_server/ (Maven Central jars) and stopped at the end. A Neo4j test
that cannot reach its server FAILS, with the reason; it may skip only on a machine without
Java, and never when CI is set.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """../shared/data beside the checkout (override with ROR_SHARED_DATA)."""
    return Path(os.environ.get("ROR_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared datasets are missing: {path} (set ROR_SHARED_DATA)")
        pytest.skip(f"shared datasets not found at {path}")
    return path


@pytest.fixture(scope="session")
def sample_events() -> Path:
    return ROOT / "sample_data" / "events.csv"


def _load_server_module():
    spec = importlib.util.spec_from_file_location("ror_neo4j_server", ROOT / "neo4j_server" / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def neo4j_server():
    """Connection settings of a running Neo4j: a dict with uri, user, password, database."""
    if os.environ.get("NEO4J_URI"):
        yield {
            "uri": os.environ["NEO4J_URI"],
            "user": os.environ.get("NEO4J_USERNAME", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD", ""),
            "database": os.environ.get("NEO4J_DATABASE", "neo4j"),
        }
        return
    server = _load_server_module()
    if not server.java_available():
        if os.environ.get("CI"):
            pytest.fail("Neo4j tests need Java 17+ to start the test server, and none was found (CI must not skip these)")
        pytest.skip("no Java on this machine: Neo4j tests skipped (they never skip in CI)")
    try:
        info = server.start(timeout=240)
    except server.Neo4jServerError as exc:
        pytest.fail(f"could not start the Neo4j test server: {exc}")
    try:
        yield {"uri": info.uri, "user": info.user, "password": info.password, "database": "neo4j"}
    finally:
        server.stop(info)


@pytest.fixture()
def neo4j_clean(neo4j_server):
    """A wiped database (data, constraints and indexes dropped) before the test."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"])) as driver:
        db = neo4j_server["database"]
        with driver.session(database=db) as session:  # CALL ... IN TRANSACTIONS needs an auto-commit query
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        for record in driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=db).records:
            driver.execute_query(f"DROP CONSTRAINT `{record['name']}` IF EXISTS", database_=db)
        for record in driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'", database_=db).records:
            driver.execute_query(f"DROP INDEX `{record['name']}` IF EXISTS", database_=db)
    return neo4j_server
