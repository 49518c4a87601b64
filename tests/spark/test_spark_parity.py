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


# -- fading and nurture ------------------------------------------------------------------------
#
# Tolerance: fade_risk within 1e-9. Both backends fit the same rows in the same order with the
# same function (fade_model.fit_logistic), so the coefficients agree to rounding (measured:
# 3e-16 on the sample); the features differ only by the last bits of the JVM's and Rust's log
# and pow. 1e-9 leaves room for that, and is far below any status cut-off. Statuses, ranks,
# ``cut_edge``, ``evidence`` and every other column are identical (floats to 1e-9).


def as_ego(backend: str, source: Path, me: str | None):
    """The graph opened for ``opened(backend, source)``, asked for another ego (its cached
    PageRank and fade scores are reused)."""
    from ror_graph.backends.memory import MemoryAnalyses
    from ror_graph.backends.spark.analyses import SparkAnalyses

    base = opened(backend, source, "brand" if source == SAMPLE else None)  # the graphs the tests above opened
    if backend == "spark":
        return SparkAnalyses(base.graph, me=me)
    return MemoryAnalyses(base.network(), me=me)


def assert_same_fading(spark: pl.DataFrame, memory: pl.DataFrame) -> None:
    assert spark.columns == memory.columns
    assert spark["status"].to_list() == memory["status"].to_list()
    assert (spark["fade_risk"] - memory["fade_risk"]).abs().max() <= 1e-9
    assert_same_table(spark, memory)


def test_one_row_returns_the_row_or_names_the_missing_one(spark):
    from ror_graph.backends.spark.session import one_row
    from ror_graph.errors import BackendError

    assert one_row(spark.range(4).agg({"id": "sum"}))[0] == 6
    with pytest.raises(BackendError, match="no row"):
        one_row(spark.range(4).filter("id > 10"))


def test_subsample_hash_is_the_engine_hash(spark):
    from pyspark.sql import functions as F

    from ror_graph.backends.spark.fade import subsample_hash
    from ror_graph.fade_model import subsample_hash as engine_hash

    grid = pl.DataFrame({"a": [0, 1, 5, 77, 2**31 - 2, 123_456_789] * 3, "b": [1, 2, 9, 78, 2**31 - 1, 987_654_321] * 3,
                         "k": [1] * 6 + [2] * 6 + [6] * 6})
    expected = grid.select(engine_hash(pl.col("a"), pl.col("b"), pl.col("k")).alias("h"))["h"].to_list()
    frame = spark.createDataFrame(grid.rows(), "a long, b long, k long")
    got = [r[0] for r in frame.select(subsample_hash(F.col("a"), F.col("b"), F.col("k"))).collect()]
    assert got == expected


@pytest.mark.parametrize("me", [None, "brand"])
def test_fading_is_identical_on_sample_data(spark, me):
    assert_same_fading(as_ego("spark", SAMPLE, me).fading(), as_ego("memory", SAMPLE, me).fading())


def test_cut_edges_match_networkx_bridges(spark, tmp_path):
    """A triangle with a tail and a separate pair: the tail's ties and the pair are the bridges."""
    import networkx as nx

    ties = [("ann", "bob"), ("bob", "cy"), ("ann", "cy"), ("cy", "dee"), ("dee", "eve"), ("fay", "gus")]
    rows = ["src,dst,kind,ts"]
    for i, (a, b) in enumerate(ties):
        for day in range(1, 6):
            rows.append(f"{a},{b},reply,2024-03-{day + 3 * i:02d}T10:00:00Z")
            rows.append(f"{b},{a},reply,2024-03-{day + 3 * i:02d}T12:00:00Z")
    log = tmp_path / "tail.csv"
    log.write_text("\n".join(rows) + "\n")
    expected = {tuple(sorted(e)) for e in nx.bridges(nx.Graph(ties))}
    assert expected == {("cy", "dee"), ("dee", "eve"), ("fay", "gus")}
    for backend in ("spark", "memory"):
        table = opened(backend, log).fading()
        got = {(a, b) for a, b, cut in table.select("a", "b", "cut_edge").iter_rows() if cut}
        assert got == expected, backend
        assert table["cut_edge"].null_count() == 0


