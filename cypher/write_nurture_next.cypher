// Purpose: write an ego's nurture-next list as [:NURTURE_NEXT] relationships from the ego,
//   one per person, with rank, priority, components and the one-line reason; ror_load marks
//   them as written by ror-graph.
// :param ego => "brand"
// :param load_id => "0f3c9a"
// :param rows => [{id: "ana", props: {rank: 1, priority: 0.61, reason: "top 3% influence"}}]
// Columns: written
MATCH (e:Person {id: $ego})
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
MERGE (e)-[n:NURTURE_NEXT]->(p)
SET n = row.props, n.ror_load = $load_id
RETURN count(n) AS written
