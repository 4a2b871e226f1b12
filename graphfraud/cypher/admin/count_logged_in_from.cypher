// Relationships of type LOGGED_IN_FROM (answered from the count store).
MATCH ()-[r:LOGGED_IN_FROM]->() RETURN count(r) AS n
