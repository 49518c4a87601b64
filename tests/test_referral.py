"""Referral propagation through the user-level API and the CLI: conventions on hand-made
logs, agreement with independent implementations (cynetdiff, a plain-Python cascade) on the
real datasets, IMM against CELF and top-degree seeds, and the `ror referral` command."""

from __future__ import annotations

import array
import dataclasses
import math
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph import propagation as prop
from ror_graph import referral as ref
from ror_graph.errors import OptionError
from ror_graph.model import validate_events
from ror_graph.network import Network

Z99 = 3.2905
ROOT = Path(__file__).resolve().parents[1]


def _net(rows: list[tuple[str, str, str, int]]) -> Network:
    raw = pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row")
    return Network.from_dataset(validate_events(raw, source="test"))


@pytest.fixture(scope="module")
def chain() -> Network:
    # b shares a, c shares b, d replies to c, a mentions d (attention direction)
    return _net([("b", "a", "share", 0), ("c", "b", "share", 10), ("d", "c", "reply", 20), ("a", "d", "mention", 30),
                 ("c", "b", "share", 40)])


# -- conventions -----------------------------------------------------------------------


def test_influence_flows_against_attention(chain):
    edges = ref.edge_probabilities(chain, "const:1")
    assert sorted(zip(edges["src"], edges["dst"])) == [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]
    assert ref.expected_reach(chain, ["a"], prob="const:1", sims=10).mean == 4.0
    half = ref.expected_reach(chain, "a", prob="const:0.5", sims=40_000, seed=3)
    exact = 1 + 0.5 + 0.25 + 0.125
    assert half.ci_low <= exact <= half.ci_high


def test_strength_and_wc_and_const(chain):
    strength = ref.edge_probabilities(chain, "strength").join(
        chain.relationships.select(pl.col("dst").alias("src"), pl.col("src").alias("dst"), "strength"), on=["src", "dst"]
    )
    expected = np.minimum(1 - np.exp(-strength["strength"].to_numpy() / ref.DEFAULT_STRENGTH_SCALE), ref.STRENGTH_CAP)
    assert strength["p"].to_numpy() == pytest.approx(expected)
    scaled = ref.edge_probabilities(chain, "strength:5")
    assert (scaled["p"].to_numpy() >= ref.edge_probabilities(chain, "strength")["p"].to_numpy()).all()
    star = _net([("x", "hub", "reply", 0), ("x", "y", "reply", 1), ("z", "hub", "reply", 2)])
    wc = {(s, d): p for s, d, p in ref.edge_probabilities(star, "wc").select("src", "dst", "p").rows()}
    assert wc == {("hub", "x"): 0.5, ("y", "x"): 0.5, ("hub", "z"): 1.0}
    assert set(ref.edge_probabilities(chain, "const:0.3")["p"]) == {0.3}


def test_learned_probabilities():
    # a posts (3 own events); b shared a twice, c once; d only replied to a
    net = _net([("a", "x", "reply", 0), ("a", "x", "reply", 1), ("a", "y", "mention", 2),
                ("b", "a", "share", 3), ("b", "a", "share", 4), ("c", "a", "share", 5), ("d", "a", "reply", 6)])
    p = {d: v for s, d, v in ref.edge_probabilities(net, "learned").select("src", "dst", "p").rows() if s == "a"}
    actions_a = 3 + 2  # a's own events + the most shares by one person
    total_shares = 3
    # p0 is pooled over the sources of propagation edges: a, x and y (x and y have no actions)
    p0 = total_shares / actions_a
    assert p["b"] == pytest.approx((2 + 2 * p0) / (actions_a + 2))
    assert p["c"] == pytest.approx((1 + 2 * p0) / (actions_a + 2))
    assert p["d"] == pytest.approx((0 + 2 * p0) / (actions_a + 2))
    with pytest.raises(OptionError, match="'learned' needs share"):
        ref.edge_probabilities(_net([("a", "b", "reply", 0)]), "learned")


