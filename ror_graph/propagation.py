"""Propagation kernels on index arrays: independent cascade (IC) and linear threshold (LT)
Monte Carlo, reverse-reachable (RR) sets, IMM seed selection and CELF greedy.

Everything here works on a :class:`PropagationGraph` (CSR arrays over vertex indices
0..n-1, edges pointing the way influence flows); :mod:`ror_graph.referral` builds one from a
:class:`~ror_graph.network.Network` and speaks node ids.

Randomness is counter-based: the live out-edges of node ``u`` in simulated world ``w`` (and,
for LT, ``u``'s threshold) are a fixed function of ``(seed, w, u)`` (splitmix64 hashing).
So a fixed ``seed`` gives identical results whatever the number of threads, and runs that
differ only in the seed set see the same worlds (common random numbers): marginal gains are
never negative and have far less noise than differences of two independent estimates.

* IC: every edge ``u -> v`` is live with probability ``p(u, v)``, independently. Nodes whose
  out-edges all have a small probability (< 0.1) draw geometric gaps between live edges and
  thin them to the exact per-edge probability, so a trial costs only as much as its successes.
* LT: node ``v`` draws a threshold uniform in (0, 1] and activates when the summed weights of
  its active in-neighbours reach it; weights into a node must sum to at most 1.
* Reach counts the seeds: a seed set ``S`` always reaches at least ``|S|`` nodes.

Example
-------
>>> g = PropagationGraph.from_edges(3, [0, 1], [1, 2], [1.0, 0.5])
>>> est = monte_carlo(g, [0], sims=2000, seed=1)
>>> round(est.mean, 1)      # 1 + 1 + 0.5
2.5
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Sequence, TypeGuard

import numba
import numpy as np
from numba import njit, prange

from ror_graph._pairscan import bucket_starts, counting_order, grouped_by
from ror_graph._prefetch import prefetch
from ror_graph.errors import OptionError
from ror_graph.progress import reporter

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "PropagationGraph",
    "ReachEstimate",
    "SeedSelection",
    "RRSets",
    "monte_carlo",
    "prefix_gains",
    "rr_sets",
    "rr_count_for",
    "MAX_RR_SETS",
    "rr_miss_probability",
    "single_node_reach",
    "imm",
    "celf",
    "ego_gain_ic",
]

Model = Literal["ic", "lt"]
_Z95 = 1.959963984540054
_SKIP_BELOW = 0.1  # use geometric skipping for nodes whose largest edge probability is below this

# splitmix64 constants
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_NODE = np.uint64(0xD1B54A32D192ED03)
_ROOT = np.uint64(0x8CB92BA72F3D8DD7)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0


# -- counter-based random numbers --------------------------------------------------------


@njit(inline="always", cache=True)
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def _u01(z: np.uint64) -> float:
    return float(z >> _S11) * _INV53


@njit(inline="always", cache=True)
def _world_key(seed_key: np.uint64, world: np.int64) -> np.uint64:
    return _mix(seed_key ^ _mix(np.uint64(world) + _GOLDEN))


def _seed_key(seed: int, tag: int = 0) -> np.uint64:
    """A 64-bit key from the user's seed and a stream tag (so phases never share worlds)."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + int(tag) * 0xC2B2AE3D27D4EB4F + 0x165667B19E3779F9) % (1 << 64)
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) % (1 << 64)
    x ^= x >> 33
    return np.uint64(x)


@njit(inline="always", cache=True)
def _live_edges(a, b, pm, lq, indices, prob, u, key, out):
    """Write the live edge targets of ``u`` in the world ``key`` to ``out``; return how many.
    ``u``'s edges are ``indices[a:b]`` with probabilities ``prob[a:b]``, the largest ``pm``
    and ``lq`` = log(1 - pm) (:func:`_node_max`).

    The draws depend only on (key, u), never on the order nodes are visited in."""
    if a == b:
        return 0
    st = _mix(key ^ (np.uint64(u) * _NODE))
    k = 0
    if pm <= 0.0:
        return 0
    if pm < _SKIP_BELOW:
        j = a - 1
        while True:
            st += _GOLDEN
            r = _u01(_mix(st))
            gap = math.log1p(-r) / lq  # edges before the next candidate
            if gap >= b - j - 1:  # compared as a float: a tiny probability's gap overflows int64
                break
            j += 1 + np.int64(gap)
            pj = prob[j]
            if pj < pm:
                st += _GOLDEN
                if _u01(_mix(st)) * pm >= pj:
                    continue
            out[k] = indices[j]
            k += 1
    else:
        for j in range(a, b):
            st += _GOLDEN
            if _u01(_mix(st)) < prob[j]:
                out[k] = indices[j]
                k += 1
    return k


@njit(inline="always", cache=True)
def _threshold(key, v):
    # uniform in (0, 1]
    return 1.0 - _u01(_mix(key ^ (np.uint64(v) * _NODE) ^ _ROOT))


# -- forward simulation ------------------------------------------------------------------


@njit(cache=True)
def _ic_world(indptr, indices, prob, pmax, logq, seeds, key, stamp, visited, queue, scratch, gains):
    """IC in one world from ``seeds`` added one at a time; gains[i] = new nodes from seed i."""
    tail = 0
    head = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        before = tail
        if visited[s] != stamp:
            visited[s] = stamp
            queue[tail] = s
            tail += 1
        while head < tail:
            u = queue[head]
            head += 1
            k = _live_edges(indptr[u], indptr[u + 1], pmax[u], logq[u], indices, prob, u, key, scratch)
            for t in range(k):
                v = scratch[t]
                if visited[v] != stamp:
                    visited[v] = stamp
                    queue[tail] = v
                    tail += 1
        gains[i] = tail - before
    return tail


