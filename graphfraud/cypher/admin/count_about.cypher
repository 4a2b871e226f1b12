// Relationships of type ABOUT (answered from the count store).
MATCH ()-[r:ABOUT]->() RETURN count(r) AS n
