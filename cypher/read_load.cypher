// Purpose: the load record: parameters (as_of, half-life, kind weights), counts, complete flag.
// Columns: load
OPTIONAL MATCH (m:RorGraphLoad {key: 'current'})
RETURN m {.*} AS load
