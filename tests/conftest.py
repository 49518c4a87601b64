"""Shared fixtures: the real datasets in ../shared/data and a real Neo4j server.

Neo4j: the tests use only a server they start themselves (one per session, from neo4j_server/,
Maven Central jars, stopped at the end), or a test database named explicitly with
ROR_TEST_NEO4J_URI (+ _USERNAME, _PASSWORD, _DATABASE). NEO4J_URI and the other NEO4J_*
variables are removed from the environment of the test session, so a user's own server is never
touched. A named test database that holds data the tests did not create is refused, unless
ROR_TEST_NEO4J_WIPE=1 allows the tests to delete everything in it. A Neo4j test that cannot
reach its server FAILS, with the reason; it may skip only on a machine without Java, and never
when CI is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _neo4j_server import TEST_NEO4J_URI, count_nodes, load_server_module, refusal_of_named_database

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


# A user's server in NEO4J_URI must never be reached by the tests: forget it for this session.
for _name in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
    os.environ.pop(_name, None)

@pytest.fixture(scope="session")
def neo4j_server():
    """Connection settings of a Neo4j the tests own: a dict with uri, user, password, database,
    owned (True: the tests may wipe it), browser_url and guide_url (when the tests started it)."""
    if os.environ.get(TEST_NEO4J_URI):
        settings = {
            "uri": os.environ[TEST_NEO4J_URI],
            "user": os.environ.get("ROR_TEST_NEO4J_USERNAME", "neo4j"),
            "password": os.environ.get("ROR_TEST_NEO4J_PASSWORD", ""),
            "database": os.environ.get("ROR_TEST_NEO4J_DATABASE", "neo4j"),
            "browser_url": "", "guide_url": "",
        }
        reason = refusal_of_named_database(settings, count_nodes(settings))
        if reason:
            pytest.fail(reason, pytrace=False)
        yield {**settings, "owned": True}
        return
    server = load_server_module()
    if not server.java_available():
        if os.environ.get("CI"):
            pytest.fail("Neo4j tests need Java 17+ to start the test server, and none was found (CI must not skip these)")
        pytest.skip("no Java on this machine: Neo4j tests skipped (they never skip in CI)")
    try:
        info = server.start(timeout=240)
    except server.Neo4jServerError as exc:
        pytest.fail(f"could not start the Neo4j test server: {exc}")
    try:
        yield {"uri": info.uri, "user": info.user, "password": info.password, "database": "neo4j",
               "browser_url": info.browser_url, "guide_url": info.guide_url, "owned": True}
    finally:
        server.stop(info)


@pytest.fixture()
def neo4j_clean(neo4j_server):
    """A wiped database (data, constraints and indexes dropped) before the test. Only ever on a
    database the tests own: one they started, or a named test database that was empty or that
    ROR_TEST_NEO4J_WIPE=1 allowed them to wipe."""
    from neo4j import GraphDatabase

    assert neo4j_server["owned"], "refusing to wipe a Neo4j database the tests do not own"
    with GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"])) as driver:
        db = neo4j_server["database"]
        with driver.session(database=db) as session:  # CALL ... IN TRANSACTIONS needs an auto-commit query
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        for record in driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=db).records:
            driver.execute_query(f"DROP CONSTRAINT `{record['name']}` IF EXISTS", database_=db)
        for record in driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'", database_=db).records:
            driver.execute_query(f"DROP INDEX `{record['name']}` IF EXISTS", database_=db)
    return neo4j_server
