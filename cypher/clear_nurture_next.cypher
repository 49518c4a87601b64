// Purpose: remove an ego's previous nurture-next list (ror-graph's, marked with ror_load) before a
//   new one is written.
// :param ego => "brand"
// Columns: removed
MATCH (:Person {id: $ego})-[n:NURTURE_NEXT]->()
WHERE n.ror_load IS NOT NULL
DELETE n
RETURN count(n) AS removed
