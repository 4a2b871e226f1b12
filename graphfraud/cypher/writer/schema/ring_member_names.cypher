// The case queue's search by name: a full-text index over the names of each ring's
// members (kept on the ring by rings/exposure), so a common word is looked up among
// the rings, not among every actor that bears it.
CREATE FULLTEXT INDEX ring_member_names IF NOT EXISTS
FOR (r:Ring) ON EACH [r.member_names]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}
