// Purpose: give/get balance of each relationship of a person, in plain Cypher: give = strength
//   person -> them, get = strength them -> person, balance = (give - get) / (give + get) in
//   [-1, 1], answer rates each way. Biggest relationships first.
//   Engine twin: ror_graph.reciprocity.relationship_reciprocity(net, me=person).
// :param person => "brand"
// :param limit => 25
// Reading: balance near 1: the person gives far more than they get back from that relationship; near
//   -1: the other side does all the giving; 0: even.
// Columns: a, b, give, get, balance, reciprocated, n_give, n_get, b_answers_rate, a_answers_rate
MATCH (e:Person {id: $person})-[:INTERACTS]-(o:Person)
WITH DISTINCT e, o
OPTIONAL MATCH (e)-[g:INTERACTS]->(o)
OPTIONAL MATCH (o)-[t:INTERACTS]->(e)
WITH e, o, coalesce(g.strength, 0.0) AS give, coalesce(t.strength, 0.0) AS get,
     coalesce(g.n_events, 0) AS n_give, coalesce(t.n_events, 0) AS n_get,
     g.answered_rate AS b_answers_rate, t.answered_rate AS a_answers_rate
RETURN e.id AS a, o.id AS b, give, get,
       CASE WHEN give + get > 0 THEN (give - get) / (give + get) ELSE 0.0 END AS balance,
       n_give > 0 AND n_get > 0 AS reciprocated, n_give, n_get, b_answers_rate, a_answers_rate
ORDER BY give + get DESC, b
LIMIT $limit