def test_errors(chain):
    with pytest.raises(OptionError, match="unknown id 'zed'"):
        ref.expected_reach(chain, ["zed"], sims=10)
    with pytest.raises(OptionError, match=r"\[0, 1\]"):
        ref.expected_reach(chain, ["a"], prob="const:1.5", sims=10)
    with pytest.raises(OptionError, match="unknown prob="):
        ref.edge_probabilities(chain, "magic")
    with pytest.raises(OptionError, match="epsilon"):
        ref.best_seeds(chain, 2, epsilon=1.0)
    with pytest.raises(OptionError, match="epsilon"):
        ref.referral_reach(chain, epsilon=0.0)
    with pytest.raises(OptionError, match="no edges"):
        ref.referral_reach(chain, prob="const:0")
    with pytest.raises(OptionError, match="unknown model="):
        ref.best_seeds(chain, 1, model="sis")


def test_tables_are_ranked_and_deterministic(chain):
    table = ref.referral_reach(chain, prob="const:0.5", rr_sets=20_000, seed=1)
    assert table.columns == ["rank", "node_id", "referral_reach", "stderr", "ci_low", "ci_high"]
    assert table["rank"].to_list() == [1, 2, 3, 4]
    # a cycle with equal probabilities: everyone has the same true reach, ties by node_id
    exact = 1 + 0.5 + 0.25 + 0.125
    assert ((table["ci_low"] <= exact) & (exact <= table["ci_high"])).all()
    assert table.equals(ref.referral_reach(chain, prob="const:0.5", rr_sets=20_000, seed=1))
    best = ref.best_seeds(chain, 2, prob="const:0.5", sims=2000, seed=1)
    assert best.columns == ["rank", "node_id", "marginal_gain", "cumulative_reach", "marginal_gain_mc",
                            "marginal_gain_mc_stderr", "cumulative_reach_mc"]
    gain = ref.ego_gain(chain, "a", prob="const:0.5", seed=1)
    assert gain["node_id"].to_list() == ["b"]
    assert gain["p_nurtured"][0] == pytest.approx(0.75)
    # raising a -> b from 0.5 to 0.75 adds 0.25 * (1 + 0.5 + 0.25) to a's reach
    assert abs(gain["reach_gain"][0] - 0.25 * 1.75) <= Z99 * gain["reach_gain_stderr"][0] + 1e-9


# -- real data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def higgs(shared_data) -> Network:
    """The Higgs retweet layer: the activity stream's RT rows (= higgs-retweet_network)."""
    from ror_graph.loaders import load_events

    ds = load_events([shared_data / "higgs-twitter" / "higgs-activity_time.txt.gz"])
    ds = dataclasses.replace(ds, events=ds.events.filter(pl.col("kind") == "share"))
    return Network.from_dataset(ds)


@pytest.fixture(scope="module")
def bitcoin(shared_data) -> Network:
    from ror_graph.loaders import load_events

    return Network.from_dataset(load_events([shared_data / "bitcoin-otc" / "soc-sign-bitcoinotc.csv"]))


@pytest.fixture(scope="module")
def email(shared_data) -> Network:
    from ror_graph.loaders import load_events

    return Network.from_dataset(load_events([shared_data / "email-eu-core-temporal" / "email-Eu-core-temporal.txt.gz"]))


def _cynetdiff_reach(graph: prop.PropagationGraph, seeds, sims: int, rng: int) -> tuple[float, float]:
    models = pytest.importorskip("cynetdiff.models")
    model = models.IndependentCascadeModel(
        array.array("I", graph.indptr[:-1].astype(np.uint32).tolist()),
        array.array("I", graph.indices.astype(np.uint32).tolist()),
        activation_probs=array.array("f", graph.prob.astype(np.float32).tolist()),
        rng=rng,
    )
    model.set_seeds([int(s) for s in seeds])
    out = np.empty(sims)
    for i in range(sims):
        model.reset_model()
        model.advance_until_completion()
        out[i] = model.get_num_activated_nodes()
    return float(out.mean()), float(out.std(ddof=1) / math.sqrt(sims))


