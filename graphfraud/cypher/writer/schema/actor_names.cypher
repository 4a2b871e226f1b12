// Case work finds members by name (any part of it, any case): a full-text index over
// merchants' and streamers' names picks the candidates, which are then matched exactly.
CREATE FULLTEXT INDEX actor_names IF NOT EXISTS
FOR (n:Merchant|Streamer) ON EACH [n.name]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}
