"""Suggestions (link prediction): scores by hand and against networkx, the back-test on ties that
formed later, and the CLI."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import networkx as nx
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.backtest import backtest
from ror_graph.cli import main
from ror_graph.communities import find_communities
from ror_graph.errors import OptionError
from ror_graph.loaders import load_events
from ror_graph.model import validate_events
from ror_graph.network import Network
from ror_graph.suggest import SUGGEST_COLUMNS, candidate_scores, suggest_ties

DAY = 86400


def _dataset(rows):
    return validate_events(pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row"), source="test")


def _weights(net: Network) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(net.nodes["node_id"].to_list())
    named = net.names(net.names(net.ties, "a", "x"), "b", "y")
    for x, y, s in named.select("x", "y", "strength").iter_rows():
        if x != y:
            g.add_edge(x, y, weight=s)
    return g


def test_scores_by_hand() -> None:
    # me - ana - zoe, me - bo - zoe, ana - yan; ana is a hub (4 contacts)
    rows = [("me", "ana", "message", 0), ("me", "bo", "message", 60), ("ana", "zoe", "message", 120),
            ("bo", "zoe", "message", 180), ("ana", "yan", "message", 240), ("ana", "kai", "message", 300)]
    net = Network.from_dataset(_dataset(rows))
    g = _weights(net)
    table = suggest_ties(net, me="me", community_bonus=0.0)
    assert table.columns == list(SUGGEST_COLUMNS)
    assert set(table["node_id"]) == {"zoe", "yan", "kai"}  # two steps away; ana and bo are ties already
    zoe = table.filter(pl.col("node_id") == "zoe").row(0, named=True)
    s = {n: g.degree(n, weight="weight") for n in g}
    w = lambda a, b: g.edges[a, b]["weight"]  # noqa: E731
    assert zoe["common_neighbours"] == 2
    assert zoe["adamic_adar"] == pytest.approx(1 / math.log(4) + 1 / math.log(2))
    assert zoe["adamic_adar_strength"] == pytest.approx(
        (w("me", "ana") + w("ana", "zoe")) / math.log1p(s["ana"]) + (w("me", "bo") + w("bo", "zoe")) / math.log1p(s["bo"])
    )
    assert zoe["score"] == zoe["adamic_adar_strength"] and zoe["rank"] == 1
    assert "2 shared contact(s)" in zoe["reason"]
    with pytest.raises(OptionError):
        suggest_ties(net, me="me", top=0)


def test_community_bonus_multiplies_the_score() -> None:
    net = Network.from_dataset(load_events(["sample_data/events.csv"]))
    plain = suggest_ties(net, me="brand", top=None, community_bonus=0.0)
    boosted = suggest_ties(net, me="brand", top=None, community_bonus=1.0)
    both = plain.join(boosted.select("node_id", pl.col("score").alias("boosted")), on="node_id")
    factor = pl.when(pl.col("same_community")).then(2.0).otherwise(1.0)
    assert both.select(((pl.col("boosted") - pl.col("score") * factor).abs() < 1e-9).all()).item()
    mine = int(find_communities(net).membership[net.index_of("brand")])
    assert (plain["same_community"] == (plain["community"] == mine)).all()


def test_common_neighbours_and_adamic_adar_match_networkx(sample_events) -> None:
    net = Network.from_dataset(load_events([str(sample_events)]))
    g = _weights(net)
    pairs = candidate_scores(net, [net.index_of("brand")])
    ids = net.nodes["node_id"].to_list()
    expected_candidates = {n for z in g["brand"] for n in g[z]} - set(g["brand"]) - {"brand"}
    assert {ids[c] for c in pairs["cand"]} == expected_candidates
    reference = {v: p for _, v, p in nx.adamic_adar_index(g, [("brand", ids[c]) for c in pairs["cand"]])}
    s = {n: g.degree(n, weight="weight") for n in g}
    for row in pairs.iter_rows(named=True):
        other = ids[row["cand"]]
        shared = set(g["brand"]) & set(g[other])
        assert row["common_neighbours"] == len(shared)
        assert row["adamic_adar"] == pytest.approx(reference[other])
        assert row["adamic_adar_strength"] == pytest.approx(
            sum((g.edges["brand", z]["weight"] + g.edges[z, other]["weight"]) / math.log1p(s[z]) for z in shared)
        )


def _planted_log():
    """Until day 60: three triangles' worth of people around 'x'; 'x' and 'y' share 3 strong
    contacts, 'x' and 'q' share one weak one. After day 60, x and y start talking; x and q do not."""
    rows = []
    for d in range(0, 60, 2):
        for z in ("a", "b", "c"):
            rows += [("x", z, "message", d * DAY), (z, "x", "message", d * DAY + 60),
                     ("y", z, "message", d * DAY + 120), (z, "y", "message", d * DAY + 180)]
    rows += [("x", "m", "message", 5 * DAY), ("m", "q", "message", 6 * DAY)]
    rows += [("x", "y", "message", (61 + d) * DAY) for d in range(5)]
    rows.append(("a", "b", "message", 95 * DAY))  # after the horizon: the log goes on
    return rows


def test_backtest_suggest_ranks_the_tie_that_formed() -> None:
    t = datetime(1970, 3, 2, tzinfo=timezone.utc)
    res = backtest(_dataset(_planted_log()), [t], horizon="30d", tasks=("suggest",))
    auc = dict(res.filter(pl.col("metric") == "auc").select("signal", "value").rows())
    assert auc["suggest"] == 1.0 and auc["common_neighbours"] == 1.0
    assert set(res["task"]) == {"suggest"} and res["positives"][0] == 2  # y among x's suggestions, x among y's
    # events after the horizon change nothing
    later = _planted_log() + [("x", "q", "message", 120 * DAY)]
    assert res.equals(backtest(_dataset(later), [t], horizon="30d", tasks=("suggest",)))


def test_backtest_suggest_on_real_data_beats_common_neighbours(shared_data) -> None:
    dataset = load_events([str(shared_data / "bitcoin-otc" / "soc-sign-bitcoinotc.csv")])
    res = backtest(dataset, ["2012-01-01"], horizon="90d", tasks=("suggest",))
    auc = dict(res.filter(pl.col("metric") == "auc").select("signal", "value").rows())
    assert auc["suggest"] > auc["common_neighbours"] + 0.05  # benchmarks/results/backtest_suggest.md


def test_cli_suggest(sample_events) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["suggest", str(sample_events), "--me", "brand", "--top", "5", "--format", "csv"])
    assert done.exit_code == 0, done.output
    table = pl.read_csv(done.stdout.encode())
    assert table.columns == list(SUGGEST_COLUMNS) and table.height == 5
    assert table["score"].is_sorted(descending=True)
    no_ego = runner.invoke(main, ["suggest", str(sample_events)])
    assert no_ego.exit_code == 1 and "--me" in no_ego.output
    done = runner.invoke(main, ["backtest", str(sample_events), "--as-of", "-60d", "--task", "suggest", "--format", "csv"])
    assert done.exit_code == 0, done.output
    assert set(pl.read_csv(done.stdout.encode())["task"]) == {"suggest"}


@pytest.mark.parametrize("bonus", ["nan", "inf", "1e308", "101"])
def test_cli_suggest_community_bonus_is_between_0_and_100(sample_events, bonus) -> None:
    bad = CliRunner().invoke(main, ["suggest", str(sample_events), "--me", "brand", "--community-bonus", bonus])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1, bad.output
    assert f"--community-bonus {float(bonus)} must be between 0 and 100" in bad.output
