// Purpose: a person's fading relationships, by the fade risk `ror neo4j write-scores` stored on
//   [:INTERACTS] (the tie's, the same on both directions), with the evidence line. Ranked like
//   the engine: risks within 0.01 (rounded to 2 decimals) by volume, bigger relationships first.
//   Engine twin: ror_graph.fading.fading_ties(net, me=person).
// :param person => "brand"
// :param min_risk => 0.25
// :param limit => 25
// Columns: a, b, fade_risk, status, silence_days, usual_gap_days, last_interaction, evidence
MATCH (e:Person {id: $person})-[r:INTERACTS]-(o:Person)
WHERE r.fade_risk IS NOT NULL
WITH e, o, collect(r) AS rels
WITH e, o, rels[0] AS r, reduce(t = null, x IN rels | CASE WHEN t IS NULL OR x.last_ts > t THEN x.last_ts ELSE t END) AS last_ts
WHERE r.fade_risk >= $min_risk
WITH e, o, r, last_ts
ORDER BY round(r.fade_risk, 2, 'HALF_EVEN') DESC, r.tie_volume DESC, o.id
LIMIT $limit
RETURN e.id AS a, o.id AS b, r.fade_risk AS fade_risk, r.fade_status AS status,
       r.silence_days AS silence_days, r.usual_gap_days AS usual_gap_days,
       last_ts AS last_interaction, r.fade_evidence AS evidence
