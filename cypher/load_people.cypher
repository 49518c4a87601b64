// Purpose: write a batch of people; MERGE on the id, then set their attributes (idempotent).
// :param rows => [{id: "ana", props: {name: "Ana"}}, {id: "bo", props: {}}]
// Columns: people
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
SET p += row.props
RETURN count(p) AS people
