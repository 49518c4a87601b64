// Purpose: write a batch of individual interactions (`--keep-events`) as [:INTERACTION]
//   relationships with kind, ts, weight and channel, keyed by a stable event key: the key is
//   looked up through the uniqueness constraint's index (a MERGE on the pattern would scan
//   every interaction of a busy person), created when missing, else its properties are set.
//   The time arrives as epoch seconds + nanoseconds and is stored as a UTC datetime.
// :param load_id => "0f3c9a"
// :param rows => [{src: "brand", dst: "sofia_farah53", key: "ev:brand|sofia_farah53|message|1714564800000000|1.0|0", kind: "message", ts_s: 1714564800, ts_ns: 0, weight: 1.0, channel: null}]
// Columns: interactions
UNWIND $rows AS row
MATCH (a:Person {id: row.src})
MATCH (b:Person {id: row.dst})
WITH a, b, row, datetime({epochSeconds: row.ts_s, nanosecond: row.ts_ns, timezone: 'UTC'}) AS ts
OPTIONAL MATCH ()-[old:INTERACTION {key: row.key}]->()
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (a)-[:INTERACTION {key: row.key, kind: row.kind, ts: ts, weight: row.weight, channel: row.channel,
                            ror_load: $load_id}]->(b))
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END |
  SET old.kind = row.kind, old.ts = ts, old.weight = row.weight, old.channel = row.channel, old.ror_load = $load_id)
RETURN count(*) AS interactions
