// Purpose: the server's home folder. A server started by neo4j_server/server.py has a folder
//   bulk-import in it, through which a bulk load asks the server to run Neo4j's importer.
// Columns: home
CALL dbms.listConfig('server.directories.neo4j_home') YIELD name, value
WHERE name = 'server.directories.neo4j_home'
RETURN value AS home
