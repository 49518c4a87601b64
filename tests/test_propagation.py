"""Propagation kernels against exact answers: closed forms on paths and trees, and the
enumeration of every live-edge world on graphs of at most 15 edges."""

from __future__ import annotations

import itertools
import math

import numba
import numpy as np
import pytest

from ror_graph import propagation as prop
from ror_graph.errors import OptionError
from ror_graph.propagation import PropagationGraph

Z99 = 3.2905  # 99.9% two-sided, for checks repeated over many nodes


# -- exact references ------------------------------------------------------------------


def _reach(n: int, adj: dict[int, list[int]], seeds) -> int:
    seen = set(seeds)
    stack = list(seeds)
    while stack:
        u = stack.pop()
        for v in adj.get(u, ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen)


def exact_ic(n, edges, seeds) -> float:
    """Sum over all 2^m live-edge worlds of P(world) * reach."""
    total = 0.0
    for live in itertools.product((0, 1), repeat=len(edges)):
        pr = 1.0
        adj: dict[int, list[int]] = {}
        for (u, v, p), x in zip(edges, live):
            pr *= p if x else 1 - p
            if x:
                adj.setdefault(u, []).append(v)
        if pr:
            total += pr * _reach(n, adj, seeds)
    return total


def exact_lt(n, edges, seeds) -> float:
    """LT's live-edge form (Kempe et al. 2003): each node keeps at most one in-edge,
    edge (u, v) with probability w(u, v); enumerate every choice."""
    into: dict[int, list[tuple[int, float]]] = {v: [] for v in range(n)}
    for u, v, w in edges:
        into[v].append((u, w))
    options = []
    for v in range(n):
        opts = [(u, w) for u, w in into[v]]
        opts.append((None, 1 - sum(w for _, w in into[v])))
        options.append(opts)
    total = 0.0
    for choice in itertools.product(*options):
        pr = math.prod(w for _, w in choice)
        adj: dict[int, list[int]] = {}
        for v, (u, _) in enumerate(choice):
            if u is not None:
                adj.setdefault(u, []).append(v)
        if pr:
            total += pr * _reach(n, adj, seeds)
    return total


def graph_of(n, edges) -> PropagationGraph:
    s, d, p = zip(*edges)
    return PropagationGraph.from_edges(n, s, d, p)


# A small graph with a cycle, a reciprocal pair and a clear best pair of seeds (14 edges).
SMALL_N = 9
SMALL = [
    (0, 1, 0.6), (0, 2, 0.5), (1, 3, 0.4), (2, 3, 0.3), (3, 0, 0.2), (1, 2, 0.25),
    (2, 1, 0.35), (4, 5, 0.7), (5, 6, 0.6), (4, 6, 0.2), (6, 7, 0.5), (7, 4, 0.1),
    (8, 7, 0.3), (3, 8, 0.15),
]


# -- closed forms ----------------------------------------------------------------------


def test_path_closed_form():
    p = [0.9, 0.5, 0.8, 0.3]
    g = PropagationGraph.from_edges(5, [0, 1, 2, 3], [1, 2, 3, 4], p)
    exact = 1 + sum(math.prod(p[:i]) for i in range(1, 5))
    for model in ("ic", "lt"):  # on a path LT and IC coincide
        est = prop.monte_carlo(g, [0], model=model, sims=20_000, seed=3)
        assert est.ci_low <= exact <= est.ci_high, (model, est, exact)
        assert est.sims == 20_000


def test_tree_closed_form():
    # out-tree: 0 -> 1, 2; 1 -> 3, 4; 2 -> 5; 5 -> 6
    edges = [(0, 1, 0.5), (0, 2, 0.7), (1, 3, 0.4), (1, 4, 0.9), (2, 5, 0.6), (5, 6, 0.5)]
    parent = {v: (u, p) for u, v, p in edges}

    def path_prob(v):
        out = 1.0
        while v in parent:
            v, p = parent[v]
            out *= p
        return out

    exact = sum(path_prob(v) for v in range(7))
    est = prop.monte_carlo(graph_of(7, edges), [0], sims=20_000, seed=11)
    assert est.ci_low <= exact <= est.ci_high
    assert exact_ic(7, edges, [0]) == pytest.approx(exact)


