// Purpose: a person's fading relationships, by the fade risk `ror neo4j write-scores` stored on
//   [:INTERACTS] (the tie's, the same on both directions), with the evidence line. Ranked like
//   the engine: dormant and fading ties first, then cooling, then active; within each, bigger
//   relationships (tie volume) first, then higher fade risk.
//   Engine twin: ror_graph.fading.fading_ties(net, me=person).
// :param person => "brand"
// :param min_risk => 0.25
// :param limit => 25
// Reading: each row is a tie of the person that has gone quiet for longer than its own rhythm;
//   fade_risk near 1 means it is likely already lost, and evidence gives the numbers.
// Columns: a, b, fade_risk, status, silence_days, usual_gap_days, last_interaction, evidence
MATCH (e:Person {id: $person})-[r:INTERACTS]-(o:Person)
WHERE r.fade_risk IS NOT NULL
WITH e, o, collect(r) AS rels
WITH e, o, rels[0] AS r, reduce(t = null, x IN rels | CASE WHEN t IS NULL OR x.last_ts > t THEN x.last_ts ELSE t END) AS last_ts
WHERE r.fade_risk >= $min_risk
WITH e, o, r, last_ts
ORDER BY CASE r.fade_status WHEN 'dormant' THEN 2 WHEN 'fading' THEN 2 WHEN 'cooling' THEN 1 ELSE 0 END DESC,
         r.tie_volume DESC, r.fade_risk DESC, o.id
LIMIT $limit
RETURN e.id AS a, o.id AS b, r.fade_risk AS fade_risk, r.fade_status AS status,
       r.silence_days AS silence_days, r.usual_gap_days AS usual_gap_days,
       last_ts AS last_interaction, r.fade_evidence AS evidence
