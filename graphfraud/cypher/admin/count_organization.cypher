// Nodes labelled Organization (answered from the count store).
MATCH (n:Organization) RETURN count(n) AS n
