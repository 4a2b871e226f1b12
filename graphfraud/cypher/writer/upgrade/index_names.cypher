// The names of the indexes the database has (to tell which upgrades a graph needs).
SHOW INDEXES YIELD name
RETURN collect(name) AS names
