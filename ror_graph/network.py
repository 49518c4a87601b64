"""The in-memory network: canonical events mapped to vertex indices once, and the tables
every analysis starts from.

* ``nodes``: ``idx`` (UInt32, 0..n-1) and ``node_id``, sorted by ``node_id``.
* ``events``: the canonical events with ``ts <= as_of``, in time order, with ``s``/``d``
  (UInt32 indices of the people) in place of the ``src``/``dst`` ids, which
  :attr:`Network.dataset` puts back on request. :meth:`Network.event_strength` gives each event's
  ``intensity`` (kind-weighted value) and ``contribution`` (intensity decayed to ``as_of``;
  see :mod:`strength`) as expressions over these columns.
* ``edges``: one row per directed pair (attention direction, s -> d), sorted by ``s, d``:
  ``s, d, n_events, n_<kind>..., weight_sum, first_ts, last_ts, strength, answered_rate,
  answer_latency_h``; what the analyses read. ``answered_rate`` is the share of s's events
  to d that d answered (the first event d -> s at or after it) within ``reply_window``;
  ``answer_latency_h`` is the median hours until that answer.
* ``relationships``: ``edges`` with the people's ids in front: ``src, dst, s, d, ...`` (the
  ids are added on first use; at ten million events they take more memory than two figures).
* ``ties``: one row per unordered pair ``a < b`` (by index), sorted by ``a, b``: ``n_events,
  n_ab, n_ba, strength_ab, strength_ba, volume, first_ts, last_ts, n_kinds, active_periods,
  usual_gap_days, strength`` (``usual_gap_days``: median gap between consecutive active
  periods; a period is one ``resolution``, a day by default). ``volume`` is the undecayed
  intensity: what was built. The frame is put together on first use from the pass's per-tie
  figures, so work that needs only ``edges`` can start before it.
* ``active_periods``: distinct ``a, b, period`` with an event either way, sorted (built on
  request; the analyses read ``tie_periods``, its ``period`` column, kept from the pair scan).
* ``directed_pairs``: ``s, d`` of the edges (same rows, same order), without the
  aggregates, for counts and reciprocity; ``pair_ends``: its ``s`` and ``d`` as arrays, ready
  before its ``mutual`` column is.

How it is computed: the events are sorted once by (unordered pair, time) (:attr:`_by_pair`;
a stable sort of the time-ordered events by the pair key), and one pass over that order
(:func:`ror_graph._pairscan.scan`, compiled with numba) fills relationships, ties and
active periods; answers are found in the same pass, walking each pair's events back in time.
The pass writes each relationship straight to its row in (s, d) order (:attr:`_directed`
says which). Graphs for scipy and igraph are built from the index columns as numpy
arrays.

Example
-------
>>> from ror_graph.model import validate_events
>>> import polars as pl
>>> raw = pl.DataFrame({"src": ["a", "b", "a"], "dst": ["b", "a", "c"],
...                     "kind": ["message"] * 3, "ts": [0, 3600, 7200]})
>>> net = Network.from_dataset(validate_events(raw, source="doc"))
>>> net.relationships.select("src", "dst", "n_events", "answered_rate").rows()
[('a', 'b', 1, 1.0), ('a', 'c', 1, 0.0), ('b', 'a', 1, 0.0)]
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ror_graph import strength
from ror_graph.errors import OptionError
from ror_graph.model import KINDS, TIMESTAMP, Dataset
from ror_graph.progress import step
from ror_graph.timeutil import parse_as_of, parse_duration

if TYPE_CHECKING:
    import igraph
    import scipy.sparse

__all__ = ["Network", "DEFAULT_REPLY_WINDOW", "DEFAULT_RESOLUTION"]

DEFAULT_REPLY_WINDOW = timedelta(days=7)
DEFAULT_RESOLUTION = timedelta(days=1)


@dataclass(frozen=True)
class _PairOrder:
    """The events sorted by (unordered pair, time): ``order`` (event rows; None once
    :attr:`Network._tables` has read it, as nothing else does); in that order, each event's
    ``fwd`` (uint8: it goes from a to b) and ``ts`` (epoch microseconds), read by the scans over
    each tie's events; ``starts`` (the first position of each tie, plus the end), each tie's
    ends ``a < b`` and its event counts in each direction."""

    order: np.ndarray | None
    fwd: np.ndarray
    ts: np.ndarray
    starts: np.ndarray
    a: np.ndarray
    b: np.ndarray
    n_ab: np.ndarray
    n_ba: np.ndarray


@dataclass(eq=False)
class Network:
    """Events before ``as_of`` and the derived tables; build with :meth:`from_dataset`.

    ``loaded`` is the loader's dataset without its events (actors, sources, notes, ego); the
    events are ``events``, by index, and :attr:`dataset` gives both together."""

    loaded: Dataset
    as_of: datetime
    half_life: timedelta
    kind_weights: dict[str, float]
    reply_window: timedelta
    resolution: timedelta
    nodes: pl.DataFrame
    events: pl.DataFrame
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        *,
        as_of: str | datetime | None = None,
        half_life: str | timedelta = strength.DEFAULT_HALF_LIFE,
        kind_weights: Mapping[str, float] | None = None,
        reply_window: str | timedelta = DEFAULT_REPLY_WINDOW,
        resolution: str | timedelta = DEFAULT_RESOLUTION,
    ) -> Network:
        """Map ids to indices and keep the events up to ``as_of`` (default: the last event).

        The other event columns of ``dataset`` are shared, not copied, when no event is cut; the
        network keeps no reference to the ``src``/``dst`` ids (at ten million events they
        take more memory than any other event column)."""
        if dataset.events.height == 0:
            raise OptionError("there are no events to analyse")
        last = dataset.last_ts
        assert last is not None
        cutoff = parse_as_of(as_of, reference=last)
        half = parse_duration(half_life, name="half_life")
        weights = strength.kind_weights(kind_weights)
        events = dataset.events
        if last > cutoff:
            events = events.filter(pl.col("ts") <= cutoff)
        if events.height == 0:
            first = dataset.first_ts
            raise OptionError(
                f"no events on or before as_of={cutoff.isoformat()} (the data starts {first.isoformat() if first else '?'})"
            )
        step("mapping ids to indices")
        nodes, s, d = _index(events["src"], events["dst"])
        events = events.drop("src", "dst").with_columns(s=s, d=d)
        if not _ascending(events["ts"]):
            events = events.sort("ts", maintain_order=True)
        return cls(
            loaded=replace(dataset, events=dataset.events.clear()),
            as_of=cutoff,
            half_life=half,
            kind_weights=weights,
            reply_window=parse_duration(reply_window, name="reply_window"),
            resolution=parse_duration(resolution, name="resolution"),
            nodes=nodes,
            events=events,
        )

    @classmethod
    def from_events(
        cls,
        events: Any,
        *,
        actors: Any = None,
        source: str = "events frame",
        **options: Any,
    ) -> Network:
        """Build from an events frame (polars or pandas) with ``src, dst, kind, ts`` and
        optionally ``weight, channel, event_id``; ``options`` are :meth:`from_dataset`'s.

        Parameters
        ----------
        events : polars.DataFrame or pandas.DataFrame
            One row per interaction; ``ts`` as datetimes, ISO text or Unix seconds.
        actors : polars.DataFrame or pandas.DataFrame, optional
            ``id`` plus optional ``name``, ``platform``, ``followers``.
        source : str
            How error messages name the frame.
        **options
            ``as_of``, ``half_life``, ``kind_weights``, ``reply_window``, ``resolution``.

        Returns
        -------
        Network

        Example
        -------
        >>> import polars as pl
        >>> frame = pl.DataFrame({"src": ["a", "b"], "dst": ["b", "a"], "kind": ["reply", "like"],
        ...                       "ts": ["2024-04-01", "2024-04-03"]})
        >>> Network.from_events(frame, as_of="2024-04-02").events.height
        1
        """
        from ror_graph.model import as_polars, validate_events

        table = as_polars(actors, source=source) if actors is not None else None
        return cls.from_dataset(validate_events(as_polars(events, source=source), source=source, actors=table), **options)

    @property
    def dataset(self) -> Dataset:
        """The events up to ``as_of`` with both people's ids (put back from the indices on each
        call), and what the loader said (``actors``, ``sources``, ``notes``, ``ego``).

        >>> from ror_graph.model import validate_events
        >>> raw = pl.DataFrame({"src": ["a", "b"], "dst": ["b", "a"], "kind": ["reply"] * 2, "ts": [0, 60]})
        >>> net = Network.from_dataset(validate_events(raw, source="doc"))
        >>> net.dataset.events.select("src", "dst").rows()
        [('a', 'b'), ('b', 'a')]
        """
        ids = self.nodes["node_id"]
        events = self.events.with_columns(src=ids.gather(self.events["s"]), dst=ids.gather(self.events["d"]))
        return replace(self.loaded, events=events.select(self.loaded.events.columns))

    def at(self, as_of: str | datetime) -> Network:
        """The network as it was at an earlier ``as_of`` (a relative ``-90d`` counts back from
        this one's), with the same half-life, kind weights, reply window and resolution."""
        cutoff = parse_as_of(as_of, reference=self.as_of)
        if cutoff > self.as_of:
            raise OptionError(f"as_of={cutoff.isoformat()} is after this network's as_of={self.as_of.isoformat()}; "
                              "a network holds no events after its own as_of")
        return Network.from_dataset(self.dataset, as_of=cutoff, half_life=self.half_life, kind_weights=self.kind_weights,
                                    reply_window=self.reply_window, resolution=self.resolution)

    # -- lookups ---------------------------------------------------------------------------

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The result of ``compute()`` for ``key``, computed once per Network: a report, an
        export or a plan asks for the same PageRank and fade scores several times."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def cached_result(self, key: Any) -> Any:
        """What :meth:`cached` holds for ``key``, or None when nothing was computed yet."""
        return self._cache.get(key)

    def event_strength(self) -> list[pl.Expr]:
        """Expressions for each event's ``intensity`` (kind weight times value) and
        ``contribution`` (intensity decayed to ``as_of``), over the ``kind``, ``weight`` and
        ``ts`` columns of :attr:`events`; the rules are :mod:`ror_graph.strength`'s.

        >>> import polars as pl
        >>> from ror_graph.model import validate_events
        >>> raw = pl.DataFrame({"src": ["a"], "dst": ["b"], "kind": ["reply"], "ts": [0]})
        >>> net = Network.from_dataset(validate_events(raw, source="doc"))
        >>> net.events.select(net.event_strength()).row(0)  # a reply weighs 3, and is not yet decayed
        (3.0, 3.0)
        """
        intensity = strength.intensity(self.kind_weights)
        return [intensity.alias("intensity"), (intensity * strength.decay(self.as_of, self.half_life)).alias("contribution")]

    @property
    def n(self) -> int:
        return self.nodes.height

    def index_of(self, node_id: str) -> int:
        """The index of ``node_id``; an :class:`OptionError` naming close ids if unknown."""
        hit = self.nodes.filter(pl.col("node_id") == node_id)
        if hit.height == 0:
            near = self.nodes.filter(pl.col("node_id").str.to_lowercase().str.contains(node_id.lower(), literal=True))
            hint = f"; did you mean {', '.join(near['node_id'].head(3).to_list())}?" if near.height else ""
            raise OptionError(f"unknown id {node_id!r}: nobody with that id has an event up to as_of={self.as_of.isoformat()}{hint}")
        return int(hit["idx"][0])

    def names(self, frame: pl.DataFrame, index_col: str, name_col: str) -> pl.DataFrame:
        """Add ``name_col`` (the node id) for the index column ``index_col``."""
        lookup = self.nodes.rename({"idx": index_col, "node_id": name_col})
        return frame.join(lookup, on=index_col, how="left", maintain_order="left")

    @property
    def kinds_present(self) -> list[str]:
        counts = np.bincount(self.events["kind"].to_physical().to_numpy(), minlength=len(KINDS))
        return [k for i, k in enumerate(KINDS) if counts[i]]

    # -- derived tables --------------------------------------------------------------------

    @cached_property
    def _by_pair(self) -> _PairOrder:
        """The one sort: event rows by (a, b, time). The events are already in time order, so
        a stable sort by (a, b) gives it: :func:`ror_graph._pairscan.pair_order`, a counting
        sort by a, then each person's bucket sorted by b, in O(events log(events per person))."""
        from ror_graph._pairscan import pair_order

        step("sorting events by pair")
        ev = self.events
        order, fwd, ts, starts, a, b, n_ab = pair_order(ev["s"].to_numpy(), ev["d"].to_numpy(),
                                                        ev["ts"].dt.epoch("us").to_numpy(), self.n)
        n_ba = (np.diff(starts) - n_ab).astype(np.uint32)
        return _PairOrder(order=order, fwd=fwd, ts=ts, starts=starts, a=a, b=b, n_ab=n_ab, n_ba=n_ba)

    @cached_property
    def _directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """The relationships sorted by (s, d): ``s``, ``d``, ``mutual`` and ``position``, the
        row in that order of each relationship in tie order (a tie's a -> b, then its b -> a;
        None once :attr:`_tables` has read it). See :func:`ror_graph._pairscan.directed_rows`."""
        from ror_graph._pairscan import directed_rows

        p = self._by_pair
        return directed_rows(p.a, p.b, p.n_ab, p.n_ba, self.n)

    @cached_property
    def directed_pairs(self) -> pl.DataFrame:
        """``s, d, mutual`` of every directed relationship, sorted by ``s, d`` (the rows of
        :attr:`relationships`, without their aggregates); ``mutual``: the reverse exists.

        From :attr:`_directed` once the pair order exists; otherwise (``ror stats``) from the
        distinct keys ``s * n + d`` alone, without the sort by pair."""
        if "_by_pair" in self.__dict__:
            src, dst, mutual, _ = self._directed
            return pl.DataFrame({"s": src, "d": dst, "mutual": mutual})
        from ror_graph._pairscan import mutual_pairs

        src, dst = self.pair_ends
        return pl.DataFrame({"s": src, "d": dst, "mutual": mutual_pairs(src, dst, self.n)})

    @cached_property
    def pair_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """``s`` and ``d`` (UInt32) of every directed relationship, sorted by ``s, d``: the
        columns of :attr:`directed_pairs` (which shares their memory), before ``mutual`` is
        found, so that ``ror stats`` starts its strong components meanwhile."""
        if "directed_pairs" in self.__dict__ or "_by_pair" in self.__dict__:
            pairs = self.directed_pairs
            return pairs["s"].to_numpy(), pairs["d"].to_numpy()
        n = np.uint64(max(self.n, 1))
        key = (self.events["s"].cast(pl.UInt64) * n + self.events["d"]).unique().sort().to_numpy()
        return (key // n).astype(np.uint32), (key % n).astype(np.uint32)

    @property
    def n_ties(self) -> int:
        """The number of unordered pairs with an event (``ties.height``, without building ties)."""
        if "_by_pair" in self.__dict__:
            return int(self._by_pair.a.size)
        pairs = self.directed_pairs
        return pairs.height - int(pairs["mutual"].sum()) // 2

    @cached_property
    def _tables(self) -> tuple[pl.DataFrame, dict[str, np.ndarray] | None, np.ndarray]:
        """edges, the ties' own figures (None once :attr:`ties` has read them) and the tie
        periods (:attr:`tie_periods`) from one pass over :attr:`_by_pair`."""
        p = self._by_pair
        step("relationships and ties")
        ev = self.events
        kinds = self.kinds_present
        slot = np.full(len(KINDS), -1, dtype=np.int64)
        for i, k in enumerate(kinds):
            slot[KINDS.index(k)] = i
        res_us = int(self.resolution.total_seconds() * 1e6)
        res_days = self.resolution.total_seconds() / 86400
        window_us = int(self.reply_window.total_seconds() * 1e6)
        rel_rows = (p.n_ab > 0).astype(np.int64) + (p.n_ba > 0).astype(np.int64)
        rel_off = np.concatenate(([0], np.cumsum(rel_rows))).astype(np.int64)
        assert p.order is not None, "the tables are built once"
        with ThreadPoolExecutor(1) as pool:  # the relationships' sort beside the events' gathers
            directed = pool.submit(lambda: self._directed)
            by_pair = (
                ev.select(pl.col("kind", "weight").gather(pl.Series(p.order)))
                .with_columns(ts=pl.Series(p.ts).cast(pl.Datetime("us", "UTC")))
                .select(pl.col("kind").to_physical(), "weight", *self.event_strength())
            )
            cols = {name: by_pair[name].to_numpy() for name in by_pair.columns}
            cols["fwd"], cols["ts"] = p.fwd, p.ts
            del by_pair
            position = directed.result()[3]
        assert position is not None, "the tables are built once"
        pairs = self.directed_pairs
        from ror_graph._pairscan import in_rows, scan

        (r_n, r_kind, r_w, r_first, r_last, r_str, r_rate, r_lat,
         t_str_ab, t_str_ba, t_vol, t_kinds, t_periods, t_gap, periods) = scan(
            p.starts, rel_off, cols["fwd"], cols["ts"], cols["kind"], cols["weight"], cols["intensity"],
            cols["contribution"], slot, len(kinds), res_us, window_us,
        )  # fmt: skip
        del cols
        in_tie_order = {"n_events": r_n, **{f"n_{k}": r_kind[i] for i, k in enumerate(kinds)}, "weight_sum": r_w,
                        "first_ts": r_first, "last_ts": r_last, "strength": r_str, "answered_rate": r_rate,
                        "answer_latency_h": r_lat}  # fmt: skip
        del r_n, r_kind, r_w, r_first, r_last, r_str, r_rate, r_lat
        figures = pl.DataFrame({name: in_rows(in_tie_order.pop(name), position) for name in list(in_tie_order)})
        edges = pl.concat([pairs.select("s", "d"), figures], how="horizontal").with_columns(
            _timestamps_expr("first_ts"), _timestamps_expr("last_ts"), pl.col("answer_latency_h").fill_nan(None)
        )
        del figures
        tie_figures = {"strength_ab": t_str_ab, "strength_ba": t_str_ba, "volume": t_vol, "n_kinds": t_kinds,
                       "active_periods": t_periods, "usual_gap_days": t_gap * res_days}  # fmt: skip
        # Only this method reads the event order by pair and the relationships' positions
        # (fwd and ts in pair order are kept): let them go.
        self.__dict__["_by_pair"] = replace(p, order=None)
        self.__dict__["_directed"] = (*self._directed[:3], None)
        return edges, tie_figures, periods

    @property
    def edges(self) -> pl.DataFrame:
        """Directed relationships by index, without ids (see module docstring)."""
        return self._tables[0]

    @cached_property
    def relationships(self) -> pl.DataFrame:
        """Directed relationships with the ids of both people (see module docstring)."""
        edges = self.edges
        names = self.nodes["node_id"]
        return edges.select(src=names.gather(edges["s"]), dst=names.gather(edges["d"])).hstack(edges.get_columns())

    @cached_property
    def ties(self) -> pl.DataFrame:
        """Undirected ties, one row per pair ``a < b`` (see module docstring); built on first
        use, so the reach estimate can start from :attr:`edges` before."""
        edges, figures, periods = self._tables
        assert figures is not None, "the ties are built once"
        p = self._by_pair
        ties = pl.DataFrame(
            {
                "a": p.a,
                "b": p.b,
                "n_events": np.diff(p.starts).astype(np.uint32),
                "n_ab": p.n_ab,
                "n_ba": p.n_ba,
                "strength_ab": figures["strength_ab"],
                "strength_ba": figures["strength_ba"],
                "volume": figures["volume"],
                "first_ts": _timestamps(p.ts[p.starts[:-1]]),
                "last_ts": _timestamps(p.ts[p.starts[1:] - 1]),
                "n_kinds": figures["n_kinds"],
                "active_periods": figures["active_periods"],
                "usual_gap_days": pl.Series(figures["usual_gap_days"]).fill_nan(None),
            }
        ).with_columns((pl.col("strength_ab") + pl.col("strength_ba")).alias("strength"))
        self.__dict__["_tables"] = (edges, None, periods)
        return ties

    @property
    def tie_periods(self) -> np.ndarray:
        """The ``period`` column of :attr:`active_periods`: each tie's active periods in order,
        ties in their (a, b) order, ``ties["active_periods"]`` of them per tie."""
        return self._tables[2]

    @cached_property
    def active_periods(self) -> pl.DataFrame:
        """Distinct (a, b, period) with any event either way; a period is ``resolution`` long."""
        ties = self.ties
        tie_of_period = np.repeat(np.arange(ties.height), ties["active_periods"].to_numpy())
        return pl.DataFrame({"a": ties["a"].to_numpy()[tie_of_period], "b": ties["b"].to_numpy()[tie_of_period],
                             "period": self.tie_periods})

    # -- graphs ----------------------------------------------------------------------------

    def adjacency(self, weight: str | None = "strength") -> scipy.sparse.csr_matrix:
        """n x n CSR matrix of directed relationships; entry (s, d) is ``weight`` (1 if None).

        Built directly from the sorted ``s, d`` columns (no COO conversion)."""
        import scipy.sparse as sp

        pairs = self.directed_pairs if weight is None else self.edges
        s = pairs["s"].to_numpy()
        values = np.ones(pairs.height) if weight is None else pairs[weight].to_numpy().astype(np.float64)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(s, minlength=self.n), out=indptr[1:])
        indices = pairs["d"].to_numpy().astype(np.int32 if self.n < 2**31 else np.int64)
        return sp.csr_matrix((values, indices, indptr), shape=(self.n, self.n))

    def igraph(self) -> igraph.Graph:
        """The directed relationship graph in igraph, with ``strength`` as edge attribute."""
        if "igraph" not in self._cache:
            import igraph as ig

            rel = self.edges
            edges = np.column_stack([rel["s"].to_numpy(), rel["d"].to_numpy()]).astype(np.int64)
            graph = ig.Graph(n=self.n, edges=edges, directed=True)
            graph.es["strength"] = rel["strength"].to_numpy()
            self._cache["igraph"] = graph
        return self._cache["igraph"]


# -- building blocks ----------------------------------------------------------------------------


@contextmanager
def igraph_random(seed: int) -> Iterator[None]:
    """Inside the block igraph draws from ``random.Random(seed)`` (after it, from its default,
    Python's ``random`` module), so a randomised igraph call gives the same answer every run."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)



def _index(src: pl.Series, dst: pl.Series) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """``nodes`` (ids sorted, ``idx`` 0..n-1) and the UInt32 index of every src and dst."""
    from ror_graph._idmap import index_ids

    ids, s, d = index_ids(src, dst)
    nodes = pl.DataFrame({"idx": pl.arange(0, ids.len(), dtype=pl.UInt32, eager=True), "node_id": ids})
    return nodes, s, d


def _ascending(ts: pl.Series) -> bool:
    """Whether ``ts`` is already in time order (a file written in time order usually is)."""
    if ts.flags["SORTED_ASC"]:
        return True
    values = ts.dt.epoch("us").to_numpy()
    return bool(values.size < 2 or (values[1:] >= values[:-1]).all())


def _timestamps_expr(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").cast(TIMESTAMP)


def _timestamps(micros: np.ndarray) -> pl.Series:
    return pl.Series(micros).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").cast(TIMESTAMP)
