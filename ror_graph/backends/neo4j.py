"""Neo4j backend: load the relationship graph into a real Neo4j server, read it back for the
same analyses, write scores back as properties, and run the Cypher queries shipped in
``ror_graph.cypher``.

Graph model (details in docs/neo4j.md):

* ``(:Person {id})``, unique on ``id``; attributes from the actors table (name, platform, ...).
* ``(:Person)-[:INTERACTS]->(:Person)``: one per directed relationship (src gave attention to
  dst) with the aggregates of :attr:`Network.relationships` (``n_events``, ``n_<kind>``,
  ``weight_sum``, ``first_ts``, ``last_ts``, ``strength``, ``answered_rate``,
  ``answer_latency_h``), the tie's ``tie_strength`` and ``tie_volume``, this direction's
  ``volume`` and ``active_days`` (integers: days since 1970-01-01), and the interactions as
  parallel lists ``event_us`` (Unix microseconds) / ``event_kinds`` / ``event_weights`` (a
  1-element kind or weight list stands for every interaction), from which
  :meth:`Neo4jGraph.read_dataset` rebuilds the event table exactly.
* ``(:Person)-[:INTERACTION {key, kind, ts, weight, channel}]->(:Person)``: one per
  interaction, only with ``keep_events=True``, for time-window questions in Cypher.
* ``(:RorGraphLoad {key: 'current'})``: the load's parameters and a ``complete`` flag.

Every statement lives in a ``.cypher`` file; values reach Cypher only as parameters.

Example
-------
>>> settings = Neo4jSettings.resolve(uri="bolt://127.0.0.1:7687", password="secret")
>>> settings                                     # the password is never shown
Neo4jSettings(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j')
>>> sorted(queries())[:3]
['clear_nurture_next', 'community_nurture_next', 'community_reciprocity']
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl

from ror_graph.errors import BackendError, OptionError

if TYPE_CHECKING:
    from ror_graph.model import Dataset
    from ror_graph.network import Network

__all__ = [
    "MIN_VERSION",
    "Query",
    "queries",
    "get_query",
    "Neo4jSettings",
    "Neo4jGraph",
    "LoadReport",
    "ScoreReport",
    "connect",
    "network_from_neo4j",
]

#: Oldest Neo4j the backend accepts: relationship uniqueness constraints (5.7), COUNT {} and
#: COLLECT {} subqueries (5.3 / 5.6).
MIN_VERSION: tuple[int, ...] = (5, 7)
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_BATCH = 1_000  # rows per UNWIND transaction: fastest on the benchmark (docs/neo4j.md)
DEFAULT_WRITERS = 2  # concurrent relationship writers, on node-disjoint partitions (docs/neo4j.md)
SCHEMA = ("schema_person_id", "schema_interaction_key", "schema_load_key", "schema_interacts_strength")


# -- the shipped Cypher files -------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One ``.cypher`` file: its statement and the header (purpose, ``:param`` examples, columns)."""

    name: str
    text: str
    purpose: str
    params: dict[str, str]  # name -> example value, as a Cypher literal (Browser's :param syntax)
    columns: tuple[str, ...]
    reading: str = ""  # one line on what the result means (the Browser guide shows it)


_PARAM = re.compile(r"^//\s*:param\s+([A-Za-z_]\w*)\s*=>\s*(.+?)\s*;?\s*$")
_COLUMNS = re.compile(r"^//\s*Columns:\s*(.*?)\s*$", re.IGNORECASE)
_PURPOSE = re.compile(r"^//\s*Purpose:\s*(.*?)\s*$", re.IGNORECASE)
_READING = re.compile(r"^//\s*Reading:\s*(.*?)\s*$", re.IGNORECASE)


