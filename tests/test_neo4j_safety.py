"""ror-graph never touches data it did not write: on the real server, a replace removes only
ror-graph's marked nodes and relationships, a load refuses :Person nodes from elsewhere unless
asked to adopt them, and the test suite never uses a server it was not told to use."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ror_graph.errors import BackendError
from ror_graph.loaders import load_events

from _neo4j_helpers import cli_env, graph_of, snapshot

pytestmark = pytest.mark.neo4j

FOREIGN = """
CREATE (c1:Customer {id: 'c1', name: 'Ada'})-[:BOUGHT {qty: 2}]->(p:Product {sku: 'p-1'}),
       (c2:Customer {id: 'c2'})-[:INTERACTS {since: 2020}]->(c1),
       (:Note {text: 'keep me'})
"""


def _foreign_state(graph):
    """Every node and relationship without ror-graph's marks, with all properties."""
    db = graph.settings.database
    nodes = graph._driver.execute_query(
        "MATCH (n) WHERE NOT n:RorGraph AND NOT n:RorGraphLoad "
        "RETURN labels(n) AS labels, properties(n) AS props", database_=db).records
    rels = graph._driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE r.ror_load IS NULL "
        "RETURN type(r) AS t, properties(r) AS props, properties(a) AS a, properties(b) AS b",
        database_=db).records
    return sorted((repr(tuple(r.values())) for r in nodes)), sorted(repr(tuple(r.values())) for r in rels)


@pytest.fixture()
def neo4j_own(neo4j_clean):
    """A clean database, wiped again afterwards (these tests leave foreign data behind). Only
    on a database the tests own (neo4j_clean checks it)."""
    yield neo4j_clean
    from neo4j import GraphDatabase

    assert neo4j_clean["owned"], "refusing to wipe a Neo4j database the tests do not own"

    with GraphDatabase.driver(neo4j_clean["uri"], auth=(neo4j_clean["user"], neo4j_clean["password"])) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=neo4j_clean["database"])


@pytest.fixture(scope="module")
def sample(sample_events):
    return load_events([str(sample_events)])


def test_every_node_and_relationship_is_marked(neo4j_own, sample):
    with graph_of(neo4j_own) as graph:
        graph.load(sample, keep_events=True, progress=False)
        graph.write_scores(graph.network(), me="brand", progress=False)
        db = graph.settings.database
        load_id = graph.load_record()["load_id"]
        unmarked = graph._driver.execute_query(
            "MATCH (n) WHERE NOT n:RorGraph AND NOT n:RorGraphLoad RETURN count(n) AS n", database_=db).records[0]["n"]
        marks = graph._driver.execute_query(
            "MATCH ()-[r]->() RETURN collect(DISTINCT r.ror_load) AS ids, count(r) AS n", database_=db).records[0]
        people = graph._driver.execute_query(
            "MATCH (p:RorGraph) RETURN collect(DISTINCT p.ror_load) AS ids", database_=db).records[0]["ids"]
    assert unmarked == 0 and marks["n"] > 0
    assert marks["ids"] == [load_id] and people == [load_id]


def test_replace_removes_only_what_ror_graph_wrote(neo4j_own, sample):
    with graph_of(neo4j_own) as graph:
        graph._driver.execute_query(FOREIGN, database_=graph.settings.database)
        before = _foreign_state(graph)
        graph.load(sample, keep_events=True, progress=False)
        clean = snapshot(graph)
        graph.write_scores(graph.network(), me="brand", progress=False)
        graph.load(sample, keep_events=True, replace=True, progress=False)
        assert snapshot(graph) == clean  # the scores went with the replace; foreign INTERACTS stayed
        assert _foreign_state(graph) == before
        removed = graph.wipe()
        assert removed > 0 and _foreign_state(graph) == before
        left = graph._driver.execute_query(
            "MATCH (n) WHERE n:RorGraph OR n:RorGraphLoad RETURN count(n) AS n", database_=graph.settings.database
        ).records[0]["n"]
    assert left == 0
    assert len(before[0]) == 4 and len(before[1]) == 2


def test_foreign_people_are_refused_then_adopted_on_request(neo4j_own, sample):
    db = neo4j_own["database"]
    with graph_of(neo4j_own) as graph:
        graph._driver.execute_query(
            "CREATE (:Person {id: 'brand', name: 'Their Brand', crm_id: 7})-[:KNOWS]->(:Person {id: 'zz-theirs'})",
            database_=db)
        before = _foreign_state(graph)
        with pytest.raises(BackendError) as err:
            graph.load(sample, progress=False)
        message = str(err.value)
        assert len(message.splitlines()) == 1
        assert "holds 2 :Person nodes that ror-graph did not write" in message and "adopt=" in message
        assert _foreign_state(graph) == before  # nothing written, not even the load record
        assert graph.run("read_load")[0]["load"] is None
        constraints = graph._driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=db).records
        assert constraints == []

        graph.load(sample, adopt=True, progress=False)
        brand = graph._driver.execute_query(
            "MATCH (p:Person {id: 'brand'}) RETURN p.crm_id AS crm_id, p.ror_adopted AS adopted, p:RorGraph AS marked",
            database_=db).records[0]
        assert (brand["crm_id"], brand["adopted"], brand["marked"]) == (7, True, True)
        graph.wipe()  # hands 'brand' back: kept, with its own relationship
        after = graph._driver.execute_query(
            "MATCH (p:Person) RETURN p.id AS id, p:RorGraph AS marked, COUNT { (p)-[:KNOWS]-() } AS knows ORDER BY id",
            database_=db).records
    assert [tuple(r.values()) for r in after] == [("brand", False, 1), ("zz-theirs", False, 1)]


def test_cli_load_into_foreign_people_is_one_line(neo4j_own, sample_events):
    from ror_graph.cli import main

    with graph_of(neo4j_own) as graph:
        graph._driver.execute_query("CREATE (:Person {id: 'theirs'})", database_=graph.settings.database)
    result = CliRunner().invoke(main, ["neo4j", "load", str(sample_events), "--format", "csv"], env=cli_env(neo4j_own))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "did not write" in lines[0] and lines[0].rstrip().endswith("--adopt")
    adopted = CliRunner().invoke(main, ["neo4j", "load", str(sample_events), "--adopt", "--format", "csv"],
                                 env=cli_env(neo4j_own))
    assert adopted.exit_code == 0, adopted.output


# -- the test suite's own server --------------------------------------------------------------------


def test_user_server_variables_are_not_seen_by_the_tests():
    import os

    assert not any(os.environ.get(k) for k in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"))


def test_named_test_database_with_data_is_refused():
    from _neo4j_server import refusal_of_named_database

    settings = {"uri": "bolt://127.0.0.1:7687", "database": "neo4j"}
    message = refusal_of_named_database(settings, 12, env={})
    assert message is not None and len(message.splitlines()) == 1
    assert "holds 12 nodes the tests did not create" in message and "ROR_TEST_NEO4J_WIPE=1" in message
    assert refusal_of_named_database(settings, 0, env={}) is None
    assert refusal_of_named_database(settings, 12, env={"ROR_TEST_NEO4J_WIPE": "1"}) is None


def test_pytest_run_with_neo4j_uri_set_does_not_see_it(tmp_path):
    """A pytest run started with NEO4J_URI (as `eval "$(server.py start)"` leaves it) does not
    see the variable, so no fixture or CLI call can reach that server."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:7687", "NEO4J_PASSWORD": "someone-elses"}
    env.pop("ROR_TEST_NEO4J_URI", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{Path(__file__).name}::test_user_server_variables_are_not_seen_by_the_tests"],
        cwd=root / "tests", env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
