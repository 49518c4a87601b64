// Purpose: warm-introduction paths from one person to a target: the simple routes of up to
//   4 hops (either direction) whose ties are warmest. warmth = the product over the hops of
//   s / (1 + s) (s = tie_strength on [:INTERACTS]), halved for a one-sided tie (attention only
//   one way); ties in warmth by the path's ids. Engine twin: ror_graph.intro (ror intro).
// :param from => "brand"
// :param target => "sofia_farah53"
// :param limit => 5
// Reading: each row is a route of people who know each other; warmth near 1 means every hop is a strong
//   tie, so ask the second person on the path for an introduction.
// Columns: path, hops, warmth, route
MATCH (s:Person {id: $from}), (t:Person {id: $target})
WHERE s <> t
MATCH p = (s)-[:INTERACTS*1..4]-(t)
WHERE all(n IN nodes(p) WHERE single(m IN nodes(p) WHERE m = n))
WITH p, [r IN relationships(p) |
         r.tie_strength / (1.0 + r.tie_strength)
         * CASE WHEN EXISTS { MATCH (x)-[:INTERACTS]->(y) WHERE x = endNode(r) AND y = startNode(r) } THEN 1.0 ELSE 0.5 END
        ] AS hop_warmth
WITH [n IN nodes(p) | n.id] AS path, length(p) AS hops, reduce(w = 1.0, h IN hop_warmth | w * h) AS warmth, p
WITH path, hops, warmth, head(collect(p)) AS route
RETURN path, hops, warmth, route
ORDER BY warmth DESC, path
LIMIT $limit
