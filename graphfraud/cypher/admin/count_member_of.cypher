// Relationships of type MEMBER_OF (answered from the count store).
MATCH ()-[r:MEMBER_OF]->() RETURN count(r) AS n
