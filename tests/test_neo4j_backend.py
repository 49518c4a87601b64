"""The Neo4j backend on a real server: clear errors, idempotent and resumable loads,
interactions kept, scores written back, and the graph read back equal to the input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.backends.neo4j import (
    Neo4jGraph,
    coerce_param,
    get_query,
    people_frame,
    queries,
    relationship_frame,
)
from ror_graph.errors import BackendError
from ror_graph.loaders import load_events
from ror_graph.network import Network
from ror_graph.nurture import nurture_next

from _neo4j_helpers import graph_of, settings_of, snapshot

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def sample(sample_events):
    return load_events([str(sample_events)])


# -- errors: one line, no password ----------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_closed_port_is_one_clear_line(neo4j_server):
    uri = f"bolt://127.0.0.1:{_free_port()}"
    with pytest.raises(BackendError) as err:
        Neo4jGraph(settings_of(neo4j_server, uri=uri))
    assert str(err.value) == f"cannot reach Neo4j at {uri} (connection refused); is the server running? (set NEO4J_URI)"


def test_wrong_password(neo4j_server):
    with pytest.raises(BackendError, match="wrong user name or password") as err:
        Neo4jGraph(settings_of(neo4j_server, password="not-the-password-42"))
    assert "not-the-password-42" not in str(err.value)


def test_wrong_database(neo4j_server):
    with pytest.raises(BackendError, match="has no database 'nosuchdb'"):
        Neo4jGraph(settings_of(neo4j_server, database="nosuchdb"))


def test_version_too_old(neo4j_server):
    with pytest.raises(BackendError, match=r"is version 5\.\d+\.\d+; ror-graph needs Neo4j 99\.0 or newer"):
        Neo4jGraph(settings_of(neo4j_server), min_version=(99, 0))


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"NEO4J_PASSWORD": "sekret-password-77"}, "wrong user name or password"),
        ({"NEO4J_DATABASE": "nosuchdb"}, "has no database 'nosuchdb'"),
        ({"NEO4J_URI": "bolt://127.0.0.1:{port}"}, "cannot reach Neo4j"),
    ],
)
def test_cli_errors_exit_1_without_password(neo4j_server, change, expected):
    from cli import main

    env = {
        "NEO4J_URI": neo4j_server["uri"],
        "NEO4J_USERNAME": neo4j_server["user"],
        "NEO4J_PASSWORD": neo4j_server["password"],
        "NEO4J_DATABASE": neo4j_server["database"],
    }
    env.update({k: v.format(port=_free_port()) for k, v in change.items()})
    result = CliRunner().invoke(main, ["fading", "--backend", "neo4j"], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert env["NEO4J_PASSWORD"] not in result.output


def test_settings_never_show_the_password():
    from ror_graph.backends.neo4j import Neo4jSettings

    s = Neo4jSettings.resolve(env={"NEO4J_PASSWORD": "hunter2-hunter2", "NEO4J_URI": "bolt://x:1"})
    assert "hunter2" not in repr(s) and s.password == "hunter2-hunter2" and s.uri == "bolt://x:1"


# -- loads ------------------------------------------------------------------------------------------


def test_load_twice_leaves_the_same_graph(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        first = graph.load(sample, keep_events=True, progress=False)
        before = snapshot(graph)
        graph.load(sample, keep_events=True, progress=False)
        after = snapshot(graph)
    assert before == after
    people, rels = after
    assert len(people) == first.people == 301
    kinds = pl.Series([t for _, t, _, _ in rels]).value_counts().sort("")
    assert dict(kinds.rows()) == {"INTERACTION": sample.events.height, "INTERACTS": first.relationships}


def test_load_killed_half_way_is_completed_by_a_rerun(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        graph.load(sample, progress=False)
        clean = snapshot(graph)
        graph.wipe()
        # A load that died after the people and part of the relationships.
        net = Network.from_dataset(sample)
        graph.ensure_schema()
        marked = {"load_id": "died-half-way"}
        graph.run("load_begin", marked, write=True)
        graph.run("load_people", {**marked, "rows": people_frame(net).to_dicts()}, write=True)
        graph.run("load_relationships", {**marked, "rows": relationship_frame(net).head(1000).to_dicts()}, write=True)
        with pytest.raises(BackendError, match="did not finish: run it again"):
            graph.read_dataset()
        graph.load(sample, progress=False)
        assert snapshot(graph) == clean


def test_nothing_loaded_is_a_clear_error(neo4j_clean):
    with graph_of(neo4j_clean) as graph, pytest.raises(BackendError, match="no ror-graph data in database 'neo4j'"):
        graph.read_dataset()


def test_read_back_equals_the_input(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        graph.load(sample, progress=False)
        back = graph.read_dataset()
    key = ["src", "dst", "ts", "kind", "weight"]
    mine = sample.events.select(key).sort(key)
    theirs = back.events.select(key).sort(key)
    assert mine.equals(theirs)


def test_write_scores_and_nurture_parity(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        graph.load(sample, progress=False)
        net = graph.network()
        report = graph.write_scores(net, me="brand", progress=False)
        people = graph.query_frame("top_influencers", {"limit": 5})
        nurture = graph.query_frame("nurture_next", {"ego": "brand", "limit": 1000})
        props = graph._driver.execute_query(
            "MATCH (p:Person {id: 'brand'})-[r:INTERACTS]->() RETURN properties(p) AS p, properties(r) AS r LIMIT 1",
            database_=graph.settings.database,
        ).records[0]
    assert report.people == 301 and report.nurture_rows == nurture.height
    for key in ("influence", "reciprocity", "fade_risk", "priority", "reason"):
        assert key in props["p"]
    for key in ("strength", "fade_risk", "fade_status", "balance", "reciprocated"):
        assert key in props["r"]
    memory = nurture_next(Network.from_dataset(sample), me="brand")
    assert nurture["node_id"].to_list() == memory["node_id"].to_list()
    assert people.height == 5


def test_query_headers_are_complete():
    for name, query in queries().items():
        assert query.purpose, name
        assert query.text and "//" not in query.text.splitlines()[0], name
        for param in query.params:
            assert f"${param}" in query.text, (name, param)


def test_params_are_typed_like_the_examples():
    q = get_query("give_get_balance")
    assert coerce_param(q, "person", "0042") == "0042"
    assert coerce_param(q, "limit", "7") == 7
    with pytest.raises(Exception, match="has no parameter 'nope'"):
        coerce_param(q, "nope", "1")


def test_stored_relationship_properties(neo4j_clean, sample):
    """Times become UTC datetimes on the server (sent as epoch seconds + nanoseconds), active
    days are days since 1970-01-01, and the aggregates are the engine's."""
    net = Network.from_dataset(sample)
    with graph_of(neo4j_clean) as graph:
        graph.load(sample, progress=False)
        records = graph._driver.execute_query(
            "MATCH (a:Person)-[r:INTERACTS]->(b:Person) RETURN a.id AS src, b.id AS dst, r.first_ts AS first_ts, "
            "r.last_ts AS last_ts, r.first_ts.timezone AS zone, r.active_days AS active_days, r.n_events AS n_events",
            database_=graph.settings.database,
        ).records
    stored = pl.DataFrame(
        [{**dict(r), "first_ts": r["first_ts"].to_native(), "last_ts": r["last_ts"].to_native()} for r in records]
    )
    assert set(stored["zone"]) == {"UTC"}
    days = (
        net.dataset.events.group_by("src", "dst")
        .agg(pl.col("ts").dt.date().unique().sort().alias("days"))
        .with_columns(pl.col("days").list.eval(pl.element().cast(pl.Int32).cast(pl.Int64)))
    )
    engine = net.relationships.select("src", "dst", "first_ts", "last_ts", pl.col("n_events").cast(pl.Int64)).join(
        days, on=["src", "dst"]
    )
    both = engine.join(stored.with_columns(pl.col("first_ts", "last_ts").dt.convert_time_zone("UTC")), on=["src", "dst"])
    assert both.height == engine.height == stored.height
    assert (both["first_ts"] == both["first_ts_right"]).all() and (both["last_ts"] == both["last_ts_right"]).all()
    assert (both["n_events"] == both["n_events_right"]).all()
    assert both["days"].to_list() == both["active_days"].to_list()


