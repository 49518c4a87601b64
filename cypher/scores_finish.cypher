// Purpose: mark the stored scores complete, with the time they were scored at and the ego whose
//   nurture-next list was written (null: none).
// :param scored_as_of => datetime("2024-05-01T12:00:00Z")
// :param ego => "brand"
// Columns: key, scores_complete
MATCH (m:RorGraphLoad {key: 'current'})
SET m.scores_complete = true, m.scored_as_of = $scored_as_of, m.scored_ego = $ego
RETURN m.key AS key, m.scores_complete AS scores_complete
