"""How embedded is each tie, and which ties hold the network together: shared neighbours per
edge and the bridges (cut edges) of an undirected simple graph, compiled with numba.

* :func:`edge_triangles`: for every edge (a, b), the number of people tied to both (the
  triangles through the edge), by the "compact forward" ordering of triangle listing (Latapy,
  "Main-memory triangle computations for very large (sparse (power-law)) graphs", Theoretical
  Computer Science 407, 2008): each edge points from the lower to the higher (degree, index)
  end, and a triangle is found once, from its lowest end; O(m * sqrt(m)) in the worst case.
* :func:`bridge_edges`: the edges whose removal disconnects their component, by one
  depth-first search with low points (Tarjan, "A note on finding the bridges of a graph",
  Information Processing Letters 2, 1974), iterative so that deep graphs do not overflow; O(n + m).

Example
-------
>>> import numpy as np
>>> a, b = np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3])   # triangle 0-1-2, tail 2-3
>>> edge_triangles(a, b, 4).tolist(), bridge_edges(a, b, 4).tolist()
([1, 1, 1, 0], [False, False, False, True])
"""

from __future__ import annotations

import numba
import numpy as np

from ror_graph._pairscan import grouped_by

__all__ = ["edge_triangles", "bridge_edges"]


def edge_triangles(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """For each edge i (a[i], b[i]) of a simple undirected graph on n vertices: the number of
    common neighbours of its ends."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    degree = np.bincount(np.r_[a, b], minlength=n)
    low_first = (degree[a] < degree[b]) | ((degree[a] == degree[b]) & (a < b))
    src = np.where(low_first, a, b)
    dst = np.where(low_first, b, a)
    indptr, out, eid = grouped_by(src, dst, np.arange(a.size, dtype=np.int64), n)
    return _count_triangles(indptr, out, eid, a.size)


@numba.njit(cache=True, nogil=True)
def _count_triangles(indptr, out, eid, m):
    count = np.zeros(m, np.int64)
    mark = np.zeros(indptr.size - 1, np.int64)  # edge id + 1 of u -> w while u is scanned
    for u in range(indptr.size - 1):
        for p in range(indptr[u], indptr[u + 1]):
            mark[out[p]] = eid[p] + 1
        for p in range(indptr[u], indptr[u + 1]):
            v = out[p]
            for q in range(indptr[v], indptr[v + 1]):
                uw = mark[out[q]]
                if uw:
                    count[eid[p]] += 1
                    count[eid[q]] += 1
                    count[uw - 1] += 1
        for p in range(indptr[u], indptr[u + 1]):
            mark[out[p]] = 0
    return count


def bridge_edges(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """For each edge i (a[i], b[i]) of a simple undirected graph on n vertices: whether it is
    a bridge (its removal disconnects its two ends)."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    edge = np.arange(a.size, dtype=np.int64)
    indptr, nbr, eid = grouped_by(np.r_[a, b], np.r_[b, a], np.r_[edge, edge], n)
    return _bridges(indptr, nbr, eid, a.size)


@numba.njit(cache=True, nogil=True)
def _bridges(indptr, nbr, eid, m):
    n = indptr.size - 1
    disc = np.full(n, -1, np.int64)
    low = np.zeros(n, np.int64)
    parent_edge = np.full(n, -1, np.int64)
    cursor = np.zeros(n, np.int64)
    stack = np.empty(n, np.int64)
    is_bridge = np.zeros(m, np.bool_)
    clock = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        top = 0
        stack[0] = root
        disc[root] = low[root] = clock
        clock += 1
        cursor[root] = indptr[root]
        while top >= 0:
            u = stack[top]
            if cursor[u] < indptr[u + 1]:
                p = cursor[u]
                cursor[u] += 1
                if eid[p] == parent_edge[u]:
                    continue
                v = nbr[p]
                if disc[v] < 0:
                    disc[v] = low[v] = clock
                    clock += 1
                    parent_edge[v] = eid[p]
                    cursor[v] = indptr[v]
                    top += 1
                    stack[top] = v
                elif disc[v] < low[u]:
                    low[u] = disc[v]
            else:
                top -= 1
                if top >= 0:
                    parent = stack[top]
                    if low[u] < low[parent]:
                        low[parent] = low[u]
                    if low[u] > disc[parent]:
                        is_bridge[parent_edge[u]] = True
    return is_bridge
