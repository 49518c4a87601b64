// Purpose: a range index on [:INTERACTS].strength, for Browser filters such as
//   MATCH ()-[r:INTERACTS]->() WHERE r.strength > 5.
// Columns: (none)
CREATE INDEX ror_interacts_strength IF NOT EXISTS FOR ()-[r:INTERACTS]-() ON (r.strength)
