// Purpose: reciprocity of one person in plain Cypher: 2 * mutual / (in + out) relationships,
//   what they give (strength out) and get (strength in), and how often they answer the people
//   who write to them. Engine twin: ror_graph.reciprocity.person_reciprocity (one row).
// :param person => "brand"
// Reading: reciprocity is the share of the person's relationships that go both ways (1: all mutual);
//   give and get compare the attention sent and received.
// Columns: node_id, reciprocity, mutual, out_edges, in_edges, give, get, answers_rate
MATCH (p:Person {id: $person})
WITH p,
     COUNT { (p)-[:INTERACTS]->(:Person) } AS out_edges,
     COUNT { (:Person)-[:INTERACTS]->(p) } AS in_edges,
     COUNT { (p)-[:INTERACTS]->(x:Person) WHERE (x)-[:INTERACTS]->(p) } AS mutual
OPTIONAL MATCH (p)-[o:INTERACTS]->(:Person)
WITH p, out_edges, in_edges, mutual, coalesce(sum(o.strength), 0.0) AS give
OPTIONAL MATCH (:Person)-[i:INTERACTS]->(p)
WITH p, out_edges, in_edges, mutual, give, coalesce(sum(i.strength), 0.0) AS get,
     sum(i.answered_rate * i.n_events) AS answered, sum(i.n_events) AS received
RETURN p.id AS node_id,
       CASE WHEN out_edges + in_edges > 0 THEN 2.0 * mutual / (out_edges + in_edges) ELSE 0.0 END AS reciprocity,
       mutual, out_edges, in_edges, give, get,
       CASE WHEN received > 0 THEN toFloat(answered) / received END AS answers_rate
