"""Loading a dataset into Neo4j: marked, idempotent and resumable writes, and the concurrent
writers that never touch the same person at once (docs/neo4j.md, Loading)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import polars as pl

from ror_graph.backends.neo4j import bulk as bulk_import
from ror_graph.backends.neo4j.connection import Connection, _row_dicts
from ror_graph.backends.neo4j.errors import unfinished
from ror_graph.backends.neo4j.output import LoadReport, progress_bar
from ror_graph.backends.neo4j.rows import (
    interaction_frame,
    people_frame,
    relationship_frame,
)
from ror_graph.backends.neo4j.settings import DEFAULT_BATCH, DEFAULT_WRITERS
from ror_graph.errors import BackendError, OptionError
from ror_graph.strength import DEFAULT_HALF_LIFE

if TYPE_CHECKING:
    from ror_graph.model import Dataset

__all__ = ["Loader"]


class Loader(Connection):
    """Writes people and relationships (see :meth:`load`) and removes what ror-graph wrote."""

    def wipe(self, *, batch: int = 10_000) -> int:
        """Delete what ror-graph wrote, in bounded batches: its relationships (marked with
        ``ror_load``), the people it created (label ``:RorGraph``) that no other relationship
        holds, and the load record. Adopted people lose ror-graph's marks and stay. Nodes and
        relationships of other applications are never touched. Returns the count removed."""
        deleted = 0
        for name in ("wipe_relationships", "wipe_nodes", "wipe_release_adopted", "wipe_load"):
            while True:
                n = int(self.run(name, {"batch": batch}, write=True)[0]["deleted"])
                deleted += n
                if n == 0:
                    break
        return deleted

    def foreign_people(self) -> tuple[int, list[str]]:
        """``(count, up to 3 ids)`` of the :Person nodes ror-graph did not write."""
        row = self.run("count_foreign_people")[0]
        return int(row["foreign"]), [str(x) for x in row["examples"]]

    def load(
        self,
        dataset: Dataset,
        *,
        as_of: str | datetime | None = None,
        half_life: str | timedelta = DEFAULT_HALF_LIFE,
        kind_weights: Mapping[str, float] | None = None,
        keep_events: bool = False,
        aggregates_only: bool = False,
        replace: bool = False,
        adopt: bool = False,
        batch_size: int = DEFAULT_BATCH,
        writers: int = DEFAULT_WRITERS,
        bulk: bool = False,
        progress: bool = True,
    ) -> LoadReport:
        """Write ``dataset`` as people and relationships (see the module docstring).

        Constraints come first, then people, then relationships (in batches of ``batch_size``
        rows, each one ``UNWIND $rows ... MERGE ... SET`` transaction, by ``writers``
        concurrent writers on partitions that share no person), then individual interactions
        when ``keep_events``. Every write is a MERGE plus a SET of the
        full property set, so running it again, or again after it died half-way, leaves the
        same graph. ``replace`` first deletes what earlier loads wrote (see :meth:`wipe`).

        Every node and relationship written carries ror-graph's mark (label ``:RorGraph`` on
        people, the load's id as ``ror_load``). A database holding :Person nodes that ror-graph
        did not write is refused with a :class:`BackendError`, because MERGE would write onto
        them; ``adopt=True`` takes them over (marked ``ror_adopted``: a replace never deletes
        them).

        ``aggregates_only`` leaves out the interaction lists (``event_us``, ``event_kinds``,
        ``event_weights``): enough for the Browser queries in ``cypher/`` and about half the
        load time, but ``--backend neo4j`` (:meth:`read_dataset`) then refuses the graph and
        asks for a reload without it.

        ``bulk`` writes a first load into an empty database with Neo4j's own importer instead
        (``neo4j-admin database import full``; the server restarts once): the same graph, many
        times faster. It applies to the default database of a server started by
        ``neo4j_server/server.py`` on this machine that holds no node and no index but
        ror-graph's; otherwise the load runs over Bolt and ``LoadReport.note`` says why. A
        second load over a bulk-loaded graph runs over Bolt (MERGE + SET of the same values).
        """
        from ror_graph.network import Network

        if batch_size < 1:
            raise OptionError(f"batch_size= must be at least 1, got {batch_size}")
        if writers < 1:
            raise OptionError(f"writers= must be at least 1, got {writers}")
        started = time.perf_counter()
        net = Network.from_dataset(dataset, as_of=as_of, half_life=half_life, kind_weights=kind_weights)
        if net.resolution != timedelta(days=1):
            raise OptionError("the Neo4j backend stores active days; it needs a resolution of one day")
        people = people_frame(net)
        rels = relationship_frame(net, interactions=not aggregates_only)
        interactions = interaction_frame(net) if keep_events else None
        foreign, examples = self.foreign_people()
        if foreign and not adopt:
            where = f"database {self.settings.database!r} at {self.settings.uri}"
            raise BackendError(
                f"{where} holds {foreign:,} :Person nodes that ror-graph did not write (e.g. "
                f"{', '.join(repr(x) for x in examples)}); loading would merge onto them and overwrite their "
                "properties: load into an empty database (NEO4J_DATABASE, NEO4J_URI), or take them over with adopt="
            )
        if replace:
            self.wipe()
        load_id = uuid.uuid4().hex
        marked = {"load_id": load_id}
        bulk_dir, note = self._bulk_dir(people, rels, interactions) if bulk else (None, "")
        if bulk_dir is not None:  # the schema is created over the imported graph
            self._bulk_load(bulk_dir, people, rels, interactions, load_id, progress)
        else:
            self.ensure_schema()
            self.run("load_begin", marked, write=True)
        with unfinished("the load did not finish (the graph is marked incomplete): run it again to complete it"):
            with progress_bar(progress and bulk_dir is None) as bar:
                if bulk_dir is None:
                    self._write_batches(bar, "people", "load_people", people, batch_size * 2, marked)
                    self._write_partitioned(bar, "relationships", "load_relationships", rels, batch_size, marked,
                                            writers)
                if interactions is not None and bulk_dir is None:
                    self._write_partitioned(bar, "interactions", "load_interactions", interactions, batch_size, marked,
                                            writers)
        props = {
            "as_of": net.as_of,
            "half_life_days": net.half_life.total_seconds() / 86400,
            "kind_weight_kinds": list(net.kind_weights),
            "kind_weight_values": [float(v) for v in net.kind_weights.values()],
            "reply_window_days": net.reply_window.total_seconds() / 86400,
            "resolution_days": net.resolution.total_seconds() / 86400,
            "events": net.events.height,
            "people": people.height,
            "relationships": rels.height,
            "interactions": interactions.height if interactions is not None else 0,
            "keep_events": keep_events,
            "aggregates_only": aggregates_only,
            "sources": list(dataset.sources),
            "ego": dataset.ego,
        }
        self.run("load_finish", {"props": props}, write=True)
        return LoadReport(
            events=net.events.height,
            people=people.height,
            relationships=rels.height,
            interactions=interactions.height if interactions is not None else 0,
            as_of=net.as_of,
            seconds=time.perf_counter() - started,
            method="bulk" if bulk_dir is not None else "bolt",
            note=note,
        )

    def _bulk_dir(
        self, people: pl.DataFrame, rels: pl.DataFrame, interactions: pl.DataFrame | None
    ) -> tuple[Path | None, str]:
        """The server's ``bulk-import`` folder when a bulk load applies, else ``(None, why not)``."""
        uri = self.settings.uri
        why = None
        if urlparse(uri).hostname not in ("127.0.0.1", "localhost", "::1"):
            why = f"the server at {uri} is not on this machine"
        elif self.settings.database != "neo4j":
            why = f"it imports into the default database 'neo4j', not {self.settings.database!r}"
        else:
            folder = Path(str(self.run("server_home")[0]["home"])) / "bulk-import"
            nodes = int(self.run("count_nodes")[0]["nodes"])
            others = [r["name"] for r in self.run("schema_names") if not str(r["name"]).startswith("ror_")]
            if not (folder.is_dir() and bulk_import.launcher_alive(folder)):
                why = f"the server at {uri} was not started by neo4j_server/server.py"
            elif nodes:
                why = f"database 'neo4j' holds {nodes:,} nodes and the importer replaces the whole database"
            elif others:
                why = f"database 'neo4j' has indexes or constraints ror-graph did not create ({', '.join(others)})"
            else:
                why = bulk_import.unusable_strings(people, rels, interactions)
                if why is None:
                    return folder, ""
        return None, f"bulk import not used: {why}; loaded over Bolt"

    def _bulk_load(
        self, folder: Path, people: pl.DataFrame, rels: pl.DataFrame, interactions: pl.DataFrame | None,
        load_id: str, progress: bool,
    ) -> None:
        """Import the rows with Neo4j's importer (the server restarts), then create the schema
        over the imported graph and wait until it is online. The load record says
        ``complete = false`` until :meth:`load` finishes it."""
        files = folder / f"load-{load_id}"
        with progress_bar(progress) as bar:
            task = bar.add_task("bulk import", total=1) if bar is not None else None
            try:
                lines = bulk_import.write_import_files(files, people, rels, interactions, load_id)
                self._driver.close()  # the server goes away and comes back
                bulk_import.run_import(folder, lines)
            finally:
                bulk_import.remove_files(files)
                self._driver = self._new_driver()
            with unfinished("the load did not finish (the graph is marked incomplete): run it again to complete it"):
                self.reconnect()
                self.ensure_schema()
                self.run("schema_await", {"seconds": 3600}, write=True)
            if bar is not None:
                bar.advance(task, 1)

    def _write_partitioned(
        self, bar: Any, label: str, query: str, frame: pl.DataFrame, size: int, params: Mapping[str, Any],
        writers: int,
    ) -> None:
        """Write the relationship rows of ``frame`` (``src``, ``dst``) with ``writers``
        concurrent transactions, none of which touches a node another one is writing.

        People are split into ``2 * writers`` groups by a hash of their id; a relationship
        belongs to the class of its two groups. The classes are written in rounds of a
        round-robin schedule (:func:`_round_robin`): the classes of one round share no group,
        hence no person, so the writers of a round never wait for each other's locks and
        cannot deadlock. A round ends before the next begins."""
        from concurrent.futures import ThreadPoolExecutor

        if writers <= 1 or frame.height <= size:
            self._write_batches(bar, label, query, frame, size, params)
            return
        task = bar.add_task(label, total=frame.height) if bar is not None else None
        with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="ror-neo4j-writer") as pool:
            for shares in partition_rounds(frame, writers):
                futures = [pool.submit(self._write_serial, bar, task, query, share, size, params) for share in shares]
                for future in futures:
                    future.result()  # re-raises a writer's BackendError

    def _write_serial(
        self, bar: Any, task: Any, query: str, frames: list[pl.DataFrame], size: int, params: Mapping[str, Any]
    ) -> None:
        """One writer of :meth:`_write_partitioned`: its frames in batches, one after another."""
        for frame in frames:
            for start in range(0, frame.height, size):
                rows = _row_dicts(frame, start, size)
                self.run(query, {**params, "rows": rows}, write=True)
                if bar is not None:
                    bar.advance(task, len(rows))



