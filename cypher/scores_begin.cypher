// Purpose: mark the stored scores as being written (scores_complete = false) before the first
//   score batch, so a write-scores that died half-way is never taken for a complete one.
// Columns: key, scores_complete
MATCH (m:RorGraphLoad {key: 'current'})
SET m.scores_complete = false
RETURN m.key AS key, m.scores_complete AS scores_complete
