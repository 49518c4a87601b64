// Purpose: the people and their attributes (name, platform, followers).
// Columns: id, name, platform, followers
MATCH (p:Person)
RETURN p.id AS id, p.name AS name, p.platform AS platform, p.followers AS followers
ORDER BY id
