// Every name seen as an analyst who decided or assigned something, or as an assignee
// (the case queue's filters list them), sorted.
CALL () {
  MATCH (v:Verdict) WHERE v.analyst IS NOT NULL
  RETURN DISTINCT v.analyst AS name
  UNION
  MATCH (v:Verdict) WHERE v.assignee IS NOT NULL
  RETURN DISTINCT v.assignee AS name
}
RETURN name ORDER BY name
