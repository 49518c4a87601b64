// Purpose: delete up to $batch people and the load record (after wipe_relationships).
// :param batch => 10000
// Columns: deleted
MATCH (n)
WHERE n:Person OR n:RorGraphLoad
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
