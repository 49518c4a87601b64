// Purpose: write a batch of person scores (influence, reciprocity, fade risk, priority,
//   reason, ...) as properties, so Browser can colour and filter by them.
// :param rows => [{id: "ana", scores: {influence: 0.12, priority: 0.4, reason: "top 5% influence"}}]
// Columns: people
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
SET p += row.scores
RETURN count(p) AS people
