// Purpose: people that ror-graph did not write: :Person nodes without the :RorGraph label that
//   every load puts on its own people. A load refuses to merge onto them unless asked to adopt.
// Columns: foreign, examples
MATCH (p:Person)
WHERE NOT p:RorGraph
WITH count(p) AS foreign, collect(p.id)[..3] AS examples
RETURN foreign, examples
