// A graph loaded before devices and accounts carried `actors` (how many merchants and
// streamers use them): count it once, when the `device_actors` index is first created.
MATCH (x)
WHERE (x:Device OR x:PaymentAccount) AND x.actors IS NULL
  AND EXISTS { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }
CALL (x) {
  SET x.actors = COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }
} IN TRANSACTIONS OF 10000 ROWS
