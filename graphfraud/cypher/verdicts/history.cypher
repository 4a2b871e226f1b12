// Every verdict recorded about one ring or entity, oldest first (the audit trail):
// analysts' decisions (confirm, dismiss, needs-info), a ring's assignments (decision
// 'assign': assignee, previous_assignee; analyst is who assigned) and the label events
// loaded from labels.csv (decision 'label', with the export's source). Events without a
// date come first.
// $target_type: ring, merchant, streamer, device or payment_account; $target_id: string
MATCH (v:Verdict {target_type: $target_type, target_id: $target_id})
RETURN v.verdict_id AS verdict_id, v.decision AS decision, v.label AS label,
       v.analyst AS analyst, coalesce(v.source, 'analyst:' + v.analyst) AS source,
       toString(v.at) AS at, v.note AS note, v.via_ring AS via_ring, v.members AS members,
       v.replaced AS replaced, v.replaced_source AS replaced_source,
       v.assignee AS assignee, v.previous_assignee AS previous_assignee
ORDER BY v.at IS NOT NULL, v.at, v.verdict_id