@njit(cache=True)
def _lt_world(indptr, indices, weight, seeds, key, stamp, visited, seen, acc, theta, queue, gains):
    """LT in one world (thresholds from ``key``); gains as in :func:`_ic_world`."""
    tail = 0
    head = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        before = tail
        if visited[s] != stamp:
            visited[s] = stamp
            queue[tail] = s
            tail += 1
        while head < tail:
            u = queue[head]
            head += 1
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                if visited[v] == stamp:
                    continue
                if seen[v] != stamp:
                    seen[v] = stamp
                    acc[v] = 0.0
                    theta[v] = _threshold(key, v)
                acc[v] += weight[j]
                if acc[v] >= theta[v]:
                    visited[v] = stamp
                    queue[tail] = v
                    tail += 1
        gains[i] = tail - before
    return tail


@njit(parallel=True, cache=True)
def _simulate(indptr, indices, prob, pmax, logq, lt, seeds, seed_key, first, count, n_chunks, maxdeg):
    """Simulate worlds first..first+count-1; returns (count, len(seeds)) new-node gains."""
    n = indptr.shape[0] - 1
    out = np.zeros((count, seeds.shape[0]), np.int32)
    for c in prange(n_chunks):
        lo = c * count // n_chunks
        hi = (c + 1) * count // n_chunks
        visited = np.zeros(n, np.int64)
        seen = np.zeros(n, np.int64)
        acc = np.zeros(n, np.float64)
        theta = np.zeros(n, np.float64)
        queue = np.empty(n, np.int32)
        scratch = np.empty(maxdeg + 1, np.int32)
        for w in range(lo, hi):
            key = _world_key(seed_key, first + w)
            if lt:
                _lt_world(indptr, indices, prob, seeds, key, w + 1, visited, seen, acc, theta, queue, out[w])
            else:
                _ic_world(indptr, indices, prob, pmax, logq, seeds, key, w + 1, visited, queue, scratch, out[w])
    return out


# -- reverse-reachable sets --------------------------------------------------------------


@njit(nogil=True, cache=True)
def _rr_batch(in_nodes, in_edges, lt, pool, blocked, seed_key, first, count, maxdeg):
    """RR sets first..first+count-1 as (flat nodes, offsets); the root is each set's first
    element, drawn uniformly from ``pool``. In-edges from ``blocked`` (>= 0) are deleted.
    ``in_nodes``, ``in_edges``: the in-edges packed by :func:`_packed` (LT: ``p`` holds each
    node's cumulative in-weights)."""
    n = in_nodes.shape[0]
    sources = in_edges.u
    rprob = in_edges.p
    visited = np.zeros(n, np.int32)
    cap = max(1024, 2 * count)
    buf = np.empty(cap, np.int32)
    offsets = np.empty(count + 1, np.int64)
    scratch = np.empty(maxdeg + 1, np.int32)
    npool = pool.shape[0]
    pos = 0
    for i in range(count):
        offsets[i] = pos
        key = _world_key(seed_key, first + i)
        root = pool[min(npool - 1, np.int64(_u01(_mix(key ^ _ROOT)) * npool))]
        stamp = i + 1
        if pos + 1 > cap:
            cap *= 2
            nb = np.empty(cap, np.int32)
            nb[:pos] = buf[:pos]
            buf = nb
        buf[pos] = root
        visited[root] = stamp
        head = pos
        pos += 1
        if lt:
            v = root
            while True:
                a = in_nodes[v].a
                b = in_nodes[v].b
                if a == b:
                    break
                r = _u01(_mix(key ^ (np.uint64(v) * _NODE)))
                j = np.searchsorted(rprob[a:b], r, side="right")
                if j >= b - a:
                    break
                u = sources[a + j]
                if u == blocked or visited[u] == stamp:
                    break
                visited[u] = stamp
                if pos + 1 > cap:
                    cap *= 2
                    nb = np.empty(cap, np.int32)
                    nb[:pos] = buf[:pos]
                    buf = nb
                buf[pos] = u
                pos += 1
                v = u
        else:
            while head < pos:
                v = buf[head]
                head += 1
                if head + 1 < pos:  # the in-edges of the node after next, whose record came at its push
                    prefetch(in_edges, in_nodes[buf[head + 1]].a)
                node = in_nodes[v]
                k = _live_edges(node.a, node.b, node.pmax, node.logq, sources, rprob, v, key, scratch)
                if pos + k > cap:
                    cap = max(2 * cap, pos + k)
                    nb = np.empty(cap, np.int32)
                    nb[:pos] = buf[:pos]
                    buf = nb
                for t in range(k):
                    u = scratch[t]
                    if u != blocked and visited[u] != stamp:
                        visited[u] = stamp
                        buf[pos] = u
                        pos += 1
                        prefetch(in_nodes, u)
    offsets[count] = pos
    return buf[:pos].copy(), offsets


