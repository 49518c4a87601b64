// Purpose: warm-introduction paths from one person to a target: among the shortest routes
//   (up to 4 hops, either direction), those whose ties are strongest, scored by the product
//   of s / (1 + s) over their tie strengths s (tie_strength on [:INTERACTS]).
// :param from => "brand"
// :param target => "sofia_farah53"
// :param limit => 5
// Columns: path, hops, warmth, route
MATCH (s:Person {id: $from}), (t:Person {id: $target})
WHERE s <> t
MATCH p = allShortestPaths((s)-[:INTERACTS*..4]-(t))
WITH p, reduce(w = 1.0, r IN relationships(p) | w * (r.tie_strength / (1.0 + r.tie_strength))) AS warmth
RETURN [n IN nodes(p) | n.id] AS path, length(p) AS hops, warmth, p AS route
ORDER BY warmth DESC, path
LIMIT $limit
