// Purpose: reciprocity of the whole community in plain Cypher: edge reciprocity (share of
//   directed relationships whose reverse exists), pair reciprocity (mutual pairs / connected
//   pairs), density and Garlaschelli-Loffredo rho = (r - density) / (1 - density).
//   Engine twin: ror_graph.reciprocity.reciprocity_summary (same numbers on the same data).
// Reading: edge_reciprocity is the share of directed relationships answered in the other direction; rho
//   above 0 means more mutual than chance for this density.
// Columns: nodes, edges, reciprocated_edges, edge_reciprocity, pair_reciprocity, density, rho
MATCH (p:Person)
WITH count(p) AS nodes
OPTIONAL MATCH (a:Person)-[r:INTERACTS]->(b:Person)
WITH nodes, count(r) AS edges,
     count(CASE WHEN EXISTS { (b)-[:INTERACTS]->(a) } THEN 1 END) AS reciprocated_edges
WITH nodes, edges, reciprocated_edges,
     CASE WHEN edges > 0 THEN toFloat(reciprocated_edges) / edges ELSE 0.0 END AS r,
     CASE WHEN nodes > 1 THEN toFloat(edges) / (toFloat(nodes) * (nodes - 1)) ELSE 0.0 END AS a
RETURN nodes, edges, reciprocated_edges, r AS edge_reciprocity,
       CASE WHEN edges > 0 THEN r / (2 - r) ELSE 0.0 END AS pair_reciprocity,
       a AS density,
       CASE WHEN a < 1 THEN (r - a) / (1 - a) ELSE 0.0 END AS rho