@njit(cache=True)
def _greedy_cover(n, nodes, offsets, k, exclude_roots):
    """Greedy maximum coverage of RR sets: k nodes and the sets each newly covers.

    Ties go to the smallest index. With ``exclude_roots`` a set counts for every node in it
    except its root (used for the lower-variance single-node estimator)."""
    theta = offsets.shape[0] - 1
    counts = np.zeros(n, np.int64)
    for i in range(theta):
        start = offsets[i] + (1 if exclude_roots else 0)
        for t in range(start, offsets[i + 1]):
            counts[nodes[t]] += 1
    # inverted index node -> sets
    ptr = np.zeros(n + 1, np.int64)
    for v in range(n):
        ptr[v + 1] = ptr[v] + counts[v]
    fill = ptr[:-1].copy()
    inv = np.empty(ptr[n], np.int64)
    for i in range(theta):
        start = offsets[i] + (1 if exclude_roots else 0)
        for t in range(start, offsets[i + 1]):
            v = nodes[t]
            inv[fill[v]] = i
            fill[v] += 1
    covered = np.zeros(theta, np.bool_)
    chosen = np.empty(k, np.int64)
    gains = np.empty(k, np.int64)
    for step in range(k):
        best = np.argmax(counts)
        chosen[step] = best
        gains[step] = max(counts[best], 0)
        for q in range(ptr[best], ptr[best + 1]):
            i = inv[q]
            if covered[i]:
                continue
            covered[i] = True
            start = offsets[i] + (1 if exclude_roots else 0)
            for t in range(start, offsets[i + 1]):
                counts[nodes[t]] -= 1
        counts[best] = -1
    return chosen, gains


@njit(nogil=True, cache=True)
def _ego_gain_batch(in_nodes, in_edges, pool, ego, nbr_p, nbr_p2, seed_key, first, count, maxdeg):
    """Rao-Blackwellised ego reach and per-neighbour gains over ``count`` RR sets in the graph
    without the ego's out-edges (see :func:`ego_gain_ic`)."""
    nodes, offsets = _rr_batch(in_nodes, in_edges, False, pool, ego, seed_key, first, count, maxdeg)
    n = in_nodes.shape[0]
    gsum = np.zeros(n, np.float64)
    gsq = np.zeros(n, np.float64)
    base = 0.0
    base_sq = 0.0
    hit = np.empty(np.count_nonzero(nbr_p >= 0.0) + 1, np.int64)  # the ego's neighbours in one set
    for i in range(count):
        a = offsets[i]
        b = offsets[i + 1]
        if nodes[a] == ego:
            continue
        k = 0
        prod = 1.0
        zeros = 0
        for t in range(a, b):
            v = nodes[t]
            if nbr_p[v] >= 0.0:
                hit[k] = v
                k += 1
                q = 1.0 - nbr_p[v]
                if q <= 0.0:
                    zeros += 1
                else:
                    prod *= q
        if k == 0:
            continue
        val = 1.0 - prod if zeros == 0 else 1.0
        base += val
        base_sq += val * val
        for t in range(k):
            v = hit[t]
            q = 1.0 - nbr_p[v]
            if q <= 0.0:
                others = prod if zeros == 1 else 0.0
            else:
                others = prod / q if zeros == 0 else 0.0
            c = (nbr_p2[v] - nbr_p[v]) * others
            gsum[v] += c
            gsq[v] += c * c
    return base, base_sq, gsum, gsq


# -- the graph ---------------------------------------------------------------------------


