"""The demo data in sample_data/: reproducible from its generator, valid, and true to its planted story."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from ror_graph.model import validate_events

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
FILES = ("events.csv", "actors.csv", "planted_truth.csv")
BRAND = "brand"


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    raw = pl.read_csv(SAMPLE / "events.csv", try_parse_dates=True)
    dataset = validate_events(raw, source="sample_data/events.csv")
    assert dataset.notes == ()  # no self-loops, no repeated event ids
    return dataset.events


@pytest.fixture(scope="module")
def planted() -> dict[str, list[str]]:
    truth = pl.read_csv(SAMPLE / "planted_truth.csv")
    assert truth.columns == ["node_id", "role", "detail"]
    assert truth["node_id"].is_unique().all()
    return {role: group["node_id"].to_list() for (role,), group in truth.group_by("role", maintain_order=True)}


def test_generator_reproduces_committed_files(tmp_path):
    subprocess.run([sys.executable, str(SAMPLE / "generate.py"), "--out", str(tmp_path)], check=True)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_events_file_shape(events):
    header = (SAMPLE / "events.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "src,dst,kind,ts,weight,channel,event_id"
    assert (SAMPLE / "events.csv").stat().st_size < 1_500_000
    assert 15_000 <= events.height <= 30_000
    assert events["ts"].is_sorted()
    assert events["event_id"].is_unique().all()
    assert set(events["kind"].cast(pl.String)) >= {
        "follow", "mention", "reply", "share", "like", "message", "referral", "rating", "visit"
    }
    span = events["ts"].max() - events["ts"].min()
    assert timedelta(days=15 * 30) <= span <= timedelta(days=19 * 31)
    assert events["ts"].max().date().isoformat() == "2026-06-30"


def test_events_validate_with_ts_as_text():
    raw = pl.read_csv(SAMPLE / "events.csv", schema_overrides={"ts": pl.String})
    validate_events(raw, source="sample_data/events.csv")


def test_actors_cover_everyone(events):
    actors = pl.read_csv(SAMPLE / "actors.csv")
    assert actors.columns == ["id", "name", "platform", "followers"]
    assert actors["id"].is_unique().all()
    people = set(events["src"]) | set(events["dst"])
    assert people == set(actors["id"])
    assert 290 <= len(people) - 1 <= 320
    assert {"zoë", "jürgen.b"} <= people


def _pair(events: pl.DataFrame, a: str, b: str) -> pl.DataFrame:
    return events.filter((pl.col("src") == a) & (pl.col("dst") == b))


def _median_gap(ts: pl.Series) -> timedelta:
    return ts.sort().diff().drop_nulls().median()


def test_planted_role_sizes(planted):
    sizes = {role: len(ids) for role, ids in planted.items()}
    assert 8 <= sizes["fading_valuable"] <= 10
    assert 8 <= sizes["loyal_active"] <= 12
    assert 8 <= sizes["one_sided_fan"] <= 12
    assert sizes["bridge"] == 3
    assert sizes["influencer"] == 5
    assert 15 <= sizes["one_off"] <= 25
    assert 30 <= sizes["outer_community"] <= 50


def test_fading_valuable_are_reciprocal_and_silent_against_their_own_rhythm(events, planted):
    last = events["ts"].max()
    for p in planted["fading_valuable"]:
        give, get = _pair(events, p, BRAND), _pair(events, BRAND, p)
        assert give.height >= 10 and get.height >= 10, p
        assert (give["kind"] == "share").sum() + (give["kind"] == "referral").sum() >= 5, p
        both = pl.concat([give, get])["ts"]
        silence = last - both.max()
        # silent for >= 5x the usual gap, measured each way and on the whole exchange
        for ts in (give["ts"], get["ts"], both):
            assert silence >= 5 * _median_gap(ts), p


def test_loyal_active_keep_their_rhythm(events, planted):
    last = events["ts"].max()
    for p in planted["loyal_active"]:
        give, get = _pair(events, p, BRAND), _pair(events, BRAND, p)
        assert give.height >= 10 and get.height >= 10, p
        assert last - give["ts"].max() <= 2 * _median_gap(give["ts"]), p


def test_one_sided_fans_are_never_answered(events, planted):
    for p in planted["one_sided_fan"]:
        assert _pair(events, p, BRAND).height >= 5, p
        assert _pair(events, BRAND, p).height == 0, p


def test_one_offs_touch_the_brand_once(events, planted):
    for p in planted["one_off"]:
        assert _pair(events, p, BRAND).height + _pair(events, BRAND, p).height == 1, p


def test_influencers_draw_the_most_attention(events, planted):
    people = events.filter(pl.col("dst") != BRAND)
    in_degree = people.group_by("dst").agg(pl.col("src").n_unique().alias("n")).sort("n", descending=True)
    top = set(in_degree["dst"].head(10))
    assert set(planted["influencer"]) <= top


def test_bridges_are_the_only_links_to_the_outer_community(events, planted):
    graph = nx.Graph()
    graph.add_edges_from(events.select("src", "dst").unique().iter_rows())
    outer = set(planted["outer_community"])
    bridges = set(planted["bridge"])
    assert outer <= nx.node_connected_component(graph, BRAND)
    for b in bridges:
        assert set(graph[b]) & outer, b  # every bridge touches the collective ...
        assert set(graph[b]) - outer, b  # ... and the brand's community
    cut = graph.copy()
    cut.remove_nodes_from(bridges)
    assert not outer & nx.node_connected_component(cut, BRAND)
    # the collective holds together on its own: it is a community, not scattered people
    assert nx.is_connected(cut.subgraph(outer))
