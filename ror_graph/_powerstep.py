"""The update half of a PageRank power-iteration step (:func:`ror_graph.influence.pagerank`),
compiled with numba: one pass over a block of rows instead of numpy's six (each a full read
and write of the vectors), with the same operations in the same order, so the same numbers.

Example
-------
>>> import numpy as np
>>> new, x = np.array([0.5, 0.25]), np.array([0.5, 0.5])
>>> p, teleport = np.full(2, 0.5), np.full(2, 0.075)
>>> change = update(new, x, p, teleport, 0.25, 0.85, 0, 2)
>>> [round(float(v), 6) for v in new], round(change, 6)
([0.60625, 0.39375], 0.2125)
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["update"]


@numba.njit(cache=True, nogil=True)
def update(new: np.ndarray, x: np.ndarray, p: np.ndarray, teleport: np.ndarray, dangling_mass: float,
           damping: float, lo: int, hi: int) -> float:
    """Rows ``lo:hi`` of ``new`` (holding T x) become ``(new + p * dangling_mass) * damping +
    teleport``, in place; returns the L1 change from ``x`` over those rows."""
    change = 0.0
    for i in range(lo, hi):
        value = (new[i] + p[i] * dangling_mass) * damping + teleport[i]
        new[i] = value
        change += abs(value - x[i])
    return change
