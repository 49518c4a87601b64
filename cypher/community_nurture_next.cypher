// Purpose: the community-wide nurture-next list (no ego), over the priority `ror neo4j
//   write-scores` stored on :Person. Engine twin: ror_graph.nurture.nurture_next(net).
// :param limit => 15
// Reading: the first rows are the relationships of the whole community most worth a message now:
//   valuable people whose ties are fading; reason says why in words.
// Columns: rank, node_id, priority, fade_risk, status, reason
MATCH (p:Person)
WHERE p.priority IS NOT NULL
RETURN p.priority_rank AS rank, p.id AS node_id, p.priority AS priority,
       p.fade_risk AS fade_risk, p.status AS status, p.reason AS reason
ORDER BY rank
LIMIT $limit
