// A graph loaded before devices and accounts carried `actors` (how many merchants and
// streamers use them) and `streamers` (how many of those are streamers): count both once,
// when the `device_actors` index is first created.
MATCH (x)
WHERE (x:Device OR x:PaymentAccount) AND x.actors IS NULL
  AND EXISTS { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }
CALL (x) {
  WITH x, COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS streamers
  SET x.actors = COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() },
      x.streamers = CASE WHEN streamers > 0 THEN streamers END
} IN TRANSACTIONS OF 10000 ROWS
