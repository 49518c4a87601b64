"""GEXF/GraphML export: every element carries every attribute with one declared type and a
real value (what Gephi needs), the scores agree with networkx as an independent reference, and
files are written atomically."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.fading import STATUSES
from ror_graph.gephi import MISSING, graph_format_for, to_networkx, write_graph
from ror_graph.loaders import load_events
from ror_graph.model import validate_events
from ror_graph.network import Network

GEXF_NS = {"g": "http://www.gexf.net/1.2draft"}
GRAPHML_NS = {"g": "http://graphml.graphdrawing.org/xmlns"}
_PARSE = {
    "long": int, "integer": int, "int": int, "double": float, "float": float, "string": str,
    "boolean": lambda v: {"true": True, "false": False}[v],
}


@pytest.fixture(scope="module")
def sample_net(sample_events: Path) -> Network:
    return Network.from_dataset(load_events([str(sample_events)]))


@pytest.fixture(scope="module")
def sample_graph(sample_net: Network) -> nx.DiGraph:
    from ror_graph.referral import referral_reach

    return to_networkx(sample_net, me="brand", reach=referral_reach(sample_net, seed=0))


@pytest.fixture(scope="module")
def gexf_file(sample_graph: nx.DiGraph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gephi") / "brand.gexf"
    assert write_graph(sample_graph, str(path)) == "gexf"
    return path


def test_gexf_every_element_has_every_attribute_with_its_type(gexf_file: Path, sample_net: Network) -> None:
    root = ET.parse(gexf_file).getroot()
    graph = root.find("g:graph", GEXF_NS)
    assert graph.get("defaultedgetype") == "directed"
    assert root.find("g:meta", GEXF_NS).get("lastmodifieddate") == sample_net.as_of.date().isoformat()
    for cls, path, count in (("node", "g:nodes/g:node", sample_net.n), ("edge", "g:edges/g:edge", sample_net.relationships.height)):
        declared = {a.get("id"): (a.get("title"), a.get("type"))
                    for a in graph.findall(f"g:attributes[@class='{cls}']/g:attribute", GEXF_NS)}
        titles = [t for t, _ in declared.values()]
        assert len(titles) == len(set(titles)), "an attribute is declared twice"
        elements = graph.findall(path, GEXF_NS)
        assert len(elements) == count
        for element in elements:
            values = {v.get("for"): v.get("value") for v in element.findall("g:attvalues/g:attvalue", GEXF_NS)}
            assert values.keys() == declared.keys(), element.attrib
            for key, raw in values.items():
                title, kind = declared[key]
                assert raw is not None and (raw != "" or kind == "string"), (title, element.attrib)
                value = _PARSE[kind](raw)
                if isinstance(value, float):
                    assert math.isfinite(value), (title, raw)
            if cls == "edge":
                assert float(element.get("weight")) > 0
    node_titles = {a.get("title") for a in graph.findall("g:attributes[@class='node']/g:attribute", GEXF_NS)}
    assert {"pagerank", "personal_pagerank", "betweenness", "core", "reciprocity", "priority", "fade_risk",
            "ego_priority", "ego_status", "referral_reach"} <= node_titles


def test_graphml_round_trip_keeps_types_and_ids(sample_graph: nx.DiGraph, tmp_path: Path) -> None:
    path = tmp_path / "brand.graphml"
    write_graph(sample_graph, str(path))
    root = ET.parse(path).getroot()
    keys = root.findall("g:key", GRAPHML_NS)
    assert len({(k.get("for"), k.get("attr.name")) for k in keys}) == len(keys)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == sample_graph.number_of_nodes()
    assert back.number_of_edges() == sample_graph.number_of_edges()
    assert "zoë" in back and back.nodes["zoë"]["label"] == "zoë"
    for _node, data in list(back.nodes(data=True))[:50]:
        assert isinstance(data["in_degree"], int) and isinstance(data["pagerank"], float)
        assert isinstance(data["ego_status"], str) and data["ego_status"]
    assert back.nodes["brand"]["ego_status"] == "ego"


def test_scores_agree_with_networkx(sample_graph: nx.DiGraph) -> None:
    weights = {(u, v): d["weight"] for u, v, d in sample_graph.edges(data=True)}
    reference = nx.DiGraph()
    reference.add_nodes_from(sample_graph.nodes)
    reference.add_weighted_edges_from((u, v, w) for (u, v), w in weights.items())
    pr = nx.pagerank(reference, weight="weight", tol=1e-12, max_iter=1000)
    assert max(abs(pr[n] - sample_graph.nodes[n]["pagerank"]) for n in pr) < 1e-6
    for node in sample_graph:
        assert sample_graph.nodes[node]["in_degree"] == reference.in_degree(node)
        assert sample_graph.nodes[node]["out_degree"] == reference.out_degree(node)
    reciprocated = {(u, v) for u, v in weights if (v, u) in weights}
    assert {(u, v) for u, v, d in sample_graph.edges(data=True) if d["reciprocated"]} == reciprocated


def test_undefined_values_are_minus_one_by_hand() -> None:
    # a -> b answered by b within an hour; a -> c never answered (latency undefined); c on one day only
    raw = pl.DataFrame({"src": ["a", "b", "a", "a"], "dst": ["b", "a", "c", "b"], "kind": ["message"] * 4,
                        "ts": [0, 3600, 7200, 5 * 86400]})
    g = to_networkx(Network.from_dataset(validate_events(raw, source="test")))
    ab, ac, ba = g.edges["a", "b"], g.edges["a", "c"], g.edges["b", "a"]
    assert ab["answered_rate"] == 0.5 and ab["answer_latency_h"] == pytest.approx(1.0)
    assert ac["answered_rate"] == 0.0 and ac["answer_latency_h"] == MISSING
    # a one-day tie has no rhythm of its own: it gets the community's gap (ror_graph.fading)
    assert ac["usual_gap_days"] > 0 and ac["tie_status"] in STATUSES
    assert ab["reciprocated"] and not ac["reciprocated"] and ba["reciprocated"]
    assert ab["n_events"] == 2 and ab["first_ts"] == "1970-01-01T00:00:00Z" and ab["last_ts"] == "1970-01-06T00:00:00Z"
    assert g.nodes["c"]["answers_rate"] == 0.0 and g.nodes["a"]["answers_rate"] == 1.0
    for _, data in g.nodes(data=True):
        assert None not in data.values()
    types = {}
    for _, _, data in g.edges(data=True):
        for key, value in data.items():
            types.setdefault(key, set()).add(type(value))
    assert all(len(t) == 1 for t in types.values()), types


def test_format_from_extension_and_atomic_write(tmp_path: Path) -> None:
    assert graph_format_for("x.GEXF", None) == "gexf" and graph_format_for("-", "graphml") == "graphml"
    with pytest.raises(OptionError, match=r"\.gexf or \.graphml"):
        graph_format_for("x.csv", None)
    with pytest.raises(OptionError, match="does not exist"):
        write_graph(nx.DiGraph(), str(tmp_path / "no" / "g.gexf"))
    write_graph(nx.DiGraph([("a", "b")]), str(tmp_path / "g.gexf"))
    assert [p.name for p in tmp_path.iterdir()] == ["g.gexf"]


def test_cli_export(sample_events: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "demo.graphml"
    done = runner.invoke(main, ["export", str(sample_events), "-o", str(out), "--no-reach"])
    assert done.exit_code == 0, done.output
    assert "wrote 301 people and 2,916 relationships" in done.output
    assert nx.read_graphml(out).number_of_edges() == 2916
    piped = runner.invoke(main, ["export", str(sample_events), "-o", "-", "--format", "gexf", "--no-reach"])
    assert piped.exit_code == 0 and piped.stdout.startswith("<?xml") and "</gexf>" in piped.stdout
    bad = runner.invoke(main, ["export", str(sample_events), "-o", str(tmp_path / "g.txt")])
    assert bad.exit_code == 1 and "gexf" in bad.output and bad.output.count("\n") == 1


def test_gexf_carries_community_size_colour_and_position(gexf_file: Path, sample_net: Network) -> None:
    from ror_graph.communities import find_communities

    viz = "{http://www.gexf.net/1.2draft/viz}"
    root = ET.parse(gexf_file).getroot()
    graph = root.find("g:graph", GEXF_NS)
    titles = {a.get("id"): a.get("title") for a in graph.findall("g:attributes[@class='node']/g:attribute", GEXF_NS)}
    assert "community" in titles.values() and not {"x", "y", "size", "r"} & set(titles.values())
    community_key = next(k for k, t in titles.items() if t == "community")
    expected = dict(find_communities(sample_net).people.select("node_id", "community").iter_rows())
    positions = set()
    for node in graph.findall("g:nodes/g:node", GEXF_NS):
        values = {v.get("for"): v.get("value") for v in node.findall("g:attvalues/g:attvalue", GEXF_NS)}
        assert int(values[community_key]) == expected[node.get("id")]
        pos, size, colour = node.find(f"{viz}position"), node.find(f"{viz}size"), node.find(f"{viz}color")
        assert pos is not None and size is not None and colour is not None
        assert 4.0 <= float(size.get("value")) <= 40.0
        x, y = float(pos.get("x")), float(pos.get("y"))
        assert abs(x) <= 1000.0 + 1e-6 and abs(y) <= 1000.0 + 1e-6
        positions.add((round(x, 3), round(y, 3)))
    assert len(positions) == sample_net.n  # nobody drawn on top of anybody


def test_layout_is_seeded_and_keeps_communities_together(sample_net: Network, sample_graph: nx.DiGraph) -> None:
    import numpy as np

    from ror_graph.communities import find_communities
    from ror_graph.gephi import layout

    membership = find_communities(sample_net).membership - 1
    a, b = layout(sample_net, membership), layout(sample_net, membership)
    assert np.array_equal(a, b)
    # members sit closer to their own community's centre than to the nearest other centre, mostly
    centres = np.array([a[membership == c].mean(axis=0) for c in range(membership.max() + 1)])
    dist = np.linalg.norm(a[:, None, :] - centres[None, :, :], axis=2)
    assert (dist.argmin(axis=1) == membership).mean() > 0.7
    # the biggest pagerank gets the biggest node
    top = max(sample_graph.nodes, key=lambda n: sample_graph.nodes[n]["pagerank"])
    assert sample_graph.nodes[top]["size"] == pytest.approx(40.0)


def test_graphml_carries_gephi_position_size_and_colour(sample_graph: nx.DiGraph, tmp_path: Path) -> None:
    path = tmp_path / "drawn.graphml"
    write_graph(sample_graph, str(path))
    back = nx.read_graphml(path)
    data = back.nodes["brand"]
    assert {"x", "y", "size", "r", "g", "b", "community"} <= data.keys()
    assert isinstance(data["community"], int) and isinstance(data["x"], float)


def test_large_graph_layout_draws_communities_as_discs(sample_net: Network, monkeypatch) -> None:
    import numpy as np

    import ror_graph.gephi as gephi
    from ror_graph.communities import find_communities

    monkeypatch.setattr(gephi, "FORCE_LAYOUT_MAX", 10)  # take the large-graph path on the demo
    membership = find_communities(sample_net).membership - 1
    pos = gephi.layout(sample_net, membership)
    assert np.array_equal(pos, gephi.layout(sample_net, membership))
    assert np.abs(pos).max() == pytest.approx(1000.0)
    centres = np.array([pos[membership == c].mean(axis=0) for c in range(membership.max() + 1)])
    nearest = np.linalg.norm(pos[:, None, :] - centres[None, :, :], axis=2).argmin(axis=1)
    assert (nearest == membership).mean() > 0.95
    assert len({(round(x, 6), round(y, 6)) for x, y in pos}) == sample_net.n


@pytest.mark.parametrize("name", ["ctrl.graphml", "ctrl.gexf"])
def test_characters_xml_cannot_hold_become_replacement_character(name: str, tmp_path: Path) -> None:
    raw = pl.DataFrame({"src": ["a\x01b", "c", "new\nline"], "dst": ["c", "a\x01b", "c"],
                        "kind": ["reply"] * 3, "ts": [0, 60, 120]})
    path = tmp_path / name
    write_graph(to_networkx(Network.from_dataset(validate_events(raw, source="test"))), str(path))
    root = ET.parse(path).getroot()  # well-formed XML
    ids = {n.get("id") for n in root.iter() if n.tag.endswith("}node")}
    assert {"a\ufffdb", "c", "new\nline"} == ids
    back = load_events([path]).events
    assert set(back["src"]) == {"a\ufffdb", "c", "new\nline"}
