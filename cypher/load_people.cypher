// Purpose: write a batch of people; MERGE on the id, then set their attributes (idempotent).
//   Every person gets the :RorGraph label and the load's id (ror_load), so that a replace
//   removes only what ror-graph wrote; a :Person that existed before (only with adoption)
//   is marked ror_adopted and is never deleted by a replace.
// :param load_id => "0f3c9a"
// :param rows => [{id: "ana", props: {name: "Ana"}}, {id: "bo", props: {}}]
// Columns: people
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
  ON MATCH SET p.ror_adopted = CASE WHEN p:RorGraph THEN p.ror_adopted ELSE true END
SET p:RorGraph, p += row.props, p.ror_load = $load_id
RETURN count(p) AS people
