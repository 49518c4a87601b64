// Purpose: an ego network to visualise in Browser: the person, their $limit strongest ties,
//   and every relationship among those people.
// :param person => "brand"
// :param limit => 25
// Reading: a picture, not a table: switch to the Graph view to see the person, their strongest ties and
//   how those people are linked to each other.
// Columns: x, r, y
MATCH (e:Person {id: $person})-[t:INTERACTS]-(o:Person)
WITH e, o, max(t.tie_strength) AS tie_strength
ORDER BY tie_strength DESC, o.id
LIMIT $limit
WITH e, collect(o) + [e] AS people
MATCH (x:Person)-[r:INTERACTS]->(y:Person)
WHERE x IN people AND y IN people
RETURN x, r, y
