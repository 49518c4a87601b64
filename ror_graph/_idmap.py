"""Map string ids to vertex indices fast: 64-bit hashes of the ids, one open-addressing hash
table (numba) from hash to index, and a check that every id maps back to itself (so a hash
collision, about 3e-8 likely for a million ids, is caught and the exact path is taken).

Example
-------
>>> import polars as pl
>>> ids, s, d = index_ids(pl.Series(["b", "c"]), pl.Series(["a", "b"]))
>>> ids.to_list(), s.to_list(), d.to_list()
(['a', 'b', 'c'], [1, 2], [0, 1])
"""

from __future__ import annotations

import numba
import numpy as np
import polars as pl

__all__ = ["index_ids"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4)


def index_ids(src: pl.Series, dst: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """The distinct ids of ``src`` and ``dst`` sorted, and the UInt32 position of every src and
    dst id among them."""
    hs, hd = src.hash(), dst.hash()
    both = pl.concat([hs, hd])
    first = both.arg_unique()
    reps = pl.DataFrame({"h": both.gather(first), "node_id": pl.concat([src, dst]).gather(first)}).sort("node_id")
    ids = reps["node_id"]
    if ids.n_unique() == ids.len():
        bits = max(4, int(np.ceil(np.log2(2 * ids.len() + 1))))
        keys, values = _table(reps["h"].to_numpy(), bits)
        s = pl.Series(_lookup(keys, values, hs.to_numpy(), bits))
        d = pl.Series(_lookup(keys, values, hd.to_numpy(), bits))
        if (ids.gather(s) == src).all() and (ids.gather(d) == dst).all():
            return ids, s, d
    return _exact(src, dst)  # two ids share a hash


def _exact(src: pl.Series, dst: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    ids = pl.concat([src.unique(), dst.unique()]).unique().sort()
    nodes = pl.DataFrame({"node_id": ids, "idx": pl.arange(0, ids.len(), dtype=pl.UInt32, eager=True)})

    def lookup(col: pl.Series) -> pl.Series:
        return col.alias("node_id").to_frame().join(nodes, on="node_id", how="left", maintain_order="left")["idx"]

    return ids, lookup(src), lookup(dst)


@numba.njit(cache=True)
def _table(hashes, bits):
    """Slots ``keys``/``values`` (-1 = empty) holding hash -> position, linear probing."""
    mask = (1 << bits) - 1
    keys = np.zeros(1 << bits, np.uint64)
    values = np.full(1 << bits, -1, np.int64)
    for i in range(hashes.size):
        h = hashes[i]
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while values[j] >= 0 and keys[j] != h:
            j = (j + 1) & mask
        keys[j] = h
        values[j] = i
    return keys, values


@numba.njit(cache=True)
def _lookup(keys, values, hashes, bits):
    mask = (1 << bits) - 1
    out = np.empty(hashes.size, np.uint32)
    for i in range(hashes.size):
        h = hashes[i]
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while keys[j] != h and values[j] >= 0:
            j = (j + 1) & mask
        out[i] = values[j]
    return out
