// Nodes labelled Merchant (answered from the count store).
MATCH (n:Merchant) RETURN count(n) AS n
