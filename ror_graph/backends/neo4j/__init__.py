"""Neo4j backend: load the relationship graph into a real Neo4j server, read it back for the
same analyses, write scores back as properties, and run the Cypher queries shipped in
``ror_graph.cypher``.

Graph model (details in docs/neo4j.md):

* ``(:Person:RorGraph {id})``, unique on ``id``; attributes from the actors table (name,
  platform, ...) and ``ror_load``, the id of the load that wrote it.
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

Every relationship ror-graph writes carries ``ror_load``. Every statement lives in a ``.cypher``
file; values reach Cypher only as parameters.

The package follows the backend's seams: :mod:`.queries` (the shipped files), :mod:`.settings`,
:mod:`.errors` (driver errors in one line), :mod:`.connection`, :mod:`.load`, :mod:`.bulk` (a
first load through Neo4j's bulk importer), :mod:`.read`,
:mod:`.scores`, :mod:`.rows` (what is sent, in polars), :mod:`.output` (reports and table
helpers) and :mod:`.guide` (the Browser guide).

Example
-------
>>> settings = Neo4jSettings.resolve(uri="bolt://127.0.0.1:7687", password="secret")
>>> settings                                     # the password is never shown
Neo4jSettings(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j')
>>> sorted(queries())[:3]
['clear_nurture_next', 'community_nurture_next', 'community_reciprocity']
"""

from __future__ import annotations

from ror_graph.backends.neo4j.graph import Neo4jGraph, connect, network_from_neo4j
from ror_graph.backends.neo4j.output import LoadReport, ScoreReport, lists_as_text
from ror_graph.backends.neo4j.queries import (
    Query,
    coerce_param,
    evaluate_examples,
    get_query,
    queries,
)
from ror_graph.backends.neo4j.rows import (
    ego_nurture_rows,
    interaction_frame,
    people_frame,
    person_scores,
    relationship_frame,
    relationship_scores,
)
from ror_graph.backends.neo4j.settings import (
    DEFAULT_BATCH,
    DEFAULT_URI,
    DEFAULT_WRITERS,
    MIN_VERSION,
    Neo4jSettings,
)

__all__ = [
    "MIN_VERSION",
    "DEFAULT_URI",
    "DEFAULT_BATCH",
    "DEFAULT_WRITERS",
    "Query",
    "queries",
    "get_query",
    "coerce_param",
    "evaluate_examples",
    "Neo4jSettings",
    "Neo4jGraph",
    "LoadReport",
    "ScoreReport",
    "connect",
    "network_from_neo4j",
    "lists_as_text",
    "people_frame",
    "relationship_frame",
    "interaction_frame",
    "person_scores",
    "relationship_scores",
    "ego_nurture_rows",
]
