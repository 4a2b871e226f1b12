// Relationships of type PAID_VIA (answered from the count store).
MATCH ()-[r:PAID_VIA]->() RETURN count(r) AS n