def test_aggregates_only_load_is_refused_by_the_readers(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        full = graph.load(sample, progress=False)
        graph.load(sample, aggregates_only=True, progress=False)  # over a full load: the lists go away
        props = graph._driver.execute_query(
            "MATCH ()-[r:INTERACTS]->() RETURN count(r) AS n, count(r.event_us) AS with_lists, "
            "count(r.active_days) AS with_days", database_=graph.settings.database,
        ).records[0]
        assert (props["n"], props["with_lists"], props["with_days"]) == (full.relationships, 0, full.relationships)
        assert graph.query_frame("silence_vs_gap", {"person": "brand", "as_of": None, "limit": 5}).height == 5
        with pytest.raises(BackendError) as err:
            graph.read_dataset()
        message = str(err.value)
        assert len(message.splitlines()) == 1 and "reload without aggregates_only=" in message
        assert "--" not in message  # library terms, not CLI flags
        graph.load(sample, progress=False)  # a full reload makes it readable again
        assert graph.read_dataset().events.height == sample.events.height


def test_cli_aggregates_only_load_then_backend_read_is_one_line(neo4j_clean):
    from ror_graph.cli import main

    env = {
        "NEO4J_URI": neo4j_clean["uri"],
        "NEO4J_USERNAME": neo4j_clean["user"],
        "NEO4J_PASSWORD": neo4j_clean["password"],
        "NEO4J_DATABASE": neo4j_clean["database"],
    }
    sample = str(Path(__file__).resolve().parents[1] / "sample_data" / "events.csv")
    loaded = CliRunner().invoke(main, ["neo4j", "load", sample, "--aggregates-only", "--format", "csv"], env=env)
    assert loaded.exit_code == 0, loaded.output
    result = CliRunner().invoke(main, ["nurture", "--backend", "neo4j", "--me", "brand"], env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--aggregates-only" in lines[0]


# -- concurrent writers: partitions that share no person (no server) ------------------------------


@pytest.mark.parametrize("writers", [2, 3])
def test_writers_of_a_round_never_share_a_person(sample, writers):
    from ror_graph.backends.neo4j.load import partition_rounds

    rels = relationship_frame(Network.from_dataset(sample))
    rounds = partition_rounds(rels, writers)
    seen = []
    for shares in rounds:
        assert 1 <= len(shares) <= writers
        people = [set(pl.concat(share)["src"]) | set(pl.concat(share)["dst"]) for share in shares]
        for i in range(len(people)):
            for j in range(i + 1, len(people)):
                assert not people[i] & people[j], "two writers of one round touch the same person"
        seen += [f for share in shares for f in share]
    every = pl.concat(seen).select("src", "dst").sort("src", "dst")
    assert every.equals(rels.select("src", "dst").sort("src", "dst"))  # each relationship exactly once


def test_guide_command_writes_every_guide_query(tmp_path):
    from ror_graph.backends.neo4j.guide import GUIDE_ORDER
    from ror_graph.cli import main

    out = tmp_path / "guide.html"
    result = CliRunner().invoke(main, ["neo4j", "guide", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith('<article class="guide">')
    for name in GUIDE_ORDER:
        assert f"<h3>{name}</h3>" in html and queries()[name].reading


def test_two_writers_write_the_graph_of_one(neo4j_clean, sample):
    with graph_of(neo4j_clean) as graph:
        report = graph.load(sample, keep_events=True, writers=1, batch_size=200, progress=False)
        one = snapshot(graph)
        graph.wipe()
        graph.load(sample, keep_events=True, writers=2, batch_size=200, progress=False)
        assert snapshot(graph) == one
    assert report.relationships > 200  # the partitioned path ran
