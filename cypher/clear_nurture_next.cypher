// Purpose: remove an ego's previous nurture-next list before a new one is written.
// :param ego => "brand"
// Columns: removed
MATCH (:Person {id: $ego})-[n:NURTURE_NEXT]->()
DELETE n
RETURN count(n) AS removed
