// Nodes labelled Streamer (answered from the count store).
MATCH (n:Streamer) RETURN count(n) AS n