class PropagationGraph:
    """Directed graph in the direction influence flows, as CSR arrays.

    ``indptr``/``indices``/``prob``: out-edges of each node (sorted by target) and their
    probabilities (IC) or weights (LT). Build with :meth:`from_edges`; edges as a network
    gives them become the packed in-edges the RR-set walks read (:attr:`_backward`), and the
    out-edges are built from those on first use.
    """

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray, prob: np.ndarray) -> None:
        self.n = n
        self.__dict__.update(indptr=indptr, indices=indices, prob=prob)

    @cached_property
    def _out_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """indptr, indices, prob from the in-edges: one stable counting sort by source."""
        nodes, edges, _ = self._backward
        targets = np.repeat(np.arange(self.n, dtype=np.int32), nodes["b"] - nodes["a"])
        return grouped_by(edges["u"], targets, edges["p"], self.n)

    @cached_property
    def indptr(self) -> np.ndarray:
        return self._out_edges[0]

    @cached_property
    def indices(self) -> np.ndarray:
        return self._out_edges[1]

    @cached_property
    def prob(self) -> np.ndarray:
        return self._out_edges[2]

    @classmethod
    def from_edges(cls, n: int, src: Sequence[int] | np.ndarray, dst: Sequence[int] | np.ndarray, prob: Sequence[float] | np.ndarray | float) -> PropagationGraph:
        """Build from parallel arrays; duplicate pairs combine as independent chances
        (1 - prod(1 - p)); self-loops are dropped; probabilities must lie in [0, 1]."""
        if _integer_array(src) and _integer_array(dst) and np.shape(prob) == np.shape(src) == np.shape(dst) and np.size(src) > 1:
            simple_p = np.asarray(prob, dtype=np.float64)
            if _simple_in_edges(src, dst, simple_p, n):  # the in-edges as given
                graph = cls.__new__(cls)
                graph.n = n
                graph.__dict__["_backward"] = _backward_of(bucket_starts(dst, n), src, simple_p)
                return graph
        s, d = _node_array(src, n), _node_array(dst, n)
        p = np.broadcast_to(np.asarray(prob, dtype=np.float64), s.shape).copy()
        if s.shape != d.shape:
            raise OptionError("src and dst must have the same length")
        if p.size and (not np.all(np.isfinite(p)) or p.min() < 0.0 or p.max() > 1.0):
            raise OptionError("edge probabilities must lie in [0, 1]")
        if s.size and (min(s.min(), d.min()) < 0 or max(s.max(), d.max()) >= n):
            raise OptionError(f"edge endpoints must be node indices in 0..{n - 1}")
        keep = (s != d) & (p > 0.0)
        if not keep.all():
            s, d, p = s[keep], d[keep], p[keep]
        reverse = None
        if s.size > 1 and not np.all((s[1:] > s[:-1]) | ((s[1:] == s[:-1]) & (d[1:] >= d[:-1]))):
            if np.all(d[1:] >= d[:-1]):
                order = counting_order(s, n)  # d ascending: a stable sort by s gives (s, d)
                if np.all((d[1:] > d[:-1]) | (s[1:] > s[:-1])):  # distinct pairs by (d, s): the in-edges as given
                    rindptr = np.zeros(n + 1, np.int64)
                    np.cumsum(np.bincount(d, minlength=n), out=rindptr[1:])
                    reverse = (rindptr, s.astype(np.int32), p)
            else:
                order = np.lexsort((d, s))
            s, d, p = s[order], d[order], p[order]
        if s.size:
            first = np.ones(s.size, bool)
            first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
            if not first.all():
                group = np.cumsum(first) - 1
                logq = np.zeros(int(group[-1]) + 1)
                np.add.at(logq, group, np.log1p(-np.minimum(p, 1.0 - 1e-300)))
                merged = -np.expm1(logq)
                merged[np.bincount(group, weights=(p >= 1.0)) > 0] = 1.0
                s, d, p = s[first], d[first], merged
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(s, minlength=n), out=indptr[1:])
        graph = cls(n=n, indptr=indptr, indices=d.astype(np.int32), prob=p)
        if reverse is not None:
            graph.__dict__["reverse"] = reverse  # what the cached property would compute
        return graph

    @property
    def m(self) -> int:
        if "indices" not in self.__dict__ and "_backward" in self.__dict__:
            return int(self._backward[1].size)
        return int(self.indices.size)

    @cached_property
    def src(self) -> np.ndarray:
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    @cached_property
    def _forward(self) -> tuple[np.ndarray, np.ndarray, int]:
        return (*_node_max(self.indptr, self.prob), int(np.diff(self.indptr).max(initial=0)))

    @cached_property
    def reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """In-edges: (rindptr, rindices = sources, rprob), sorted by target then source (views
        of the packed in-edges, :attr:`_backward`, when those were built first)."""
        if "_backward" in self.__dict__:
            nodes, edges, _ = self._backward
            return np.append(nodes["a"], nodes["b"][-1:]) if self.n else np.zeros(1, np.int64), edges["u"], edges["p"]
        return self._in_edges()

    def _in_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = counting_order(self.indices, self.n)  # stable: sources stay in order within each target
        rindptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.n), out=rindptr[1:])
        return rindptr, self.src[order].astype(np.int32), self.prob[order]

    @cached_property
    def _backward(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The in-edges packed for the RR-set walks (:func:`_packed`) and the largest in-degree."""
        return _backward_of(*(self.__dict__.get("reverse") or self._in_edges()))

    @cached_property
    def in_weight(self) -> np.ndarray:
        """Sum of in-edge probabilities of each node."""
        return np.bincount(self.indices, weights=self.prob, minlength=self.n)

    def lt_weights(self) -> PropagationGraph:
        """LT weights: each node's in-edge probabilities scaled down so they sum to at most 1
        (b(u, v) = p(u, v) / max(1, sum_w p(w, v))); unchanged where they already do."""
        scale = np.maximum(1.0, self.in_weight)
        return PropagationGraph(self.n, self.indptr, self.indices, self.prob / scale[self.indices])

    def check_lt(self) -> None:
        if self.m and self.in_weight.max() > 1.0 + 1e-9:
            raise OptionError("linear threshold weights into a node must sum to at most 1; use lt_weights()")

    def require_edges(self) -> None:
        if self.m == 0:
            raise OptionError("the propagation graph has no edges (with probability > 0): nothing can spread")


@njit(cache=True, nogil=True)
def _simple_in_edges(s, d, p, n):
    """Whether the edges need none of :meth:`PropagationGraph.from_edges`'s clean-up:
    endpoints in 0..n-1, no self-loop, every probability in (0, 1], distinct pairs sorted by
    (target, source), as a network's relationships give them. False sends them down the
    general path (which names any error)."""
    for i in range(s.size):
        if not (0.0 < p[i] <= 1.0) or s[i] < 0 or s[i] >= n or d[i] < 0 or d[i] >= n or s[i] == d[i]:
            return False
        if i > 0 and (d[i] < d[i - 1] or (d[i] == d[i - 1] and s[i] <= s[i - 1])):
            return False
    return True


def _integer_array(values: object) -> TypeGuard[np.ndarray]:
    """Whether ``values`` is a one-dimensional integer array."""
    return isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iu"


def _node_array(values: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """Node indices as an integer array: 32-bit input as it is (no copy), else int64."""
    array = np.asarray(values)
    if array.dtype.kind in "iu" and array.dtype.itemsize <= 4 and n < 2**31:
        return array
    return np.asarray(values, dtype=np.int64)


_IN_NODE = np.dtype([("a", np.int64), ("b", np.int64), ("pmax", np.float64), ("logq", np.float64)], align=True)
_IN_EDGE = np.dtype([("p", np.float64), ("u", np.int32)], align=True)


def _packed(indptr: np.ndarray, indices: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR arrays as two record arrays: per node ``a, b`` (its edges' range), ``pmax`` and
    ``logq`` (:func:`_node_max`); per edge ``p`` and ``u`` (the other end). An RR-set walk
    visits nodes in random order: a node's four figures then come in one cache line, and an
    edge's end and probability in one, instead of one line from each of six arrays."""
    pmax, logq = _node_max(indptr, prob)
    nodes = np.empty(indptr.size - 1, _IN_NODE)
    nodes["a"], nodes["b"], nodes["pmax"], nodes["logq"] = indptr[:-1], indptr[1:], pmax, logq
    edges = np.empty(indices.size, _IN_EDGE)
    edges["p"], edges["u"] = prob, indices
    return nodes, edges


def _backward_of(rindptr: np.ndarray, rindices: np.ndarray, rprob: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    return (*_packed(rindptr, rindices, rprob), int(np.diff(rindptr).max(initial=0)))


def _node_max(indptr: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = indptr.size - 1
    pmax = np.zeros(n)
    has = np.diff(indptr) > 0
    if prob.size:
        pmax[has] = np.maximum.reduceat(prob, indptr[:-1][has])
    with np.errstate(divide="ignore"):
        logq = np.log1p(-np.minimum(pmax, 1.0 - 1e-12))
    return pmax, logq


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReachEstimate:
    """Expected reach (nodes activated, seeds included) with its standard error, a normal 95%
    confidence interval and the number of simulations (or RR sets) behind it."""

    mean: float
    stderr: float
    ci_low: float
    ci_high: float
    sims: int

    @classmethod
    def from_samples(cls, total: float, total_sq: float, count: int, *, offset: float = 0.0, scale: float = 1.0) -> ReachEstimate:
        """From the sum and sum of squares of ``count`` i.i.d. samples x: estimate offset + scale * mean(x)."""
        mean = total / count
        var = max(total_sq / count - mean * mean, 0.0) * count / max(count - 1, 1)
        se = scale * math.sqrt(var / count)
        m = float(offset + scale * mean)
        return cls(mean=m, stderr=float(se), ci_low=m - _Z95 * se, ci_high=m + _Z95 * se, sims=int(count))

    def to_frame(self, **extra: object) -> pl.DataFrame:
        """One row: ``extra`` columns first, then ``expected_reach, stderr, ci_low, ci_high, sims``."""
        import polars as pl

        row = {**extra, "expected_reach": self.mean, "stderr": self.stderr, "ci_low": self.ci_low,
               "ci_high": self.ci_high, "sims": self.sims}
        return pl.DataFrame([row])

    @property
    def rel_halfwidth(self) -> float:
        return _Z95 * self.stderr / self.mean if self.mean > 0 else math.inf


@dataclass(frozen=True)
class RRSets:
    """RR sets as a flat node array and offsets; set i is nodes[offsets[i]:offsets[i+1]],
    its first element the root. ``scale`` is the size of the pool roots were drawn from."""

    nodes: np.ndarray
    offsets: np.ndarray
    scale: int

    @property
    def count(self) -> int:
        return int(self.offsets.size - 1)

    @staticmethod
    def concat(parts: list[RRSets]) -> RRSets:
        if len(parts) == 1:
            return parts[0]
        offs = [parts[0].offsets[:-1]]
        base = parts[0].offsets[-1]
        for p in parts[1:]:
            offs.append(p.offsets[:-1] + base)
            base += p.offsets[-1]
        return RRSets(np.concatenate([p.nodes for p in parts]), np.concatenate([*offs, [base]]), parts[0].scale)


@dataclass(frozen=True)
class SeedSelection:
    """Seeds in the order chosen, each with its marginal gain in expected reach estimated from
    the RR sets (``gain``); ``theta`` RR sets were used; ``lower_bound`` is IMM's LB of OPT."""

    seeds: np.ndarray
    gain: np.ndarray
    theta: int
    lower_bound: float


# -- Monte Carlo -------------------------------------------------------------------------


def _threads() -> int:
    return max(1, numba.get_num_threads())


def _model_graph(graph: PropagationGraph, model: Model) -> PropagationGraph:
    if model not in ("ic", "lt"):
        raise OptionError(f"unknown model {model!r}; use ic or lt")
    if model == "lt":
        graph.check_lt()
    return graph


def _seed_array(graph: PropagationGraph, seeds: Sequence[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(list(seeds) if not isinstance(seeds, np.ndarray) else seeds, dtype=np.int64).ravel()
    if arr.size == 0:
        raise OptionError("give at least one seed")
    if arr.min() < 0 or arr.max() >= graph.n:
        raise OptionError(f"seed indices must lie in 0..{graph.n - 1}")
    return arr.astype(np.int32)


def prefix_gains(
    graph: PropagationGraph, seeds: Sequence[int] | np.ndarray, *, sims: int, model: Model = "ic", seed: int = 0, first: int = 0
) -> np.ndarray:
    """Simulate ``sims`` worlds; entry (w, i) is the number of nodes seed i adds in world w
    when the seeds are added in the given order (row sums are the reach of the whole set)."""
    graph = _model_graph(graph, model)
    arr = _seed_array(graph, seeds)
    if sims < 1:
        raise OptionError("sims must be at least 1")
    pmax, logq, maxdeg = graph._forward
    return _simulate(
        graph.indptr, graph.indices, graph.prob, pmax, logq, model == "lt", arr,
        _seed_key(seed), first, int(sims), min(_threads(), int(sims)), maxdeg,
    )


def monte_carlo(
    graph: PropagationGraph,
    seeds: Sequence[int] | np.ndarray,
    *,
    model: Model = "ic",
    sims: int | None = 10_000,
    precision: float | None = None,
    max_sims: int = 1_000_000,
    seed: int = 0,
) -> ReachEstimate:
    """Expected reach of ``seeds`` (seeds included) by Monte Carlo.

    Either a fixed number of ``sims``, or a target ``precision``: the relative 95% CI
    half-width (e.g. 0.01 = +-1%); simulations then run in batches of ``sims`` (default 1000)
    until it is reached or ``max_sims`` have run. Results depend only on ``seed``.
    """
    if precision is not None and not (0.0 < precision < 1.0):
        raise OptionError(f"precision {precision} must lie in (0, 1)")
    batch = int(sims or 1000) if precision is not None else int(sims or 10_000)
    if batch < 1:
        raise OptionError("sims must be at least 1")
    total = total_sq = 0.0
    done = 0
    while True:
        reach = prefix_gains(graph, seeds, sims=batch, model=model, seed=seed, first=done).sum(axis=1, dtype=np.float64)
        total += reach.sum()
        total_sq += (reach * reach).sum()
        done += batch
        est = ReachEstimate.from_samples(total, total_sq, done)
        if precision is None or est.rel_halfwidth <= precision or done >= max_sims:
            return est
        batch = min(batch, max_sims - done)


# -- RR sets -----------------------------------------------------------------------------

#: The most RR sets :func:`rr_count_for` asks for (an epsilon that needs more is refused).
MAX_RR_SETS = 100_000_000
_RR_CHUNK = 1 << 15
_RR_MIN_CHUNK = 256
_RR_CHUNKS_PER_THREAD = 8  # RR-set sizes vary widely: several chunks per thread balance the load


def rr_sets(
    graph: PropagationGraph,
    count: int,
    *,
    model: Model = "ic",
    seed: int = 0,
    first: int = 0,
    tag: int = 0,
    pool: np.ndarray | None = None,
    blocked: int = -1,
) -> RRSets:
    """``count`` reverse-reachable sets (IC: reverse BFS over live edges; LT: reverse random
    walk picking at most one in-edge). Sets ``first..first+count-1`` of stream ``tag``."""
    size = graph.n if pool is None else int(pool.size)
    parts = _rr_parts(graph, count, model=model, seed=seed, first=first, tag=tag, pool=pool, blocked=blocked)
    return RRSets.concat([RRSets(nodes, offs, size) for nodes, offs in parts])


def _rr_parts(
    graph: PropagationGraph, count: int, *, model: Model, seed: int, first: int, tag: int,
    pool: np.ndarray | None, blocked: int, report: Callable[[int], None] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The RR sets of :func:`rr_sets` as the (nodes, offsets) of each chunk, in order;
    ``report(k)`` is told the number of sets drawn so far as the chunks finish. Set i depends
    only on (seed, tag, i), so the chunks change nothing in the sets."""
    graph = _model_graph(graph, model)
    in_nodes, in_edges, maxdeg = graph._backward
    if model == "lt":
        rindptr, rindices, rprob = graph.reverse
        in_nodes, in_edges = _packed(rindptr, rindices, _cumulative(rindptr, rprob))
    if pool is None:
        pool = np.arange(graph.n, dtype=np.int32)
    key = _seed_key(seed, tag)
    chunk = min(_RR_CHUNK, max(_RR_MIN_CHUNK, -(-count // (_threads() * _RR_CHUNKS_PER_THREAD))))
    starts = list(range(first, first + count, chunk))
    drawn = [0]
    lock = threading.Lock()

    def run(start: int) -> tuple[np.ndarray, np.ndarray]:
        c = min(chunk, first + count - start)
        part = _rr_batch(in_nodes, in_edges, model == "lt", pool, blocked, key, start, c, maxdeg)
        if report is not None:
            with lock:
                drawn[0] += c
                report(drawn[0])
        return part

    if len(starts) > 1 and _threads() > 1:
        with ThreadPoolExecutor(_threads()) as ex:
            return list(ex.map(run, starts))
    return [run(s) for s in starts]


def _cumulative(rindptr: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Within each node's in-edge block, cumulative sums of LT weights."""
    c = np.cumsum(w)
    starts = rindptr[:-1]
    has = np.diff(rindptr) > 0
    before = np.zeros(rindptr.size - 1)
    before[has] = c[starts[has]] - w[starts[has]]
    return c - np.repeat(before, np.diff(rindptr))


def rr_count_for(n: int, *, epsilon: float, min_reach: float, delta: float = 0.05) -> int:
    """RR sets so that a node whose expected reach is at least ``min_reach`` gets an estimate
    within relative error ``epsilon`` with probability 1 - ``delta``.

    The count of RR sets holding a node of reach R is binomial (count, (R - 1) / n), so the
    chance of a larger error is an exact binomial tail (:func:`rr_miss_probability`). The
    count is the smallest (by bisection) whose tail at ``min_reach`` is at most 0.8 ``delta``:
    the margin covers the tails' small rises with R from counting in whole sets, so every
    reach from ``min_reach`` up stays within ``delta`` (tested). That is about half the
    Chernoff bound of Tang et al. (2014, 2015), theta >= (2 + 2 eps / 3) ln(2 / delta) n /
    (eps^2 reach), which holds for any distribution and is the bisection's upper end. A count
    above :data:`MAX_RR_SETS` is refused (an :class:`OptionError` naming epsilon).

    >>> rr_count_for(1_000_000, epsilon=0.3, min_reach=20_000), rr_count_for(1_000_000, epsilon=0.3, min_reach=20_000, delta=1e-9)
    (2308, 21617)
    """
    if not (0.0 < epsilon < 1.0):
        raise OptionError(f"epsilon {epsilon} must lie in (0, 1)")
    reach = min(max(min_reach, 1.0), float(max(n, 1)))
    bound = (2 + 2 * epsilon / 3) * math.log(2 / delta) * n / (epsilon**2 * reach)
    if bound > 2 * MAX_RR_SETS:  # the count is about half the bound
        raise OptionError(
            f"epsilon {epsilon:g} would need about {bound / 2:.2g} RR sets (at most {MAX_RR_SETS:,}); use a larger epsilon"
        )
    chernoff = int(math.ceil(bound))
    count = chernoff
    if reach > 1.0 and rr_miss_probability(chernoff, n, reach=reach, epsilon=epsilon) <= 0.8 * delta:
        low = 0  # the tail is above the target at low, within it at count
        while count - low > 1:
            mid = (low + count) // 2
            if rr_miss_probability(mid, n, reach=reach, epsilon=epsilon) <= 0.8 * delta:
                count = mid
            else:
                low = mid
    if count > MAX_RR_SETS:
        raise OptionError(f"epsilon {epsilon:g} would need {count:,} RR sets (at most {MAX_RR_SETS:,}); use a larger epsilon")
    return count


def rr_miss_probability(count: int, n: int, *, reach: float, epsilon: float) -> float:
    """P(|estimate - reach| > epsilon * reach) for a node of expected reach ``reach`` among
    ``n``, from ``count`` RR sets: the estimate is 1 + n X / count with X binomial
    (count, (reach - 1) / n), so the miss is an exact binomial tail on each side."""
    from scipy.special import bdtr, bdtrc

    if count < 1:
        return 1.0
    q = min(max((reach - 1.0) / n, 0.0), 1.0)
    mean, tol = q * count, epsilon * reach / n * count  # X may differ from its mean by tol
    below = math.ceil(mean - tol) - 1  # the largest X too small
    above = math.floor(mean + tol)  # X above this is too large
    return float((bdtr(below, count, q) if below >= 0 else 0.0) + (bdtrc(above, count, q) if above < count else 0.0))


def single_node_reach(
    graph: PropagationGraph, *, model: Model = "ic", count: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Expected reach of every node as the only seed, from ``count`` RR sets, and its standard
    error. Estimator: 1 + n * (share of RR sets containing v other than as their root), which
    is unbiased (a node always reaches itself) and exactly 1 for nodes nobody listens to."""
    n = graph.n
    counts = np.zeros(n, np.int64)
    done = 0
    step = 1 << 20
    report = reporter()
    while done < count:
        c = min(step, count - done)

        def drawn(k: int, before: int = done) -> None:
            report(before + k, count)

        parts = _rr_parts(graph, c, model=model, seed=seed, first=done, tag=1, pool=None, blocked=-1, report=drawn)
        for nodes, offsets in parts:
            _count_members(nodes, offsets, counts)
        done += c
    q = counts / count
    return 1.0 + n * q, n * np.sqrt(q * (1 - q) / count)


@njit(cache=True, nogil=True)
def _count_members(nodes, offsets, counts):
    """``counts[v] +=`` the RR sets (``nodes[offsets[i]:offsets[i + 1]]``, root first) that
    contain v other than as their root."""
    for i in range(offsets.size - 1):
        for j in range(offsets[i] + 1, offsets[i + 1]):
            counts[nodes[j]] += 1


# -- seed selection ----------------------------------------------------------------------


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def imm(
    graph: PropagationGraph, k: int, *, model: Model = "ic", epsilon: float = 0.1, ell: float = 1.0, seed: int = 0,
    max_rr_sets: int = 50_000_000,
) -> SeedSelection:
    """IMM (Tang, Shi, Xiao, SIGMOD 2015): k seeds whose expected reach is at least
    (1 - 1/e - epsilon) OPT with probability 1 - 1/n^ell.

    The sampling phase finds a lower bound LB of OPT; the final phase draws
    theta = lambda* / LB *fresh* RR sets (independent of the ones that set theta, the fix of
    Chen 2018 to the original martingale argument) and picks seeds by greedy max coverage.
    """
    graph = _model_graph(graph, model)
    graph.require_edges()
    if not (0.0 < epsilon < 1.0):
        raise OptionError(f"epsilon {epsilon} must lie in (0, 1)")
    n = graph.n
    if not (1 <= k <= n):
        raise OptionError(f"k must lie in 1..{n}")
    if n < 2:
        return SeedSelection(np.array([0]), np.array([1.0]), 0, 1.0)
    ell = ell * (1 + math.log(2) / math.log(n))
    lc = _log_comb(n, k)
    eps2 = math.sqrt(2) * epsilon
    lam2 = (2 + 2 / 3 * eps2) * (lc + ell * math.log(n) + math.log(max(math.log2(n), 1.0))) * n / eps2**2
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (lc + ell * math.log(n) + math.log(2)))
    lam_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    lb = 1.0
    sets: RRSets | None = None
    for i in range(1, max(2, math.ceil(math.log2(n)))):
        x = n / 2**i
        theta_i = min(math.ceil(lam2 / x), max_rr_sets)
        have = 0 if sets is None else sets.count
        if theta_i > have:
            more = rr_sets(graph, theta_i - have, model=model, seed=seed, first=have, tag=2)
            sets = more if sets is None else RRSets.concat([sets, more])
        assert sets is not None
        _, gains = _greedy_cover(n, sets.nodes, sets.offsets, k, False)
        cover = n * gains.sum() / sets.count
        if cover >= (1 + eps2) * x:
            lb = cover / (1 + eps2)
            break
        if theta_i >= max_rr_sets:
            break
    theta = min(math.ceil(lam_star / lb), max_rr_sets)
    final = rr_sets(graph, theta, model=model, seed=seed, tag=3)
    chosen, gains = _greedy_cover(n, final.nodes, final.offsets, k, False)
    return SeedSelection(chosen, n * gains / theta, theta, lb)


def celf(
    graph: PropagationGraph, k: int, *, model: Model = "ic", sims: int = 1000, seed: int = 0,
    candidates: np.ndarray | None = None,
) -> SeedSelection:
    """CELF lazy greedy (Leskovec et al. 2007) on Monte Carlo estimates over a fixed set of
    ``sims`` worlds (common random numbers). A reference for tests: slow on large graphs."""
    graph = _model_graph(graph, model)
    graph.require_edges()
    cand = np.arange(graph.n) if candidates is None else np.asarray(candidates)

    def reach(nodes: list[int]) -> float:
        return float(prefix_gains(graph, nodes, sims=sims, model=model, seed=seed).sum()) / sims

    import heapq

    heap = [(-reach([int(v)]), int(v), 0) for v in cand]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    current = 0.0
    while len(chosen) < k and heap:
        neg, v, when = heapq.heappop(heap)
        if when == len(chosen):
            chosen.append(v)
            gains.append(-neg)
            current += -neg
            continue
        g = reach(chosen + [v]) - current
        heapq.heappush(heap, (-g, v, len(chosen)))
    return SeedSelection(np.array(chosen), np.array(gains), sims, current)


# -- ego gain ----------------------------------------------------------------------------


def ego_gain_ic(
    graph: PropagationGraph,
    ego: int,
    nurtured: np.ndarray,
    *,
    precision: float = 0.02,
    min_rr_sets: int = 1 << 16,
    max_rr_sets: int = 1 << 24,
    seed: int = 0,
) -> tuple[ReachEstimate, np.ndarray, np.ndarray, np.ndarray]:
    """IC only. Expected reach of ``ego`` and, for each out-neighbour j of the ego, how much
    it grows when p(ego, j) is raised to ``nurtured[j']`` (aligned with the ego's out-edges).

    Method: delete the ego's out-edges (graph G'), draw RR sets in G' from roots uniform over
    the nodes the ego can reach at all. Given such a set R, the ego reaches the root iff some
    out-edge ego -> j with j in R is live, so P = 1 - prod_{j in R}(1 - p_j) exactly, and
    raising p_j to p'_j adds (p'_j - p_j) prod_{i in R, i != j}(1 - p_i). Averaging these
    conditional probabilities (Rao-Blackwell) gives every neighbour's gain from one batch.
    RR sets are added in batches until the ego's reach has relative 95% half-width
    ``precision`` (or ``max_rr_sets``). Returns (ego reach, neighbours, gain, gain stderr).
    """
    graph.require_edges()
    a, b = graph.indptr[ego], graph.indptr[ego + 1]
    nbrs = graph.indices[a:b].astype(np.int64)
    p = graph.prob[a:b]
    p2 = np.asarray(nurtured, dtype=np.float64)
    if p2.shape != p.shape or (p2.size and (p2.min() < 0 or p2.max() > 1)):
        raise OptionError("nurtured probabilities must be in [0, 1], one per out-edge of the ego")
    support = _reachable(graph, ego)
    pool = support[support != ego].astype(np.int32)
    if nbrs.size == 0 or pool.size == 0:
        est = ReachEstimate(1.0, 0.0, 1.0, 1.0, 0)
        return est, nbrs, np.zeros(nbrs.size), np.zeros(nbrs.size)
    nbr_p = np.full(graph.n, -1.0)
    nbr_p[nbrs] = p
    nbr_p2 = np.zeros(graph.n)
    nbr_p2[nbrs] = p2
    in_nodes, in_edges, maxdeg = graph._backward
    key = _seed_key(seed, 4)
    base = base_sq = 0.0
    gsum = np.zeros(graph.n)
    gsq = np.zeros(graph.n)
    done = 0
    target = min_rr_sets

    def run(start: int) -> tuple[float, float, np.ndarray, np.ndarray]:
        c = min(_RR_CHUNK, target - start)
        return _ego_gain_batch(in_nodes, in_edges, pool, ego, nbr_p, nbr_p2, key, start, c, maxdeg)

    while True:
        starts = list(range(done, target, _RR_CHUNK))
        if _threads() > 1 and len(starts) > 1:
            with ThreadPoolExecutor(_threads()) as ex:
                parts = list(ex.map(run, starts))
        else:
            parts = [run(s) for s in starts]
        for b0, b1, g0, g1 in parts:
            base += b0
            base_sq += b1
            gsum += g0
            gsq += g1
        done = target
        est = ReachEstimate.from_samples(base, base_sq, done, offset=1.0, scale=float(pool.size))
        spread = est.mean - 1.0
        if spread <= 0 or _Z95 * est.stderr / spread <= precision or done >= max_rr_sets:
            break
        target = min(2 * done, max_rr_sets)
    mean = gsum[nbrs] / done
    var = np.maximum(gsq[nbrs] / done - mean**2, 0.0) * done / max(done - 1, 1)
    return est, nbrs, pool.size * mean, pool.size * np.sqrt(var / done)


def _reachable(graph: PropagationGraph, start: int) -> np.ndarray:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    mat = csr_matrix((np.ones(graph.m), graph.indices, graph.indptr), shape=(graph.n, graph.n))
    return np.sort(breadth_first_order(mat, start, directed=True, return_predecessors=False))
