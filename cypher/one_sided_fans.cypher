// Purpose: one-sided fans of a person: they give attention, the person never gave any back
//   ("they give, we don't"), strongest first. Engine twin: the rows of
//   relationship_reciprocity(net, me=person) with n_give = 0.
// :param person => "brand"
// :param limit => 25
// Reading: people who keep writing to the person and never got anything back: the cheapest
//   relationships to win, strongest first.
// Columns: fan, n_events, strength, first_interaction, last_interaction
MATCH (f:Person)-[r:INTERACTS]->(e:Person {id: $person})
WHERE NOT (e)-[:INTERACTS]->(f)
RETURN f.id AS fan, r.n_events AS n_events, r.strength AS strength,
       r.first_ts AS first_interaction, r.last_ts AS last_interaction
ORDER BY strength DESC, fan
LIMIT $limit
