// Purpose: the indexes of the database (constraints own an index of the same name), except the
//   built-in token lookup indexes. A bulk load rebuilds the schema, so it runs only when every
//   name is one of ror-graph's own (ror_*).
// Columns: name, type
SHOW INDEXES YIELD name, type
WHERE type <> 'LOOKUP'
RETURN name, type
ORDER BY name
