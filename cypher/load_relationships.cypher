// Purpose: write a batch of directed relationships (src gave attention to dst). MERGE the one
//   [:INTERACTS] per pair, then SET its full property set, so a rerun or a resumed load leaves
//   exactly the same relationship. Properties: see docs/neo4j.md.
// :param rows => [{src: "ana", dst: "bo", props: {n_events: 2, n_message: 2, strength: 5.8}}]
// Columns: relationships
UNWIND $rows AS row
MATCH (a:Person {id: row.src})
MATCH (b:Person {id: row.dst})
MERGE (a)-[r:INTERACTS]->(b)
SET r = row.props
RETURN count(r) AS relationships
