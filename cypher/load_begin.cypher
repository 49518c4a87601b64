// Purpose: mark a load as started (complete = false) before any person or relationship is
//   written, so a reader can tell a finished load from one that died half-way.
// :param load_id => "0f3c9a"
// Columns: key, complete
MERGE (m:RorGraphLoad {key: 'current'})
SET m.complete = false, m.load_id = $load_id
RETURN m.key AS key, m.complete AS complete