def _parse_query(name: str, source: str) -> Query:
    purpose: list[str] = []
    reading: list[str] = []
    params: dict[str, str] = {}
    columns: tuple[str, ...] = ()
    body: list[str] = []
    current: list[str] | None = None  # the header entry that a continuation line extends
    for line in source.splitlines():
        stripped = line.strip()
        if not body and stripped.startswith("//"):
            if m := _PURPOSE.match(stripped):
                purpose.append(m.group(1))
                current = purpose
            elif m := _READING.match(stripped):
                reading.append(m.group(1))
                current = reading
            elif m := _PARAM.match(stripped):
                params[m.group(1)] = m.group(2)
                current = None
            elif m := _COLUMNS.match(stripped):
                text = m.group(1)
                columns = () if text.startswith("(") else tuple(c.strip() for c in text.split(",") if c.strip())
                current = None
            elif current is not None:
                current.append(stripped.lstrip("/").strip())
            continue
        if stripped or body:
            body.append(line)
    return Query(name=name, text="\n".join(body).strip(), purpose=" ".join(purpose), params=params, columns=columns,
                 reading=" ".join(reading))


@lru_cache(maxsize=1)
def queries() -> dict[str, Query]:
    """Every shipped query, by name (the file name without ``.cypher``)."""
    out: dict[str, Query] = {}
    for entry in sorted(resources.files("ror_graph.cypher").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cypher"):
            name = entry.name[: -len(".cypher")]
            out[name] = _parse_query(name, entry.read_text(encoding="utf-8"))
    return out


def get_query(name: str) -> Query:
    """The shipped query ``name``; an :class:`OptionError` listing the names if unknown."""
    try:
        return queries()[name]
    except KeyError:
        raise OptionError(f"unknown query {name!r}; see `ror neo4j queries` ({', '.join(queries())})") from None


def coerce_param(query: Query, name: str, value: str) -> Any:
    """A ``--param name=value`` string, typed like the query's example value (a string
    example keeps the text as is, so ids such as ``"0042"`` stay strings)."""
    example = query.params.get(name)
    if example is None:
        raise OptionError(
            f"query {query.name!r} has no parameter {name!r}; it takes: {', '.join(query.params) or 'none'}"
        )
    kind = example.strip()
    if kind[:1] in ('"', "'"):
        return value
    if kind in ("true", "false"):
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise OptionError(f"parameter {name!r} of query {query.name!r} must be true or false, got {value!r}")
    if value.lower() == "null":
        return None
    if re.fullmatch(r"-?\d+", kind):
        try:
            return int(value)
        except ValueError:
            raise OptionError(f"parameter {name!r} of query {query.name!r} must be an integer, got {value!r}") from None
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", kind, re.IGNORECASE):
        try:
            return float(value)
        except ValueError:
            raise OptionError(f"parameter {name!r} of query {query.name!r} must be a number, got {value!r}") from None
    try:
        return json.loads(value)
    except ValueError:
        return value


# -- connection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect; the password never appears in ``repr`` or messages."""

    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"

    @classmethod
    def resolve(
        cls,
        *,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Neo4jSettings:
        """Flags first, then ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``,
        ``NEO4J_DATABASE``, then the defaults (bolt://127.0.0.1:7687, neo4j, neo4j)."""
        env = os.environ if env is None else env
        return cls(
            uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
            user=user or env.get("NEO4J_USERNAME") or env.get("NEO4J_USER") or "neo4j",
            password=password if password is not None else env.get("NEO4J_PASSWORD", ""),
            database=database or env.get("NEO4J_DATABASE") or "neo4j",
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


class Neo4jGraph:
    """An open connection to one database of a Neo4j server; use as a context manager.

    Connecting checks the server, the credentials, the database and the version, and raises
    a one-line :class:`BackendError` for each problem.
    """

    def __init__(self, settings: Neo4jSettings, *, min_version: tuple[int, ...] = MIN_VERSION) -> None:
        from neo4j import GraphDatabase

        # The driver logs each retried transaction (e.g. a deadlock between concurrent writers)
        # as a warning; with no handler Python would print them to stderr, between our one-line
        # messages. A handler on its logger keeps them in logging, where an application can look.
        if not logging.getLogger("neo4j").handlers:
            logging.getLogger("neo4j").addHandler(logging.NullHandler())
        self.settings = settings
        try:
            self._driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_timeout=10.0,
                max_transaction_retry_time=15.0,
                notifications_min_severity="OFF",
            )
        except Exception as exc:  # ValueError / ConfigurationError on a bad URI
            raise BackendError(f"cannot use NEO4J_URI {settings.uri!r}: {_first_line(exc)}") from None
        try:
            with self._errors("connecting"):
                with self._driver.session(database=settings.database) as session:
                    row = session.run(get_query("server_components").text).single()
            self.version = str(row["version"]) if row else "?"
            self.edition = str(row["edition"]) if row else "?"
            if _version_tuple(self.version) < min_version:
                wanted = ".".join(str(p) for p in min_version)
                raise BackendError(
                    f"Neo4j at {settings.uri} is version {self.version}; ror-graph needs Neo4j {wanted} or newer"
                )
        except BaseException:
            self._driver.close()
            raise

    # -- plumbing

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn driver errors into one-line BackendErrors (never echoing the password)."""
        from neo4j import exceptions as ne

        s = self.settings
        try:
            yield
        except ne.AuthError:
            raise BackendError(
                f"Neo4j at {s.uri} refused user {s.user!r}: wrong user name or password "
                "(set NEO4J_USERNAME / NEO4J_PASSWORD)"
            ) from None
        except ne.ServiceUnavailable as exc:
            text = str(exc)
            reason = "connection refused" if "refused" in text.lower() else _first_line(exc)
            raise BackendError(
                f"cannot reach Neo4j at {s.uri} ({reason}); is the server running? (set NEO4J_URI)"
            ) from None
        except ne.Neo4jError as exc:
            code = exc.code or ""
            if code.endswith("DatabaseNotFound"):
                raise BackendError(
                    f"Neo4j at {s.uri} has no database {s.database!r} (set NEO4J_DATABASE; "
                    "Community Edition has one user database, 'neo4j')"
                ) from None
            message = (exc.message or str(exc)).replace(s.password, "***") if s.password else (exc.message or str(exc))
            raise BackendError(f"Neo4j error while {what}: {code}: {_first_line(message)}") from None
        except ne.DriverError as exc:
            raise BackendError(f"Neo4j driver error while {what} ({s.uri}): {_first_line(exc)}") from None

    def run(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        """Run the shipped query ``name`` with ``params``; its records as dicts."""
        from neo4j import RoutingControl

        query = get_query(name)
        with self._errors(f"running {name}"):
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
        with self._errors(f"running {name}"):
            with self._driver.session(database=self.settings.database) as session:
                tx = session.begin_transaction()
                try:
                    result = tx.run(query.text, dict(params or {}))
                    keys = list(result.keys())
                    rows = [[_plain(v) for v in record.values()] for record in result]
                finally:
                    tx.rollback()
        if not rows:
            return pl.DataFrame(schema={k: pl.String for k in keys})
        return pl.DataFrame(rows, schema=keys, orient="row", strict=False, infer_schema_length=None)

    # -- schema and load

    def ensure_schema(self) -> None:
        """Create the constraints and indexes (``IF NOT EXISTS``) before any write."""
        for name in SCHEMA:
            self.run(name, write=True)

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
        half_life: str | timedelta = "60d",
        kind_weights: Mapping[str, float] | None = None,
        keep_events: bool = False,
        aggregates_only: bool = False,
        replace: bool = False,
        adopt: bool = False,
        batch_size: int = DEFAULT_BATCH,
        writers: int = DEFAULT_WRITERS,
        progress: bool = True,
    ) -> LoadReport:
        """Write ``dataset`` as people and relationships (see the module docstring).

        Constraints come first, then people, then relationships (serially, in batches of
        ``batch_size`` rows, each one ``UNWIND $rows ... MERGE ... SET`` transaction), then
        individual interactions when ``keep_events``. Every write is a MERGE plus a SET of the
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
        self.ensure_schema()
        if replace:
            self.wipe()
        load_id = uuid.uuid4().hex
        marked = {"load_id": load_id}
        self.run("load_begin", marked, write=True)
        with _unfinished("the load did not finish (the graph is marked incomplete): run it again to complete it"):
            with _progress(progress) as bar:
                self._write_batches(bar, "people", "load_people", people, batch_size * 2, marked)
                self._write_partitioned(bar, "relationships", "load_relationships", rels, batch_size, marked, writers)
                if interactions is not None:
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
        )

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
        groups = 2 * writers
        group = [(pl.col(c).hash(seed=20_131) % groups).cast(pl.Int64).alias(f"_{c}") for c in ("src", "dst")]
        keyed = frame.with_columns(group).with_columns(
            (pl.min_horizontal("_src", "_dst") * groups + pl.max_horizontal("_src", "_dst")).alias("_class")
        )
        classes = {int(k[0]): part.drop("_src", "_dst", "_class")
                   for k, part in keyed.partition_by("_class", as_dict=True, maintain_order=True).items()}
        task = bar.add_task(label, total=frame.height) if bar is not None else None
        with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="ror-neo4j-writer") as pool:
            for round_ in _round_robin(groups):
                parts = [classes[a * groups + b] for a, b in round_ if a * groups + b in classes]
                shares: list[list[pl.DataFrame]] = [[] for _ in range(writers)]
                loads = [0] * writers
                for part in sorted(parts, key=lambda f: -f.height):  # biggest first, to the least loaded
                    i = loads.index(min(loads))
                    shares[i].append(part)
                    loads[i] += part.height
                futures = [pool.submit(self._write_serial, bar, task, query, share, size, params)
                           for share in shares if share]
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

    # -- read back

    def load_record(self) -> dict[str, Any]:
        """The (:RorGraphLoad) properties; a BackendError when nothing (or half) was loaded."""
        record = self.run("read_load")[0]["load"]
        where = f"database {self.settings.database!r} at {self.settings.uri}"
        if record is None:
            raise BackendError(f"no ror-graph data in {where}: load it first with `ror neo4j load EVENTS...`")
        if not record.get("complete"):
            raise BackendError(f"the last `ror neo4j load` into {where} did not finish: run it again to complete it")
        return {k: _plain(v) for k, v in record.items()}

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
            raise BackendError(f"{source}: relationships without stored interactions; reload with `ror neo4j load`")
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
        half_life: str | timedelta = "60d",
        kind_weights: Mapping[str, float] | None = None,
    ) -> Network:
        """The :class:`Network` of the stored graph, for the engine's analyses. ``as_of``
        defaults to the load's ``as_of``."""
        from ror_graph.network import Network

        dataset = self.read_dataset()
        if as_of is None:
            as_of = self.load_record()["as_of"]
        return Network.from_dataset(dataset, as_of=as_of, half_life=half_life, kind_weights=kind_weights)

    # -- scores

    def write_scores(
        self, net: Network, *, me: str | None = None, batch_size: int = DEFAULT_BATCH, progress: bool = True
    ) -> ScoreReport:
        """Write the engine's scores for ``net`` onto the stored people and relationships
        (and, with ``me``, the ego's nurture-next list as [:NURTURE_NEXT])."""
        started = time.perf_counter()
        record = self.load_record()
        people = person_scores(net)
        rels = relationship_scores(net)
        nurture = ego_nurture_rows(net, me) if me is not None else None
        scored = {"scored_as_of": net.as_of}  # one parameter, not one datetime per row
        self.run("scores_begin", write=True)
        with _unfinished("the scores were not all written (marked incomplete): call write_scores again"):
            with _progress(progress) as bar:
                self._write_batches(bar, "person scores", "write_person_scores", people, batch_size, scored)
                self._write_batches(bar, "relationship scores", "write_relationship_scores", rels, batch_size, scored)
                if nurture is not None:
                    self.run("clear_nurture_next", {"ego": me}, write=True)
                    for start in range(0, nurture.height, batch_size):
                        rows = nurture.slice(start, batch_size).to_dicts()
                        self.run("write_nurture_next", {"ego": me, "load_id": record.get("load_id", ""), "rows": rows},
                                 write=True)
            self.run("scores_finish", {**scored, "ego": me}, write=True)
        return ScoreReport(
            people=people.height,
            relationships=rels.height,
            nurture_rows=nurture.height if nurture is not None else 0,
            as_of=net.as_of,
            seconds=time.perf_counter() - started,
        )


