// Purpose: delete the load record (the last step of a replace).
// :param batch => 10000
// Columns: deleted
MATCH (m:RorGraphLoad)
WITH m LIMIT $batch
DELETE m
RETURN count(*) AS deleted
