// Purpose: who is valuable: people ranked by the influence (strength-weighted PageRank) that
//   `ror neo4j write-scores` stored. Engine twin: ror_graph.influence.influencers(net).
// :param limit => 10
// Reading: the first rows are the people whose attention is worth most: many strong relationships point
//   to them, and to the people they hear from; top_share is their share of all influence.
// Columns: rank, node_id, influence, top_share, in_degree, out_degree, reciprocity
MATCH (p:Person)
WHERE p.influence IS NOT NULL
RETURN p.influence_rank AS rank, p.id AS node_id, p.influence AS influence,
       p.influence_top_share AS top_share, p.in_degree AS in_degree, p.out_degree AS out_degree,
       p.reciprocity AS reciprocity
ORDER BY influence DESC, node_id
LIMIT $limit