def test_higgs_retweets_agree_with_cynetdiff(higgs):
    assert higgs.relationships.height == 328_132
    graph = ref.propagation_graph(higgs, "strength")
    top = ref.referral_reach(higgs, prob="strength", rr_sets=300_000, seed=2).head(3)
    ids = top["node_id"].to_list()
    seeds = [higgs.index_of(i) for i in ids]
    ours = ref.expected_reach(higgs, ids, prob="strength", sims=2000, seed=5)
    mean, se = _cynetdiff_reach(graph, seeds, 2000, 5)
    assert abs(ours.mean - mean) <= Z99 * math.hypot(ours.stderr, se), (ours, mean, se)
    # each single-seed RR estimate agrees with cynetdiff too
    for v, row in zip(seeds, top.iter_rows(named=True)):
        m1, s1 = _cynetdiff_reach(graph, [v], 1000, v)
        assert abs(row["referral_reach"] - m1) <= Z99 * math.hypot(row["stderr"], s1), (row, m1, s1)


def _python_cascade(graph: prop.PropagationGraph, seeds, sims: int, rng: random.Random) -> tuple[float, float]:
    """An independent, plain-Python independent cascade."""
    out = []
    indptr, indices, prob = graph.indptr.tolist(), graph.indices.tolist(), graph.prob.tolist()
    for _ in range(sims):
        active = set(seeds)
        frontier = list(seeds)
        while frontier:
            nxt = []
            for u in frontier:
                for j in range(indptr[u], indptr[u + 1]):
                    v = indices[j]
                    if v not in active and rng.random() < prob[j]:
                        active.add(v)
                        nxt.append(v)
            frontier = nxt
        out.append(len(active))
    arr = np.asarray(out, float)
    return float(arr.mean()), float(arr.std(ddof=1) / math.sqrt(sims))


def test_email_reach_and_ego_gain_agree_with_plain_python(email):
    prob = "const:0.02"
    graph = ref.propagation_graph(email, prob)
    top = ref.referral_reach(email, prob=prob, epsilon=0.1, seed=3).head(3)
    rng = random.Random(12345)
    for row in top.iter_rows(named=True):
        m, s = _python_cascade(graph, [email.index_of(row["node_id"])], 1500, rng)
        assert abs(row["referral_reach"] - m) <= Z99 * math.hypot(row["stderr"], s), (row, m, s)
    ego = top["node_id"][0]
    gains = ref.ego_gain(email, ego, prob=prob, seed=4)
    assert gains["ego_reach"][0] == pytest.approx(top["referral_reach"][0], rel=0.1)
    # nurture the top person: the plain-Python reach with that one edge raised
    best = gains.row(0, named=True)
    e, v = email.index_of(ego), email.index_of(best["node_id"])
    raised = graph.prob.copy()
    a, b = graph.indptr[e], graph.indptr[e + 1]
    raised[a + int(np.searchsorted(graph.indices[a:b], v))] = best["p_nurtured"]
    nurtured = prop.PropagationGraph(graph.n, graph.indptr, graph.indices, raised)
    m0, s0 = _python_cascade(graph, [e], 3000, random.Random(7))
    m1, s1 = _python_cascade(nurtured, [e], 3000, random.Random(7))  # same stream: common random numbers
    diff_se = math.hypot(s0, s1)
    assert abs((m1 - m0) - best["reach_gain"]) <= Z99 * math.hypot(diff_se, best["reach_gain_stderr"])


def test_email_imm_vs_celf_vs_top_degree(email):
    """Strength-weighted ties: the most-connected people are not the best spreaders."""
    prob, k, eps = "strength", 5, 0.1
    graph = ref.propagation_graph(email, prob)
    imm = ref.best_seeds(email, k, prob=prob, epsilon=eps, sims=2000, seed=1)
    imm_idx = [email.index_of(i) for i in imm["node_id"]]
    celf = prop.celf(graph, k, sims=100, seed=2)
    top_degree = np.argsort(-np.diff(graph.indptr), kind="stable")[:k]
    judge = {name: prop.monte_carlo(graph, s, sims=5000, seed=99)
             for name, s in [("imm", imm_idx), ("celf", celf.seeds), ("degree", top_degree)]}
    slack = Z99 * math.hypot(judge["imm"].stderr, judge["celf"].stderr)
    assert judge["imm"].mean >= (1 - eps) * judge["celf"].mean - slack, judge
    assert judge["imm"].ci_low > 1.2 * judge["degree"].ci_high, judge
    # the RR estimate of the chosen set and the Monte Carlo re-check agree with the judge
    assert imm["cumulative_reach"][-1] == pytest.approx(judge["imm"].mean, rel=0.05)
    assert imm["cumulative_reach_mc"][-1] == pytest.approx(judge["imm"].mean, rel=0.02)
    assert (imm["marginal_gain_mc"] >= 0).all()


