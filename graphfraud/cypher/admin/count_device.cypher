// Nodes labelled Device (answered from the count store).
MATCH (n:Device) RETURN count(n) AS n
