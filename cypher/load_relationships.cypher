// Purpose: write a batch of directed relationships (src gave attention to dst). MERGE the one
//   [:INTERACTS] per pair, then SET its full property set, so a rerun or a resumed load leaves
//   exactly the same relationship. first_ts / last_ts arrive as epoch seconds + nanoseconds
//   and are stored as UTC datetimes (cheaper than sending datetimes). Properties: see
//   docs/neo4j.md. ror_load marks the relationship as written by ror-graph (the load's id).
// :param load_id => "0f3c9a"
// :param rows => [{src: "ana", dst: "bo", first_s: 1714564800, first_ns: 0, last_s: 1714651200, last_ns: 500000000, props: {n_events: 2, n_message: 2, strength: 5.8, active_days: [19844, 19845]}}]
// Columns: relationships
UNWIND $rows AS row
MATCH (a:Person {id: row.src})
MATCH (b:Person {id: row.dst})
MERGE (a)-[r:INTERACTS]->(b)
SET r = row.props,
    r.ror_load = $load_id,
    r.first_ts = datetime({epochSeconds: row.first_s, nanosecond: row.first_ns, timezone: 'UTC'}),
    r.last_ts = datetime({epochSeconds: row.last_s, nanosecond: row.last_ns, timezone: 'UTC'})
RETURN count(r) AS relationships
