// Purpose: the server's name, version and edition (ror-graph checks the version on connect).
// Columns: name, version, edition
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