def test_lt_model_runs_on_real_data(bitcoin):
    table = ref.referral_reach(bitcoin, model="lt", prob="wc", rr_sets=100_000, seed=1)
    top = table["node_id"][0]
    mc = ref.expected_reach(bitcoin, [top], model="lt", prob="wc", sims=4000, seed=1)
    row = table.row(0, named=True)
    assert abs(row["referral_reach"] - mc.mean) <= Z99 * math.hypot(row["stderr"], mc.stderr)


# -- CLI -------------------------------------------------------------------------------


def _run(*args: str):
    from ror_graph.cli import main

    return CliRunner().invoke(main, ["referral", *args], catch_exceptions=False)


SAMPLE = str(ROOT / "sample_data" / "events.csv")


def test_cli_reach_per_person():
    result = _run(SAMPLE, "--format", "csv", "--epsilon", "0.2")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(result.stdout.encode())
    assert table.columns == ["rank", "node_id", "referral_reach", "stderr", "ci_low", "ci_high"]
    assert table["rank"][0] == 1 and table["referral_reach"].is_sorted(descending=True)


def test_cli_seeds_is_reproducible():
    args = (SAMPLE, "--seeds", "brand", "--sims", "3000", "--seed", "7", "--format", "csv")
    first, second = _run(*args), _run(*args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    row = pl.read_csv(first.stdout.encode()).row(0, named=True)
    assert row["seeds"] == "brand" and row["sims"] == 3000 and row["ci_low"] <= row["expected_reach"] <= row["ci_high"]
    other = _run(SAMPLE, "--seeds", "brand", "--sims", "3000", "--seed", "8", "--format", "csv")
    assert other.stdout != first.stdout


def test_cli_best_and_gain():
    best = _run(SAMPLE, "--best", "3", "--sims", "500", "--format", "csv")
    assert best.exit_code == 0, best.output
    assert pl.read_csv(best.stdout.encode())["rank"].to_list() == [1, 2, 3]
    gain = _run(SAMPLE, "--me", "brand", "--gain", "--format", "csv")
    assert gain.exit_code == 0, gain.output
    table = pl.read_csv(gain.stdout.encode())
    assert "reach_gain" in table.columns and table["reach_gain"].is_sorted(descending=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--seeds", "nobody"), "unknown id 'nobody'"),
        (("--prob", "const:2"), "probability must lie in [0, 1]"),
        (("--best", "3", "--epsilon", "1.2"), "epsilon 1.2 must lie in (0, 1)"),
        (("--gain",), "--gain needs --me"),
        (("--seeds", "brand", "--best", "2"), "choose one of"),
    ],
)
def test_cli_errors_are_one_line(args, message):
    result = _run(SAMPLE, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_reach_is_exactly_one_when_every_strength_has_decayed():
    from datetime import datetime, timezone

    from ror_graph.nurture import nurture_next

    raw = pl.DataFrame([("b", "a", "share", 0), ("c", "b", "share", 10)], schema=["src", "dst", "kind", "ts"], orient="row")
    later = Network.from_dataset(validate_events(raw, source="test"), as_of=datetime(2190, 1, 1, tzinfo=timezone.utc))
    # every strength is 0.5 ** (220 years / 60 days) = 0.0
    assert ref.edge_probabilities(later)["p"].max() == 0.0
    reach, se = ref.reach_estimates(later, allow_no_edges=True)
    assert reach.tolist() == [1.0] * later.n and se.tolist() == [0.0] * later.n
    assert nurture_next(later)["referral_reach"].to_list() == [1.0] * later.n  # the list is made, not refused
    for asked in (lambda: ref.referral_reach(later), lambda: ref.best_seeds(later, 1)):
        with pytest.raises(OptionError, match="no edges"):  # asked for reach itself: nothing can spread
            asked()
