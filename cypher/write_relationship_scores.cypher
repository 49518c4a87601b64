// Purpose: write a batch of relationship scores (strength, tie strength, fade risk, balance,
//   ...) as properties of the existing [:INTERACTS], and the time they were scored at (one
//   parameter for the whole batch).
// :param scored_as_of => datetime("2024-05-01T12:00:00Z")
// :param rows => [{src: "ana", dst: "bo", scores: {fade_risk: 0.8, fade_status: "fading", balance: 0.2}}]
// Columns: relationships
UNWIND $rows AS row
MATCH (a:Person {id: row.src})-[r:INTERACTS]->(b:Person {id: row.dst})
SET r += row.scores, r.scored_as_of = $scored_as_of
RETURN count(r) AS relationships
