// Every verdict recorded about one ring or entity, oldest first (the audit trail).
// $target_type: ring, merchant, streamer, device or payment_account; $target_id: string
MATCH (v:Verdict {target_type: $target_type, target_id: $target_id})
RETURN v.verdict_id AS verdict_id, v.decision AS decision, v.label AS label,
       v.analyst AS analyst, toString(v.at) AS at, v.note AS note, v.via_ring AS via_ring,
       v.members AS members
ORDER BY v.at, v.verdict_id
