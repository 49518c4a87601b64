"""An open, checked connection to one database of a Neo4j server: the base of
:class:`~ror_graph.backends.neo4j.graph.Neo4jGraph`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

import polars as pl

from ror_graph.backends.neo4j.errors import driver_errors, first_line
from ror_graph.backends.neo4j.output import plain
from ror_graph.backends.neo4j.queries import get_query
from ror_graph.backends.neo4j.settings import (
    MIN_VERSION,
    SCHEMA,
    Neo4jSettings,
    version_tuple,
)
from ror_graph.errors import BackendError

__all__ = ["Connection"]


class Connection:
    """An open connection to one database of a Neo4j server; use as a context manager.

    Connecting checks the server, the credentials, the database and the version, and raises
    a one-line :class:`BackendError` for each problem.
    """

    def __init__(self, settings: Neo4jSettings, *, min_version: tuple[int, ...] = MIN_VERSION) -> None:
        # The driver logs each retried transaction (e.g. a deadlock between concurrent writers)
        # as a warning; with no handler Python would print them to stderr, between our one-line
        # messages. A handler on its logger keeps them in logging, where an application can look.
        if not logging.getLogger("neo4j").handlers:
            logging.getLogger("neo4j").addHandler(logging.NullHandler())
        self.settings = settings
        try:
            self._driver = self._new_driver()
        except Exception as exc:  # ValueError / ConfigurationError on a bad URI
            raise BackendError(f"cannot use NEO4J_URI {settings.uri!r}: {first_line(exc)}") from None
        try:
            with driver_errors(self.settings, "connecting"):
                with self._driver.session(database=settings.database) as session:
                    row = session.run(get_query("server_components").text).single()
            self.version = str(row["version"]) if row else "?"
            self.edition = str(row["edition"]) if row else "?"
            if version_tuple(self.version) < min_version:
                wanted = ".".join(str(p) for p in min_version)
                raise BackendError(
                    f"Neo4j at {settings.uri} is version {self.version}; ror-graph needs Neo4j {wanted} or newer"
                )
        except BaseException:
            self._driver.close()
            raise

    # -- plumbing

    def _new_driver(self) -> Any:
        from neo4j import GraphDatabase

        s = self.settings
        return GraphDatabase.driver(s.uri, auth=(s.user, s.password), connection_timeout=10.0,
                                    max_transaction_retry_time=15.0, notifications_min_severity="OFF")

    def reconnect(self) -> None:
        """Drop the pooled connections and open new ones (after the server restarted)."""
        self._driver.close()
        self._driver = self._new_driver()
        with driver_errors(self.settings, "reconnecting"):
            self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        """Run the shipped query ``name`` with ``params``; its records as dicts."""
        from neo4j import RoutingControl

        query = get_query(name)
        with driver_errors(self.settings, f"running {name}"):
            result = self._driver.execute_query(
                query.text,
                dict(params or {}),
                database_=self.settings.database,
                routing_=RoutingControl.WRITE if write else RoutingControl.READ,
            )
        return [dict(record) for record in result.records]

    def query_frame(self, name: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Run a shipped query read-only (in a transaction that is rolled back, so even a
        write statement changes nothing) and return its result as a table; nodes, paths and
        temporal values are turned into plain values."""
        query = get_query(name)
        with driver_errors(self.settings, f"running {name}"):
            with self._driver.session(database=self.settings.database) as session:
                tx = session.begin_transaction()
                try:
                    result = tx.run(query.text, dict(params or {}))
                    keys = list(result.keys())
                    rows = [[plain(v) for v in record.values()] for record in result]
                finally:
                    tx.rollback()
        if not rows:
            return pl.DataFrame(schema={k: pl.String for k in keys})
        return pl.DataFrame(rows, schema=keys, orient="row", strict=False, infer_schema_length=None)

    # -- schema and batched writes

    def ensure_schema(self) -> None:
        """Create the constraints and indexes (``IF NOT EXISTS``) before any write."""
        for name in SCHEMA:
            self.run(name, write=True)

    def _write_batches(
        self, bar: Any, label: str, query: str, frame: pl.DataFrame, size: int, params: Mapping[str, Any] | None = None
    ) -> None:
        """Write ``frame`` in batches of ``size`` rows, one ``query`` transaction each, one after
        another. The next batch's row dicts are built in a helper thread while the current one
        is sent and written: building them holds the GIL, waiting for the server does not, so
        the client's work overlaps the server's."""
        from concurrent.futures import ThreadPoolExecutor

        task = bar.add_task(label, total=frame.height) if bar is not None else None
        starts = range(0, frame.height, size)
        if not starts:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ror-neo4j-rows") as pool:
            pending = pool.submit(_row_dicts, frame, starts[0], size)
            for i in range(len(starts)):
                rows = pending.result()
                if i + 1 < len(starts):
                    pending = pool.submit(_row_dicts, frame, starts[i + 1], size)
                self.run(query, {**(params or {}), "rows": rows}, write=True)
                if bar is not None:
                    bar.advance(task, len(rows))


def _row_dicts(frame: pl.DataFrame, start: int, size: int) -> list[dict[str, Any]]:
    return frame.slice(start, size).to_dicts()
