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
    code_s, code_d, first, table = _first_seen(hs.to_numpy(), hd.to_numpy())
    in_src = first < src.len()
    ids = pl.concat([src.gather(first[in_src]), dst.gather(first[~in_src] - src.len())]).sort()  # one id per hash
    position = _positions(table, ids.hash().to_numpy())
    s, d = pl.Series(position[code_s]), pl.Series(position[code_d])
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
def _first_seen(hs, hd):
    """Number the distinct hashes of ``hs`` then ``hd`` in order of first appearance: the code
    of every entry, and where (in ``hs`` followed by ``hd``) each code first appears. One open
    addressing table of (hash, code + 1) slots (linear probing, Fibonacci hashing), doubled
    when half full."""
    bits = 16
    table = np.zeros((1 << bits, 2), np.uint64)
    first = np.empty(hs.size + hd.size, np.int64)
    out_s = np.empty(hs.size, np.uint32)
    out_d = np.empty(hd.size, np.uint32)
    n = 0
    for i in range(hs.size + hd.size):
        h = hs[i] if i < hs.size else hd[i - hs.size]
        mask = (1 << bits) - 1
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while table[j, 1] != 0 and table[j, 0] != h:
            j = (j + 1) & mask
        if table[j, 1] == 0:
            code = np.uint32(n)
            first[n] = i
            n += 1
            table[j, 0] = h
            table[j, 1] = n
            if 2 * n > (1 << bits):
                table, bits = _grow(table, bits)
        else:
            code = np.uint32(table[j, 1] - 1)
        if i < hs.size:
            out_s[i] = code
        else:
            out_d[i - hs.size] = code
    return out_s, out_d, first[:n], table


@numba.njit(cache=True)
def _positions(table, sorted_hashes):
    """``position[code]``: where the id numbered ``code`` by :func:`_first_seen` sits among the
    sorted ids, whose hashes are ``sorted_hashes``."""
    bits = np.int64(np.log2(table.shape[0]))
    mask = table.shape[0] - 1
    position = np.zeros(sorted_hashes.size, np.uint32)
    for i in range(sorted_hashes.size):
        h = sorted_hashes[i]
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while table[j, 0] != h and table[j, 1] != 0:
            j = (j + 1) & mask
        if table[j, 1] != 0:
            position[table[j, 1] - 1] = i
    return position


@numba.njit(cache=True)
def _grow(table, bits):
    """The table of :func:`_first_seen` rehashed into twice the slots."""
    bits += 1
    mask = (1 << bits) - 1
    grown = np.zeros((1 << bits, 2), np.uint64)
    for j in range(table.shape[0]):
        if table[j, 1] != 0:
            h = table[j, 0]
            k = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
            while grown[k, 1] != 0:
                k = (k + 1) & mask
            grown[k, 0] = h
            grown[k, 1] = table[j, 1]
    return grown, bits
