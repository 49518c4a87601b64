"""Communities: a planted partition is recovered, the same seed gives the same partition,
modularity equals igraph's, roles and trends by hand, the community column in other tables."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.communities import find_communities, leiden_membership, people_of, tie_graph, with_community
from ror_graph.errors import OptionError
from ror_graph.loaders import load_events
from ror_graph.model import validate_events
from ror_graph.network import Network

DAY = 86400


def nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised mutual information, arithmetic-mean normalisation (Danon et al. 2005;
    sklearn's default): 2 I(a; b) / (H(a) + H(b))."""
    n = a.size
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    joint = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(joint, (ia, ib), 1)
    p = joint / n
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    ha = -float((pa * np.log(pa)).sum())
    hb = -float((pb * np.log(pb)).sum())
    return 1.0 if ha + hb == 0 else 2 * mi / (ha + hb)


def test_nmi_by_hand() -> None:
    same = np.array([0, 0, 1, 1])
    assert nmi(same, np.array([5, 5, 7, 7])) == pytest.approx(1.0)
    assert nmi(same, np.array([0, 1, 0, 1])) == pytest.approx(0.0)
    # a = {0,0,1,1}, b = {0,0,0,1}: H(a) = ln 2, H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4),
    # I = H(b) - H(b|a) = H(b) - 1/2 * ln 2 (a=1 splits b evenly, a=0 determines it)
    hb = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    expected = 2 * (hb - 0.5 * math.log(2)) / (math.log(2) + hb)
    assert nmi(same, np.array([0, 0, 0, 1])) == pytest.approx(expected)


def test_nmi_equals_sklearn() -> None:
    from sklearn.metrics import normalized_mutual_info_score

    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.integers(0, 4, size=60), rng.integers(0, 6, size=60)
        assert nmi(a, b) == pytest.approx(normalized_mutual_info_score(a, b), abs=1e-12)


def planted(groups: int = 4, size: int = 25, p_in: float = 0.35, p_out: float = 0.02, seed: int = 3) -> tuple[Network, np.ndarray]:
    """A planted-partition graph as an event log: every tie 1-4 messages, spread over 90 days."""
    rng = np.random.default_rng(seed)
    n = groups * size
    truth = np.repeat(np.arange(groups), size)
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < (p_in if truth[i] == truth[j] else p_out):
                for _ in range(int(rng.integers(1, 5))):
                    s, d = (i, j) if rng.random() < 0.5 else (j, i)
                    rows.append((f"p{s:03d}", f"p{d:03d}", "message", float(rng.integers(0, 90 * DAY))))
    raw = pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row")
    return Network.from_dataset(validate_events(raw, source="planted")), truth


def test_planted_partition_is_recovered() -> None:
    net, truth = planted()
    found = find_communities(net, seed=7)
    order = net.nodes["node_id"].str.slice(1).cast(pl.Int64).to_numpy()  # vertex -> planted person
    assert nmi(found.membership, truth[order]) > 0.9
    assert found.count == 4
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(truth[order], found.membership) > 0.9


def test_same_seed_same_partition_and_modularity_equals_igraph() -> None:
    net, _ = planted(seed=11, p_in=0.2, p_out=0.05)
    graph = tie_graph(net)
    a = leiden_membership(graph, seed=5)
    b = leiden_membership(graph, seed=5)
    assert (a == b).all()
    for resolution in (0.5, 1.0, 2.0):
        found = find_communities(net, resolution=resolution, seed=5)
        expected = graph.modularity(list(found.membership), weights="weight", resolution=resolution)
        assert found.modularity == pytest.approx(expected, abs=1e-12)
        assert found.summary["modularity"].sum() == pytest.approx(expected, abs=1e-12)


