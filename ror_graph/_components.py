"""Weakly connected components by union-find (Tarjan, JACM 1975): one pass over the edge list
with path halving and union by size, compiled with numba. It answers what
``scipy.sparse.csgraph.connected_components(..., connection="weak")`` does without building
the symmetric matrix.

Example
-------
>>> import numpy as np
>>> weak_components(np.array([0, 2]), np.array([1, 3]), 5)
(3, 2)
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["weak_components"]


def weak_components(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[int, int]:
    """The number of weakly connected components of the graph on nodes 0..n-1 with edges
    ``src[i] - dst[i]``, and the size of the largest."""
    return _union_find(src, dst, n)


@numba.njit(cache=True, nogil=True)
def _find(parent, u):
    while parent[u] != u:
        parent[u] = parent[parent[u]]
        u = parent[u]
    return u


@numba.njit(cache=True, nogil=True)
def _union_find(src, dst, n):
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    components = n
    for i in range(src.size):
        a = _find(parent, src[i])
        b = _find(parent, dst[i])
        if a != b:
            if size[a] < size[b]:
                a, b = b, a
            parent[b] = a
            size[a] += size[b]
            components -= 1
    largest = 0
    for u in range(n):
        if parent[u] == u and size[u] > largest:
            largest = size[u]
    return components, largest
