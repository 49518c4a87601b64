// Purpose: delete up to $batch people that ror-graph created (label :RorGraph, not adopted) and
//   that no relationship of another application holds (run after wipe_relationships). Nodes
//   of other applications are never matched.
// :param batch => 10000
// Columns: deleted
MATCH (n:RorGraph)
WHERE n.ror_adopted IS NULL AND NOT EXISTS { (n)--() }
WITH n LIMIT $batch
DELETE n
RETURN count(*) AS deleted
