// Purpose: delete up to $batch relationships of ror-graph's people (`ror neo4j load --replace`
//   repeats it until it returns 0, so no transaction grows large).
// :param batch => 10000
// Columns: deleted
MATCH (:Person)-[r]->()
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS deleted
