"""Reading the stored graph back: the load record, the canonical events, the Network."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.backends.neo4j.connection import Connection
from ror_graph.backends.neo4j.output import plain
from ror_graph.errors import BackendError
from ror_graph.strength import DEFAULT_HALF_LIFE

if TYPE_CHECKING:
    from ror_graph.model import Dataset
    from ror_graph.network import Network

__all__ = ["Reader"]


class Reader(Connection):
    """Reads the graph a load stored."""

    def load_record(self) -> dict[str, Any]:
        """The (:RorGraphLoad) properties; a BackendError when nothing (or half) was loaded."""
        record = self.run("read_load")[0]["load"]
        where = f"database {self.settings.database!r} at {self.settings.uri}"
        if record is None:
            raise BackendError(f"no ror-graph data in {where}: load it first (Neo4jGraph.load, or `ror neo4j load EVENTS...`)")
        if not record.get("complete"):
            raise BackendError(f"the last load into {where} did not finish: run it again to complete it")
        return {k: plain(v) for k, v in record.items()}

    def read_dataset(self) -> Dataset:
        """The canonical events (and people's attributes) rebuilt from the stored graph."""
        from ror_graph.model import validate_actors, validate_events

        record = self.load_record()
        source = f"neo4j:{self.settings.database}"
        if record.get("aggregates_only"):
            raise BackendError(
                f"database {self.settings.database!r} at {self.settings.uri} holds aggregates only (loaded with "
                "aggregates_only=): reload without aggregates_only= to read it back for the analyses"
            )
        rows = self.run("read_events")
        frame = pl.DataFrame(
            {
                "src": [r["src"] for r in rows],
                "dst": [r["dst"] for r in rows],
                "event_us": [r["event_us"] for r in rows],
                "kind": [r["event_kinds"] for r in rows],
                "weight": [r["event_weights"] for r in rows],
            },
            schema={
                "src": pl.String,
                "dst": pl.String,
                "event_us": pl.List(pl.Int64),
                "kind": pl.List(pl.String),
                "weight": pl.List(pl.Float64),
            },
        )
        if frame["event_us"].null_count():
            raise BackendError(f"{source}: relationships without stored interactions; load the events again")
        n = pl.col("event_us").list.len()
        frame = frame.with_columns(  # a 1-element list stands for every interaction
            pl.when((pl.col(c).list.len() == 1) & (n > 1)).then(pl.col(c).list.first().repeat_by(n)).otherwise(pl.col(c)).alias(c)
            for c in ("kind", "weight")
        )
        events = (
            frame.explode(["event_us", "kind", "weight"])
            .with_columns(pl.from_epoch("event_us", time_unit="us").dt.replace_time_zone("UTC").alias("ts"))
            .sort("ts", maintain_order=True)
            .select("src", "dst", "kind", "ts", "weight")
        )
        people = pl.DataFrame(self.run("read_people"), schema={"id": pl.String, "name": pl.String, "platform": pl.String, "followers": pl.Int64})
        has_attributes = people.height and people.select(pl.col("name", "platform", "followers").is_not_null().any()).row(0)
        actors = validate_actors(people, source=source) if has_attributes and any(has_attributes) else None
        dataset = validate_events(events, source=source, actors=actors, ego=record.get("ego"))
        return dataset

    def network(
        self,
        *,
        as_of: str | datetime | None = None,
        half_life: str | timedelta = DEFAULT_HALF_LIFE,
        kind_weights: Mapping[str, float] | None = None,
    ) -> Network:
        """The :class:`Network` of the stored graph, for the engine's analyses. ``as_of``
        defaults to the load's ``as_of``."""
        from ror_graph.network import Network

        dataset = self.read_dataset()
        if as_of is None:
            as_of = self.load_record()["as_of"]
        return Network.from_dataset(dataset, as_of=as_of, half_life=half_life, kind_weights=kind_weights)