def test_real_data_modularity_equals_igraph_and_is_stable(shared_data) -> None:
    net = Network.from_dataset(load_events([str(shared_data / "collegemsg" / "CollegeMsg.txt")]))
    found = find_communities(net, seed=7)
    graph = tie_graph(net)
    assert found.modularity == pytest.approx(graph.modularity(list(found.membership), weights="weight"), abs=1e-9)
    again = Network.from_dataset(load_events([str(shared_data / "collegemsg" / "CollegeMsg.txt")]))
    assert (find_communities(again, seed=7).membership == found.membership).all()
    for _ in range(3):  # the same table to the last digit: float sums do not follow row order
        net_again = Network.from_dataset(load_events([str(shared_data / "collegemsg" / "CollegeMsg.txt")]))
        repeat = find_communities(net_again, seed=7)
        assert repeat.people.equals(found.people) and repeat.summary.equals(found.summary)
    # igraph's own quality of its Leiden result agrees with ours
    assert found.modularity > 0.3
    sizes = found.summary["size"].to_list()
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) == net.n


def _two_triangles() -> Network:
    # two triangles joined by c - x; h talks to both sides evenly and to a third pair
    pairs = [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")]
    raw = pl.DataFrame({"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs],
                        "kind": ["message"] * len(pairs), "ts": [i * 3600 for i in range(len(pairs))]})
    return Network.from_dataset(validate_events(raw, source="test"))


def test_roles_and_participation_by_hand() -> None:
    found = find_communities(_two_triangles())
    people = {r["node_id"]: r for r in found.people.iter_rows(named=True)}
    assert people["a"]["community"] == people["b"]["community"] == people["c"]["community"] == 1
    assert people["x"]["community"] == 2
    # c's three ties have equal strength up to decay; two stay inside, one goes to x's community
    net = _two_triangles()
    w = dict(((r["a"], r["b"]), r["strength"]) for r in net.names(net.names(net.ties, "a", "ia"), "b", "ib")
             .select(pl.col("ia").alias("a"), pl.col("ib").alias("b"), "strength").iter_rows(named=True))
    k_in, k_out = w[("a", "c")] + w[("b", "c")], w[("c", "x")]
    assert people["c"]["participation"] == pytest.approx(1 - (k_in / (k_in + k_out)) ** 2 - (k_out / (k_in + k_out)) ** 2)
    assert people["a"]["participation"] == pytest.approx(0.0)
    assert people["c"]["internal_strength"] == pytest.approx(k_in)
    # the largest inside strength of each community of 3 is its hub
    hubs = found.people.filter(pl.col("role") == "hub")["node_id"].to_list()
    assert hubs == [found.summary["hub"][0], found.summary["hub"][1]]
    assert found.people.filter(pl.col("role") == "bridge").height == 0  # P <= 0.5 with two communities


def test_trend_by_hand() -> None:
    rows = []
    for d in range(0, 60, 2):  # a-b-c talk every 2 days for 60 days
        rows += [("a", "b", d), ("b", "a", d), ("b", "c", d), ("c", "a", d)]
    for d in range(0, 30):  # x-y-z talk daily for 30 days, then stop
        rows += [("x", "y", d), ("y", "z", d), ("z", "x", d)]
    raw = pl.DataFrame({"src": [r[0] for r in rows], "dst": [r[1] for r in rows], "kind": ["message"] * len(rows),
                        "ts": [r[2] * DAY + 60 for r in rows]})
    net = Network.from_dataset(validate_events(raw, source="test"), as_of=datetime(1970, 3, 2, tzinfo=timezone.utc))
    summary = {r["hub"][0]: r for r in find_communities(net, window="30d").summary.iter_rows(named=True)}
    xyz = summary[[k for k in summary if k in "xyz"][0]]
    abc = summary[[k for k in summary if k in "abc"][0]]
    assert xyz["trend"] == "cooling" and xyz["events_recent"] == 0 and xyz["events_before"] == 90
    assert xyz["activity_change"] == pytest.approx(-1.0)
    assert abc["trend"] == "steady" and abc["events_recent"] == abc["events_before"] == 60
    # active: a->b, b->a, b->c, c->a; a->b and b->a are returned: 2 of 4
    assert abc["reciprocity_recent"] == pytest.approx(0.5)


def test_with_community_and_people_of(sample_events) -> None:
    net = Network.from_dataset(load_events([str(sample_events)]))
    found = find_communities(net)
    frame = pl.DataFrame({"rank": [1, 2], "node_id": ["brand", "nobody"]})
    out = with_community(frame, net)
    assert out.columns == ["rank", "node_id", "community"]
    assert with_community(pl.DataFrame({"node_id": ["brand"], "x": [1]}), net).columns == ["node_id", "x", "community"]
    assert out["community"].to_list() == [int(found.membership[net.index_of("brand")]), None]
    mine = people_of(found, net, me="brand")
    ego = net.index_of("brand")
    contacts = net.ties.filter((pl.col("a") == ego) | (pl.col("b") == ego)).height
    assert mine.height == contacts + 1
    assert mine["same_as_me"][0]
    with pytest.raises(OptionError):
        find_communities(net, resolution=0.0, seed=1)


def test_cli_communities(sample_events) -> None:
    result = CliRunner().invoke(main, ["communities", str(sample_events), "--by", "community", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert frame.columns[:3] == ["community", "size", "hub"]
    assert "modularity" in result.stderr
    result = CliRunner().invoke(main, ["communities", str(sample_events), "--me", "brand", "--format", "csv", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert {"node_id", "community", "role", "same_as_me"} <= set(pl.read_csv(result.stdout.encode()).columns)
    bad = CliRunner().invoke(main, ["communities", str(sample_events), "--window", "soon"])
    assert bad.exit_code == 1 and "--window" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("resolution", ["inf", "nan", "1e300", "1000.5"])
def test_cli_communities_resolution_is_at_most_1000(sample_events, resolution) -> None:
    bad = CliRunner().invoke(main, ["communities", str(sample_events), "--resolution", resolution])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1, bad.output
    assert f"--resolution {float(resolution)} must be positive and at most 1000" in bad.output


def test_report_has_a_community_section_with_its_figure(sample_events) -> None:
    import base64
    import re

    from ror_graph.report import build_report

    net = Network.from_dataset(load_events([str(sample_events)]))
    page = build_report(net, me="brand", top=10, timelines=0, referral=False)
    section = re.search(r'<section id="communities">(.*?)</section>', page, re.DOTALL).group(1)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', section)
    assert len(images) == 1 and base64.b64decode(images[0]).startswith(b"\x89PNG")
    found = find_communities(net)
    assert f"{found.modularity:.3f}" in section
    for hub in found.summary["hub"].to_list():
        assert f"<td>{hub}</td>" in section
    assert "brand&#x27;s contacts by community" in section or "brand's contacts by community" in section


def test_nurture_and_fading_carry_the_community(sample_events) -> None:
    net = Network.from_dataset(load_events([str(sample_events)]))
    expected = dict(find_communities(net).people.select("node_id", "community").iter_rows())
    runner = CliRunner()
    fading = runner.invoke(main, ["fading", str(sample_events), "--me", "brand", "--community", "--format", "csv"])
    assert fading.exit_code == 0, fading.output
    table = pl.read_csv(fading.stdout.encode())
    assert table.columns[:3] == ["rank", "a", "b"] and table.columns[-1] == "community"
    assert all(expected[b] == c for b, c in table.select("b", "community").iter_rows())
    nurture = runner.invoke(main, ["nurture", str(sample_events), "--me", "brand", "--no-reach", "--community", "--format", "csv"])
    assert nurture.exit_code == 0, nurture.output
    table = pl.read_csv(nurture.stdout.encode())
    assert table.columns[:3] == ["rank", "node_id", "priority"] and table.columns[-1] == "community"
    assert all(expected[n] == c for n, c in table.select("node_id", "community").iter_rows())
