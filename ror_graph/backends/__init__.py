"""Graph backends other than the in-memory engine.

* :mod:`ror_graph.backends.neo4j`: a Neo4j server over Bolt: idempotent loads, reading the
  graph back for the same analyses, scores written back as properties, shipped Cypher queries.

The memory backend is :class:`ror_graph.network.Network` itself.
"""

__all__ = ["neo4j"]
