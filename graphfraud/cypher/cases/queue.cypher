// The case queue: the rings found by the latest complete run that pass the filter, how
// many pass (total), and one page of them in the order asked, each with what changed
// since the previous complete run, the batch's alert, the latest decision, the assignee,
// up to three member names and the GMV of its merchants.
// $risk, $pattern: lists of strings (empty: all); $verdict: null, 'none' (no decision)
// or a decision; $assignee: null, '' (no one) or a name; $since: ISO 8601 text or null
// (the latest change, decision or alert at or after it); $search: null or text (a
// ring id prefix $ring_prefix, a member, device or account id, or a part of a member's
// name: $name_query, the full-text query of the rings' member names that finds the
// candidates, null when the text has no letter or digit; a name must contain the
// text, case aside); $sort: priority,
// score, members, gmv or ring_id; $descending: boolean; $skip, $limit: integers.
CALL () {
  MATCH (run:Run {complete: true})
  RETURN run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 2
}
WITH collect(run) AS runs
WITH runs[0] AS latest, runs[1] AS previous
CALL (latest, previous) {
  CALL (latest) {
    WITH latest WHERE $search IS NULL
    MATCH (latest)-[f:FOUND]->(r:Ring)
    RETURN r, f
    UNION
    // a search: the rings it names, found from the index of what it names, then kept if
    // the latest run found them
    CALL () {
      MATCH (r:Ring) WHERE r.ring_id STARTS WITH $ring_prefix
      RETURN r
      UNION
      MATCH (:Merchant {merchant_id: $search})<-[:HAS_MEMBER]-(r:Ring)
      RETURN r
      UNION
      MATCH (:Streamer {streamer_id: $search})<-[:HAS_MEMBER]-(r:Ring)
      RETURN r
      UNION
      MATCH (:Device {device_id: $search})<-[:LOGGED_IN_FROM]-()<-[:HAS_MEMBER]-(r:Ring)
      RETURN r
      UNION
      MATCH (:PaymentAccount {account_id: $search})<-[:PAID_VIA]-()<-[:HAS_MEMBER]-(r:Ring)
      RETURN r
      UNION
      WITH $name_query AS words WHERE words IS NOT NULL
      CALL db.index.fulltext.queryNodes('ring_member_names', words) YIELD node AS r
      WITH r WHERE any(name IN r.member_names WHERE toLower(name) CONTAINS toLower($search))
      RETURN r
    }
    MATCH (latest)-[f:FOUND]->(r)
    RETURN r, f
  }
  WITH latest, previous, r, f, coalesce(r.decision, r.verdict) AS decision
  WHERE (size($risk) = 0 OR f.risk IN $risk)
    AND (size($pattern) = 0 OR r.pattern IN $pattern)
    AND ($verdict IS NULL OR decision = $verdict
         OR ($verdict = 'none' AND decision IS NULL))
    AND ($assignee IS NULL OR r.assignee = $assignee
         OR ($assignee = '' AND r.assignee IS NULL))
  // A run written before FOUND kept what changed: compared with the previous run here.
  OPTIONAL MATCH (previous)-[pf:FOUND]->(r) WHERE f.change IS NULL
  WITH latest, r, f, decision,
       CASE WHEN f.change IS NOT NULL THEN f.change
            WHEN pf IS NULL THEN 'new'
            WHEN f.members > pf.members THEN 'grown'
            WHEN f.members < pf.members THEN 'shrunk'
            WHEN f.risk <> pf.risk THEN 'risk changed'
            ELSE 'unchanged' END AS change,
       CASE WHEN f.change IS NOT NULL THEN f.previous_risk ELSE pf.risk END AS previous_risk,
       CASE WHEN f.change IS NOT NULL THEN f.previous_members
            ELSE pf.members END AS previous_members
  WHERE $since IS NULL
     OR any(t IN [r.changed_at, coalesce(r.decision_at, r.verdict_at),
                  CASE WHEN f.alert IS NOT NULL OR change <> 'unchanged'
                       THEN latest.generated_at END]
            WHERE t >= datetime($since))
  WITH r, f, decision, change, previous_risk, previous_members,
       CASE WHEN f.alert IS NOT NULL THEN 2
            WHEN change <> 'unchanged' AND decision IS NULL THEN 1 ELSE 0 END AS tier
  // priority: alerted, then new or changed rings no one decided, each by risk then
  // score; then the rest by score
  WITH r, f, decision, change, previous_risk, previous_members,
       CASE $sort
         WHEN 'priority' THEN tier * 100.0 + f.score
              + CASE WHEN tier = 0 THEN 0
                     WHEN f.risk = 'high' THEN 30 WHEN f.risk = 'medium' THEN 20
                     ELSE 10 END
         WHEN 'score' THEN f.score
         WHEN 'members' THEN f.members
         WHEN 'gmv' THEN coalesce(f.gmv, 0.0)
       END AS key
  ORDER BY CASE WHEN $descending THEN key END DESC, CASE WHEN NOT $descending THEN key END,
           CASE WHEN $descending AND $sort = 'ring_id' THEN r.ring_id END DESC, r.ring_id
  RETURN collect({r: r, f: f, decision: decision, change: change,
                  previous_risk: previous_risk, previous_members: previous_members}) AS rows
}
WITH latest, previous, size(rows) AS total, rows[$skip..$skip + $limit] AS page
CALL (page) {
  UNWIND page AS row
  WITH row, row.r AS r, row.f AS f
  RETURN collect({
    ring_id: r.ring_id, score: f.score, risk: f.risk, previous_risk: row.previous_risk,
    pattern: r.pattern, members: f.members, previous_members: row.previous_members,
    change: row.change, alert: f.alert, verdict: row.decision,
    verdict_by: coalesce(r.decision_by, r.verdict_by),
    verdict_at: toString(coalesce(r.decision_at, r.verdict_at)), assignee: r.assignee,
    names: COLLECT { MATCH (r)-[h:HAS_MEMBER]->(m) WHERE m.name IS NOT NULL
                     RETURN m.name ORDER BY h.score DESC, m.name LIMIT 3 },
    gmv: CASE WHEN f.gmv IS NOT NULL THEN f.gmv
              ELSE reduce(total = 0.0, g IN COLLECT {
                            MATCH (r)-[:HAS_MEMBER]->(:Merchant)<-[p:PROMOTED]-()
                            RETURN p.gmv } | total + coalesce(g, 0.0)) END}) AS rows
}
RETURN latest.run_id AS run_id, toString(latest.generated_at) AS generated_at,
       previous.run_id AS previous_run_id, total, rows
