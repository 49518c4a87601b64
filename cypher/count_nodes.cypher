// Purpose: every node of the database, of any application (from the count store, instant). A
//   bulk load (`ror neo4j load --bulk`) replaces the whole database, so it runs only when this is 0.
// Columns: nodes
MATCH (n)
RETURN count(n) AS nodes
