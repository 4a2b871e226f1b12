// Verdict nodes (answered from the count store).
MATCH (n:Verdict) RETURN count(n) AS n
