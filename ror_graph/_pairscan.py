"""The one pass behind :class:`ror_graph.network.Network`'s relationships, ties and active
periods, compiled with numba, and the sorts and walks over pairs that the other analyses share
(``ror stats`` uses :func:`mutual_pairs` and :func:`bucket_starts`, not the pass).

Input: the event columns in (unordered pair, time) order (gathered once, so the pass reads
memory in sequence) and ``starts`` (where each pair's rows begin, plus the end). Answers follow the definition in
:mod:`ror_graph.network`: an event is answered by the first event in the other direction at
or after its time, if that comes within the reply window.

Example
-------
>>> import numpy as np
>>> median(np.array([5, 1, 3, 2]), 4)
2.5
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["scan", "in_rows", "median", "person_gaps", "pair_order", "counting_order", "row_dtype", "mutual_pairs", "bucket_starts", "directed_rows", "grouped_by"]


@numba.njit(cache=True)
def median(buf: np.ndarray, m: int) -> float:
    """The median of ``buf[:m]`` (the mean of the two middle values when ``m`` is even),
    found by sorting ``buf[:m]`` in place: the callers' scratch buffers, so no array is
    allocated per call (insertion sort for short runs, numba's quicksort beyond)."""
    if m == 1:
        return float(buf[0])
    if m == 2:
        return (buf[0] + buf[1]) / 2.0
    if m <= 16:
        for i in range(1, m):
            value = buf[i]
            j = i
            while j > 0 and buf[j - 1] > value:
                buf[j] = buf[j - 1]
                j -= 1
            buf[j] = value
    else:
        buf[:m].sort()
    half = m // 2
    if m % 2:
        return float(buf[half])
    return (buf[half - 1] + buf[half]) / 2.0


@numba.njit(cache=True, parallel=True)
def scan(starts, rel_off, fwd, ts, kind, weight, intensity, contribution, slot, n_slots, res_us, window_us):
    """One pass over the events in (pair, time) order (every array is in that order; ``fwd``:
    the event goes from a to b). Per directed pair, in tie order (row ``rel_off[t]`` for
    a -> b when the tie has such events, then b -> a; :func:`in_rows` puts them in the
    relationships' order): counts, sums, first/last times and answers (the first event back
    at or after each event, within ``window_us``); per tie: strengths, volume, kinds, active
    periods and the median gap between them (in periods). Every write goes to the current tie's
    rows, so the pass reads and writes memory in order."""
    n_ties = starts.size - 1
    n_rel = rel_off[-1]
    r_n = np.zeros(n_rel, np.uint32)
    r_kind = np.zeros((n_slots, n_rel), np.uint32)
    r_w = np.zeros(n_rel, np.float64)
    r_first = np.empty(n_rel, np.int64)
    r_last = np.empty(n_rel, np.int64)
    r_str = np.zeros(n_rel, np.float64)
    r_rate = np.zeros(n_rel, np.float64)
    r_lat = np.full(n_rel, np.nan)
    t_str_ab = np.zeros(n_ties, np.float64)
    t_str_ba = np.zeros(n_ties, np.float64)
    t_vol = np.zeros(n_ties, np.float64)
    t_kinds = np.zeros(n_ties, np.uint32)
    t_periods = np.zeros(n_ties, np.uint32)
    t_gap = np.full(n_ties, np.nan)
    periods_at = np.empty(ts.size, np.int64)  # a tie's periods from its first event's position
    n_chunks = min(n_ties, 64)
    bounds = np.searchsorted(starts, np.linspace(0, ts.size, n_chunks + 1).astype(np.int64))
    bounds[0], bounds[-1] = 0, n_ties
    for c in numba.prange(n_chunks):
        t0, t1 = bounds[c], bounds[c + 1]
        longest = 1
        for t in range(t0, t1):
            longest = max(longest, starts[t + 1] - starts[t])
        gaps = np.empty(longest, np.int64)
        lat0 = np.empty(longest, np.int64)
        lat1 = np.empty(longest, np.int64)
        for t in range(t0, t1):
            _scan_tie(t, starts, rel_off, fwd, ts, kind, weight, intensity, contribution, slot, res_us, window_us,
                      r_n, r_kind, r_w, r_first, r_last, r_str, r_rate, r_lat,
                      t_str_ab, t_str_ba, t_vol, t_kinds, t_periods, t_gap, periods_at, gaps, lat0, lat1)  # fmt: skip
    periods = np.empty(t_periods.sum(), np.int64)
    k = 0
    for t in range(n_ties):
        for j in range(t_periods[t]):
            periods[k] = periods_at[starts[t] + j]
            k += 1
    return (r_n, r_kind, r_w, r_first, r_last, r_str, r_rate, r_lat,
            t_str_ab, t_str_ba, t_vol, t_kinds, t_periods, t_gap, periods)  # fmt: skip


@numba.njit(cache=True, nogil=True, parallel=True)
def in_rows(values, position):
    """``values`` (in tie order) moved to the rows ``position`` says (the relationships'
    order): ``out[position[k]] = values[k]``."""
    out = np.empty_like(values)
    for k in numba.prange(values.size):
        out[position[k]] = values[k]
    return out


@numba.njit(cache=True)
def _scan_tie(t, starts, rel_off, fwd, ts, kind, weight, intensity, contribution, slot, res_us, window_us,
              r_n, r_kind, r_w, r_first, r_last, r_str, r_rate, r_lat,
              t_str_ab, t_str_ba, t_vol, t_kinds, t_periods, t_gap, periods_at, gaps, lat0, lat1):  # fmt: skip
    """One tie of :func:`scan`: its relationships' rows (in tie order), its own figures, its periods."""
    lo, hi = starts[t], starts[t + 1]
    n0 = 0
    for i in range(lo, hi):
        n0 += fwd[i]
    row0, row1 = -1, -1
    if n0 > 0:
        row0 = rel_off[t]
    if n0 < hi - lo:
        row1 = rel_off[t] + (1 if n0 > 0 else 0)
    mask = 0
    n_gaps = 0
    last_period = 0
    for i in range(lo, hi):
        r = row0 if fwd[i] else row1
        if r_n[r] == 0:
            r_first[r] = ts[i]
        r_last[r] = ts[i]
        r_n[r] += 1
        r_kind[slot[kind[i]], r] += 1
        r_w[r] += weight[i]
        r_str[r] += contribution[i]
        if fwd[i]:
            t_str_ab[t] += contribution[i]
        else:
            t_str_ba[t] += contribution[i]
        t_vol[t] += intensity[i]
        mask |= 1 << kind[i]
        period = ts[i] // res_us
        if i == lo or period != last_period:
            if i > lo:
                gaps[n_gaps] = period - last_period
                n_gaps += 1
            periods_at[lo + n_gaps] = period
            last_period = period
    t_periods[t] = n_gaps + 1
    if n_gaps:
        t_gap[t] = median(gaps, n_gaps)
    bits = 0
    while mask:
        bits += mask & 1
        mask >>= 1
    t_kinds[t] = bits
    # Answers: walk back in time by blocks of equal ts. After a block, next0 / next1 is the
    # earliest time at or after the block's time of an event a -> b / b -> a.
    has0, has1 = False, False
    next0, next1 = 0, 0
    m0, m1 = 0, 0
    j = hi
    while j > lo:
        now = ts[j - 1]
        k0 = j - 1
        while k0 > lo and ts[k0 - 1] == now:
            k0 -= 1
        for i in range(k0, j):
            if fwd[i]:
                has0, next0 = True, now
            else:
                has1, next1 = True, now
        for i in range(k0, j):
            if fwd[i]:
                if has1 and next1 - now <= window_us:
                    lat0[m0] = next1 - now
                    m0 += 1
            elif has0 and next0 - now <= window_us:
                lat1[m1] = next0 - now
                m1 += 1
        j = k0
    if row0 >= 0:
        r_rate[row0] = m0 / r_n[row0]
        if m0:
            r_lat[row0] = median(lat0, m0) / 3.6e9
    if row1 >= 0:
        r_rate[row1] = m1 / r_n[row1]
        if m1:
            r_lat[row1] = median(lat1, m1) / 3.6e9


@numba.njit(nogil=True, cache=True)
def person_gaps(s, d, ts, n, res_us):
    """Per person (0..n-1): the median gap, in periods of ``res_us``, between the consecutive
    distinct periods in which they had an event with anyone (NaN with one period). ``s``,
    ``d``, ``ts``: the events in time order; a counting sort by person keeps that order."""
    start = np.zeros(n + 1, np.int64)
    for i in range(ts.size):
        start[s[i] + 1] += 1
        start[d[i] + 1] += 1
    for u in range(n):
        start[u + 1] += start[u]
    fill = start[:-1].copy()
    period = np.empty(2 * ts.size, np.int64)
    for i in range(ts.size):
        p = ts[i] // res_us
        period[fill[s[i]]] = p
        fill[s[i]] += 1
        period[fill[d[i]]] = p
        fill[d[i]] += 1
    out = np.full(n, np.nan)
    longest = 0
    for u in range(n):
        longest = max(longest, start[u + 1] - start[u])
    gaps = np.empty(max(longest, 1), np.int64)
    for u in range(n):
        m = 0
        for j in range(start[u] + 1, start[u + 1]):
            if period[j] != period[j - 1]:
                gaps[m] = period[j] - period[j - 1]
                m += 1
        if m:
            out[u] = median(gaps, m)
    return out


def row_dtype(rows: int) -> type:
    """The integer type of row positions: uint32 below 2**32 rows (half the memory of int64,
    and polars gathers with it as is), else int64."""
    return np.uint32 if rows < 2**32 else np.int64


@numba.njit(cache=True, nogil=True)
def bucket_starts(keys, n):
    """Where each key's bucket starts when ``keys`` (values 0..n-1) are sorted, plus the end:
    the counts' running sums, the first half of every counting sort here."""
    start = np.zeros(n + 1, np.int64)
    for i in range(keys.size):
        start[keys[i] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    return start


@numba.njit(cache=True, nogil=True)
def grouped_by(keys, first, second, n):
    """Two columns put in the order of ``keys`` (values 0..n-1) by one stable counting sort:
    where each key's rows start (plus the end), then both columns in that order, i.e. CSR
    arrays grouped by key. Keyed by a matrix's column indices, with its row indices and values
    as the columns, it gives the transpose in the order of scipy's ``.T.tocsr()``."""
    start = bucket_starts(keys, n)
    fill = start[:-1].copy()
    first_out = np.empty_like(first)
    second_out = np.empty_like(second)
    for i in range(keys.size):
        j = fill[keys[i]]
        fill[keys[i]] += 1
        first_out[j] = first[i]
        second_out[j] = second[i]
    return start, first_out, second_out


@numba.njit(cache=True)
def _counting_pass(keys, order, n):
    """``order`` (a permutation of the rows of ``keys``) stably re-sorted by ``keys[order]``
    (values 0..n-1), in ``order``'s type."""
    start = bucket_starts(keys, n)  # order is a permutation: the same counts
    out = np.empty_like(order)
    for i in range(order.size):
        k = keys[order[i]]
        out[start[k]] = order[i]
        start[k] += 1
    return out


def pair_order(s: np.ndarray, d: np.ndarray, ts: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """The events (``s``, ``d``: indices 0..n-1; ``ts``: their times) sorted by (a, b, position),
    where a = min(s, d) and b = max(s, d): ``order`` (:func:`row_dtype`), and each event's
    ``fwd`` (uint8: it goes from a to b) and ``ts`` in that order; and the ties: ``starts``
    (where each begins in ``order``, plus the end), their ends ``a < b`` and their events from a
    to b, ``n_ab``.

    One stable counting sort by a (each thread fills its share of every bucket) writes one
    64-bit key per event, ``b | position | fwd``, into a's bucket; each bucket is then sorted
    on its own, in cache and in parallel, and one walk over the buckets finds the runs of
    equal b. The order is ``np.lexsort((position, b, a))``'s.

    >>> order, fwd, ts, starts, a, b, n_ab = pair_order(np.array([2, 0, 1, 0]), np.array([0, 2, 0, 2]), np.arange(4), 3)
    >>> order.tolist(), fwd.tolist(), ts.tolist(), starts.tolist(), a.tolist(), b.tolist(), n_ab.tolist()
    ([2, 0, 1, 3], [0, 0, 1, 1], [2, 0, 1, 3], [0, 1, 4], [0, 0], [1, 2], [0, 2])
    """
    m, n = int(s.size), max(int(n), 1)
    position_bits = max(m - 1, 1).bit_length()
    if max(n - 1, 1).bit_length() + position_bits + 1 > 64:
        raise ValueError(f"{m:,} events among {n:,} people do not fit the pair sort's 64-bit keys")
    threads = max(1, numba.get_num_threads())
    start, keys = _keys_by_a(s, d, n, position_bits, threads)
    chunks = _bucket_chunks(start, min(n, 64 * threads))
    runs = _sort_buckets(start, keys, chunks, position_bits)
    return _tie_runs(start, keys, chunks, runs, position_bits, ts, np.empty(0, row_dtype(m)))


@numba.njit(cache=True, nogil=True, parallel=True)
def _keys_by_a(s, d, n, position_bits, parts):
    """The first half of :func:`pair_order`: each event's key ``b << (position_bits + 1) |
    position << 1 | fwd`` in its bucket by a (buckets in a's order, positions ascending in
    each), and where each bucket starts (plus the end). Part p of the events fills its own
    slice of every bucket, after the slices of parts before it."""
    m = s.size
    fill = np.zeros((parts, n + 1), np.int64)
    for p in numba.prange(parts):
        for i in range(m * p // parts, m * (p + 1) // parts):
            fill[p, min(s[i], d[i])] += 1
    start = np.empty(n + 1, np.int64)
    total = 0
    for v in range(n):
        start[v] = total
        for p in range(parts):
            count = fill[p, v]
            fill[p, v] = total
            total += count
    start[n] = total
    shift = np.uint64(position_bits + 1)
    keys = np.empty(m, np.uint64)
    for p in numba.prange(parts):
        for i in range(m * p // parts, m * (p + 1) // parts):
            u, v = s[i], d[i]
            lo = min(u, v)
            j = fill[p, lo]
            fill[p, lo] += 1
            keys[j] = (np.uint64(max(u, v)) << shift) | (np.uint64(i) << np.uint64(1)) | np.uint64(u < v)
    return start, keys


def _bucket_chunks(start: np.ndarray, chunks: int) -> np.ndarray:
    """Bucket boundaries cutting the rows into about ``chunks`` runs of equal length."""
    bounds = np.searchsorted(start, np.linspace(0, start[-1], chunks + 1).astype(np.int64))
    bounds[0], bounds[-1] = 0, start.size - 1
    return np.unique(bounds)


@numba.njit(cache=True, nogil=True, parallel=True)
def _sort_buckets(start, keys, chunks, position_bits):
    """Sorts each bucket of ``keys`` in place (insertion sort when short) and counts the ties
    (runs of equal b) in each chunk of buckets: ``runs[c + 1]``, summed so that chunk c's ties
    begin at ``runs[c]``."""
    shift = np.uint64(position_bits + 1)
    runs = np.zeros(chunks.size, np.int64)
    for c in numba.prange(chunks.size - 1):
        ties = 0
        for v in range(chunks[c], chunks[c + 1]):
            lo, hi = start[v], start[v + 1]
            if hi - lo <= 16:
                for i in range(lo + 1, hi):
                    key = keys[i]
                    j = i
                    while j > lo and keys[j - 1] > key:
                        keys[j] = keys[j - 1]
                        j -= 1
                    keys[j] = key
            else:
                keys[lo:hi] = np.sort(keys[lo:hi])
            for i in range(lo, hi):
                if i == lo or (keys[i] >> shift) != (keys[i - 1] >> shift):
                    ties += 1
        runs[c + 1] = ties
    for c in range(chunks.size - 1):
        runs[c + 1] += runs[c]
    return runs


@numba.njit(cache=True, nogil=True, parallel=True)
def _tie_runs(start, keys, chunks, runs, position_bits, ts, like):
    """The second half of :func:`pair_order`: the sorted keys read back into its arrays."""
    shift = np.uint64(position_bits + 1)
    low = (np.uint64(1) << np.uint64(position_bits)) - np.uint64(1)
    m, n_ties = keys.size, runs[-1]
    order = np.empty(m, like.dtype)
    fwd = np.empty(m, np.uint8)
    ts_out = np.empty(m, ts.dtype)
    starts = np.empty(n_ties + 1, np.int64)
    a = np.empty(n_ties, np.uint32)
    b = np.empty(n_ties, np.uint32)
    n_ab = np.zeros(n_ties, np.uint32)
    for c in numba.prange(chunks.size - 1):
        t = runs[c] - 1
        for v in range(chunks[c], chunks[c + 1]):
            for i in range(start[v], start[v + 1]):
                key = keys[i]
                if i == start[v] or (key >> shift) != (keys[i - 1] >> shift):
                    t += 1
                    starts[t] = i
                    a[t] = v
                    b[t] = key >> shift
                order[i] = (key >> np.uint64(1)) & low
                ts_out[i] = ts[order[i]]
                fwd[i] = key & np.uint64(1)
                n_ab[t] += fwd[i]
    starts[n_ties] = m
    return order, fwd, ts_out, starts, a, b, n_ab


def directed_rows(a: np.ndarray, b: np.ndarray, n_ab: np.ndarray, n_ba: np.ndarray, n: int):
    """The directed relationships of the ties ``a < b`` (a -> b when ``n_ab`` > 0, then b -> a
    when ``n_ba`` > 0: "tie order") sorted by source: ``src``, ``dst``, ``mutual`` (both
    directions exist) and ``position``, the sorted row of each relationship in tie order.

    One stable counting sort by source of the tie-order rows: within a person's bucket come
    first their b -> a rows (ties (a, s), ascending a), then their a -> b rows (ties (s, b),
    ascending b), so ``dst`` ascends too."""
    rows = int(np.count_nonzero(n_ab)) + int(np.count_nonzero(n_ba))
    position: np.ndarray = np.empty(rows, row_dtype(rows))
    src, dst, mutual = _directed_rows(a, b, n_ab, n_ba, max(int(n), 1), position)
    return src, dst, mutual, position


@numba.njit(cache=True, nogil=True)
def _directed_rows(a, b, n_ab, n_ba, n, position):
    start = np.zeros(n + 1, np.int64)
    for t in range(a.size):
        if n_ab[t] > 0:
            start[a[t] + 1] += 1
        if n_ba[t] > 0:
            start[b[t] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    src = np.empty(position.size, np.uint32)
    dst = np.empty(position.size, np.uint32)
    mutual = np.empty(position.size, np.bool_)
    k = 0
    for t in range(a.size):
        both = n_ab[t] > 0 and n_ba[t] > 0
        for side in range(2):  # a -> b, then b -> a
            if (n_ab[t] if side == 0 else n_ba[t]) > 0:
                u, v = (a[t], b[t]) if side == 0 else (b[t], a[t])
                r = start[u]
                start[u] += 1
                src[r], dst[r], mutual[r] = u, v, both
                position[k] = r
                k += 1
    return src, dst, mutual


def mutual_pairs(s: np.ndarray, d: np.ndarray, n: int) -> np.ndarray:
    """For distinct pairs sorted by (s, d): whether (d, s) is among them too."""
    return _mutual_walk(s, d, max(int(n), 1))


@numba.njit(cache=True)
def _mutual_walk(s, d, n):
    """The reversed pairs (d, s) put in buckets by d with one counting sort (s stays ascending
    within each bucket), then one walk: ``found[i]`` when d[i] is in bucket s[i]."""
    start = bucket_starts(d, n)
    fill = start[:-1].copy()
    rev = np.empty(s.size, s.dtype)  # rev[start[x]:start[x + 1]]: the y with y -> x, ascending
    for i in range(s.size):
        rev[fill[d[i]]] = s[i]
        fill[d[i]] += 1
    found = np.zeros(s.size, np.bool_)
    current, j = -1, 0
    for i in range(s.size):
        x = s[i]
        if x != current:  # the pairs are sorted by s: a new s starts its bucket of reversed pairs
            current, j = x, start[x]
        end = start[x + 1]
        while j < end and rev[j] < d[i]:  # within the bucket both lists ascend
            j += 1
        if j < end and rev[j] == d[i]:
            found[i] = True
    return found


def counting_order(keys: np.ndarray, n: int) -> np.ndarray:
    """Positions ordering ``keys`` (values 0..n-1) stably: ``np.argsort(keys, kind="stable")``
    in O(rows + n) by one counting-sort pass."""
    return _counting_pass(keys, np.arange(keys.size), max(int(n), 1))
