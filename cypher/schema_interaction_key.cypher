// Purpose: one relationship per individual interaction kept with `ror neo4j load --keep-events`:
//   a uniqueness constraint on [:INTERACTION].key makes reloading an interaction a no-op.
// Columns: (none)
CREATE CONSTRAINT ror_interaction_key IF NOT EXISTS FOR ()-[i:INTERACTION]-() REQUIRE i.key IS UNIQUE
