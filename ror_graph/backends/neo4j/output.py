"""Output helpers: the load and score reports, the progress bar, and Neo4j values as plain
Python values for tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import polars as pl

__all__ = ["LoadReport", "ScoreReport", "progress_bar", "plain", "lists_as_text"]



@dataclass(frozen=True)
class LoadReport:
    """What a load wrote and how fast."""

    events: int
    people: int
    relationships: int
    interactions: int
    as_of: datetime
    seconds: float
    method: str = "bolt"  # "bolt" (batched transactions) or "bulk" (Neo4j's importer)
    note: str = ""  # why a bulk load was asked for and not used ("" otherwise)

    def to_frame(self) -> pl.DataFrame:
        """One typed row: the counts, ``as_of``, ``seconds``, the rates per second and the method."""
        return pl.DataFrame([{
            "events": self.events, "people": self.people, "relationships": self.relationships,
            "interactions": self.interactions, "as_of": self.as_of, "seconds": self.seconds,
            "events_per_s": self.events / max(self.seconds, 1e-9),
            "relationships_per_s": self.relationships / max(self.seconds, 1e-9),
            "method": self.method,
        }])


@dataclass(frozen=True)
class ScoreReport:
    """What write-scores wrote."""

    people: int
    relationships: int
    nurture_rows: int
    as_of: datetime
    seconds: float

    def to_frame(self) -> pl.DataFrame:
        """One typed row: ``people, relationships, nurture_next, as_of, seconds``."""
        return pl.DataFrame([{
            "people": self.people, "relationships": self.relationships, "nurture_next": self.nurture_rows,
            "as_of": self.as_of, "seconds": self.seconds,
        }])


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (or None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:>20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=not console.is_terminal,
    ) as bar:
        yield bar


def plain(value: Any) -> Any:
    """Neo4j values -> plain Python values for tables: temporal types to datetime/date,
    nodes to their id, relationships to their type, paths to 'a - b - c'."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return value.get("id", value.element_id)
    if isinstance(value, Relationship):
        ends = (value.start_node, value.end_node)
        ids = [n.get("id", n.element_id) if n is not None else "?" for n in ends]
        return f"{ids[0]} -[{value.type}]-> {ids[1]}"
    if isinstance(value, Path):
        return " - ".join(str(n.get("id", n.element_id)) for n in value.nodes)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "to_native"):
        native = value.to_native()
        if isinstance(native, datetime) and native.tzinfo is not None:
            return native.astimezone(timezone.utc)
        return native
    return value


def lists_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """List and struct columns as JSON text, so every output format can hold them."""
    nested = [n for n, t in frame.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
    if not nested:
        return frame
    return frame.with_columns(
        pl.col(n).map_elements(lambda v: json.dumps(_jsonable(v)), return_dtype=pl.String) for n in nested
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, pl.Series):
        value = value.to_list()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
