// Purpose: write a batch of person scores (influence, reciprocity, fade risk, priority,
//   reason, ...) as properties, so Browser can colour and filter by them, and the time they
//   were scored at (one parameter for the whole batch).
// :param scored_as_of => datetime("2024-05-01T12:00:00Z")
// :param rows => [{id: "ana", scores: {influence: 0.12, priority: 0.4, reason: "top 5% influence"}}]
// Columns: people
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
SET p += row.scores, p.scored_as_of = $scored_as_of
RETURN count(p) AS people
