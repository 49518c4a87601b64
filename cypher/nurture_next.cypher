// Purpose: the nurture-next list of an ego, over the scores `ror neo4j write-scores --me EGO`
//   stored as [:NURTURE_NEXT] relationships: whom to nurture first, and why.
//   Engine twin: ror_graph.nurture.nurture_next(net, me=ego).
// :param ego => "brand"
// :param limit => 15
// Reading: rank 1 is whom the ego should contact first: priority weighs their value, the bond and its
//   fade risk; status says how far the tie has faded.
// Columns: rank, node_id, priority, fade_risk, status, reason
MATCH (:Person {id: $ego})-[n:NURTURE_NEXT]->(p:Person)
RETURN n.rank AS rank, p.id AS node_id, n.priority AS priority, n.fade_risk AS fade_risk,
       n.status AS status, n.reason AS reason
ORDER BY rank
LIMIT $limit
