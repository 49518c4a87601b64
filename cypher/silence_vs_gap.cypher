// Purpose: silence versus usual gap for each tie of a person, in plain Cypher: days since the
//   last interaction either way against the tie's own median gap between active days (from the
//   active_days lists stored on [:INTERACTS], in days since 1970-01-01); overdue = silence /
//   usual gap. $as_of defaults to the load's as_of. Engine twin: Network.ties (active_periods, usual_gap_days) and the
//   silence_days of ror_graph.fading (whose fade score further shrinks the gap toward the
//   community's; see docs/neo4j.md).
// :param person => "brand"
// :param as_of => null
// :param limit => 25
// Reading: overdue above 1 means the tie has been silent longer than its usual gap between active days:
//   the higher, the more unusual the silence.
// Columns: a, b, n_events, active_days, last_interaction, silence_days, usual_gap_days, overdue
MATCH (m:RorGraphLoad {key: 'current'})
WITH coalesce(datetime($as_of), m.as_of) AS as_of
MATCH (e:Person {id: $person})-[r:INTERACTS]-(o:Person)
WITH as_of, e, o, collect(r) AS rels
WITH as_of, e, o,
     reduce(n = 0, r IN rels | n + r.n_events) AS n_events,
     reduce(t = null, r IN rels | CASE WHEN t IS NULL OR r.last_ts > t THEN r.last_ts ELSE t END) AS last_ts,
     COLLECT { UNWIND rels AS r UNWIND r.active_days AS day RETURN DISTINCT day ORDER BY day } AS days
WITH as_of, e, o, n_events, last_ts, days,
     [i IN range(1, size(days) - 1) | days[i] - days[i - 1]] AS gaps
WITH as_of, e, o, n_events, last_ts, days, COLLECT { UNWIND gaps AS g RETURN g ORDER BY g } AS s
WITH e, o, n_events, last_ts, size(days) AS active_days,
     duration.inSeconds(last_ts, as_of) AS silence,
     CASE WHEN size(s) = 0 THEN null ELSE (s[(size(s) - 1) / 2] + s[size(s) / 2]) / 2.0 END AS usual_gap_days
WITH e, o, n_events, last_ts, active_days, usual_gap_days,
     (silence.seconds + silence.nanosecondsOfSecond / 1e9) / 86400.0 AS silence_days
RETURN e.id AS a, o.id AS b, n_events, active_days, last_ts AS last_interaction, silence_days,
       usual_gap_days,
       CASE WHEN usual_gap_days > 0 THEN silence_days / usual_gap_days END AS overdue
ORDER BY coalesce(overdue, -1.0) DESC, b
LIMIT $limit
