// Relationships of type PROMOTED (answered from the count store).
MATCH ()-[r:PROMOTED]->() RETURN count(r) AS n
