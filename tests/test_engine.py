"""The in-memory engine on small named graphs with hand-computed answers, and on the real
datasets against networkx and the published statistics in ../shared/data/README.md."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import networkx as nx
import numpy as np
import polars as pl
import pytest

from ror_graph.errors import OptionError
from ror_graph.fading import STATUSES, FadeParams, fading_ties, status_expr
from ror_graph.influence import influencers, pagerank
from ror_graph.model import validate_events
from ror_graph.network import Network
from ror_graph.nurture import NurtureWeights, nurture_next
from ror_graph.reciprocity import person_reciprocity, reciprocity_summary, relationship_reciprocity
from ror_graph.stats import network_stats

DAY = 86400
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def net_of(rows: list[tuple[str, str, float]], kind: str = "message", **options) -> Network:
    """A Network from (src, dst, day) rows."""
    frame = pl.DataFrame(
        {
            "src": [r[0] for r in rows],
            "dst": [r[1] for r in rows],
            "kind": [kind] * len(rows),
            "ts": [T0 + timedelta(days=r[2]) for r in rows],
        }
    )
    return Network.from_dataset(validate_events(frame, source="test"), **options)


# -- small named graphs -----------------------------------------------------------------


def test_mutual_pair_is_fully_reciprocal():
    s = reciprocity_summary(net_of([("a", "b", 0), ("b", "a", 1)]))
    assert (s.edges, s.reciprocated_edges) == (2, 2)
    assert s.edge_reciprocity == 1.0 and s.pair_reciprocity == 1.0
    assert s.rho != s.rho  # density 1: rho is undefined (NaN), not a number we could show
    # With a one-way edge a -> c added: r = 2/3, density a = 3/6, rho = (2/3 - 1/2) / (1/2) = 1/3.
    s = reciprocity_summary(net_of([("a", "b", 0), ("b", "a", 1), ("a", "c", 2)]))
    assert s.edge_reciprocity == pytest.approx(2 / 3)
    assert s.pair_reciprocity == pytest.approx(0.5)
    assert s.rho == pytest.approx(1 / 3)


def test_one_way_star_has_negative_rho_and_the_hub_leads():
    leaves = ["l1", "l2", "l3", "l4"]
    net = net_of([(leaf, "hub", i) for i, leaf in enumerate(leaves)])
    s = reciprocity_summary(net)
    density = 4 / (5 * 4)
    assert s.edge_reciprocity == 0.0
    assert s.rho == pytest.approx((0 - density) / (1 - density))  # -0.25
    top = influencers(net)
    assert top["node_id"][0] == "hub"
    assert top.filter(pl.col("node_id") == "hub")["in_degree"][0] == 4
    assert person_reciprocity(net).filter(pl.col("node_id") == "hub")["reciprocity"][0] == 0.0


def test_answered_rate_and_latency():
    frame = pl.DataFrame(
        {
            "src": ["a", "b", "a", "a"],
            "dst": ["b", "a", "b", "b"],
            "kind": ["message"] * 4,
            "ts": [T0, T0 + timedelta(hours=2), T0 + timedelta(days=20), T0 + timedelta(days=40)],
        }
    )
    net = Network.from_dataset(validate_events(frame, source="t"))
    ab = net.relationships.filter((pl.col("src") == "a") & (pl.col("dst") == "b")).row(0, named=True)
    # Three messages a -> b; only the first was answered (2 h later) within the 7-day window.
    assert ab["n_events"] == 3
    assert ab["answered_rate"] == pytest.approx(1 / 3)
    assert ab["answer_latency_h"] == pytest.approx(2.0)
    rel = relationship_reciprocity(net, me="a").row(0, named=True)
    assert (rel["a"], rel["b"], rel["n_give"], rel["n_get"]) == ("a", "b", 3, 1)


def test_a_tie_that_stops_is_dormant_against_its_own_rhythm():
    weekly = [("me", "ana", 7 * i) for i in range(10)]  # days 0..63, then silence
    busy = [("me", "bo", 0.5 * i) for i in range(2 * 140)]  # every half day until day 139.5
    net = net_of(weekly + busy)
    table = fading_ties(net, me="me")
    ana = table.filter(pl.col("b") == "ana").row(0, named=True)
    bo = table.filter(pl.col("b") == "bo").row(0, named=True)
    assert ana["silence_days"] == pytest.approx(139.5 - 63)
    assert 1 <= ana["usual_gap_days"] <= 7  # shrunk toward the community median (1 day)
    assert ana["status"] == "dormant" and ana["fade_risk"] > 0.9
    assert bo["status"] == "active" and bo["fade_risk"] < 0.25
    assert table["b"][0] == "ana"


def test_silence_within_the_usual_gap_is_not_fading():
    rows = [("a", "b", 10 * i) for i in range(8)] + [("c", "d", 75)]  # every 10 days; as_of day 75
    table = fading_ties(net_of(rows))
    ab = table.filter(pl.col("a") == "a").row(0, named=True)
    assert ab["silence_days"] == pytest.approx(5)
    assert ab["usual_gap_days"] > 5
    assert ab["silence_risk"] == 0.0
    assert ab["rhythm_score"] < 0.25  # the rhythm lifts nothing: the status is the probability's band
    assert ab["status"] == STATUSES[sum(ab["fade_risk"] >= cut for cut in FadeParams().status_cuts)]
    assert "on its usual rhythm" in ab["evidence"]


def test_a_tie_at_risk_within_its_usual_gap_says_what_explains_the_status():
    # A week-old tie, every two days, last contact at as_of: on its rhythm, but the (prior) model
    # gives a young tie a high probability of silence, so it is fading and the evidence says why.
    net = net_of([("me", "ana", 0), ("ana", "me", 2), ("me", "ana", 4), ("ana", "me", 6)])
    tie = fading_ties(net).row(0, named=True)
    assert tie["overdue"] == 0 and tie["fade_risk"] >= 0.5 and tie["status"] == "fading"
    assert tie["evidence"].endswith("on its usual rhythm, but ties like it mostly go quiet")
    row = nurture_next(net, me="me").row(0, named=True)
    assert row["status"] == "fading" and row["reason"].endswith("in touch on the usual rhythm, but ties like it mostly go quiet")
    steady = fading_ties(net_of([("a", "b", 3 * i) for i in range(60)])).row(0, named=True)
    assert steady["status"] == "active" and steady["evidence"] == "its loss disconnects the network, on its usual rhythm"


@pytest.mark.parametrize(("risk", "rhythm", "status"), [
    (0.1, 0.0, "active"), (0.3, 0.0, "cooling"), (0.6, 0.0, "fading"), (0.95, 0.0, "dormant"),
    (0.1, 0.3, "cooling"), (0.1, 0.6, "fading"), (0.1, 0.99, "fading"),  # the rhythm lifts, but never to dormant
    (0.95, 0.6, "dormant"), (0.3, None, "cooling"), (0.25, 0.0, "cooling"), (0.9, 0.0, "dormant"),
])
def test_status_ladder(risk, rhythm, status):
    frame = pl.DataFrame({"risk": [risk], "rhythm": [rhythm]}, schema={"risk": pl.Float64, "rhythm": pl.Float64})
    assert frame.select(status_expr(pl.col("risk"), pl.col("rhythm"))).item() == status


def test_one_day_ties_get_a_fade_probability():
    net = net_of([("a", "b", 0), ("a", "b", 0.1), ("c", "d", 0), ("c", "d", 5), ("c", "d", 10), ("e", "f", 100)])
    table = fading_ties(net)
    burst = table.filter(pl.col("a") == "a").row(0, named=True)
    assert 0 < burst["fade_risk"] < 1 and burst["status"] in ("active", "cooling", "fading", "dormant")
    assert "a single day of contact" in burst["evidence"]


def test_a_fading_bridge_is_flagged():
    # Two triangles joined by x - y; every tie active early, then only the triangles keep talking.
    tri1 = [("a", "b"), ("b", "c"), ("c", "a")]
    tri2 = [("x", "y2"), ("y2", "y3"), ("y3", "x")]
    rows = [(s, d, day) for s, d in tri1 + tri2 for day in range(0, 100, 2)]
    rows += [("a", "x", day) for day in range(0, 30, 2)]
    table = fading_ties(net_of(rows))
    bridge = table.filter((pl.col("a") == "a") & (pl.col("b") == "x")).row(0, named=True)
    assert bridge["status"] in ("fading", "dormant")
    assert bridge["embeddedness"] == 0 and bridge["bridge"] and bridge["cut_edge"]
    assert "disconnects" in bridge["evidence"]
    inside = table.filter((pl.col("a") == "a") & (pl.col("b") == "b")).row(0, named=True)
    assert not inside["bridge"] and not inside["cut_edge"]


def test_nurture_puts_the_valuable_fading_tie_first():
    rows = [("me", "star", 3 * i) for i in range(20)] + [("star", "me", 3 * i + 1) for i in range(20)]
    rows += [(f"fan{i}", "star", 5 + i) for i in range(10)]  # star is influential
    rows += [("me", "steady", 3 * i) for i in range(40)] + [("steady", "me", 3 * i + 1) for i in range(40)]
    rows += [("me", "once", 100)]
    table = nurture_next(net_of(rows), me="me")
    assert table["node_id"].to_list()[0] == "star"
    assert table["node_id"].to_list()[-1] == "once"
    star = table.row(0, named=True)
    assert "silent" in star["reason"] and "influence" in star["reason"]
    assert set(table.columns) >= {"rank", "node_id", "priority", "fade_risk", "reason"}
    assert table["rank"].to_list() == list(range(1, table.height + 1))


def test_nurture_weights_parse_and_reject():
    assert NurtureWeights.parse("value=1,floor=0").value == 1.0
    with pytest.raises(OptionError):
        NurtureWeights.parse("valu=1")
    with pytest.raises(OptionError):
        NurtureWeights.parse("floor=2")


def test_as_of_ignores_later_events_and_unknown_ego_is_an_error():
    rows = [("a", "b", 0), ("b", "a", 1), ("a", "c", 50)]
    net = net_of(rows, as_of=(T0 + timedelta(days=10)).isoformat())
    assert net.n == 2 and net.events.height == 2
    with pytest.raises(OptionError, match="unknown id 'c'"):
        net.index_of("c")
    with pytest.raises(OptionError, match="no events on or before"):
        net_of(rows, as_of="2000-01-01")


def test_same_input_same_output():
    rows = [(f"p{i % 7}", f"p{(i * 3 + 1) % 7}", i * 0.7) for i in range(200)]
    first = nurture_next(net_of(rows))
    second = nurture_next(net_of(rows))
    assert first.equals(second)


# -- real datasets against networkx and the published statistics ---------------------------

REAL = {
    # name: (path, loader kwargs, nodes, static edges, published edge reciprocity)
    "collegemsg": ("collegemsg/CollegeMsg.txt", 1899, 20296, 0.6364),
    "bitcoin-otc": ("bitcoin-otc/soc-sign-bitcoinotc.csv", 5881, 35592, 0.7923),
    "bitcoin-alpha": ("bitcoin-alpha/soc-sign-bitcoinalpha.csv", 3783, 24186, 0.8321),
    "email-eu-core": ("email-eu-core-temporal/email-Eu-core-temporal.txt.gz", 986, 24929, 0.711),
}


@pytest.fixture(scope="module", params=sorted(REAL))
def real(request, shared_data):
    from ror_graph.loaders import load_events

    path, nodes, edges, published = REAL[request.param]
    dataset = load_events([shared_data / path])
    graph = nx.DiGraph()
    events = dataset.events
    graph.add_edges_from(zip(events["src"].to_list(), events["dst"].to_list()))
    return request.param, Network.from_dataset(dataset), graph, (nodes, edges, published)


def test_counts_and_reciprocity_match_networkx_and_published(real):
    name, net, graph, (nodes, edges, published) = real
    stats = network_stats(net)
    assert (stats.nodes, stats.relationships) == (nodes, edges) == (graph.number_of_nodes(), graph.number_of_edges())
    assert stats.edge_reciprocity == pytest.approx(nx.overall_reciprocity(graph), abs=1e-12)
    assert round(stats.edge_reciprocity, 4 if name != "email-eu-core" else 3) == published
    assert stats.weak_components == nx.number_weakly_connected_components(graph)
    assert stats.strong_components == nx.number_strongly_connected_components(graph)


def test_degrees_and_person_reciprocity_match_networkx(real):
    _, net, graph, _ = real
    table = influencers(net).sort("node_id")
    ids = table["node_id"].to_list()
    assert table["in_degree"].to_list() == [graph.in_degree(v) for v in ids]
    assert table["out_degree"].to_list() == [graph.out_degree(v) for v in ids]
    per_person = dict(person_reciprocity(net).select("node_id", "reciprocity").iter_rows())
    expected = nx.reciprocity(graph, ids)
    assert max(abs(per_person[v] - (expected[v] or 0.0)) for v in ids) < 1e-12


def test_pagerank_matches_networkx(real):
    _, net, _, _ = real
    rel = net.relationships
    graph = nx.DiGraph()
    graph.add_nodes_from(net.nodes["node_id"].to_list())
    graph.add_weighted_edges_from(zip(rel["src"].to_list(), rel["dst"].to_list(), rel["strength"].to_list()))
    expected = nx.pagerank(graph, alpha=0.85, weight="weight", tol=1e-13, max_iter=1000)
    ours = pagerank(net)
    ids = net.nodes["node_id"].to_list()
    assert np.max(np.abs(ours - np.array([expected[v] for v in ids]))) < 1e-6
    ego = ids[int(np.argmax(ours))]
    expected_ppr = nx.pagerank(graph, alpha=0.85, weight="weight", personalization={ego: 1.0}, tol=1e-13, max_iter=1000)
    ours_ppr = pagerank(net, me=ego)
    assert np.max(np.abs(ours_ppr - np.array([expected_ppr[v] for v in ids]))) < 1e-6


def test_influencers_are_the_same_table_on_every_run(real):
    """HITS runs ARPACK from a random start vector: igraph's random source is seeded for it."""
    _, net, _, _ = real
    first = influencers(Network.from_dataset(net.dataset))
    for _ in range(2):
        assert influencers(Network.from_dataset(net.dataset)).equals(first)


