"""Warm introductions: warmth by hand, Yen's paths against networkx's shortest_simple_paths on
-log warmth on the real datasets, and the Neo4j query returning the same paths."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.intro import INTRO_COLUMNS, hop_costs, intro_paths
from ror_graph.loaders import load_events
from ror_graph.model import validate_events
from ror_graph.network import Network

DAY = 86400


def _net(rows) -> Network:
    raw = pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row")
    return Network.from_dataset(validate_events(raw, source="test"))


def _paths(frame: pl.DataFrame) -> list[tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for path, a, b in frame.select("path", "from_id", "to_id").iter_rows():
        out.setdefault(path, [a]).append(b)
    return [tuple(v) for _, v in sorted(out.items())]


def test_warmth_and_penalty_by_hand() -> None:
    # me <-> ana twice (reciprocated), ana -> zoe once (one-sided), me <-> bo <-> zoe reciprocated
    rows = [("me", "ana", "message", 0), ("ana", "me", "message", 60), ("ana", "zoe", "message", 120),
            ("me", "bo", "message", 180), ("bo", "me", "message", 240), ("bo", "zoe", "message", 300),
            ("zoe", "bo", "message", 360)]
    net = _net(rows)
    ties = {tuple(sorted((a, b))): s for a, b, s in net.names(net.names(net.ties, "a", "x"), "b", "y")
            .select("x", "y", "strength").iter_rows()}
    table = intro_paths(net, me="me", to="zoe", paths=5)
    assert table.columns == list(INTRO_COLUMNS)
    assert _paths(table) in ([("me", "bo", "zoe"), ("me", "ana", "zoe")], [("me", "ana", "zoe"), ("me", "bo", "zoe")])

    def w(a: str, b: str) -> float:
        s = ties[tuple(sorted((a, b)))]
        return s / (1 + s)

    expected = {("me", "ana", "zoe"): w("me", "ana") * w("ana", "zoe") * 0.5, ("me", "bo", "zoe"): w("me", "bo") * w("bo", "zoe")}
    got = {p: table.filter(pl.col("path") == i + 1)["path_warmth"][0] for i, p in enumerate(_paths(table))}
    assert got == pytest.approx(expected)
    assert table["path_warmth"].is_sorted(descending=True)
    hop = table.filter((pl.col("from_id") == "ana") & (pl.col("to_id") == "zoe")).row(0, named=True)
    assert hop["reciprocated"] is False and hop["hop_warmth"] == pytest.approx(0.5 * w("ana", "zoe"))
    assert hop["last_contact"].timestamp() == 120 and hop["days_since_contact"] == pytest.approx(240 / DAY)
    # without the penalty the route through ana is the same product as through bo's: both listed
    plain = intro_paths(net, me="me", to="zoe", one_sided_factor=1.0)
    assert plain.filter(pl.col("path") == 1)["path_warmth"][0] == pytest.approx(max(
        w("me", "ana") * w("ana", "zoe"), w("me", "bo") * w("bo", "zoe")))


def test_hop_limit_and_errors() -> None:
    chain = [(f"p{i}", f"p{i + 1}", "message", i * 60) for i in range(6)]  # p0 - p1 - ... - p6
    net = _net(chain)
    assert intro_paths(net, me="p0", to="p6").height == 0  # 6 hops > 4
    assert _paths(intro_paths(net, me="p0", to="p6", max_hops=None)) == [tuple(f"p{i}" for i in range(7))]
    assert _paths(intro_paths(net, me="p0", to="p4")) == [tuple(f"p{i}" for i in range(5))]
    with pytest.raises(OptionError, match="ego itself"):
        intro_paths(net, me="p0", to="p0")
    with pytest.raises(OptionError, match="unknown id"):
        intro_paths(net, me="p0", to="nobody")
    with pytest.raises(OptionError):
        intro_paths(net, me="p0", to="p3", paths=0)
    with pytest.raises(OptionError, match=r"max_hops must lie in 1..5"):  # enumeration grows exponentially
        intro_paths(net, me="p0", to="p6", max_hops=6)


def _reference(net: Network, costs: pl.DataFrame) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n))
    g.add_weighted_edges_from(costs.select("a", "b", "cost").iter_rows())
    return g


@pytest.mark.parametrize("path", ["collegemsg/CollegeMsg.txt", "bitcoin-otc/soc-sign-bitcoinotc.csv",
                                  "email-eu-core-temporal/email-Eu-core-temporal.txt.gz"])
def test_paths_match_networkx_shortest_simple_paths(shared_data, path: str) -> None:
    net = Network.from_dataset(load_events([str(shared_data / path)]))
    costs = hop_costs(net)
    reference = _reference(net, costs)
    ids = net.nodes["node_id"].to_list()
    giant = sorted(max(nx.connected_components(reference), key=len))
    rng = np.random.default_rng(1)
    k = 4
    for _ in range(4):
        s, t = (int(x) for x in rng.choice(giant, size=2, replace=False))
        ours = intro_paths(net, me=ids[s], to=ids[t], paths=k, max_hops=None)
        theirs = []
        for p in nx.shortest_simple_paths(reference, s, t, weight="weight"):
            theirs.append(p)
            if len(theirs) == k:
                break
        their_costs = [sum(reference.edges[u, v]["weight"] for u, v in zip(p, p[1:])) for p in theirs]
        our_costs = [-math.log(w) for w in ours.group_by("path", maintain_order=True).agg(pl.col("path_warmth").first())["path_warmth"]]
        assert our_costs == pytest.approx(their_costs, rel=1e-9, abs=1e-12), (ids[s], ids[t])
        # paths agree wherever the cost is not tied with a neighbour's
        for i, (ours_p, theirs_p) in enumerate(zip(_paths(ours), theirs)):
            tied = any(j != i and abs(their_costs[j] - their_costs[i]) < 1e-9 for j in range(len(theirs)))
            if not tied:
                assert list(ours_p) == [ids[v] for v in theirs_p]


def test_cli_intro(sample_events) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["intro", str(sample_events), "--me", "brand", "--to", "sofia_farah53", "--paths", "2",
                                "--format", "csv"])
    assert done.exit_code == 0, done.output
    table = pl.read_csv(done.stdout.encode())
    assert table.columns == list(INTRO_COLUMNS) and set(table["path"]) == {1, 2}
    assert table.filter(pl.col("hop") == 1)["from_id"].to_list() == ["brand", "brand"]
    missing = runner.invoke(main, ["intro", str(sample_events), "--me", "brand"])
    assert missing.exit_code == 2 and "--to" in missing.output
    unknown = runner.invoke(main, ["intro", str(sample_events), "--me", "brand", "--to", "nobody-here"])
    assert unknown.exit_code == 1 and "unknown id 'nobody-here'" in unknown.output and "Traceback" not in unknown.output


# -- the Neo4j twin ---------------------------------------------------------------------------


@pytest.mark.neo4j
def test_neo4j_query_returns_the_same_paths(neo4j_server, sample_events) -> None:
    from _neo4j_helpers import graph_of

    dataset = load_events([str(sample_events)])
    net = Network.from_dataset(dataset)
    graph = graph_of(neo4j_server)
    try:
        graph.load(dataset, replace=True, progress=False)
        rng = np.random.default_rng(7)
        ids = net.nodes["node_id"].to_list()
        pairs = [("brand", "sofia_farah53"), ("sofia_farah53", "emmaiyer")]
        pairs += [tuple(ids[i] for i in rng.choice(net.n, size=2, replace=False)) for _ in range(4)]
        for me, to in pairs:
            ours = intro_paths(net, me=me, to=to, paths=5)
            theirs = graph.query_frame("warm_intro_paths", {"from": me, "target": to, "limit": 5})
            assert [tuple(p) for p in theirs["path"].to_list()] == _paths(ours), (me, to)
            warmth = ours.group_by("path", maintain_order=True).agg(pl.col("path_warmth").first())["path_warmth"]
            assert theirs["warmth"].to_list() == pytest.approx(warmth.to_list(), rel=1e-9)
            assert theirs["hops"].to_list() == ours.group_by("path", maintain_order=True).agg(pl.len())["len"].to_list()
    finally:
        graph.close()


@pytest.mark.parametrize("path", ["sample", "collegemsg/CollegeMsg.txt"])
def test_hop_limited_paths_match_networkx_enumeration(shared_data, sample_events, path: str) -> None:
    source = sample_events if path == "sample" else shared_data / path
    net = Network.from_dataset(load_events([str(source)]))
    costs = hop_costs(net)
    reference = _reference(net, costs)
    ids = net.nodes["node_id"].to_list()
    rng = np.random.default_rng(2)
    giant = sorted(max(nx.connected_components(reference), key=len))
    low = [v for v in giant if reference.degree(v) <= 12]  # keeps networkx's enumeration small
    for _ in range(3):
        s, t = (int(x) for x in rng.choice(low, size=2, replace=False))
        every = list(nx.all_simple_paths(reference, s, t, cutoff=3))
        every.sort(key=lambda p: (round(sum(reference.edges[u, v]["weight"] for u, v in zip(p, p[1:])), 12), [ids[v] for v in p]))
        ours = intro_paths(net, me=ids[s], to=ids[t], paths=5, max_hops=3)
        assert _paths(ours) == [tuple(ids[v] for v in p) for p in every[:5]], (ids[s], ids[t])
