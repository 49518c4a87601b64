"""Every file in cypher/ runs against the real server with its header's example parameters
and returns its header's columns; the plain-Cypher twins give the engine's answers."""

from __future__ import annotations

import polars as pl
import pytest

from ror_graph.backends.neo4j import evaluate_examples, queries
from ror_graph.fading import fading_ties
from ror_graph.influence import influencers
from ror_graph.loaders import load_events
from ror_graph.network import Network
from ror_graph.nurture import nurture_next
from ror_graph.reciprocity import person_reciprocity, reciprocity_summary, relationship_reciprocity

from _neo4j_helpers import graph_of

pytestmark = pytest.mark.neo4j
EGO = "brand"
ALL = 100_000


@pytest.fixture(scope="module")
def loaded(neo4j_server, sample_events):
    """The demo community loaded (with interactions) and scored for the ego; the engine's Network."""
    dataset = load_events([str(sample_events)])
    graph = graph_of(neo4j_server)
    graph.load(dataset, replace=True, keep_events=True, progress=False)
    net = Network.from_dataset(dataset)
    graph.write_scores(net, me=EGO, progress=False)
    yield graph, net
    graph.close()


@pytest.mark.parametrize("name", sorted(queries()))
def test_every_file_runs_and_returns_its_columns(loaded, name):
    graph, _ = loaded
    query = queries()[name]
    frame = graph.query_frame(name, evaluate_examples(graph, query))  # rolled back: changes nothing
    assert tuple(frame.columns) == query.columns
    if name in {"nurture_next", "top_influencers", "give_get_balance", "silence_vs_gap", "ego_network",
                "warm_intro_paths", "community_reciprocity", "person_reciprocity", "fading_relationships"}:
        assert frame.height > 0, f"{name} returned nothing on the demo community"


def _close(a: pl.Series, b: pl.Series) -> None:
    assert a.len() == b.len()
    for x, y in zip(a.to_list(), b.to_list()):
        if x is None or y is None:
            assert x is None and y is None
        elif isinstance(x, float) or isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12)
        else:
            assert x == y


def test_community_reciprocity_twin(loaded):
    graph, net = loaded
    row = graph.query_frame("community_reciprocity").row(0, named=True)
    engine = reciprocity_summary(net).as_dict()
    for key, value in engine.items():
        assert row[key] == pytest.approx(value, rel=1e-12), key


@pytest.mark.parametrize("person", [EGO, "sofia_farah53"])
def test_person_reciprocity_twin(loaded, person):
    graph, net = loaded
    cypher = graph.query_frame("person_reciprocity", {"person": person})
    engine = person_reciprocity(net).filter(pl.col("node_id") == person).drop("rank")
    for column in engine.columns:
        _close(cypher[column], engine[column])


def test_give_get_balance_twin(loaded):
    graph, net = loaded
    cypher = graph.query_frame("give_get_balance", {"person": EGO, "limit": ALL})
    engine = relationship_reciprocity(net, me=EGO)
    for column in cypher.columns:
        _close(cypher[column], engine[column])


def test_one_sided_fans_twin(loaded):
    graph, net = loaded
    cypher = graph.query_frame("one_sided_fans", {"person": EGO, "limit": ALL})
    engine = relationship_reciprocity(net, me=EGO).filter(pl.col("n_give") == 0)
    assert cypher["fan"].to_list() == engine["b"].to_list() and cypher.height > 0
    _close(cypher["strength"], engine["get"])


def test_silence_vs_gap_twin(loaded):
    graph, net = loaded
    cypher = graph.query_frame("silence_vs_gap", {"person": EGO, "as_of": None, "limit": ALL}).sort("b")
    ego = net.index_of(EGO)
    ties = net.ties.filter((pl.col("a") == ego) | (pl.col("b") == ego)).with_columns(
        pl.when(pl.col("a") == ego).then(pl.col("b")).otherwise(pl.col("a")).alias("other")
    )
    ties = net.names(ties, "other", "b_id").sort("b_id")
    assert cypher["b"].to_list() == ties["b_id"].to_list()
    _close(cypher["n_events"], ties["n_events"].cast(pl.Int64))
    _close(cypher["active_days"], ties["active_periods"].cast(pl.Int64))
    _close(cypher["usual_gap_days"], ties["usual_gap_days"])
    silence = fading_ties(net, me=EGO).sort("b")
    _close(cypher["silence_days"], silence["silence_days"])


def test_stored_score_queries_match_the_engine(loaded):
    graph, net = loaded
    top = graph.query_frame("top_influencers", {"limit": 10})
    assert top["node_id"].to_list() == influencers(net)["node_id"].head(10).to_list()
    mine = graph.query_frame("nurture_next", {"ego": EGO, "limit": ALL})
    assert mine["node_id"].to_list() == nurture_next(net, me=EGO)["node_id"].to_list()
    everyone = graph.query_frame("community_nurture_next", {"limit": ALL})
    assert everyone["node_id"].to_list() == nurture_next(net)["node_id"].to_list()
    fading = graph.query_frame("fading_relationships", {"person": EGO, "min_risk": 0.25, "limit": ALL})
    engine = fading_ties(net, me=EGO).filter(pl.col("fade_risk") >= 0.25)
    assert fading["b"].to_list() == engine["b"].to_list()


def test_warm_intro_paths_prefer_strong_ties(loaded):
    graph, _ = loaded
    paths = graph.query_frame("warm_intro_paths", {"from": "sofia_farah53", "target": "emmaiyer", "limit": 50})
    assert paths.height > 0
    assert paths["warmth"].to_list() == sorted(paths["warmth"].to_list(), reverse=True)
    assert all(p[0] == "sofia_farah53" and p[-1] == "emmaiyer" for p in paths["path"].to_list())


def test_cli_query_and_backend(loaded, neo4j_server):
    from click.testing import CliRunner

    from cli import main

    env = {"NEO4J_URI": neo4j_server["uri"], "NEO4J_USERNAME": neo4j_server["user"],
           "NEO4J_PASSWORD": neo4j_server["password"], "NEO4J_DATABASE": neo4j_server["database"]}
    runner = CliRunner()
    result = runner.invoke(main, ["neo4j", "query", "give_get_balance", "--param", f"person={EGO}", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ",".join(queries()["give_get_balance"].columns)
    via_neo4j = runner.invoke(main, ["fading", "--backend", "neo4j", "--me", EGO, "--format", "csv"], env=env)
    via_memory = runner.invoke(main, ["fading", str(graph_sample()), "--me", EGO, "--format", "csv"], env=env)
    assert via_neo4j.exit_code == 0 and via_neo4j.output == via_memory.output
    listed = runner.invoke(main, ["neo4j", "queries", "--format", "csv"])
    assert listed.exit_code == 0 and "warm_intro_paths" in listed.output
    unknown = runner.invoke(main, ["neo4j", "query", "no_such_query"], env=env)
    assert unknown.exit_code == 1 and "unknown query 'no_such_query'" in unknown.output


def graph_sample():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "sample_data" / "events.csv"
