"""The in-memory network: canonical events mapped to vertex indices once, and the tables
every analysis starts from.

* ``nodes``: ``idx`` (UInt32, 0..n-1) and ``node_id``, sorted by ``node_id``.
* ``events``: the canonical events with ``ts <= as_of`` plus ``s``/``d`` (indices of src/dst)
  ``intensity`` (kind-weighted value) and ``contribution`` (intensity decayed to ``as_of``;
  see :mod:`strength`).
* ``relationships``: one row per directed pair (attention direction, src -> dst):
  ``src, dst, s, d, n_events, n_<kind>..., weight_sum, first_ts, last_ts, strength,
  answered_rate, answer_latency_h``. ``answered_rate`` is the share of src's events to dst
  that dst answered (any event dst -> src) within ``reply_window``; ``answer_latency_h`` is
  the median hours until that answer.
* ``ties``: one row per unordered pair ``a < b`` (by index): ``n_events, n_ab, n_ba,
  strength_ab, strength_ba, strength, volume, first_ts, last_ts, n_kinds, active_periods,
  usual_gap_days`` (median gap between consecutive active periods; a period is one
  ``resolution``, a day by default). ``volume`` is the undecayed intensity: what was built.

Heavy work is done by polars group-bys and joins; graphs for scipy and igraph are built from
the index columns on demand.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ror_graph import strength
from ror_graph.errors import OptionError
from ror_graph.model import KINDS, Dataset
from ror_graph.timeutil import parse_as_of, parse_duration

if TYPE_CHECKING:
    import igraph
    import scipy.sparse

__all__ = ["Network", "DEFAULT_REPLY_WINDOW", "DEFAULT_RESOLUTION"]

DEFAULT_REPLY_WINDOW = timedelta(days=7)
DEFAULT_RESOLUTION = timedelta(days=1)
_US_PER_DAY = 86_400_000_000


@dataclass(eq=False)
class Network:
    """Events before ``as_of`` and the derived tables; build with :meth:`from_dataset`."""

    dataset: Dataset
    as_of: datetime
    half_life: timedelta
    kind_weights: dict[str, float]
    reply_window: timedelta
    resolution: timedelta
    nodes: pl.DataFrame
    events: pl.DataFrame
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

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
        """Map ids to indices and keep the events up to ``as_of`` (default: the last event)."""
        if dataset.events.height == 0:
            raise OptionError("there are no events to analyse")
        last = dataset.last_ts
        assert last is not None
        cutoff = parse_as_of(as_of, reference=last)
        half = parse_duration(half_life, name="half_life")
        weights = strength.kind_weights(kind_weights)
        events = dataset.events.filter(pl.col("ts") <= cutoff)
        if events.height == 0:
            first = dataset.first_ts
            raise OptionError(
                f"no events on or before as_of={cutoff.isoformat()} (the data starts {first.isoformat() if first else '?'})"
            )
        ids = pl.concat([events["src"], events["dst"]]).unique().sort()
        nodes = pl.DataFrame({"idx": pl.arange(0, ids.len(), dtype=pl.UInt32, eager=True), "node_id": ids})
        events = (
            events.join(nodes.rename({"idx": "s", "node_id": "src"}), on="src", maintain_order="left")
            .join(nodes.rename({"idx": "d", "node_id": "dst"}), on="dst", maintain_order="left")
            .sort("ts", maintain_order=True)
            .with_columns(intensity=strength.intensity(weights))
            .with_columns(contribution=pl.col("intensity") * strength.decay(cutoff, half))
        )
        return cls(
            dataset=dataset,
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

    # -- lookups ---------------------------------------------------------------------------

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The result of ``compute()`` for ``key``, computed once per Network: a report, an
        export or a plan asks for the same PageRank and fade scores several times."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

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
        present = set(self.events["kind"].unique().cast(pl.String).to_list())
        return [k for k in KINDS if k in present]

    # -- derived tables --------------------------------------------------------------------

    @cached_property
    def relationships(self) -> pl.DataFrame:
        """Directed relationships (see module docstring)."""
        ev = self.events
        per_kind = [(pl.col("kind") == k).sum().cast(pl.UInt32).alias(f"n_{k}") for k in self.kinds_present]
        rel = ev.group_by("s", "d").agg(
            pl.len().cast(pl.UInt32).alias("n_events"),
            *per_kind,
            pl.col("weight").sum().alias("weight_sum"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
            pl.col("contribution").sum().alias("strength"),
        )
        answers = self._answers()
        rel = rel.join(answers, on=["s", "d"], how="left").sort("s", "d")
        rel = self.names(self.names(rel, "s", "src"), "d", "dst")
        return rel.select("src", "dst", "s", "d", pl.exclude("src", "dst", "s", "d"))

    def _answers(self) -> pl.DataFrame:
        """Per directed pair: share of events answered by the other side, median latency."""
        n = self.n
        pair = (pl.col("s").cast(pl.UInt64) * n + pl.col("d")).alias("pair")  # one key: faster as-of join
        reverse = (pl.col("d").cast(pl.UInt64) * n + pl.col("s")).alias("pair")
        left = self.events.select("s", "d", pair, "ts")
        right = self.events.select(reverse, pl.col("ts").alias("answer_ts"))
        joined = left.join_asof(
            right, left_on="ts", right_on="answer_ts", by="pair", strategy="forward", check_sortedness=False
        )
        window_us = int(self.reply_window.total_seconds() * 1e6)
        latency = (pl.col("answer_ts") - pl.col("ts")).dt.total_microseconds()
        answered = latency.is_not_null() & (latency <= window_us)
        return joined.group_by("s", "d").agg(
            answered.mean().alias("answered_rate"),
            (latency.filter(answered).median() / 3.6e9).alias("answer_latency_h"),
        )

    @cached_property
    def active_periods(self) -> pl.DataFrame:
        """Distinct (a, b, period) with any event either way; a period is ``resolution`` long."""
        res_us = int(self.resolution.total_seconds() * 1e6)
        return (
            self.events.select(
                pl.min_horizontal("s", "d").alias("a"),
                pl.max_horizontal("s", "d").alias("b"),
                (pl.col("ts").dt.epoch("us") // res_us).alias("period"),
            )
            .unique()
            .sort("a", "b", "period")
        )

    @cached_property
    def ties(self) -> pl.DataFrame:
        """Undirected ties, one row per pair ``a < b`` (see module docstring)."""
        ev = self.events.with_columns(
            pl.min_horizontal("s", "d").alias("a"), pl.max_horizontal("s", "d").alias("b")
        )
        forward = pl.col("s") == pl.col("a")
        ties = ev.group_by("a", "b").agg(
            pl.len().cast(pl.UInt32).alias("n_events"),
            forward.sum().cast(pl.UInt32).alias("n_ab"),
            (~forward).sum().cast(pl.UInt32).alias("n_ba"),
            pl.col("contribution").filter(forward).sum().alias("strength_ab"),
            pl.col("contribution").filter(~forward).sum().alias("strength_ba"),
            pl.col("intensity").sum().alias("volume"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
            pl.col("kind").n_unique().cast(pl.UInt32).alias("n_kinds"),
        )
        periods = self.active_periods
        same_tie = (pl.col("a") == pl.col("a").shift(1)) & (pl.col("b") == pl.col("b").shift(1))
        res_days = self.resolution.total_seconds() / 86400
        gaps = periods.with_columns(
            pl.when(same_tie).then(pl.col("period") - pl.col("period").shift(1)).alias("gap")
        ).group_by("a", "b").agg(
            pl.len().cast(pl.UInt32).alias("active_periods"),
            (pl.col("gap").median() * res_days).alias("usual_gap_days"),
        )
        ties = ties.join(gaps, on=["a", "b"], how="left").with_columns(
            (pl.col("strength_ab") + pl.col("strength_ba")).alias("strength")
        )
        return ties.sort("a", "b")

    # -- graphs ----------------------------------------------------------------------------

    def adjacency(self, weight: str | None = "strength") -> scipy.sparse.csr_matrix:
        """n x n CSR matrix of directed relationships; entry (s, d) is ``weight`` (1 if None)."""
        import scipy.sparse as sp

        rel = self.relationships
        values = np.ones(rel.height) if weight is None else rel[weight].to_numpy().astype(np.float64)
        return sp.csr_matrix(
            (values, (rel["s"].to_numpy(), rel["d"].to_numpy())), shape=(self.n, self.n)
        )

    def igraph(self) -> igraph.Graph:
        """The directed relationship graph in igraph, with ``strength`` as edge attribute."""
        if "igraph" not in self._cache:
            import igraph as ig

            rel = self.relationships
            edges = list(zip(rel["s"].to_list(), rel["d"].to_list()))  # igraph's fastest input form
            graph = ig.Graph(n=self.n, edges=edges, directed=True)
            graph.es["strength"] = rel["strength"].to_numpy()
            self._cache["igraph"] = graph
        return self._cache["igraph"]
