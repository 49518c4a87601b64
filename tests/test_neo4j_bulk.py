"""A first load through Neo4j's bulk importer, on a real server of the tests' own (it restarts
the server): the same graph as the Bolt load, a second load is idempotent, a load that died
after the import is completed by a rerun, a failed import leaves the database empty, and a
database holding anything else is loaded over Bolt with a one-line reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ror_graph.backends.neo4j import bulk
from ror_graph.backends.neo4j.rows import interaction_frame, people_frame, relationship_frame
from ror_graph.errors import BackendError
from ror_graph.loaders import load_events
from ror_graph.network import Network

from _neo4j_helpers import cli_env, graph_of, snapshot
from _neo4j_server import load_server_module

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def own_server():
    """A server started by neo4j_server/server.py for these tests alone (a bulk load restarts it)."""
    server = load_server_module()
    if not server.java_available():
        if os.environ.get("CI"):
            pytest.fail("Neo4j tests need Java 17+ to start the test server, and none was found (CI must not skip these)")
        pytest.skip("no Java on this machine: Neo4j tests skipped (they never skip in CI)")
    info = server.start(timeout=300, http_port=0, guide=False)
    try:
        yield {"uri": info.uri, "user": info.user, "password": info.password, "database": "neo4j",
               "home": info.home, "owned": True}
    finally:
        server.stop(info)


@pytest.fixture()
def empty(own_server):
    """The database emptied: no node, no constraint, no index but the built-in lookups."""
    _empty_again(own_server)
    return own_server


@pytest.fixture(scope="module")
def sample(sample_events):
    return load_events([str(sample_events)])


def _state(graph) -> tuple:
    """Everything a load leaves: every node and relationship with all properties (times also as
    text, which shows their zone), the load record without its id, and the schema."""
    run = graph._driver.execute_query
    times = run("MATCH ()-[r:INTERACTS|INTERACTION]->() RETURN type(r) AS t, coalesce(r.key, '') AS k, "
                "toString(r.first_ts) AS f, toString(r.last_ts) AS l, toString(r.ts) AS ts ORDER BY t, k, f, l, ts",
                database_="neo4j").records
    record = run("MATCH (m:RorGraphLoad) RETURN properties(m) AS p", database_="neo4j").records
    schema = run("SHOW INDEXES YIELD name, type, state, labelsOrTypes, properties WHERE type <> 'LOOKUP' "
                 "RETURN name, type, state, labelsOrTypes, properties ORDER BY name", database_="neo4j").records
    labels = run("MATCH (n) RETURN labels(n) AS l, count(*) AS c ORDER BY c", database_="neo4j").records
    return (snapshot(graph), [tuple(r.values()) for r in times],
            [{k: v for k, v in r["p"].items() if k != "load_id"} for r in record],
            [tuple(r.values()) for r in schema], sorted((sorted(r["l"]), r["c"]) for r in labels))


def test_bulk_first_load_is_the_bolt_load_and_a_second_load_changes_nothing(empty, sample):
    with graph_of(empty) as graph:
        bolt = graph.load(sample, keep_events=True, progress=False)
        by_bolt = _state(graph)
    _empty_again(empty)
    with graph_of(empty) as graph:
        first = graph.load(sample, keep_events=True, bulk=True, progress=False)
        assert (first.method, first.note) == ("bulk", "")
        assert _state(graph) == by_bolt
        assert (first.people, first.relationships, first.interactions) == (bolt.people, bolt.relationships,
                                                                         bolt.interactions)
        again = graph.load(sample, keep_events=True, bulk=True, progress=False)
        assert again.method == "bolt"
        assert again.note == ("bulk import not used: database 'neo4j' holds 302 nodes and the importer replaces "
                              "the whole database; loaded over Bolt")
        assert _state(graph) == by_bolt
        back = graph.read_dataset()
    key = ["src", "dst", "ts", "kind", "weight"]
    assert back.events.select(key).sort(key).equals(sample.events.select(key).sort(key))


def _empty_again(server) -> None:
    """Delete every node, constraint and index (a database of the tests' own server)."""
    assert server.get("owned"), "refusing to wipe a Neo4j database the tests do not own"
    with graph_of(server) as graph:
        run = graph._driver.execute_query
        run("MATCH (n) DETACH DELETE n", database_="neo4j")
        for record in run("SHOW CONSTRAINTS YIELD name", database_="neo4j").records:
            run(f"DROP CONSTRAINT `{record['name']}`", database_="neo4j")
        for record in run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'", database_="neo4j").records:
            run(f"DROP INDEX `{record['name']}`", database_="neo4j")


def test_a_load_that_died_after_the_import_is_completed_by_a_rerun(empty, sample):
    net = Network.from_dataset(sample)
    with graph_of(empty) as graph:
        folder, note = graph._bulk_dir(people_frame(net), relationship_frame(net), None)
        assert folder is not None, note
        graph._bulk_load(folder, people_frame(net), relationship_frame(net), None, "died-before-finish", False)
        with pytest.raises(BackendError, match="did not finish: run it again"):
            graph.read_dataset()
        report = graph.load(sample, bulk=True, progress=False)
        assert report.method == "bolt"
        resumed = _state(graph)
    _empty_again(empty)
    with graph_of(empty) as graph:
        graph.load(sample, progress=False)
        assert _state(graph) == resumed


def test_a_failed_import_leaves_the_database_empty(empty, sample):
    folder = Path(empty["home"]) / "bulk-import"
    with pytest.raises(BackendError) as err:
        bulk.run_import(folder, [f"--nodes=Person={folder / 'no-such-file.csv'}"])
    message = str(err.value)
    assert len(message.splitlines()) == 1 and "(the database is empty again)" in message
    with graph_of(empty) as graph:
        assert graph.run("count_nodes")[0]["nodes"] == 0
        assert graph.load(sample, bulk=True, progress=False).method == "bulk"


def test_anything_else_in_the_database_means_bolt_and_stays(empty, sample):
    with graph_of(empty) as graph:
        graph._driver.execute_query("CREATE (:Note {text: 'keep me'})", database_="neo4j")
        report = graph.load(sample, bulk=True, progress=False)
        assert report.method == "bolt" and "holds 1 nodes" in report.note
        assert graph._driver.execute_query("MATCH (n:Note) RETURN n.text AS t", database_="neo4j").records[0]["t"] == \
            "keep me"
    _empty_again(empty)
    with graph_of(empty) as graph:
        graph._driver.execute_query("CREATE INDEX their_index FOR (n:Thing) ON (n.x)", database_="neo4j")
        report = graph.load(sample, bulk=True, progress=False)
        assert report.method == "bolt"
        assert report.note == ("bulk import not used: database 'neo4j' has indexes or constraints ror-graph did not "
                               "create (their_index); loaded over Bolt")


def test_unusable_strings_fall_back(sample):
    net = Network.from_dataset(sample)
    people = people_frame(net)
    rels = relationship_frame(net)
    assert bulk.unusable_strings(people, rels, interaction_frame(net)) is None
    odd = people.with_columns(people["id"].str.replace("^a", "a\x1f"))
    assert "U+001F" in bulk.unusable_strings(odd, rels, None)


def test_cli_bulk_load_says_how(empty):
    from ror_graph.cli import main

    sample = str(Path(__file__).resolve().parents[1] / "sample_data" / "events.csv")
    loaded = CliRunner().invoke(main, ["neo4j", "load", sample, "--bulk", "--format", "csv"], env=cli_env(empty))
    assert loaded.exit_code == 0, loaded.output
    assert "bulk" in loaded.output.splitlines()[-1]
    again = CliRunner().invoke(main, ["neo4j", "load", sample, "--bulk", "--format", "csv"], env=cli_env(empty))
    assert again.exit_code == 0, again.output
    assert "bulk import not used: database 'neo4j' holds 302 nodes" in again.output