def test_constant_probability_uses_skipping_and_stays_exact():
    # a star with 40 leaves at p = 0.02 (< 0.1: geometric skipping) plus one edge at 0.05
    edges = [(0, i, 0.02) for i in range(1, 41)] + [(0, 41, 0.05)]
    exact = 1 + 40 * 0.02 + 0.05
    est = prop.monte_carlo(graph_of(42, edges), [0], sims=100_000, seed=5)
    assert est.ci_low <= exact <= est.ci_high


def test_tiny_probabilities_skip_past_every_edge():
    # p = 1e-20: a geometric gap of ~1e20 edges, past int64; once read as a negative index
    # (a crash). Forward (Monte Carlo) and backward (RR sets) both draw such gaps.
    star = [(0, i, 1e-20) for i in range(1, 30)]
    assert prop.monte_carlo(graph_of(30, star), [0], sims=5_000, seed=2).mean == 1.0
    into_one = [(i, 0, 1e-20) for i in range(1, 30)]
    sets = prop.rr_sets(graph_of(30, into_one), 5_000, seed=2)
    assert sets.nodes.size == sets.count  # every set is its root alone


# -- enumeration of live-edge worlds ---------------------------------------------------


@pytest.mark.parametrize("seeds", [[0], [4], [0, 4], [8, 2]])
def test_ic_matches_enumeration(seeds):
    exact = exact_ic(SMALL_N, SMALL, seeds)
    est = prop.monte_carlo(graph_of(SMALL_N, SMALL), seeds, sims=20_000, seed=1)
    assert est.ci_low <= exact <= est.ci_high, (est, exact)


@pytest.mark.parametrize("seeds", [[0], [4, 8]])
def test_lt_matches_enumeration(seeds):
    g = graph_of(SMALL_N, SMALL).lt_weights()
    lt_edges = list(zip(g.src.tolist(), g.indices.tolist(), g.prob.tolist()))
    exact = exact_lt(SMALL_N, lt_edges, seeds)
    est = prop.monte_carlo(g, seeds, model="lt", sims=20_000, seed=2)
    assert est.ci_low <= exact <= est.ci_high, (est, exact)


def test_random_small_graphs_ic():
    rng = np.random.default_rng(42)
    for _ in range(5):
        n = 7
        pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
        pick = rng.choice(len(pairs), size=12, replace=False)
        edges = [(*pairs[i], float(rng.uniform(0.05, 0.95))) for i in pick]
        exact = exact_ic(n, edges, [0])
        est = prop.monte_carlo(graph_of(n, edges), [0], sims=10_000, seed=int(rng.integers(1 << 30)))
        assert abs(est.mean - exact) <= Z99 * est.stderr + 1e-12


def test_single_node_reach_rr_estimator():
    g = graph_of(SMALL_N, SMALL)
    reach, se = prop.single_node_reach(g, count=200_000, seed=4)
    exact = np.array([exact_ic(SMALL_N, SMALL, [v]) for v in range(SMALL_N)])
    assert np.all(np.abs(reach - exact) <= Z99 * se + 1e-9), (reach, exact)


def test_single_node_reach_lt():
    g = graph_of(SMALL_N, SMALL).lt_weights()
    lt_edges = list(zip(g.src.tolist(), g.indices.tolist(), g.prob.tolist()))
    reach, se = prop.single_node_reach(g, model="lt", count=200_000, seed=4)
    exact = np.array([exact_lt(SMALL_N, lt_edges, [v]) for v in range(SMALL_N)])
    assert np.all(np.abs(reach - exact) <= Z99 * se + 1e-9), (reach, exact)


