"""Map string ids to vertex indices fast: 64-bit hashes of the ids, two open-addressing hash
tables (numba; one per half of the hashes, filled on two threads) from hash to index, and a
check that every id maps back to itself (so a hash collision, about 3e-8 likely for a million
ids, is caught and the exact path is taken).

Example
-------
>>> import polars as pl
>>> ids, s, d = index_ids(pl.Series(["b", "c"]), pl.Series(["a", "b"]))
>>> ids.to_list(), s.to_list(), d.to_list()
(['a', 'b', 'c'], [1, 2], [0, 1])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import polars as pl

__all__ = ["index_ids"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4)


def index_ids(src: pl.Series, dst: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """The distinct ids of ``src`` and ``dst`` sorted, and the UInt32 position of every src and
    dst id among them."""
    hs, hd = src.hash().to_numpy(), dst.hash().to_numpy()
    code_s, code_d = np.empty(hs.size, np.uint32), np.empty(hd.size, np.uint32)
    # Two halves of the hashes (by their top bit), one table each, on two threads.
    if numba.get_num_threads() > 1:
        with ThreadPoolExecutor(1) as pool:
            upper = pool.submit(_first_seen, hs, hd, np.uint64(1), code_s, code_d)
            first0, table0 = _first_seen(hs, hd, np.uint64(0), code_s, code_d)
            first1, table1 = upper.result()
    else:
        first0, table0 = _first_seen(hs, hd, np.uint64(0), code_s, code_d)
        first1, table1 = _first_seen(hs, hd, np.uint64(1), code_s, code_d)
    first = np.concatenate((first0, first1))
    in_src = first < src.len()
    ids = pl.concat([src.gather(first[in_src]), dst.gather(first[~in_src] - src.len())]).sort()  # one id per hash
    position = _positions(table0, table1, ids.hash().to_numpy(), 2 * max(first0.size, first1.size))
    s, d = pl.Series(_take(position, code_s)), pl.Series(_take(position, code_d))
    if all(_maps_back(ids, s, d, src, dst)):
        return ids, s, d
    return _exact(src, dst)  # two ids share a hash


def _maps_back(ids: pl.Series, s: pl.Series, d: pl.Series, src: pl.Series, dst: pl.Series) -> tuple[bool, bool]:
    """Whether every src id is ``ids[s]`` and every dst id ``ids[d]`` (both columns at once)."""
    frame = pl.DataFrame({"s": s, "d": d, "src": src, "dst": dst})
    return frame.select(
        (pl.lit(ids).gather(pl.col("s")) == pl.col("src")).all().alias("src"),
        (pl.lit(ids).gather(pl.col("d")) == pl.col("dst")).all().alias("dst"),
    ).row(0)


def _exact(src: pl.Series, dst: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    ids = pl.concat([src.unique(), dst.unique()]).unique().sort()
    nodes = pl.DataFrame({"node_id": ids, "idx": pl.arange(0, ids.len(), dtype=pl.UInt32, eager=True)})

    def lookup(col: pl.Series) -> pl.Series:
        return col.alias("node_id").to_frame().join(nodes, on="node_id", how="left", maintain_order="left")["idx"]

    return ids, lookup(src), lookup(dst)


@numba.njit(cache=True, nogil=True)
def _first_seen(hs, hd, half, code_s, code_d):
    """Number the distinct hashes of ``hs`` then ``hd`` whose top bit is ``half`` in order of
    first appearance (the k-th gets code 2k + half, so the two halves' codes never meet): write
    the code of each such entry to ``code_s`` / ``code_d``; return where (in ``hs`` followed
    by ``hd``) each first appears, and the table. One open addressing table of (hash,
    k + 1) slots (linear probing, Fibonacci hashing), doubled when half full."""
    bits = 16
    table = np.zeros((1 << bits, 2), np.uint64)
    first = np.empty(1 << bits, np.int64)
    n = 0
    for i in range(hs.size + hd.size):
        h = hs[i] if i < hs.size else hd[i - hs.size]
        if h >> np.uint64(63) != half:
            continue
        mask = (1 << bits) - 1
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while table[j, 1] != 0 and table[j, 0] != h:
            j = (j + 1) & mask
        if table[j, 1] == 0:
            k = n
            if n == first.size:
                grown = np.empty(2 * n, np.int64)
                grown[:n] = first
                first = grown
            first[n] = i
            n += 1
            table[j, 0] = h
            table[j, 1] = n
            if 2 * n > (1 << bits):
                table, bits = _grow(table, bits)
        else:
            k = np.int64(table[j, 1] - 1)
        code = np.uint32(2 * k + half)
        if i < hs.size:
            code_s[i] = code
        else:
            code_d[i - hs.size] = code
    return first[:n], table


@numba.njit(cache=True, nogil=True)
def _positions(table0, table1, sorted_hashes, size):
    """``position[code]``: where the id coded ``code`` by :func:`_first_seen` sits among the
    sorted ids, whose hashes are ``sorted_hashes``."""
    position = np.zeros(size, np.uint32)
    for i in range(sorted_hashes.size):
        h = sorted_hashes[i]
        half = np.int64(h >> np.uint64(63))
        table = table0 if half == 0 else table1
        bits = np.int64(np.log2(table.shape[0]))
        mask = table.shape[0] - 1
        j = np.int64((h * _GOLDEN) >> np.uint64(64 - bits))
        while table[j, 0] != h and table[j, 1] != 0:
            j = (j + 1) & mask
        if table[j, 1] != 0:
            position[2 * (table[j, 1] - 1) + half] = i
    return position


@numba.njit(cache=True, nogil=True, parallel=True)
def _take(position, codes):
    """``position[codes]``, on every numba thread."""
    out = np.empty(codes.size, np.uint32)
    for i in numba.prange(codes.size):
        out[i] = position[codes[i]]
    return out


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