def partition_rounds(frame: pl.DataFrame, writers: int) -> list[list[list[pl.DataFrame]]]:
    """Relationship rows (``src``, ``dst``) split for ``writers`` concurrent writers: a list of
    rounds; each round holds one list of frames per busy writer, and no person appears in the
    frames of two writers of the same round.

    People are split into ``2 * writers`` groups by a hash of their id; a relationship belongs
    to the class of its two groups; the classes are scheduled by :func:`_round_robin`, and the
    classes of a round go to the writers biggest first, each to the least loaded writer.

    >>> rows = pl.DataFrame({"src": ["a", "b", "c", "d"], "dst": ["b", "c", "d", "a"]})
    >>> rounds = partition_rounds(rows, 2)
    >>> sum(f.height for r in rounds for share in r for f in share)
    4
    """
    groups = 2 * writers
    group = [(pl.col(c).hash(seed=20_131) % groups).cast(pl.Int64).alias(f"_{c}") for c in ("src", "dst")]
    keyed = frame.with_columns(group).with_columns(
        (pl.min_horizontal("_src", "_dst") * groups + pl.max_horizontal("_src", "_dst")).alias("_class")
    )
    classes = {int(k[0]): part.drop("_src", "_dst", "_class")
               for k, part in keyed.partition_by("_class", as_dict=True, maintain_order=True).items()}
    rounds = []
    for round_ in _round_robin(groups):
        parts = [classes[a * groups + b] for a, b in round_ if a * groups + b in classes]
        shares: list[list[pl.DataFrame]] = [[] for _ in range(writers)]
        loads = [0] * writers
        for part in sorted(parts, key=lambda f: -f.height):  # biggest first, to the least loaded
            i = loads.index(min(loads))
            shares[i].append(part)
            loads[i] += part.height
        if parts:
            rounds.append([share for share in shares if share])
    return rounds


def _round_robin(groups: int) -> list[list[tuple[int, int]]]:
    """Rounds of group pairs ``(a, b)``, ``a <= b``, covering every pair once, in which no group
    appears twice: first the ``groups`` pairs ``(g, g)``, then the ``groups - 1`` rounds of the
    circle method for a round-robin tournament (``groups`` even).

    >>> _round_robin(4)
    [[(0, 0), (1, 1), (2, 2), (3, 3)], [(0, 3), (1, 2)], [(0, 2), (1, 3)], [(0, 1), (2, 3)]]
    """
    rounds = [[(g, g) for g in range(groups)]]
    players = list(range(groups))
    for _ in range(groups - 1):
        pairs = [(players[i], players[groups - 1 - i]) for i in range(groups // 2)]
        rounds.append(sorted((min(a, b), max(a, b)) for a, b in pairs))
        players = [players[0], players[-1], *players[1:-1]]
    return rounds