@pytest.mark.parametrize("model", ["ic", "lt"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_imm_finds_the_optimum(model, k):
    g = graph_of(SMALL_N, SMALL)
    if model == "lt":
        g = g.lt_weights()
    edges = list(zip(g.src.tolist(), g.indices.tolist(), g.prob.tolist()))
    exact = exact_ic if model == "ic" else exact_lt
    value = {c: exact(SMALL_N, edges, list(c)) for c in itertools.combinations(range(SMALL_N), k)}
    best = max(value.values())
    sel = prop.imm(g, k, model=model, epsilon=0.1, seed=9)
    assert value[tuple(sorted(sel.seeds.tolist()))] == pytest.approx(best), (sel, best)
    # the RR estimate of the set's reach is close to the truth
    assert sel.gain.sum() == pytest.approx(best, rel=0.05)
    assert np.all(np.diff(sel.gain) <= 1e-12)  # greedy gains never grow


def test_prefix_gains_are_marginal_gains():
    g = graph_of(SMALL_N, SMALL)
    seeds = [4, 0, 8]
    gains = prop.prefix_gains(g, seeds, sims=40_000, seed=8)
    mean = gains.mean(axis=0)
    se = gains.std(axis=0) / math.sqrt(gains.shape[0])
    exact = [exact_ic(SMALL_N, SMALL, seeds[: i + 1]) for i in range(3)]
    exact_gain = np.diff([0.0, *exact])
    assert np.all(np.abs(mean - exact_gain) <= Z99 * se)
    assert gains.min() >= 0


def test_ego_gain_matches_enumeration():
    g = graph_of(SMALL_N, SMALL)
    ego = 0
    a, b = g.indptr[ego], g.indptr[ego + 1]
    p = g.prob[a:b]
    p2 = 1 - (1 - p) ** 2
    est, nbrs, gain, se = prop.ego_gain_ic(g, ego, p2, precision=0.002, seed=3)
    base = exact_ic(SMALL_N, SMALL, [ego])
    assert abs(est.mean - base) <= Z99 * est.stderr
    for j, v in enumerate(nbrs):
        edges = [(u, w, p2[j] if (u == ego and w == v) else q) for u, w, q in SMALL]
        exact_gain = exact_ic(SMALL_N, edges, [ego]) - base
        assert abs(gain[j] - exact_gain) <= Z99 * se[j] + 1e-9, (v, gain[j], exact_gain)


def test_ego_gain_when_one_rr_set_holds_more_neighbours_than_any_in_degree():
    # ego 0 -> 1..40 and a chain 1 -> 2 -> ... -> 40: in-degrees are at most 2, but the RR set
    # of root 40 holds all 40 neighbours (the buffer for them was once sized by the in-degree)
    n = 41
    edges = [(0, j, 0.5) for j in range(1, n)] + [(j, j + 1, 0.5) for j in range(1, n - 1)]
    g = graph_of(n, edges)
    est, nbrs, gain, se = prop.ego_gain_ic(g, 0, np.full(n - 1, 0.5), min_rr_sets=4096, seed=1)
    assert np.array_equal(nbrs, np.arange(1, n)) and np.all(gain == 0.0)  # nothing nurtured, nothing gained
    # j is reached by its own edge from 0 or from a reached j - 1 (independent edges):
    # P(j) = 1 - 0.5 (1 - 0.5 P(j - 1)), P(1) = 0.5
    reached = [0.5]
    for _ in range(2, n):
        reached.append(1 - 0.5 * (1 - 0.5 * reached[-1]))
    exact = 1 + sum(reached)
    assert abs(est.mean - exact) <= Z99 * est.stderr


def test_celf_matches_exact_greedy():
    g = graph_of(SMALL_N, SMALL)
    sel = prop.celf(g, 2, sims=20_000, seed=1)
    first = max(range(SMALL_N), key=lambda v: exact_ic(SMALL_N, SMALL, [v]))
    assert sel.seeds[0] == first


# -- determinism -----------------------------------------------------------------------


def test_same_seed_same_answer_whatever_the_threads():
    g = graph_of(SMALL_N, SMALL)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = prop.monte_carlo(g, [0, 4], sims=5001, seed=7)
        rr_one = prop.rr_sets(g, 70_000, seed=7)
        numba.set_num_threads(before)
        many = prop.monte_carlo(g, [0, 4], sims=5001, seed=7)
        rr_many = prop.rr_sets(g, 70_000, seed=7)
    finally:
        numba.set_num_threads(before)
    assert one == many
    assert np.array_equal(rr_one.nodes, rr_many.nodes) and np.array_equal(rr_one.offsets, rr_many.offsets)
    other = prop.monte_carlo(g, [0, 4], sims=5001, seed=8)
    assert other.mean != one.mean


def test_precision_target_stops_when_reached():
    g = graph_of(SMALL_N, SMALL)
    est = prop.monte_carlo(g, [0], sims=None, precision=0.01, seed=1)
    assert est.rel_halfwidth <= 0.01
    assert est.sims % 1000 == 0
    again = prop.monte_carlo(g, [0], sims=None, precision=0.01, seed=1)
    assert again == est


# -- construction and errors -----------------------------------------------------------


def test_duplicate_edges_combine_as_independent_chances():
    g = PropagationGraph.from_edges(3, [0, 0, 1, 1], [1, 1, 2, 1], [0.5, 0.5, 0.2, 0.9])
    assert g.m == 2  # the self-loop is dropped
    assert g.prob.tolist() == pytest.approx([0.75, 0.2])


def test_lt_weights_sum_to_at_most_one():
    g = PropagationGraph.from_edges(3, [0, 1], [2, 2], [0.8, 0.6]).lt_weights()
    assert g.in_weight[2] == pytest.approx(1.0)
    with pytest.raises(OptionError, match="sum to at most 1"):
        prop.monte_carlo(PropagationGraph.from_edges(3, [0, 1], [2, 2], [0.8, 0.6]), [0], model="lt", sims=10)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_probability_out_of_range(p):
    with pytest.raises(OptionError, match=r"\[0, 1\]"):
        PropagationGraph.from_edges(2, [0], [1], [p])


def test_bad_arguments():
    g = graph_of(SMALL_N, SMALL)
    with pytest.raises(OptionError, match="epsilon"):
        prop.imm(g, 2, epsilon=1.5)
    with pytest.raises(OptionError, match="epsilon"):
        prop.imm(g, 2, epsilon=0.0)
    with pytest.raises(OptionError, match="seed indices"):
        prop.monte_carlo(g, [99], sims=10)
    with pytest.raises(OptionError, match="no edges"):
        prop.imm(PropagationGraph.from_edges(3, [], [], []), 1)
    with pytest.raises(OptionError, match="unknown model"):
        prop.monte_carlo(g, [0], model="sir", sims=10)  # type: ignore[arg-type]


def test_in_edges_in_target_order_build_the_same_graph_as_any_order():
    """Edges as a network gives them (distinct, sorted by target then source) take the short
    path of from_edges; shuffled, they take the general one: the same graph, array for array."""
    rng = np.random.default_rng(13)
    for _ in range(20):
        n = int(rng.integers(2, 40))
        key = np.unique(rng.integers(0, n * n, int(rng.integers(2, 300))))
        d, s = key // n, key % n  # sorted by (d, s)
        keep = s != d
        s, d = s[keep].astype(np.uint32), d[keep].astype(np.uint32)
        p = rng.random(s.size) * 0.9 + 0.05
        quick = PropagationGraph.from_edges(n, s, d, p)
        shuffle = rng.permutation(s.size)
        general = PropagationGraph.from_edges(n, s[shuffle], d[shuffle], p[shuffle])
        assert "_backward" in quick.__dict__  # the short path packs the in-edges at once
        for a, b in zip((quick.indptr, quick.indices, quick.prob, *quick.reverse, *quick._backward[:2]),
                        (general.indptr, general.indices, general.prob, *general.reverse, *general._backward[:2])):
            assert a.dtype == b.dtype and np.array_equal(a, b)
        assert quick._backward[2] == general._backward[2]


# -- how many RR sets ------------------------------------------------------------------


@pytest.mark.parametrize("n, epsilon, min_reach", [(976_634, 0.3, 976_634 / 50), (1_000, 0.3, 50), (100_000, 0.1, 100),
                                                   (5_000, 0.3, 50), (300, 0.1, 10), (2_000, 0.2, 20)])
def test_rr_count_keeps_every_reach_from_min_reach_up_within_epsilon(n, epsilon, min_reach):
    """The exact binomial tail at the chosen count is at most delta for every reach on a fine
    grid from min_reach to 30 min_reach; one set fewer misses the 0.8 delta target at
    min_reach; and the count is below the Chernoff bound."""
    count = prop.rr_count_for(n, epsilon=epsilon, min_reach=min_reach)
    worst = max(prop.rr_miss_probability(count, n, reach=r, epsilon=epsilon)
                for r in np.linspace(min_reach, min(n, 30 * min_reach), 3000))
    assert worst <= 0.05
    assert prop.rr_miss_probability(count - 1, n, reach=min_reach, epsilon=epsilon) > 0.04
    chernoff = (2 + 2 * epsilon / 3) * math.log(2 / 0.05) * n / (epsilon**2 * min_reach)
    assert 0.4 * chernoff < count < 0.6 * chernoff


def test_rr_count_refuses_an_epsilon_that_needs_too_many_sets():
    with pytest.raises(OptionError, match=r"epsilon 1e-09 would need about .* RR sets \(at most 100,000,000\)"):
        prop.rr_count_for(2, epsilon=1e-9, min_reach=10)  # once: hours of drawing, or an overflow
    with pytest.raises(OptionError, match="epsilon 0.0001 would need"):
        prop.rr_count_for(301, epsilon=1e-4, min_reach=10)
    assert prop.rr_count_for(2, epsilon=1e-3, min_reach=10) <= prop.MAX_RR_SETS


def test_rr_miss_probability_against_binomial_draws():
    rng = np.random.default_rng(5)
    n, count, epsilon = 1_000, 800, 0.3
    for reach in (20.0, 50.0, 300.0):
        x = rng.binomial(count, (reach - 1) / n, size=400_000)
        estimate = 1 + n * x / count
        drawn = float(np.mean(np.abs(estimate - reach) > epsilon * reach))
        exact = prop.rr_miss_probability(count, n, reach=reach, epsilon=epsilon)
        assert abs(drawn - exact) < Z99 * math.sqrt(exact * (1 - exact) / x.size) + 1e-6


def test_single_node_reach_at_the_chosen_count_is_within_epsilon_as_promised():
    """A hub whose message reaches each of 100 people with probability 0.4: reach 41 exactly.
    Over 400 seeds, the estimate at rr_count_for's count is within 30% about 95% of the time."""
    n, p = 101, 0.4
    graph = PropagationGraph.from_edges(n, np.zeros(n - 1, np.int64), np.arange(1, n), np.full(n - 1, p))
    exact = 1 + (n - 1) * p
    count = prop.rr_count_for(n, epsilon=0.3, min_reach=exact)
    hits = [abs(prop.single_node_reach(graph, count=count, seed=s)[0][0] - exact) <= 0.3 * exact for s in range(400)]
    share = float(np.mean(hits))
    assert share >= 0.95 - Z99 * math.sqrt(0.05 * 0.95 / 400), share
