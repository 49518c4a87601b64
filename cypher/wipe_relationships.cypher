// Purpose: delete up to $batch relationships that ror-graph wrote (they carry ror_load; a
//   relationship of another application, even of the same type, does not). `ror neo4j load
//   --replace` repeats it until it returns 0, so no transaction grows large.
// :param batch => 10000
// Columns: deleted
MATCH ()-[r:INTERACTS|INTERACTION|NURTURE_NEXT]->()
WHERE r.ror_load IS NOT NULL
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS deleted