def test_a_hole_in_the_log_gets_the_same_note(spark, tmp_path):
    """Ten pairs talk daily for 120 days, nobody for 90, then again for 10: both backends say
    so in the same words (``fade_model.learning_gap_note``)."""
    import warnings
    from datetime import datetime, timedelta

    from ror_graph.errors import DataWarning

    rows = ["src,dst,kind,ts"]
    for day in [*range(120), *range(210, 220)]:
        stamp = (datetime(2024, 1, 1, 10) + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows += [f"p{i},q{i},message,{stamp}" for i in range(10)]
    log = tmp_path / "holed.csv"
    log.write_text("\n".join(rows) + "\n")
    notes = {}
    for backend in ("spark", "memory"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            opened(backend, log).fading()
        notes[backend] = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(notes["memory"]) == 1 and notes["memory"][0].startswith("no events at all from 2024-04-29 to 2024-07-29")
    assert notes["spark"] == notes["memory"]


@pytest.mark.parametrize("options", [{"max_train_rows": 500}, {"prior_only": True}], ids=["subsampled", "prior"])
def test_fade_model_paths_are_identical_on_sample_data(spark, options):
    """The hash-subsampled training rows and the prior give the same model and probabilities."""
    from ror_graph.backends.memory import fade_params
    from ror_graph.backends.spark.analyses import to_polars
    from ror_graph.backends.spark.fade import fade_probabilities
    from ror_graph.fade_model import fade_probabilities as engine_probabilities

    p = fade_params(**options)
    net = as_ego("memory", SAMPLE, None).network()
    reference, ref_ties = engine_probabilities(net, p.horizon_days, features=p.features, l2=p.l2, max_origins=p.max_origins,
                                               max_rows=p.max_train_rows, prior_only=p.prior_only)
    model, ties = fade_probabilities(as_ego("spark", SAMPLE, None).graph, p.horizon_days, features=p.features, l2=p.l2,
                                     max_origins=p.max_origins, max_rows=p.max_train_rows, prior_only=p.prior_only)
    assert (model.source, model.horizon_days) == (reference.source, reference.horizon_days)
    for key in ("rows", "available_rows", "sample_rate", "silent_share"):
        assert model.provenance.get(key) == reference.provenance.get(key), key
    if "max_train_rows" in options:
        assert 0 < model.provenance["sample_rate"] < 1
    assert max(abs(x - y) for x, y in zip((*model.coefficients, model.intercept), (*reference.coefficients, reference.intercept))) < 1e-9
    ref_ties = net.names(net.names(ref_ties, "a", "a_id"), "b", "b_id").select(pl.col("a_id").alias("a"), pl.col("b_id").alias("b"), "p_silent")
    joined = to_polars(ties.select("a", "b", "p_silent")).join(ref_ties, on=["a", "b"], suffix="_m")
    assert joined.height == ref_ties.height
    assert (joined["p_silent"] - joined["p_silent_m"]).abs().max() <= 1e-9


@pytest.mark.parametrize("me", [None, "brand"])
def test_nurture_is_identical_on_sample_data(spark, me):
    sp, mem = as_ego("spark", SAMPLE, me).nurture_next(reach=False), as_ego("memory", SAMPLE, me).nurture_next(reach=False)
    assert sp["node_id"].head(20).to_list() == mem["node_id"].head(20).to_list()
    assert_same_table(sp, mem)


def test_nurture_with_reach_has_the_memory_columns(spark):
    """Referral reach on Spark is an approximation (benchmarks/results/spark_referral.md):
    the same columns, reach between 1 and n for everyone."""
    sp, mem = as_ego("spark", SAMPLE, "brand").nurture_next(), as_ego("memory", SAMPLE, "brand").nurture_next()
    assert sp.columns == mem.columns
    assert sp.height == mem.height
    assert sp["referral_reach"].min() >= 1 and sp["referral_reach"].max() <= opened("spark", SAMPLE).graph.n


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_datasets_fading_and_nurture(spark, shared_data, name):
    """Identical fading statuses (fade_risk to 1e-9) and identical top-20 order of nurture,
    for the community and for the person with the most events."""
    source = shared_data / REAL[name]
    assert_same_fading(as_ego("spark", source, None).fading(), as_ego("memory", source, None).fading())
    net = opened("memory", source).network()
    busiest = net.events.group_by("s").len().sort(["len", "s"], descending=[True, False])["s"][0]
    for me in (None, net.nodes["node_id"][int(busiest)]):
        sp = as_ego("spark", source, me).nurture_next(reach=False)
        mem = as_ego("memory", source, me).nurture_next(reach=False)
        assert sp["node_id"].head(20).to_list() == mem["node_id"].head(20).to_list(), me
        assert (sp["priority"].head(20) - mem["priority"].head(20)).abs().max() < 1e-9, me
