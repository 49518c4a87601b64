// Purpose: record the load's parameters and counts and mark it complete.
// :param props => {as_of: datetime("2024-05-01T12:00:00Z"), half_life_days: 60.0, events: 3}
// Columns: key, complete
MERGE (m:RorGraphLoad {key: 'current'})
SET m += $props, m.complete = true
RETURN m.key AS key, m.complete AS complete