def test_pagerank_in_row_blocks_equals_one_block_bit_for_bit(real, monkeypatch):
    import numba

    from ror_graph import influence

    _, net, _, _ = real
    whole = influence._power_iteration(net, 0.85, None, "strength", 1e-10, 1000)
    monkeypatch.setattr(influence._RowBlocks, "MIN_ENTRIES_PER_BLOCK", 1)
    monkeypatch.setattr(numba, "get_num_threads", lambda: 3)  # more blocks than this machine's cores
    blocks = influence._RowBlocks(*[np.asarray(a) for a in (np.array([0, 1, 2, 3]), np.array([1, 2, 0]), np.ones(3))], 3)
    assert len(blocks.blocks) == 3
    blocks.__exit__()
    assert np.array_equal(influence._power_iteration(net, 0.85, None, "strength", 1e-10, 1000), whole)


def test_core_numbers_and_betweenness_match_networkx(shared_data):
    from ror_graph.loaders import load_events

    net = Network.from_dataset(load_events([shared_data / "collegemsg/CollegeMsg.txt"]))
    graph = nx.DiGraph()
    graph.add_edges_from(net.relationships.select("src", "dst").iter_rows())
    table = influencers(net)
    expected = nx.core_number(graph)
    assert all(core == expected[v] for v, core in table.select("node_id", "core").iter_rows())

    small = net_of([("a", "b", 0), ("b", "c", 1), ("c", "d", 2), ("d", "b", 3), ("e", "c", 4)])
    small_graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "b"), ("e", "c")])
    expected_b = nx.betweenness_centrality(small_graph, normalized=False)
    ours_b = dict(influencers(small).select("node_id", "betweenness").iter_rows())
    assert ours_b == pytest.approx(expected_b)


