// Purpose: hand back up to $batch adopted people (:Person nodes that existed before a load
//   adopted them): remove ror-graph's marks, keep the node and its other relationships.
// :param batch => 10000
// Columns: deleted
MATCH (n:RorGraph)
WHERE n.ror_adopted IS NOT NULL
WITH n LIMIT $batch
REMOVE n:RorGraph, n.ror_adopted, n.ror_load
RETURN count(*) AS deleted
