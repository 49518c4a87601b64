"""The spark backend against the memory backend: the same tables, the same ranking.

One local[2] session serves every test (tests/spark/conftest.py); each graph is opened once
per backend. Identical means: the same rows in the same order, integers equal, floats equal to
1e-9 (sums in another order), PageRank within 1e-6 (both iterate to an L1 change below 1e-10).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ror_graph.backends import GraphRequest, get_backend

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "events.csv"
REAL = {
    "collegemsg": "collegemsg/CollegeMsg.txt",
    "email-eu-core": "email-eu-core-temporal/email-Eu-core-temporal.txt.gz",
}

_opened: dict[tuple, object] = {}


def opened(backend: str, source: Path, me: str | None = None):
    key = (backend, str(source), me)
    if key not in _opened:
        settings = {"master": "local[2]"} if backend == "spark" else {}
        _opened[key] = get_backend(backend, **settings).open(GraphRequest(sources=(str(source),), me=me))
    return _opened[key]


def assert_same_table(spark: pl.DataFrame, memory: pl.DataFrame, *, tol: float = 1e-9) -> None:
    """Same columns, same rows in the same order; floats to ``tol`` (relative to 1)."""
    assert spark.columns == memory.columns
    assert spark.height == memory.height
    for name in memory.columns:
        a, b = spark[name], memory[name]
        if b.dtype.is_float():
            diff = (a.cast(pl.Float64) - b).abs() / b.abs().clip(lower_bound=1.0)
            both_null = a.is_null() & b.is_null()
            assert ((diff <= tol) | both_null).all(), f"{name}: max difference {diff.max()}"
            assert (a.is_null() == b.is_null()).all(), f"{name}: nulls differ"
        else:
            assert a.cast(pl.String).to_list() == b.cast(pl.String).to_list(), f"{name} differs"


@pytest.mark.parametrize("me", [None, "brand"])
def test_relationship_reciprocity_is_identical_on_sample_data(spark, me):
    assert_same_table(opened("spark", SAMPLE, me).reciprocity(), opened("memory", SAMPLE, me).reciprocity())


def test_person_reciprocity_is_identical_on_sample_data(spark):
    assert_same_table(opened("spark", SAMPLE).reciprocity(level="person"), opened("memory", SAMPLE).reciprocity(level="person"))


def test_stats_are_identical_on_sample_data(spark):
    s = opened("spark", SAMPLE).stats().row(0, named=True)
    m = opened("memory", SAMPLE).stats().row(0, named=True)
    assert set(s) == set(m)
    for key, value in m.items():
        if key == "kinds":
            assert sorted(s[key].split(", ")) == sorted(value.split(", "))
        elif isinstance(value, float):
            assert s[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        else:
            assert s[key] == value, key


def test_influencers_match_on_sample_data(spark):
    s = opened("spark", SAMPLE, "brand").influencers()
    m = opened("memory", SAMPLE, "brand").influencers()
    assert s.columns == m.columns
    assert s["node_id"].head(20).to_list() == m["node_id"].head(20).to_list()
    joined = s.join(m, on="node_id", suffix="_m")
    assert joined.height == m.height
    for score in ("pagerank", "personal_pagerank", "influence"):
        assert (joined[score] - joined[f"{score}_m"]).abs().max() < 1e-6, score
    for exact in ("in_degree", "out_degree", "core", "rank"):
        assert joined[exact].to_list() == joined[f"{exact}_m"].to_list(), exact
    assert (joined["in_strength"] - joined["in_strength_m"]).abs().max() < 1e-9
    for score in ("hub", "authority"):  # power iteration against igraph's ARPACK
        assert (joined[score] - joined[f"{score}_m"]).abs().max() < 1e-6, score
    assert s["betweenness"].null_count() == s.height  # not computed on Spark (documented)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_datasets_nodes_relationships_reciprocity_and_pagerank(spark, shared_data, name):
    source = shared_data / REAL[name]
    sp, mem = opened("spark", source), opened("memory", source)
    assert_same_table(sp.reciprocity(), mem.reciprocity())
    assert sp.reciprocity_summary()["reciprocated_edges"] == mem.reciprocity_summary()["reciprocated_edges"]
    ranks = sp.pagerank().toArrow()
    ranks = pl.from_arrow(ranks)
    from ror_graph.influence import pagerank

    net = mem.network()
    reference = pl.DataFrame({"node_id": net.nodes["node_id"], "ref": pagerank(net)})
    assert sorted(ranks["node_id"].to_list()) == reference["node_id"].to_list()  # identical nodes
    joined = ranks.join(reference, on="node_id")
    assert (joined["pagerank"] - joined["ref"]).abs().max() < 1e-6
