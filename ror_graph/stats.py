"""The community at a glance: size, time span, reciprocity, components, kinds.

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> raw = pl.DataFrame({"src": ["a", "b", "c"], "dst": ["b", "a", "d"], "kind": ["reply"] * 3, "ts": [1, 2, 3]})
>>> s = network_stats(Network.from_dataset(validate_events(raw, source="doc")))
>>> s.nodes, s.relationships, s.weak_components
(4, 3, 2)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import cast

import polars as pl

from ror_graph.network import Network
from ror_graph.reciprocity import reciprocity_summary

__all__ = ["NetworkStats", "network_stats"]


@dataclass(frozen=True)
class NetworkStats:
    """Graph-level figures; reciprocity definitions are in :mod:`ror_graph.reciprocity`."""

    events: int
    nodes: int
    relationships: int
    ties: int
    first_event: datetime
    last_event: datetime
    as_of: datetime
    span_days: float
    edge_reciprocity: float
    pair_reciprocity: float
    rho: float
    density: float
    weak_components: int
    largest_component: int
    strong_components: int
    kinds: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_frame(self) -> pl.DataFrame:
        """Two columns, ``metric`` and ``value`` (as text), one row per figure."""
        notes = {
            "edge_reciprocity": "share of directed relationships whose reverse exists",
            "pair_reciprocity": "share of connected pairs that are mutual",
            "rho": "Garlaschelli-Loffredo: (r - density) / (1 - density); nan (undefined) at density 1",
            "relationships": "distinct directed pairs (src gave attention to dst)",
            "ties": "distinct unordered pairs",
        }
        rows = []
        for key, value in self.as_dict().items():
            if isinstance(value, datetime):
                text = value.isoformat().replace("+00:00", "Z")
            elif isinstance(value, float):
                text = f"{value:.6g}"
            else:
                text = f"{value:,}" if isinstance(value, int) else str(value)
            rows.append((key, text, notes.get(key, "")))
        return pl.DataFrame(rows, schema=["metric", "value", "meaning"], orient="row")


def network_stats(net: Network) -> NetworkStats:
    """Compute :class:`NetworkStats` (weak components by union-find, strong ones by Pearce's
    algorithm on a worker thread meanwhile: :mod:`ror_graph._components`).

    Only the directed pairs are needed (``Network.directed_pairs``, ``Network.n_ties``): the
    relationships' and ties' aggregates are not computed here."""
    from ror_graph._components import strong_components, weak_components
    from ror_graph._pairscan import bucket_starts

    src, dst = net.pair_ends
    with ThreadPoolExecutor(1) as pool:  # the kernels release the GIL
        # The pairs are sorted by (s, d): CSR arrays as they are. The strong components take
        # longest: they start first, and this thread finds which pairs are mutual meanwhile.
        strong = pool.submit(strong_components, bucket_starts(src, max(net.n, 1)), dst, net.n)
        _ = net.directed_pairs
        n_weak, largest = weak_components(src, dst, net.n)
        recip = reciprocity_summary(net)
        n_strong = strong.result()
    kinds = net.events["kind"].value_counts(sort=True)
    kinds_text = ", ".join(f"{k} {c:,}" for k, c in kinds.rows())
    first, last = cast(datetime, net.events["ts"].min()), cast(datetime, net.events["ts"].max())
    return NetworkStats(
        events=net.events.height,
        nodes=net.n,
        relationships=net.directed_pairs.height,
        ties=net.n_ties,
        first_event=first,
        last_event=last,
        as_of=net.as_of,
        span_days=(last - first).total_seconds() / 86400,
        edge_reciprocity=recip.edge_reciprocity,
        pair_reciprocity=recip.pair_reciprocity,
        rho=recip.rho,
        density=recip.density,
        weak_components=int(n_weak),
        largest_component=int(largest),
        strong_components=int(n_strong),
        kinds=kinds_text,
    )