def test_triangles_and_bridges_equal_networkx():
    from ror_graph._bridges import bridge_edges, edge_triangles

    rng = np.random.default_rng(3)
    for n, m in [(30, 45), (200, 260), (400, 3000)]:  # sparse (many bridges) to dense (hubs)
        pairs = {tuple(sorted(p)) for p in rng.integers(0, n, (m, 2)).tolist() if p[0] != p[1]}
        a, b = np.array(sorted(pairs)).T
        graph = nx.Graph(list(zip(a.tolist(), b.tolist())))
        graph.add_nodes_from(range(n))
        shared = [len(set(graph[u]) & set(graph[v])) for u, v in zip(a.tolist(), b.tolist())]
        assert edge_triangles(a, b, n).tolist() == shared
        cut = {tuple(sorted(e)) for e in nx.bridges(graph)}
        assert bridge_edges(a, b, n).tolist() == [(u, v) in cut for u, v in zip(a.tolist(), b.tolist())]


def test_id_index_by_hash_equals_the_exact_mapping_even_on_a_collision(monkeypatch):
    from ror_graph import _idmap

    rng = np.random.default_rng(5)
    src = pl.Series([f"user{i}" for i in rng.integers(0, 500, 5000)])
    dst = pl.Series([f"user{i}" for i in rng.integers(0, 700, 5000)])
    fast = _idmap.index_ids(src, dst)
    exact = _idmap._exact(src, dst)
    assert all(a.to_list() == b.to_list() for a, b in zip(fast, exact))
    # every id hashing to the same value: the check sees it and the exact path answers
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series([7] * self.len(), dtype=pl.UInt64))
    forced = _idmap.index_ids(src, dst)
    assert all(a.to_list() == b.to_list() for a, b in zip(forced, exact))


