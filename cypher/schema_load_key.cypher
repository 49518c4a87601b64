// Purpose: the one (:RorGraphLoad) node that records how the graph was loaded (as_of, half-life,
//   kind weights) and whether the last load finished.
// Columns: (none)
CREATE CONSTRAINT ror_load_key IF NOT EXISTS FOR (m:RorGraphLoad) REQUIRE m.key IS UNIQUE
