// The import tool cannot write an empty list: links exported without a role get the
// empty roles list the online loader gives them (run only when there are such links).
MATCH ()-[r:PAID_VIA]->() WHERE r.roles IS NULL
CALL (r) { SET r.roles = [] } IN TRANSACTIONS OF 10000 ROWS