def test_directed_pairs_without_the_pair_sort_equal_those_from_it():
    rng = np.random.default_rng(9)
    rows = [(f"p{i}", f"p{j}", float(t)) for i, j, t in zip(rng.integers(0, 60, 2000), rng.integers(0, 60, 2000),
                                                          rng.uniform(0, 100, 2000)) if i != j]
    alone, after = net_of(rows), net_of(rows)
    _ = after._by_pair
    assert "_by_pair" not in alone.__dict__
    assert alone.directed_pairs.rows() == after.directed_pairs.rows()
    assert alone.n_ties == after.n_ties == after.ties.height
    g = nx.DiGraph([(s, d) for s, d, _ in rows])
    assert alone.directed_pairs.height == g.number_of_edges()
    assert int(alone.directed_pairs["mutual"].sum()) == sum(1 for s, d in g.edges if g.has_edge(d, s))


def test_nurture_with_the_reach_thread_equals_the_steps_in_sequence(sample_events):
    from ror_graph.loaders import load_events
    from ror_graph.nurture import estimated_reach

    dataset = load_events([str(sample_events)])
    threaded = nurture_next(Network.from_dataset(dataset), seed=3)
    net = Network.from_dataset(dataset)
    in_sequence = nurture_next(net, reach=estimated_reach(net, seed=3))
    assert threaded.equals(in_sequence) and threaded["referral_reach"].null_count() == 0


def test_strong_components_by_pearce_equal_networkx():
    import scipy.sparse as sp

    from ror_graph._components import strong_components

    rng = np.random.default_rng(12)
    for n, m in [(1, 0), (5, 0), (3, 3), (40, 60), (300, 450), (2000, 5000)]:
        s, d = rng.integers(0, n, m), rng.integers(0, n, m)
        if (n, m) == (3, 3):
            s, d = np.array([0, 1, 2]), np.array([1, 2, 0])  # one cycle through every node
        adjacency = sp.csr_matrix((np.ones(m), (s, d)), shape=(n, n))
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(s.tolist(), d.tolist()))
        assert strong_components(adjacency.indptr, adjacency.indices, n) == nx.number_strongly_connected_components(graph)


def test_weak_components_by_union_find_equal_networkx():
    from ror_graph._components import weak_components

    rng = np.random.default_rng(11)
    for n, m in [(1, 0), (5, 0), (40, 25), (300, 280), (2000, 4000)]:
        s, d = rng.integers(0, n, m), rng.integers(0, n, m)
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(s.tolist(), d.tolist()))
        parts = list(nx.connected_components(graph))
        assert weak_components(s, d, n) == (len(parts), max(len(p) for p in parts))
