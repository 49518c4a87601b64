// Purpose: read the interactions back, per relationship, as parallel lists (time in Unix
//   microseconds, kind, weight): the `--backend neo4j` analyses rebuild the event table from them.
// Columns: src, dst, event_us, event_kinds, event_weights
MATCH (a:Person)-[r:INTERACTS]->(b:Person)
RETURN a.id AS src, b.id AS dst, r.event_us AS event_us, r.event_kinds AS event_kinds,
       r.event_weights AS event_weights