def connect(settings: Neo4jSettings | None = None, **overrides: Any) -> Neo4jGraph:
    """Open a checked connection (settings from flags/``overrides`` and the environment)."""
    return Neo4jGraph(settings or Neo4jSettings.resolve(**overrides))


def network_from_neo4j(
    settings: Neo4jSettings,
    *,
    as_of: str | datetime | None = None,
    half_life: str | timedelta = "60d",
    kind_weights: Mapping[str, float] | None = None,
) -> Network:
    """Read the stored graph and build the same :class:`Network` the memory backend builds."""
    with Neo4jGraph(settings) as graph:
        return graph.network(as_of=as_of, half_life=half_life, kind_weights=kind_weights)


# -- reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote and how fast."""

    events: int
    people: int
    relationships: int
    interactions: int
    as_of: datetime
    seconds: float

    def to_frame(self) -> pl.DataFrame:
        """One typed row: the counts, ``as_of``, ``seconds`` and the rates per second."""
        return pl.DataFrame([{
            "events": self.events, "people": self.people, "relationships": self.relationships,
            "interactions": self.interactions, "as_of": self.as_of, "seconds": self.seconds,
            "events_per_s": self.events / max(self.seconds, 1e-9),
            "relationships_per_s": self.relationships / max(self.seconds, 1e-9),
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


# -- rows to write (pure polars; no server) ----------------------------------------------------


def people_frame(net: Network) -> pl.DataFrame:
    """``id, props`` per person of ``net`` (attributes from the dataset's actors table)."""
    actors = net.dataset.actors
    people = net.nodes.select(pl.col("node_id").alias("id"))
    attrs = [c for c, t in actors.schema.items() if c != "id" and (t.is_numeric() or t == pl.String or t == pl.Boolean)]
    if actors.height and attrs:
        people = people.join(actors.select("id", *attrs), on="id", how="left", maintain_order="left")
        return people.select("id", pl.struct(attrs).alias("props"))
    return people.with_columns(pl.struct(pl.lit(None, dtype=pl.String).alias("name")).alias("props"))


def relationship_frame(net: Network, *, interactions: bool = True) -> pl.DataFrame:
    """``src, dst, first_s, first_ns, last_s, last_ns, props`` per directed relationship:
    aggregates, tie figures, active days (epoch days) and, with ``interactions``, the
    interactions as parallel lists.

    Only integers, floats and strings (and lists of them) are sent: the first and last times
    travel as epoch seconds + nanoseconds and become datetimes in Cypher, because turning
    Python datetime / date objects into Bolt values costs more client time than the rest of
    the row (see docs/neo4j.md, Performance)."""
    rel = net.relationships
    per = net.events.group_by("s", "d", maintain_order=True).agg(
        pl.col("ts").dt.epoch("us").alias("event_us"),
        pl.col("kind").cast(pl.String).alias("event_kinds"),
        pl.col("weight").alias("event_weights"),
        pl.col("intensity").sum().alias("volume"),
        pl.col("ts").dt.date().cast(pl.Int32).cast(pl.Int64).unique().sort().alias("active_days"),
    )
    ties = net.ties.select("a", "b", pl.col("strength").alias("tie_strength"), pl.col("volume").alias("tie_volume"))
    rel = (
        rel.join(per, on=["s", "d"], how="left")
        .with_columns(pl.min_horizontal("s", "d").alias("a"), pl.max_horizontal("s", "d").alias("b"))
        .join(ties, on=["a", "b"], how="left")
        .with_columns(
            pl.col("active_days").list.len().cast(pl.Int64).alias("n_active_days"),
            # One kind / one weight for every interaction of the relationship: a 1-element list.
            *[
                pl.when(pl.col(c).list.n_unique() == 1).then(pl.col(c).list.head(1)).otherwise(pl.col(c)).alias(c)
                for c in ("event_kinds", "event_weights")
            ],
        )
    )
    counts = ["n_events", *[f"n_{k}" for k in net.kinds_present]]
    props = [
        *[pl.col(c).cast(pl.Int64) for c in counts],
        "weight_sum", "strength", "tie_strength", "volume", "tie_volume",
        "answered_rate", "answer_latency_h", "n_active_days", "active_days",
        *(["event_us", "event_kinds", "event_weights"] if interactions else []),
    ]
    return rel.select("src", "dst", *_epoch_parts("first_ts", "first"), *_epoch_parts("last_ts", "last"), pl.struct(props).alias("props"))


def _epoch_parts(column: str, prefix: str) -> list[pl.Expr]:
    """A datetime column as ``<prefix>_s`` (epoch seconds, floored) and ``<prefix>_ns``
    (0..999,999,999), what Cypher's ``datetime({epochSeconds, nanosecond, timezone: 'UTC'})``
    takes; exact to the microsecond, also before 1970."""
    us = pl.col(column).dt.epoch("us")
    return [(us // 1_000_000).alias(f"{prefix}_s"), ((us % 1_000_000) * 1_000).alias(f"{prefix}_ns")]


def interaction_frame(net: Network) -> pl.DataFrame:
    """One row per interaction with a stable ``key``: ``id:<event_id>`` when the event has
    one, else src|dst|kind|time(us)|weight|occurrence (the n-th identical event). The time is
    sent as ``ts_s`` / ``ts_ns`` (see :func:`_epoch_parts`) and stored as a datetime."""
    ev = net.events.select("src", "dst", pl.col("kind").cast(pl.String), "ts", "weight", "channel", "event_id")
    occurrence = pl.int_range(pl.len()).over(["src", "dst", "kind", "ts", "weight"])
    generated = pl.concat_str(
        pl.lit("ev:"), "src", pl.lit("|"), "dst", pl.lit("|"), "kind", pl.lit("|"),
        pl.col("ts").dt.epoch("us").cast(pl.String), pl.lit("|"), pl.col("weight").cast(pl.String),
        pl.lit("|"), occurrence.cast(pl.String),
    )
    key = pl.when(pl.col("event_id").is_not_null()).then(pl.concat_str(pl.lit("id:"), "event_id")).otherwise(generated)
    return ev.with_columns(key.alias("key")).select("src", "dst", "key", "kind", *_epoch_parts("ts", "ts"), "weight", "channel")


def person_scores(net: Network) -> pl.DataFrame:
    """``id, scores`` per person: influence (global PageRank), reciprocity and the community
    nurture-next priority with its reason."""
    from ror_graph.influence import influencers
    from ror_graph.nurture import nurture_next
    from ror_graph.reciprocity import person_reciprocity

    inf = influencers(net).select(
        "node_id", "influence", pl.col("rank").cast(pl.Int64).alias("influence_rank"),
        pl.col("top_share").alias("influence_top_share"), "pagerank", "in_degree", "out_degree",
        "in_strength", "hub", "authority", "core", "betweenness",
    )
    rec = person_reciprocity(net).select("node_id", "reciprocity", "mutual", "give", "get", "answers_rate")
    nur = nurture_next(net).select(
        "node_id", "priority", pl.col("rank").cast(pl.Int64).alias("priority_rank"), "fade_risk", "status",
        "reason", "value", "bond", pl.col("reciprocity").alias("nurture_reciprocity"),
    )
    table = inf.join(rec, on="node_id", how="left").join(nur, on="node_id", how="left")
    return table.select(pl.col("node_id").alias("id"), pl.struct(pl.exclude("node_id")).alias("scores"))


def relationship_scores(net: Network) -> pl.DataFrame:
    """``src, dst, scores`` per directed relationship: strength at ``net.as_of``, the tie's
    fade risk, status, rhythm and evidence, and the give/get balance seen from src."""
    from ror_graph.fading import fading_ties
    from ror_graph.reciprocity import relationship_reciprocity

    lo = pl.when(pl.col("src") < pl.col("dst")).then(pl.col("src")).otherwise(pl.col("dst"))
    hi = pl.when(pl.col("src") < pl.col("dst")).then(pl.col("dst")).otherwise(pl.col("src"))
    fade = fading_ties(net).select(
        pl.col("a").alias("lo"), pl.col("b").alias("hi"), "fade_risk", pl.col("status").alias("fade_status"),
        "silence_days", "usual_gap_days", "overdue", pl.col("strength").alias("tie_strength"),
        pl.col("volume").alias("tie_volume"), pl.col("evidence").alias("fade_evidence"),
    )
    recip = relationship_reciprocity(net).select(pl.col("a").alias("lo"), pl.col("b").alias("hi"), "balance", "reciprocated")
    rel = net.relationships.select("src", "dst", "strength").with_columns(lo.alias("lo"), hi.alias("hi"))
    rel = rel.join(fade, on=["lo", "hi"], how="left").join(recip, on=["lo", "hi"], how="left")
    rel = rel.with_columns(
        pl.when(pl.col("src") == pl.col("lo")).then(pl.col("balance")).otherwise(-pl.col("balance")).alias("balance"),
    )
    return rel.select("src", "dst", pl.struct(pl.exclude("src", "dst", "lo", "hi")).alias("scores"))


def ego_nurture_rows(net: Network, me: str) -> pl.DataFrame:
    """``id, props`` per person on the ego's nurture-next list."""
    from ror_graph.nurture import nurture_next

    table = nurture_next(net, me=me).with_columns(pl.col("rank").cast(pl.Int64), pl.lit(net.as_of).alias("as_of"))
    return table.select(pl.col("node_id").alias("id"), pl.struct(pl.exclude("node_id")).alias("props"))


# -- helpers ---------------------------------------------------------------------------------------


def _row_dicts(frame: pl.DataFrame, start: int, size: int) -> list[dict[str, Any]]:
    return frame.slice(start, size).to_dicts()


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
        rounds.append(sorted(tuple(sorted((players[i], players[groups - 1 - i]))) for i in range(groups // 2)))
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


@contextmanager
def _unfinished(consequence: str) -> Iterator[None]:
    """Add what a failure half-way means (``consequence``) to a BackendError's one line."""
    try:
        yield
    except BackendError as exc:
        raise BackendError(f"{exc}; {consequence}") from None


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (or None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:>20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=not console.is_terminal,
    ) as bar:
        yield bar


def _plain(value: Any) -> Any:
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
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
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


def evaluate_examples(graph: Neo4jGraph, query: Query) -> dict[str, Any]:
    """The query's ``:param`` example values, evaluated by the server as Browser would
    (the literals come from the shipped file, never from user input)."""
    out: dict[str, Any] = {}
    for name, literal in query.params.items():
        with graph._errors(f"evaluating the example of ${name} in {query.name}"):
            records = graph._driver.execute_query(f"RETURN {literal} AS v", database_=graph.settings.database).records
        out[name] = records[0]["v"]
    return out
